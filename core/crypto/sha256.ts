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

/** One SHA-256 compression of `block[off, off + 64)` into `state`. */
export function compress(state: Int32Array, block: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++, off += 4) {
    W[i] = (block[off] << 24) | (block[off + 1] << 16) | (block[off + 2] << 8) | block[off + 3];
  }
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15], b = W[i - 2];
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (s1 + W[i - 7] + s0 + W[i - 16]) | 0;
  }
  let A = state[0], B = state[1], C = state[2], D = state[3];
  let E = state[4], F = state[5], G = state[6], H = state[7];
  for (let i = 0; i < 64; i++) {
    const S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
    const T1 = (H + S1 + ((E & F) ^ (~E & G)) + K[i] + W[i]) | 0;
    const S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
    const T2 = (S0 + ((A & B) ^ (A & C) ^ (B & C))) | 0;
    H = G;
    G = F;
    F = E;
    E = (D + T1) | 0;
    D = C;
    C = B;
    B = A;
    A = (T1 + T2) | 0;
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
