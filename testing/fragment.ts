/**
 * DTLS fragmentation helpers for tests: split a handshake message into fragments (contiguous,
 * at chosen cut points, or overlapping), wrap fragments in DTLSPlaintext records, pack records
 * into datagrams under an MTU, and rearrange (reorder, duplicate, drop) the result.
 *
 * These build exactly the shapes RFC 6347 §4.2.3 and RFC 9147 §5.5 allow a receiver to see:
 * fragments out of order, repeated, overlapping, and several records per datagram.
 *
 * @example
 * ```ts
 * import { fragmentForMtu, rearrange } from "@hellogate/hellogate/testing";
 * const body = new Uint8Array(600);
 * const { datagrams } = fragmentForMtu(
 *   { msgType: 1, messageSeq: 0, body },
 *   { mtu: 200, recordVersion: 0xfefd, epoch: 0, firstSequence: 0 },
 * );
 * const shuffled = rearrange(datagrams, [2, 0, 1, 1, 3]); // reorder and repeat one
 * console.log(datagrams.length, shuffled.length);
 * ```
 *
 * @module
 */
import { DTLS_RECORD_HEADER_LENGTH, writeDtlsRecordHeader } from "../core/wire/record.ts";
import { DTLS_HANDSHAKE_HEADER_LENGTH, writeDtlsHandshakeHeader } from "../core/wire/handshake_header.ts";
import { packDatagrams as packFlight } from "../core/handshake/dtls12/flight.ts";

/** A whole handshake message to fragment: its type, DTLS message_seq and body (no header). */
export interface HandshakeMessageParts {
  /** HandshakeType (1 = client_hello). */
  readonly msgType: number;
  /** DTLS message_seq. */
  readonly messageSeq: number;
  /** The message body, without any handshake header. */
  readonly body: Uint8Array;
}

/** Record-layer parameters for wrapping handshake fragments in DTLSPlaintext records. */
export interface DtlsRecordParams {
  /** legacy_record_version, e.g. `0xfeff` or `0xfefd`. */
  readonly recordVersion: number;
  /** Epoch (0 for a first flight). */
  readonly epoch?: number;
  /** Sequence number of the first record; later records count up from it. */
  readonly firstSequence?: number;
  /** Content type; 22 (handshake) when omitted. */
  readonly contentType?: number;
}

/**
 * One DTLS handshake fragment (12-byte header + `body[offset, offset + length)`). Any range
 * inside the body is allowed, so overlapping fragments can be built on purpose.
 */
export function dtlsHandshakeFragment(
  msg: HandshakeMessageParts,
  offset: number,
  length: number,
): Uint8Array {
  if (offset < 0 || length < 0 || offset + length > msg.body.length) {
    throw new RangeError(`fragment ${offset}+${length} outside a ${msg.body.length}-byte body`);
  }
  const out = new Uint8Array(DTLS_HANDSHAKE_HEADER_LENGTH + length);
  writeDtlsHandshakeHeader(out, 0, msg.msgType, msg.body.length, msg.messageSeq, offset, length);
  out.set(msg.body.subarray(offset, offset + length), DTLS_HANDSHAKE_HEADER_LENGTH);
  return out;
}

/**
 * Splits a message into contiguous fragments of at most `maxFragmentLength` body bytes each.
 * An empty body gives one empty fragment.
 */
export function fragmentHandshakeMessage(
  msg: HandshakeMessageParts,
  maxFragmentLength: number,
): Uint8Array[] {
  if (!(maxFragmentLength >= 1)) throw new RangeError("maxFragmentLength must be at least 1");
  const out: Uint8Array[] = [];
  let at = 0;
  do {
    const len = Math.min(maxFragmentLength, msg.body.length - at);
    out.push(dtlsHandshakeFragment(msg, at, len));
    at += len;
  } while (at < msg.body.length);
  return out;
}

/**
 * Splits a message at the given body offsets (sorted and deduplicated; cuts at 0 or past the
 * end are ignored): `cuts = [10, 50]` gives fragments `[0,10)`, `[10,50)`, `[50,end)`.
 */
