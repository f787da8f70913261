/**
 * The server Certificate message (RFC 8446 §4.4.2): empty certificate_request_context, then each
 * certificate of the chain (leaf first) as a CertificateEntry with no extensions.
 *
 * @module
 */
import { Writer } from "../../wire/writer.ts";
import { encodeTlsHandshake } from "../../wire/handshake_header.ts";

/** The Certificate handshake message (4-byte header included) for a DER chain, leaf first. */
export function encodeCertificate(chain: readonly Uint8Array[]): Uint8Array {
  let size = 8;
  for (const c of chain) size += 5 + c.length;
  const w = new Writer(size);
  w.u8(0).nested(3, (w) => {
    for (const c of chain) w.vector(3, c).u16(0);
  });
  return encodeTlsHandshake(11, w.finish());
}
