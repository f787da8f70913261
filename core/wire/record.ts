/**
 * Record-layer framing: TLSPlaintext (RFC 8446 §5.1), DTLSPlaintext (RFC 6347 §4.1,
 * RFC 9147 §4) and recognition of the DTLS 1.3 unified header (RFC 9147 §4, first byte
 * `001CSLEE`), which only ever carries encrypted records.
 *
 * @module
 */
import { DecodeError } from "./decode_error.ts";
import { u48At } from "./reader.ts";

/** Size of a TLS record header: type(1) version(2) length(2). */
export const TLS_RECORD_HEADER_LENGTH = 5;
/** Size of a DTLSPlaintext header: type(1) version(2) epoch(2) sequence_number(6) length(2). */
export const DTLS_RECORD_HEADER_LENGTH = 13;
/** Largest TLSPlaintext fragment (2^14, RFC 8446 §5.1). */
export const MAX_PLAINTEXT_FRAGMENT = 16384;

/** A parsed TLS record header. The fragment lies at `[fragmentStart, fragmentStart + length)`. */
export interface TlsRecordHeader {
  /** Content type (22 = handshake, 21 = alert, 20 = change_cipher_spec). */
  contentType: number;
  /** legacy_record_version. */
  version: number;
  /** Fragment length. */
  length: number;
}

/**
 * Parses a TLS record header at `offset`. Returns `undefined` when fewer than 5 bytes are
 * available (a stream needs more data); never reads past `bytes.length`.
 */
export function peekTlsRecordHeader(bytes: Uint8Array, offset = 0): TlsRecordHeader | undefined {
  if (bytes.length - offset < TLS_RECORD_HEADER_LENGTH) return undefined;
  return {
    contentType: bytes[offset],
    version: (bytes[offset + 1] << 8) | bytes[offset + 2],
    length: (bytes[offset + 3] << 8) | bytes[offset + 4],
  };
}

/** Encodes a TLS record: header + fragment. */
export function encodeTlsRecord(contentType: number, version: number, fragment: Uint8Array): Uint8Array {
  if (fragment.length > 0xffff) throw new RangeError("TLS record fragment exceeds 65535 bytes");
  const out = new Uint8Array(TLS_RECORD_HEADER_LENGTH + fragment.length);
  writeTlsRecordHeader(out, 0, contentType, version, fragment.length);
  out.set(fragment, TLS_RECORD_HEADER_LENGTH);
  return out;
}

/** Writes a 5-byte TLS record header (type, version, fragment length) into `out` at `at`. */
export function writeTlsRecordHeader(out: Uint8Array, at: number, contentType: number, version: number, length: number): void {
  out[at] = contentType;
  out[at + 1] = version >>> 8;
  out[at + 2] = version;
  out[at + 3] = length >>> 8;
  out[at + 4] = length;
}

/** A DTLSPlaintext record inside a datagram. */
export interface DtlsRecord {
  /** Content type. */
  contentType: number;
  /** Record version (FEFF, FEFD; DTLS 1.3 plaintext records say FEFD). */
  version: number;
  /** Epoch (0 before any keys). */
  epoch: number;
  /** 48-bit record sequence number. */
  sequence: number;
  /** Offset of the record header in the datagram. */
  offset: number;
  /** Zero-copy view of the fragment. */
  fragment: Uint8Array;
}

/**
 * True when the byte at `offset` starts a DTLS 1.3 unified-header record (RFC 9147 §4: the top
 * three bits are `001`). Such records are always encrypted; a stateless listener cannot read them.
 */
export function isDtlsUnifiedHeader(firstByte: number): boolean {
  return (firstByte & 0xe0) === 0x20;
}

/** The fields of a 13-byte DTLSPlaintext header. */
export interface DtlsRecordHeader {
  /** Content type. */
  contentType: number;
  /** Record version. */
  version: number;
  /** Epoch. */
  epoch: number;
  /** 48-bit record sequence number. */
  sequence: number;
  /** Declared fragment length (not checked against the datagram). */
  length: number;
}

