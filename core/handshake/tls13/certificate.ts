/**
 * The Certificate message (RFC 8446 §4.4.2): certificate_request_context (empty from a server;
 * a client echoes its CertificateRequest's), then each certificate of the chain (leaf first) as a
 * CertificateEntry with no extensions.
 *
 * @module
 */
import { Writer } from "../../wire/writer.ts";
import { encodeTlsHandshake } from "../../wire/handshake_header.ts";

const EMPTY = new Uint8Array(0);

/** The Certificate handshake message (4-byte header included) for a DER chain, leaf first, with `requestContext` (default empty). */
export function encodeCertificate(chain: readonly Uint8Array[], requestContext: Uint8Array = EMPTY): Uint8Array {
  let size = 8 + requestContext.length;
  for (const c of chain) size += 5 + c.length;
  const w = new Writer(size);
  w.vector(1, requestContext).nested(3, (w) => {
    for (const c of chain) w.vector(3, c).u16(0);
  });
  return encodeTlsHandshake(11, w.finish());
}