export function fragmentAtCuts(msg: HandshakeMessageParts, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < msg.body.length))].sort((a, b) => a - b);
  const bounds = [0, ...points, msg.body.length];
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    out.push(dtlsHandshakeFragment(msg, bounds[i], bounds[i + 1] - bounds[i]));
  }
  return out;
}

/** Wraps each payload in its own DTLSPlaintext record with consecutive sequence numbers. */
export function wrapInDtlsRecords(payloads: readonly Uint8Array[], params: DtlsRecordParams): Uint8Array[] {
  let seq = params.firstSequence ?? 0;
  return payloads.map((p) => {
    if (p.length > 0xffff) throw new RangeError("record payload exceeds 65535 bytes");
    const out = new Uint8Array(DTLS_RECORD_HEADER_LENGTH + p.length);
    writeDtlsRecordHeader(
      out,
      0,
      params.contentType ?? 22,
      params.recordVersion,
      params.epoch ?? 0,
      seq++,
      p.length,
    );
    out.set(p, DTLS_RECORD_HEADER_LENGTH);
    return out;
  });
}

/**
 * Packs records into datagrams greedily, in order, so that no datagram exceeds `mtu` bytes
 * (RFC 6347 §4.1.1: several records may share a datagram; a record never spans two). Throws
 * `RangeError` if one record alone is larger than `mtu`.
 */
export function packDatagrams(records: readonly Uint8Array[], mtu: number): Uint8Array[] {
  for (const r of records) {
    if (r.length > mtu) throw new RangeError(`a ${r.length}-byte record does not fit an MTU of ${mtu}`);
  }
  return packFlight(records, mtu);
}

/** Result of {@link fragmentForMtu}. */
export interface FragmentedFlight {
  /** The datagrams, each at most `mtu` bytes. */
  readonly datagrams: Uint8Array[];
  /** Sequence number the next record should use. */
  readonly nextSequence: number;
}

/**
 * Fragments a handshake message so that every datagram fits `mtu` (one fragment per record,
 * records packed greedily), the way OpenSSL and GnuTLS fragment a large ClientHello. With no
 * `mtu` the message goes unfragmented in one record.
 */
export function fragmentForMtu(
  msg: HandshakeMessageParts,
  params: DtlsRecordParams & { readonly mtu?: number },
): FragmentedFlight {
  const overhead = DTLS_RECORD_HEADER_LENGTH + DTLS_HANDSHAKE_HEADER_LENGTH;
  let fragments: Uint8Array[];
  if (params.mtu === undefined) {
    fragments = [dtlsHandshakeFragment(msg, 0, msg.body.length)];
  } else {
    if (!(params.mtu > overhead)) throw new RangeError(`mtu must exceed ${overhead} bytes of headers`);
    fragments = fragmentHandshakeMessage(msg, params.mtu - overhead);
  }
  const records = wrapInDtlsRecords(fragments, params);
  const datagrams = params.mtu === undefined ? records : packDatagrams(records, params.mtu);
  return { datagrams, nextSequence: (params.firstSequence ?? 0) + records.length };
}

/**
 * Returns `items` picked by `indexes`: reorder (`[2, 0, 1]`), duplicate (`[0, 0, 1]`) or drop
 * (`[1]`) elements in one call. Indexes outside the array throw `RangeError`.
 */
export function rearrange<T>(items: readonly T[], indexes: readonly number[]): T[] {
  return indexes.map((i) => {
    if (!Number.isInteger(i) || i < 0 || i >= items.length) throw new RangeError(`index ${i} out of range`);
    return items[i];
  });
}

export { concatBytes } from "../core/wire/bytes.ts";

/**
 * Splits a byte stream into chunks of the given sizes (cycled); e.g. `[1]` gives one byte per
 * chunk, `[5, 100]` alternates. Useful to feed a stream listener split reads.
 */
export function splitStream(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  if (sizes.length === 0 || sizes.some((s) => !(s >= 1))) throw new RangeError("chunk sizes must be >= 1");
  const out: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = Math.min(sizes[i % sizes.length], bytes.length - at);
    out.push(bytes.slice(at, at + n));
    at += n;
  }
  return out;
}
