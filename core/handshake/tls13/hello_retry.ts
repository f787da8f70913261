/**
 * The engine's own (stateful) HelloRetryRequest (RFC 8446 §4.1.4), sent when a ClientHello that
 * came without a stateless retry has no usable key share: a ServerHello with the special random,
 * the session id echoed, the suite, supported_versions 0x0304 and key_share(selected_group),
 * no cookie (the engine keeps the state itself).
 *
 * @module
 */
import { Writer } from "../../wire/writer.ts";
import { encodeTlsHandshake } from "../../wire/handshake_header.ts";
import { HELLO_RETRY_REQUEST_RANDOM } from "../../messages/hello_retry_request.ts";

/** The HRR handshake message (4-byte header included), as it enters the transcript. */
export function encodeStatefulHelloRetryRequest(sessionIdEcho: Uint8Array, cipherSuite: number, group: number): Uint8Array {
  const w = new Writer(96);
  w.u16(0x0303).bytes(HELLO_RETRY_REQUEST_RANDOM).vector(1, sessionIdEcho).u16(cipherSuite).u8(0);
  w.nested(2, (w) => {
    w.u16(43).u16(2).u16(0x0304);
    w.u16(51).u16(2).u16(group);
  });
  return encodeTlsHandshake(2, w.finish());
}
