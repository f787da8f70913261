/**
 * The TLS record reader (RFC 8446 §5.1, RFC 5246 §6.2): TLSPlaintext / TLSCiphertext records
 * from a byte stream in any chunking. Policy-free: it splits records and enforces only the
 * fragment size cap it was built with; what a content type or version means is the caller's
 * business (the stateless gate, the TLS 1.3 engine).
 *
 * @example
 * ```ts
 * import { TlsRecordReader } from "./tls_record_reader.ts";
 * const reader = new TlsRecordReader();
 * reader.push(new Uint8Array([22, 3, 1, 0, 2, 1, 0]));
 * const step = reader.next(); // { kind: "record", contentType: 22, version: 0x0301, fragment: 01 00 }
 * ```
 *
 * @module
 */
import { ByteQueue } from "./byte_queue.ts";
import { MAX_PLAINTEXT_FRAGMENT, TLS_RECORD_HEADER_LENGTH, type TlsRecordHeader } from "../wire/record.ts";

export type { TlsRecordHeader };

/** Default cap on a record fragment: 2^14 + 256 (RFC 8446 §5.2's TLSCiphertext bound). */
export const DEFAULT_MAX_FRAGMENT_BYTES: number = MAX_PLAINTEXT_FRAGMENT + 256;

/** One whole record. `fragment` is a view: copy it to keep it past the caller's next reuse of a pushed chunk. */
export interface TlsRecordRead {
  /** Discriminant. */
  readonly kind: "record";
  /** Content type byte. */
  readonly contentType: number;
  /** legacy_record_version. */
  readonly version: number;
  /** The record payload. */
  readonly fragment: Uint8Array;
}

/** What {@link TlsRecordReader.next} returns. */
export type TlsRecordStep =
  | TlsRecordRead
  /** The next record is incomplete; at least `bytesNeeded` more bytes are needed. */
  | { readonly kind: "need-data"; readonly bytesNeeded: number }
  /** The header declares a fragment longer than the cap (RFC 8446 §5.1: record_overflow). Sticky. */
  | { readonly kind: "error"; readonly reason: "bad-record-length"; readonly detail: string; readonly header: TlsRecordHeader };

/** Options of a {@link TlsRecordReader}. */
export interface TlsRecordReaderOptions {
  /** Largest fragment accepted (default {@link DEFAULT_MAX_FRAGMENT_BYTES}; at most 65535). */
  readonly maxFragmentBytes?: number;
}

/** Splits a byte stream into TLS records. */
export class TlsRecordReader {
  readonly #q = new ByteQueue();
  #max: number;
  #failed: TlsRecordStep | undefined;

  /** Throws `RangeError` for a cap outside 0..65535. */
  constructor(options: TlsRecordReaderOptions = {}) {
    this.#max = options.maxFragmentBytes ?? DEFAULT_MAX_FRAGMENT_BYTES;
    if (!Number.isInteger(this.#max) || this.#max < 0 || this.#max > 0xffff) {
      throw new RangeError("maxFragmentBytes must be an integer in 0..65535");
    }
  }

  /** Bytes held (a partial record, or records not read yet). */
  get buffered(): number {
    return this.#q.length;
  }

  /** The fragment cap; may be lowered or raised later (RFC 8449 record_size_limit). */
  get maxFragmentBytes(): number {
    return this.#max;
  }
  set maxFragmentBytes(value: number) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new RangeError("maxFragmentBytes must be in 0..65535");
    this.#max = value;
  }

  /** Appends stream bytes. */
  push(chunk: Uint8Array): void {
    this.#q.push(chunk);
  }

  /** Up to `n` of the next bytes, not consumed (to look at a stream's first bytes). */
  peekBytes(n: number): Uint8Array {
    return this.#q.peek(Math.min(n, this.#q.length));
  }

  /** The next record's header once its 5 bytes are known, without consuming anything. */
  peekHeader(): TlsRecordHeader | undefined {
    const q = this.#q;
    if (q.length < TLS_RECORD_HEADER_LENGTH) return undefined;
    return { contentType: q.at(0), version: (q.at(1) << 8) | q.at(2), length: (q.at(3) << 8) | q.at(4) };
  }

  /** The next whole record, or why there is none. */
  next(): TlsRecordStep {
    if (this.#failed) return this.#failed;
    const q = this.#q;
    const avail = q.length;
    if (avail < TLS_RECORD_HEADER_LENGTH) {
      q.settle();
      return { kind: "need-data", bytesNeeded: TLS_RECORD_HEADER_LENGTH - avail };
    }
    const length = (q.at(3) << 8) | q.at(4);
    if (length > this.#max) {
      const header = this.peekHeader()!;
      return this.#failed = {
        kind: "error",
        reason: "bad-record-length",
        detail: `record of ${length} bytes exceeds ${this.#max}`,
        header,
      };
    }
    if (avail < TLS_RECORD_HEADER_LENGTH + length) {
      q.settle();
      return { kind: "need-data", bytesNeeded: TLS_RECORD_HEADER_LENGTH + length - avail };
    }
    const contentType = q.at(0), version = (q.at(1) << 8) | q.at(2);
    q.take(TLS_RECORD_HEADER_LENGTH);
    return { kind: "record", contentType, version, fragment: q.take(length) };
  }

  /** Removes and returns every byte held (e.g. what followed the last record a caller wanted). */
  drain(): Uint8Array {
    return this.#q.takeAll().slice();
  }

  /** Forgets everything held. */
  clear(): void {
    this.#q.clear();
  }
}
