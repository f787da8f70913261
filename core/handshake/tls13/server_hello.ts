/**
 * The TLS 1.3 ServerHello (RFC 8446 §4.1.3): legacy_version 0x0303, a fresh 32-byte random, the
 * client's legacy_session_id echoed, the chosen suite, compression 0, and the extensions
 * key_share (our share, §4.2.8) and supported_versions (0x0304, §4.2.1), in that order, then
 * pre_shared_key (the selected identity, §4.2.11) when a session is resumed.
 *
 * @module
 */
import { Writer } from "../../wire/writer.ts";
import { encodeTlsHandshake } from "../../wire/handshake_header.ts";

/** Fields of a ServerHello. */
export interface ServerHelloFields {
  /** 32 random bytes. */
  readonly random: Uint8Array;
  /** The client's legacy_session_id (echoed; empty in QUIC). */
  readonly sessionIdEcho: Uint8Array;
  /** Selected cipher suite. */
  readonly cipherSuite: number;
  /** Group of our key share. */
  readonly group: number;
  /** Our key_exchange bytes. */
  readonly keyShare: Uint8Array;
  /** Resumption: the index of the accepted PSK identity (pre_shared_key, RFC 8446 §4.2.11). */
  readonly selectedIdentity?: number;
}

/** The ServerHello handshake message (4-byte header included), as it enters the transcript. */
export function encodeServerHello(f: ServerHelloFields): Uint8Array {
  if (f.random.length !== 32) throw new RangeError("ServerHello random must be 32 bytes");
  const w = new Writer(128 + f.keyShare.length);
  w.u16(0x0303).bytes(f.random).vector(1, f.sessionIdEcho).u16(f.cipherSuite).u8(0);
  w.nested(2, (w) => {
    w.u16(51).nested(2, (w) => w.u16(f.group).vector(2, f.keyShare));
    w.u16(43).u16(2).u16(0x0304);
    if (f.selectedIdentity !== undefined) w.u16(41).u16(2).u16(f.selectedIdentity);
  });
  return encodeTlsHandshake(2, w.finish());
}
