/**
 * A bounds-checked cursor over untrusted bytes.
 *
 * Every read checks the remaining length first and throws a {@link DecodeError} naming the
 * field and offset; no read can produce `undefined`, `NaN` or a `RangeError`. Slices are
 * zero-copy views (`subarray`) into the input.
 *
 * @module
 */
import { DecodeError } from "./decode_error.ts";

/** The big-endian 48-bit unsigned integer at `offset` (exact as a JS number); the caller checks bounds. */
export function u48At(b: Uint8Array, p: number): number {
  return (((b[p] << 8) | b[p + 1]) * 0x1_0000_0000) + (((b[p + 2] << 24) >>> 0) + ((b[p + 3] << 16) | (b[p + 4] << 8) | b[p + 5]));
}

/** Sequential reader over a byte range `[start, end)` of a buffer. */
export class Reader {
  /** The underlying buffer (shared, never copied). */
  readonly bytes: Uint8Array;
  /** Current absolute position in {@link bytes}. */
  pos: number;
  /** Absolute end (exclusive) of the readable range. */
  readonly end: number;

  /** Reads `bytes[start, end)`; `end` defaults to the buffer length. */
  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws `truncated` unless `n` more bytes are available. */
  need(n: number, field: string): void {
    if (this.end - this.pos < n) {
      throw new DecodeError("truncated", field, this.pos, `need ${n} bytes, have ${this.end - this.pos}`);
    }
  }

  /** Reads one byte. */
  u8(field: string): number {
    if (this.pos >= this.end) this.need(1, field);
    return this.bytes[this.pos++];
  }

  /** Reads a big-endian 16-bit integer. */
  u16(field: string): number {
    if (this.end - this.pos < 2) this.need(2, field);
    const b = this.bytes, p = this.pos;
    this.pos = p + 2;
    return (b[p] << 8) | b[p + 1];
  }

  /** Reads a big-endian 24-bit integer. */
  u24(field: string): number {
    if (this.end - this.pos < 3) this.need(3, field);
    const b = this.bytes, p = this.pos;
    this.pos = p + 3;
    return (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
  }

  /** Reads a big-endian 32-bit unsigned integer. */
  u32(field: string): number {
    if (this.end - this.pos < 4) this.need(4, field);
    const b = this.bytes, p = this.pos;
    this.pos = p + 4;
    return ((b[p] << 24) >>> 0) + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
  }

  /** Reads a big-endian 48-bit unsigned integer (exact as a JS number). */
  u48(field: string): number {
    if (this.end - this.pos < 6) this.need(6, field);
    const p = this.pos;
    this.pos = p + 6;
    return u48At(this.bytes, p);
  }

  /** Returns a zero-copy view of the next `n` bytes. */
  bytesN(n: number, field: string): Uint8Array {
    if (this.end - this.pos < n) this.need(n, field);
    const p = this.pos;
    this.pos = p + n;
    return this.bytes.subarray(p, p + n);
  }

  /** Skips `n` bytes. */
  skip(n: number, field: string): void {
    if (this.end - this.pos < n) this.need(n, field);
    this.pos += n;
  }

  /**
   * Reads a length-prefixed vector header (`prefix` = 1, 2 or 3 bytes) and returns the absolute
   * `[start, end)` of its body, leaving the cursor after the body. Checks `min`/`max` lengths
   * (RFC 8446 §3.4 `<min..max>`).
   */
  vector(prefix: 1 | 2 | 3, field: string, min = 0, max = Infinity): [number, number] {
    const lenAt = this.pos;
    const len = prefix === 1 ? this.u8(field) : prefix === 2 ? this.u16(field) : this.u24(field);
    if (len < min || len > max) {
      throw new DecodeError("bad-length", field, lenAt, `length ${len} outside ${min}..${max}`);
    }
    const start = this.pos;
    if (this.end - start < len) this.need(len, field);
    this.pos = start + len;
    return [start, start + len];
  }

  /** Like {@link vector} but returns a zero-copy view of the body. */
  vectorBytes(prefix: 1 | 2 | 3, field: string, min = 0, max = Infinity): Uint8Array {
    const [s, e] = this.vector(prefix, field, min, max);
    return this.bytes.subarray(s, e);
  }

  /** Throws `trailing-bytes` unless the reader is exhausted. */
  expectEnd(field: string): void {
    if (this.pos !== this.end) {
      throw new DecodeError("trailing-bytes", field, this.pos, `${this.end - this.pos} bytes left`);
    }
  }
}
