/**
 * Byte-range bookkeeping for a message reassembled from pieces that may overlap and arrive in
 * any order (DTLS handshake fragments, QUIC CRYPTO frames).
 *
 * A range list is a flat array of sorted, disjoint, non-adjacent `[start, end)` pairs:
 * `[s0, e0, s1, e1, ...]`. Overlapping bytes must agree with what is already held, so a
 * spoofed piece can at worst get a partial message dropped, never alter it.
 *
 * @module
 */

/** Why {@link mergeByteRange} refused a piece. */
export type ByteRangeRefusal = "conflict" | "too-many-ranges";

/**
 * Copies `data` into `buf` at `offset` and returns `ranges` with `[offset, offset + data.length)`
 * merged in (a new array; `ranges` itself is not modified; for empty `data`, `ranges` as is).
 *
 * Returns `"conflict"` (and writes nothing) when a byte already held differs from the new one,
 * and `"too-many-ranges"` when the result would have more than `maxRanges` disjoint ranges; `buf`
 * has then been written, so the caller drops the partial message. The caller makes sure
 * `offset + data.length <= buf.length`.
 */
export function mergeByteRange(
  buf: Uint8Array,
  ranges: number[],
  offset: number,
  data: Uint8Array,
  maxRanges: number,
): number[] | ByteRangeRefusal {
  const start = offset, end = offset + data.length;
  // Conflict check against every held range that overlaps [start, end).
  for (let i = 0; i < ranges.length; i += 2) {
    const s = Math.max(start, ranges[i]), t = Math.min(end, ranges[i + 1]);
    for (let j = s; j < t; j++) if (buf[j] !== data[j - start]) return "conflict";
  }
  buf.set(data, start);
  if (start === end) return ranges;
  // Insert [start, end) and coalesce overlapping or adjacent ranges.
  const out: number[] = [];
  let ns = start, ne = end, placed = false;
  for (let i = 0; i < ranges.length; i += 2) {
    const s = ranges[i], t = ranges[i + 1];
    if (t < ns) out.push(s, t);
    else if (s > ne) {
      if (!placed) {
        out.push(ns, ne);
        placed = true;
      }
      out.push(s, t);
    } else {
      ns = Math.min(ns, s);
      ne = Math.max(ne, t);
    }
  }
  if (!placed) out.push(ns, ne);
  // Bound the work a hostile sender can cause with many tiny disjoint pieces.
  if (out.length > 2 * maxRanges) return "too-many-ranges";
  return out;
}
