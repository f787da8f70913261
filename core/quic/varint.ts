/**
 * QUIC variable-length integers (RFC 9000 §16): the two high bits of the first byte give the
 * length (1, 2, 4 or 8 bytes), the rest is the big-endian value. Values above 2^53 - 1 cannot
 * be represented exactly in a JavaScript number; decoders report them as `-1` (callers treat
 * that as malformed input: nothing QUIC's Initial packets carry is that large).
 *
 * @module
 */

/** Largest value {@link writeVarint} accepts (2^53 - 1; QUIC allows up to 2^62 - 1). */
export const MAX_VARINT = Number.MAX_SAFE_INTEGER;

/** Result of {@link readVarint}: the value and the offset after it, or `undefined` when truncated. */
export interface VarintRead {
  /** Decoded value, `-1` when it exceeds 2^53 - 1. */
  readonly value: number;
  /** Offset just past the integer. */
  readonly next: number;
}

/** Reads a varint at `at` within `buf[.., end)`; `undefined` when it runs past `end`. */
export function readVarint(buf: Uint8Array, at: number, end: number = buf.length): VarintRead | undefined {
  if (at >= end) return undefined;
  const first = buf[at];
  const len = 1 << (first >> 6);
  if (at + len > end) return undefined;
  let v = first & 0x3f;
  if (len === 8 && (v !== 0 || buf[at + 1] > 0x1f)) {
    return { value: -1, next: at + 8 }; // 2^53 and above
  }
  for (let i = 1; i < len; i++) v = v * 256 + buf[at + i];
  return { value: v, next: at + len };
}

/** Bytes {@link writeVarint} uses for `value`. Throws `RangeError` for a negative or too large value. */
export function varintLength(value: number): 1 | 2 | 4 | 8 {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`varint out of range: ${value}`);
  if (value < 0x40) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x40000000) return 4;
  return 8;
}

/**
 * Writes `value` at `at` using `length` bytes (default: the shortest); returns the offset after
 * it. Throws `RangeError` when the value does not fit the requested length.
 */
export function writeVarint(out: Uint8Array, at: number, value: number, length: 1 | 2 | 4 | 8 = varintLength(value)): number {
  if (varintLength(value) > length) throw new RangeError(`varint ${value} does not fit in ${length} bytes`);
  let v = value;
  for (let i = length - 1; i > 0; i--) {
    out[at + i] = v % 256;
    v = Math.floor(v / 256);
  }
  out[at] = v | ((length === 1 ? 0 : length === 2 ? 1 : length === 4 ? 2 : 3) << 6);
  return at + length;
}
