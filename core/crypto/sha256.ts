/**
 * SHA-256 (FIPS 180-4) without per-call allocations: the compression function shared with the
 * cookie HMAC, and a one-shot digest over several byte ranges. `@noble/hashes` allocates its
 * block buffers on every `create()`, which under Deno costs more than the hashing itself for the
 * short messages a listener hashes (a ClientHello is 4-30 blocks). Checked against
 * `@noble/hashes` in tests.
 *
 * @module
 */

/** First 64 primes. */
const PRIMES: number[] = [];
for (let n = 2; PRIMES.length < 64; n++) if (PRIMES.every((p) => n % p !== 0)) PRIMES.push(n);

/** `floor(frac(p^(1/r)) * 2^32)` exactly, via an integer `r`-th root of `p * 2^(32 r)`. */
function fracRootBits(p: number, r: 2 | 3): number {
  const target = BigInt(p) << BigInt(32 * r);
  const pow = (x: bigint) => r === 2 ? x * x : x * x * x;
  let x = BigInt(Math.floor((r === 2 ? Math.sqrt(p) : Math.cbrt(p)) * 2 ** 32));
  while (pow(x + 1n) <= target) x++;
  while (pow(x) > target) x--;
  return Number(x & 0xffffffffn) | 0;
}

/** Round constants: cube roots of the first 64 primes (FIPS 180-4 §4.2.2). */
const K = /* @__PURE__ */ Int32Array.from(PRIMES, (p) => fracRootBits(p, 3));
/** Initial hash value: square roots of the first 8 primes (FIPS 180-4 §5.3.3). */
export const SHA256_IV_I32 = /* @__PURE__ */ Int32Array.from(PRIMES.slice(0, 8), (p) => fracRootBits(p, 2));

const W = new Int32Array(64);

/**
 * One SHA-256 compression of `block[off, off + 64)` into `state` (FIPS 180-4 §6.2.2). The round
 * loop is unrolled by four with the working variables renamed instead of shifted, which saves a
 * quarter of the time under Deno; `Ch` and `Maj` use their three-operation forms.
 */
export function compress(state: Int32Array, block: Uint8Array, off: number): void {
  const w = W, k = K;
  for (let i = 0; i < 16; i++, off += 4) {
    w[i] = (block[off] << 24) | (block[off + 1] << 16) | (block[off + 2] << 8) | block[off + 3];
  }
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15], b = w[i - 2];
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[i] = (s1 + w[i - 7] + s0 + w[i - 16]) | 0;
  }
  let A = state[0], B = state[1], C = state[2], D = state[3];
  let E = state[4], F = state[5], G = state[6], H = state[7];
  for (let i = 0; i < 64; i += 4) {
    // Round i: (A..H) -> new A in D's slot and new E in H's slot, and so on around.
    let t1 = (H + (((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7))) +
      (G ^ (E & (F ^ G))) + k[i] + w[i]) | 0;
    let t2 = ((((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10))) +
      ((A & B) | (C & (A | B)))) | 0;
    H = (D + t1) | 0;
    D = (t1 + t2) | 0;
    t1 = (G + (((H >>> 6) | (H << 26)) ^ ((H >>> 11) | (H << 21)) ^ ((H >>> 25) | (H << 7))) +
      (F ^ (H & (E ^ F))) + k[i + 1] + w[i + 1]) | 0;
    t2 = ((((D >>> 2) | (D << 30)) ^ ((D >>> 13) | (D << 19)) ^ ((D >>> 22) | (D << 10))) +
      ((D & A) | (B & (D | A)))) | 0;
    G = (C + t1) | 0;
    C = (t1 + t2) | 0;
    t1 = (F + (((G >>> 6) | (G << 26)) ^ ((G >>> 11) | (G << 21)) ^ ((G >>> 25) | (G << 7))) +
      (E ^ (G & (H ^ E))) + k[i + 2] + w[i + 2]) | 0;
    t2 = ((((C >>> 2) | (C << 30)) ^ ((C >>> 13) | (C << 19)) ^ ((C >>> 22) | (C << 10))) +
      ((C & D) | (A & (C | D)))) | 0;
    F = (B + t1) | 0;
    B = (t1 + t2) | 0;
    t1 = (E + (((F >>> 6) | (F << 26)) ^ ((F >>> 11) | (F << 21)) ^ ((F >>> 25) | (F << 7))) +
      (H ^ (F & (G ^ H))) + k[i + 3] + w[i + 3]) | 0;
    t2 = ((((B >>> 2) | (B << 30)) ^ ((B >>> 13) | (B << 19)) ^ ((B >>> 22) | (B << 10))) +
      ((B & C) | (D & (B | C)))) | 0;
    E = (A + t1) | 0;
    A = (t1 + t2) | 0;
  }
  state[0] = (state[0] + A) | 0;
  state[1] = (state[1] + B) | 0;
  state[2] = (state[2] + C) | 0;
  state[3] = (state[3] + D) | 0;
  state[4] = (state[4] + E) | 0;
  state[5] = (state[5] + F) | 0;
  state[6] = (state[6] + G) | 0;
  state[7] = (state[7] + H) | 0;
}

/**
 * Feeds `src[start, end)` into a SHA-256 state whose partial block `block[0, pos)` is pending;
 * returns the new pending length. Full blocks are compressed straight from `src`.
 */
export function absorb(state: Int32Array, block: Uint8Array, pos: number, src: Uint8Array, start: number, end: number): number {
  while (start < end) {
    if (pos === 0 && end - start >= 64) {
      compress(state, src, start);
      start += 64;
      continue;
    }
    const take = Math.min(64 - pos, end - start);
    for (let i = 0; i < take; i++) block[pos + i] = src[start + i];
    pos += take;
    start += take;
    if (pos === 64) {
      compress(state, block, 0);
      pos = 0;
    }
  }
  return pos;
}

/**
 * FIPS 180-4 §5.1.1 padding: appends 0x80, zeros and the 64-bit bit length of a `length`-byte
 * message to the pending block `block[0, pos)` and compresses what that completes. `state` then
 * holds the digest.
 */
export function pad(state: Int32Array, block: Uint8Array, pos: number, length: number): void {
  block[pos++] = 0x80;
  if (pos > 56) {
    block.fill(0, pos);
    compress(state, block, 0);
    pos = 0;
  }
  block.fill(0, pos, 56);
  const bits = length * 8;
  writeU32(block, 56, Math.floor(bits / 0x100000000));
  writeU32(block, 60, bits >>> 0);
  compress(state, block, 0);
}

const STATE = new Int32Array(8);
const BLOCK = new Uint8Array(64);

/**
 * SHA-256 of the concatenation of `parts`, written to a new 32-byte array. Synchronous and
 * re-entrancy free (the scratch state is used only inside this call).
 */
export function sha256Of(...parts: Uint8Array[]): Uint8Array {
  const state = STATE, block = BLOCK;
  state.set(SHA256_IV_I32);
  let pos = 0, length = 0;
  for (const src of parts) {
    length += src.length;
    pos = absorb(state, block, pos, src, 0, src.length);
  }
  pad(state, block, pos, length);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) writeU32(out, i * 4, state[i]);
  return out;
}

/** Writes `v` big-endian at `out[at..at+4)`. */
export function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}