/**
 * The DTLSPlaintext header at `offset`, or `undefined` when fewer than 13 bytes remain. Never
 * throws: a listener checks the fields in its own order (DTLSv1_listen's) and then the length.
 */
export function peekDtlsRecordHeader(datagram: Uint8Array, offset = 0): DtlsRecordHeader | undefined {
  if (datagram.length - offset < DTLS_RECORD_HEADER_LENGTH) return undefined;
  const b = datagram, p = offset;
  return {
    contentType: b[p],
    version: (b[p + 1] << 8) | b[p + 2],
    epoch: (b[p + 3] << 8) | b[p + 4],
    sequence: u48At(b, p + 5),
    length: (b[p + 11] << 8) | b[p + 12],
  };
}

/**
 * Parses the DTLSPlaintext record at `offset`. Throws {@link DecodeError} `truncated` when the
 * header or the declared fragment runs past the datagram.
 */
export function readDtlsRecord(datagram: Uint8Array, offset = 0): DtlsRecord {
  const h = peekDtlsRecordHeader(datagram, offset);
  if (!h) {
    throw new DecodeError("truncated", "dtls_record.header", offset, `need 13 bytes, have ${datagram.length - offset}`);
  }
  if (datagram.length - offset - DTLS_RECORD_HEADER_LENGTH < h.length) {
    throw new DecodeError("truncated", "dtls_record.fragment", offset + 13, `length ${h.length} past the datagram`);
  }
  return {
    contentType: h.contentType,
    version: h.version,
    epoch: h.epoch,
    sequence: h.sequence,
    offset,
    fragment: datagram.subarray(offset + 13, offset + 13 + h.length),
  };
}

/**
 * Iterates every record in a datagram (RFC 6347 §4.1.1: several records may share one
 * datagram). Stops with a {@link DecodeError} at the first malformed record; unified-header
 * records are yielded as `{ unified: true, offset }` and end the iteration, since their length
 * may be implicit.
 */
export function* dtlsRecords(
  datagram: Uint8Array,
): Generator<DtlsRecord | { unified: true; offset: number }, void, void> {
  let offset = 0;
  while (offset < datagram.length) {
    if (isDtlsUnifiedHeader(datagram[offset])) {
      yield { unified: true, offset };
      return;
    }
    const rec = readDtlsRecord(datagram, offset);
    yield rec;
    offset += DTLS_RECORD_HEADER_LENGTH + rec.fragment.length;
  }
}

/** Encodes one DTLSPlaintext record. */
export function encodeDtlsRecord(
  contentType: number,
  version: number,
  epoch: number,
  sequence: number,
  fragment: Uint8Array,
): Uint8Array {
  if (fragment.length > 0xffff) throw new RangeError("DTLS record fragment exceeds 65535 bytes");
  const out = new Uint8Array(DTLS_RECORD_HEADER_LENGTH + fragment.length);
  writeDtlsRecordHeader(out, 0, contentType, version, epoch, sequence, fragment.length);
  out.set(fragment, DTLS_RECORD_HEADER_LENGTH);
  return out;
}

/** Writes a 13-byte DTLSPlaintext header into `out` at `at`. */
export function writeDtlsRecordHeader(
  out: Uint8Array,
  at: number,
  contentType: number,
  version: number,
  epoch: number,
  sequence: number,
  length: number,
): void {
  const hi = Math.floor(sequence / 0x1_0000_0000);
  const lo = sequence >>> 0;
  out[at] = contentType;
  out[at + 1] = version >>> 8;
  out[at + 2] = version;
  out[at + 3] = epoch >>> 8;
  out[at + 4] = epoch;
  out[at + 5] = hi >>> 8;
  out[at + 6] = hi;
  out[at + 7] = lo >>> 24;
  out[at + 8] = lo >>> 16;
  out[at + 9] = lo >>> 8;
  out[at + 10] = lo;
  out[at + 11] = length >>> 8;
  out[at + 12] = length;
}
