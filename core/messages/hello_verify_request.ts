/**
 * HelloVerifyRequest (RFC 6347 §4.2.1) in the exact form OpenSSL's DTLSv1_listen sends:
 * one DTLSPlaintext record whose epoch and sequence number echo the ClientHello's record, one
 * unfragmented handshake message with message_seq 0, body `server_version(FE FF) || cookie`.
 *
 * @module
 */
import { DTLS_RECORD_HEADER_LENGTH, writeDtlsRecordHeader } from "../wire/record.ts";
import { DTLS_HANDSHAKE_HEADER_LENGTH, writeDtlsHandshakeHeader } from "../wire/handshake_header.ts";
import { ContentType, HandshakeType } from "../constants/protocol.ts";
import { ProtocolVersion } from "../constants/versions.ts";

/** Inputs of {@link encodeHelloVerifyRequest}. */
export interface HelloVerifyRequestFields {
  /** Record-layer version: FEFF normally, FEFD when the listener only speaks DTLS 1.2 (as OpenSSL does). */
  readonly recordVersion: number;
  /** Epoch of the ClientHello record (echoed). */
  readonly epoch: number;
  /** Sequence number of the ClientHello record (echoed, RFC 6347 §4.2.1). */
  readonly sequence: number;
  /** The cookie (at most 32 bytes for DTLS 1.0 compatibility; hellogate's are exactly 32). */
  readonly cookie: Uint8Array;
}

/** Bytes of a HelloVerifyRequest datagram for a cookie of `cookieLength` bytes: 28 + cookieLength. */
export function helloVerifyRequestLength(cookieLength: number): number {
  return DTLS_RECORD_HEADER_LENGTH + DTLS_HANDSHAKE_HEADER_LENGTH + 3 + cookieLength;
}

/** Encodes the whole HelloVerifyRequest datagram. */
export function encodeHelloVerifyRequest(f: HelloVerifyRequestFields): Uint8Array {
  if (f.cookie.length > 255) throw new RangeError("HelloVerifyRequest cookie exceeds 255 bytes");
  const out = new Uint8Array(helloVerifyRequestLength(f.cookie.length));
  writeHelloVerifyRequestHeaders(out, f.recordVersion, f.epoch, f.sequence, f.cookie.length);
  out.set(f.cookie, HELLO_VERIFY_REQUEST_COOKIE_OFFSET);
  return out;
}

/** Where the cookie starts in a HelloVerifyRequest datagram. */
export const HELLO_VERIFY_REQUEST_COOKIE_OFFSET = 28;

/**
 * Writes everything of a HelloVerifyRequest datagram but the cookie bytes (which go at
 * {@link HELLO_VERIFY_REQUEST_COOKIE_OFFSET}) into `out`, sized {@link helloVerifyRequestLength}.
 */
export function writeHelloVerifyRequestHeaders(
  out: Uint8Array,
  recordVersion: number,
  epoch: number,
  sequence: number,
  cookieLength: number,
): void {
  const f = { recordVersion, epoch, sequence, cookieLength };
  const bodyLength = 3 + cookieLength;
  writeDtlsRecordHeader(
    out,
    0,
    ContentType.handshake,
    f.recordVersion,
    f.epoch,
    f.sequence,
    DTLS_HANDSHAKE_HEADER_LENGTH + bodyLength,
  );
  const h = DTLS_RECORD_HEADER_LENGTH;
  writeDtlsHandshakeHeader(out, h, HandshakeType.hello_verify_request, bodyLength, 0, 0, bodyLength);
  const b = h + DTLS_HANDSHAKE_HEADER_LENGTH;
  // RFC 6347 §4.2.1: server_version in the HVR is DTLS 1.0 regardless of what will be negotiated.
  out[b] = ProtocolVersion.DTLS1_0 >>> 8;
  out[b + 1] = ProtocolVersion.DTLS1_0 & 0xff;
  out[b + 2] = f.cookieLength;
}
