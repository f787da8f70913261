/**
 * HelloRetryRequest (RFC 8446 §4.1.3-§4.1.4; DTLS 1.3 per RFC 9147 §5): a ServerHello with the
 * special random, carrying only supported_versions, key_share (the group to retry with, only when
 * the client sent no usable share) and cookie. The same function builds the message we send and
 * the one a continuation hashes, so a rebuild from cookie + CH2 is byte for byte the original.
 *
 * @module
 */
import { TLS_HANDSHAKE_HEADER_LENGTH } from "../wire/handshake_header.ts";
import { DTLS_HANDSHAKE_HEADER_LENGTH, writeDtlsHandshakeHeader } from "../wire/handshake_header.ts";
import { DTLS_RECORD_HEADER_LENGTH, TLS_RECORD_HEADER_LENGTH, writeDtlsRecordHeader } from "../wire/record.ts";
import { ContentType, HandshakeType } from "../constants/protocol.ts";
import { ExtensionType } from "../constants/extensions.ts";
import { ProtocolVersion } from "../constants/versions.ts";

/** SHA-256("HelloRetryRequest"): the ServerHello.random that marks an HRR (RFC 8446 §4.1.3). */
export const HELLO_RETRY_REQUEST_RANDOM: Uint8Array = new Uint8Array([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

/** The middlebox-compatibility ChangeCipherSpec record (RFC 8446 §D.4). */
export const CHANGE_CIPHER_SPEC_RECORD: Uint8Array = new Uint8Array([0x14, 0x03, 0x03, 0x00, 0x01, 0x01]);

/** What an HRR says. */
export interface HelloRetryRequestFields {
  /** DTLS 1.3 (legacy_version FEFD, supported_versions FEFC) or TLS 1.3 (0303 / 0304). */
  readonly dtls: boolean;
  /** legacy_session_id_echo: the client's session id for TLS; empty for DTLS 1.3 (RFC 9147 §5.3). */
  readonly sessionIdEcho: Uint8Array;
  /** The cipher suite the server will use. */
  readonly cipherSuite: number;
  /** Group requested in key_share, or `undefined` for a cookie-only HRR. */
  readonly selectedGroup: number | undefined;
  /** Cookie extension contents. */
  readonly cookie: Uint8Array;
}

/** Length of the HRR body for `f`. */
export function helloRetryRequestBodyLength(f: HelloRetryRequestFields): number {
  return 2 + 32 + 1 + f.sessionIdEcho.length + 2 + 1 + 2 + 6 + (f.selectedGroup === undefined ? 0 : 6) + 6 + f.cookie.length;
}

/** Writes the HRR body for `f` into `out` at `at`; returns the end offset. Everything is sized up front (no growth). */
export function writeHelloRetryRequestBody(out: Uint8Array, at: number, f: HelloRetryRequestFields): number {
  if (f.sessionIdEcho.length > 32) throw new RangeError("legacy_session_id_echo is at most 32 bytes");
  if (f.cookie.length === 0 || f.cookie.length > 0xffff - 2) throw new RangeError("cookie must be 1..65533 bytes");
  let p = at;
  const u16 = (v: number) => {
    out[p++] = v >>> 8;
    out[p++] = v & 0xff;
  };
  u16(f.dtls ? ProtocolVersion.DTLS1_2 : ProtocolVersion.TLS1_2);
  out.set(HELLO_RETRY_REQUEST_RANDOM, p);
  p += 32;
  out[p++] = f.sessionIdEcho.length;
  out.set(f.sessionIdEcho, p);
  p += f.sessionIdEcho.length;
  u16(f.cipherSuite);
  out[p++] = 0; // legacy_compression_method
  u16(6 + (f.selectedGroup === undefined ? 0 : 6) + 6 + f.cookie.length);
  u16(ExtensionType.supported_versions);
  u16(2);
  u16(f.dtls ? ProtocolVersion.DTLS1_3 : ProtocolVersion.TLS1_3);
  if (f.selectedGroup !== undefined) {
    u16(ExtensionType.key_share);
    u16(2);
    u16(f.selectedGroup);
  }
  u16(ExtensionType.cookie);
  u16(2 + f.cookie.length);
  u16(f.cookie.length);
  out.set(f.cookie, p);
  return p + f.cookie.length;
}

/** Encodes the HRR handshake body (the ServerHello body). */
export function encodeHelloRetryRequestBody(f: HelloRetryRequestFields): Uint8Array {
  const out = new Uint8Array(helloRetryRequestBodyLength(f));
  writeHelloRetryRequestBody(out, 0, f);
  return out;
}

function writeTlsHandshakeHeader(out: Uint8Array, at: number, bodyLength: number): void {
  out[at] = HandshakeType.server_hello;
  out[at + 1] = bodyLength >>> 16;
  out[at + 2] = bodyLength >>> 8;
  out[at + 3] = bodyLength;
}

/**
 * The HRR as a handshake message with a 4-byte TLS header: what enters the transcript for both
 * TLS 1.3 and DTLS 1.3 (RFC 9147 §5.2).
 */
export function encodeHelloRetryRequestMessage(f: HelloRetryRequestFields): Uint8Array {
  const len = helloRetryRequestBodyLength(f);
  const out = new Uint8Array(TLS_HANDSHAKE_HEADER_LENGTH + len);
  writeTlsHandshakeHeader(out, 0, len);
  writeHelloRetryRequestBody(out, TLS_HANDSHAKE_HEADER_LENGTH, f);
  return out;
}

/**
 * The TLS wire flight in one allocation: a handshake record (version 0303) holding the HRR,
 * followed by the CCS record when `middleboxCompat` is set (RFC 8446 §D.4). `message` is the HRR
 * with its 4-byte header, a view into `wire` (the transcript form).
 */
export function encodeTlsHelloRetryRequestFlight(
  f: HelloRetryRequestFields,
  middleboxCompat: boolean,
): { wire: Uint8Array; message: Uint8Array } {
  const len = helloRetryRequestBodyLength(f);
  const msgLen = TLS_HANDSHAKE_HEADER_LENGTH + len;
  const wire = new Uint8Array(TLS_RECORD_HEADER_LENGTH + msgLen + (middleboxCompat ? CHANGE_CIPHER_SPEC_RECORD.length : 0));
  wire[0] = ContentType.handshake;
  wire[1] = 0x03;
  wire[2] = 0x03;
  wire[3] = msgLen >>> 8;
  wire[4] = msgLen & 0xff;
  writeTlsHandshakeHeader(wire, TLS_RECORD_HEADER_LENGTH, len);
  const end = writeHelloRetryRequestBody(wire, TLS_RECORD_HEADER_LENGTH + TLS_HANDSHAKE_HEADER_LENGTH, f);
  if (middleboxCompat) wire.set(CHANGE_CIPHER_SPEC_RECORD, end);
  return { wire, message: wire.subarray(TLS_RECORD_HEADER_LENGTH, TLS_RECORD_HEADER_LENGTH + msgLen) };
}

/**
 * TLS wire bytes for an already encoded HRR message (from {@link encodeHelloRetryRequestMessage}):
 * one handshake record (version 0303), followed by the CCS record when `middleboxCompat` is set.
 */
export function tlsHelloRetryRequestRecords(message: Uint8Array, middleboxCompat: boolean): Uint8Array {
  const out = new Uint8Array(
    TLS_RECORD_HEADER_LENGTH + message.length + (middleboxCompat ? CHANGE_CIPHER_SPEC_RECORD.length : 0),
  );
  out[0] = ContentType.handshake;
  out[1] = 0x03;
  out[2] = 0x03;
  out[3] = message.length >>> 8;
  out[4] = message.length;
  out.set(message, TLS_RECORD_HEADER_LENGTH);
  if (middleboxCompat) out.set(CHANGE_CIPHER_SPEC_RECORD, TLS_RECORD_HEADER_LENGTH + message.length);
  return out;
}

/**
 * The DTLS 1.3 HRR datagram in one allocation: one DTLSPlaintext record (version FEFD, epoch 0)
 * whose sequence number is the ClientHello's (RFC 9147 §5.1), holding the HRR with a 12-byte
 * header, message_seq 0, unfragmented.
 */
export function encodeDtlsHelloRetryRequestDatagram(f: HelloRetryRequestFields, recordSequence: number): Uint8Array {
  const len = helloRetryRequestBodyLength(f);
  const fragLength = DTLS_HANDSHAKE_HEADER_LENGTH + len;
  const out = new Uint8Array(DTLS_RECORD_HEADER_LENGTH + fragLength);
  writeDtlsRecordHeader(out, 0, ContentType.handshake, ProtocolVersion.DTLS1_2, 0, recordSequence, fragLength);
  writeDtlsHandshakeHeader(out, DTLS_RECORD_HEADER_LENGTH, HandshakeType.server_hello, len, 0, 0, len);
  writeHelloRetryRequestBody(out, DTLS_RECORD_HEADER_LENGTH + DTLS_HANDSHAKE_HEADER_LENGTH, f);
  return out;
}

/**
 * DTLS 1.3 wire bytes for an already encoded HRR message (4-byte header form); see
 * {@link encodeDtlsHelloRetryRequestDatagram}.
 */
export function dtlsHelloRetryRequestDatagram(message: Uint8Array, recordSequence: number): Uint8Array {
  const bodyLength = message.length - TLS_HANDSHAKE_HEADER_LENGTH;
  const fragLength = DTLS_HANDSHAKE_HEADER_LENGTH + bodyLength;
  const out = new Uint8Array(DTLS_RECORD_HEADER_LENGTH + fragLength);
  writeDtlsRecordHeader(out, 0, ContentType.handshake, ProtocolVersion.DTLS1_2, 0, recordSequence, fragLength);
  writeDtlsHandshakeHeader(out, DTLS_RECORD_HEADER_LENGTH, HandshakeType.server_hello, bodyLength, 0, 0, bodyLength);
  out.set(message.subarray(TLS_HANDSHAKE_HEADER_LENGTH), DTLS_RECORD_HEADER_LENGTH + DTLS_HANDSHAKE_HEADER_LENGTH);
  return out;
}

/**
 * The synthetic `message_hash` handshake message that replaces ClientHello1 in the transcript
 * (RFC 8446 §4.4.1): type 254, length = Hash.length, body = Hash(ClientHello1).
 */
export function encodeMessageHash(clientHello1Hash: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + clientHello1Hash.length);
  out[0] = HandshakeType.message_hash;
  out[3] = clientHello1Hash.length;
  out.set(clientHello1Hash, 4);
  return out;
}

/** `message_hash(Hash(CH1)) || HRR`: the transcript prefix to which CH2 is appended. */
export function transcriptPrefix(clientHello1Hash: Uint8Array, helloRetryRequestMessage: Uint8Array): Uint8Array {
  const mh = encodeMessageHash(clientHello1Hash);
  const out = new Uint8Array(mh.length + helloRetryRequestMessage.length);
  out.set(mh);
  out.set(helloRetryRequestMessage, mh.length);
  return out;
}
