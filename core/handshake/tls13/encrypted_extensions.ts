/**
 * EncryptedExtensions (RFC 8446 §4.3.1): what the server answers to the client's extensions that
 * do not shape the key exchange. We send, in this order and only when they apply: server_name
 * empty (the client's SNI was seen, RFC 6066 §3), ALPN (RFC 7301 §3.1, exactly one protocol),
 * record_size_limit (RFC 8449 §4, when the client offered it; never in QUIC), and
 * quic_transport_parameters (RFC 9001 §8.2, QUIC only).
 *
 * @module
 */
import { Writer } from "../../wire/writer.ts";
import { encodeTlsHandshake } from "../../wire/handshake_header.ts";

/** What EncryptedExtensions carries. */
export interface EncryptedExtensionsFields {
  /** Acknowledge the client's server_name with an empty extension. */
  readonly serverNameAck?: boolean;
  /** The selected ALPN protocol. */
  readonly alpn?: string;
  /** Our record_size_limit. */
  readonly recordSizeLimit?: number;
  /** Our encoded QUIC transport parameters. */
  readonly quicTransportParameters?: Uint8Array;
}

/** The EncryptedExtensions handshake message (4-byte header included). */
export function encodeEncryptedExtensions(f: EncryptedExtensionsFields): Uint8Array {
  const w = new Writer(64 + (f.quicTransportParameters?.length ?? 0));
  w.nested(2, (w) => {
    if (f.serverNameAck) w.u16(0).u16(0);
    if (f.alpn !== undefined) {
      const name = new Uint8Array([...f.alpn].map((c) => c.charCodeAt(0) & 0xff));
      w.u16(16).nested(2, (w) => w.nested(2, (w) => w.vector(1, name)));
    }
    if (f.recordSizeLimit !== undefined) w.u16(28).u16(2).u16(f.recordSizeLimit);
    if (f.quicTransportParameters) w.u16(57).vector(2, f.quicTransportParameters);
  });
  return encodeTlsHandshake(8, w.finish());
}
