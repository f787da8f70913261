/**
 * Small, short-lived byte arrays carved from shared 4 KiB slabs, for the gate's hot paths (the
 * HelloVerifyRequest reply, the accepted ClientHello copy).
 *
 * Why: under Deno every `new Uint8Array(n)` creates an ArrayBuffer through the embedder's
 * allocator, about 0.5-0.65 µs whatever `n` is, a third of a whole HelloVerifyRequest; a view on
 * an existing buffer costs about 30 ns (bench/README.md, "where the time goes"). Under Bun the
 * two cost about the same (30 vs 60 ns). This is the trade Node's `Buffer` pool makes.
 *
 * What it means for holders of the returned arrays:
 * - Each array is a distinct, zero-filled region (a bump allocator never hands a byte out twice),
 *   aligned to 8 bytes; writing to one never changes another.
 * - `.buffer` is the whole slab: neighbouring bytes belong to other replies and ClientHellos
 *   (wire bytes of other peers, never secrets: no key, cookie key or traffic secret is ever
 *   carved here). Use `.slice()` for a standalone copy.
 * - A slab stays alive while any of its arrays does: keeping one array alive keeps at most
 *   4 KiB. Requests over 1 KiB get their own buffer.
 *
 * @module
 */

const SLAB_BYTES = 4096;
const MAX_CARVED = 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/** A zero-filled `Uint8Array` of `n` bytes, carved from the current slab when `n <= 1024`. */
export function slabBytes(n: number): Uint8Array {
  if (n > MAX_CARVED) return new Uint8Array(n);
  if (used + n > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const out = new Uint8Array(slab, used, n);
  used = (used + n + 7) & ~7;
  return out;
}
