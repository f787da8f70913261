/**
 * Handshake message headers: TLS's 4 bytes (RFC 8446 §4: msg_type, length) and DTLS's 12 bytes
 * (RFC 6347 §4.2.2 / RFC 9147 §5.2: plus message_seq, fragment_offset, fragment_length).
 *
 * @module
 */
import { DecodeError } from "./decode_error.ts";

/** Size of a TLS handshake header. */
export const TLS_HANDSHAKE_HEADER_LENGTH = 4;
/** Size of a DTLS handshake header. */
export const DTLS_HANDSHAKE_HEADER_LENGTH = 12;

/** A parsed DTLS handshake fragment header; `body` is the fragment's bytes (zero-copy). */
export interface DtlsHandshakeFragment {
  /** HandshakeType. */
  msgType: number;
  /** Length of the whole message body. */
  length: number;
  /** message_seq. */
  messageSeq: number;
  /** Offset of this fragment within the message body. */
  fragmentOffset: number;
  /** Length of this fragment. */
  fragmentLength: number;
  /** The fragment bytes. */
  body: Uint8Array;
}

/** The fields of a 12-byte DTLS handshake header (RFC 6347 §4.2.2). */
export interface DtlsHandshakeHeader {
  /** HandshakeType. */
  msgType: number;
  /** Length of the whole message body. */
  length: number;
  /** message_seq. */
  messageSeq: number;
  /** fragment_offset. */
  fragmentOffset: number;
  /** fragment_length. */
  fragmentLength: number;
}

/**
 * The DTLS handshake header at `offset`, or `undefined` when fewer than 12 bytes remain. Never
 * throws and checks nothing: the caller decides in which order the fields are judged.
 */
export function peekDtlsHandshakeHeader(bytes: Uint8Array, offset = 0): DtlsHandshakeHeader | undefined {
  if (bytes.length - offset < DTLS_HANDSHAKE_HEADER_LENGTH) return undefined;
  const b = bytes, p = offset;
  return {
    msgType: b[p],
    length: (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3],
    messageSeq: (b[p + 4] << 8) | b[p + 5],
    fragmentOffset: (b[p + 6] << 16) | (b[p + 7] << 8) | b[p + 8],
    fragmentLength: (b[p + 9] << 16) | (b[p + 10] << 8) | b[p + 11],
  };
}

/**
 * Reads one DTLS handshake fragment at `offset` of `bytes` (a record's fragment). Throws
 * `truncated` when the header or the fragment runs past the input, and `illegal-value` when
 * `fragment_offset + fragment_length > length` (RFC 6347 §4.2.2).
 */
export function readDtlsHandshakeFragment(bytes: Uint8Array, offset = 0): DtlsHandshakeFragment {
  const n = bytes.length - offset;
  if (n < DTLS_HANDSHAKE_HEADER_LENGTH) {
    throw new DecodeError("truncated", "dtls_handshake.header", offset, `need 12 bytes, have ${n}`);
  }
  const p = offset;
  const { msgType, length, messageSeq, fragmentOffset, fragmentLength } = peekDtlsHandshakeHeader(bytes, offset)!;
  if (fragmentOffset + fragmentLength > length) {
    throw new DecodeError(
      "illegal-value",
      "dtls_handshake.fragment_length",
      p + 9,
      `fragment ${fragmentOffset}+${fragmentLength} exceeds message length ${length}`,
    );
  }
  if (n - DTLS_HANDSHAKE_HEADER_LENGTH < fragmentLength) {
    throw new DecodeError("truncated", "dtls_handshake.fragment", p + 12, `fragment_length ${fragmentLength}`);
  }
  return { msgType, length, messageSeq, fragmentOffset, fragmentLength, body: bytes.subarray(p + 12, p + 12 + fragmentLength) };
}

/** Writes a 12-byte DTLS handshake header into `out` at `at`. */
export function writeDtlsHandshakeHeader(
  out: Uint8Array,
  at: number,
  msgType: number,
  length: number,
  messageSeq: number,
  fragmentOffset: number,
  fragmentLength: number,
): void {
  out[at] = msgType;
  out[at + 1] = length >>> 16;
  out[at + 2] = length >>> 8;
  out[at + 3] = length;
  out[at + 4] = messageSeq >>> 8;
  out[at + 5] = messageSeq;
  out[at + 6] = fragmentOffset >>> 16;
  out[at + 7] = fragmentOffset >>> 8;
  out[at + 8] = fragmentOffset;
  out[at + 9] = fragmentLength >>> 16;
  out[at + 10] = fragmentLength >>> 8;
  out[at + 11] = fragmentLength;
}

/** Encodes a whole (unfragmented) DTLS handshake message. */
export function encodeDtlsHandshake(msgType: number, messageSeq: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(DTLS_HANDSHAKE_HEADER_LENGTH + body.length);
  writeDtlsHandshakeHeader(out, 0, msgType, body.length, messageSeq, 0, body.length);
  out.set(body, DTLS_HANDSHAKE_HEADER_LENGTH);
  return out;
}

/** Encodes a TLS handshake message: msg_type(1) length(3) body. */
export function encodeTlsHandshake(msgType: number, body: Uint8Array): Uint8Array {
  if (body.length > 0xffffff) throw new RangeError("handshake body exceeds 2^24-1 bytes");
  const out = new Uint8Array(TLS_HANDSHAKE_HEADER_LENGTH + body.length);
  out[0] = msgType;
  out[1] = body.length >>> 16;
  out[2] = body.length >>> 8;
  out[3] = body.length;
  out.set(body, TLS_HANDSHAKE_HEADER_LENGTH);
  return out;
}
