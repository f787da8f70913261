/**
 * Pre-keyed, allocation-free HMAC-SHA256 (RFC 2104, FIPS 180-4) for cookies.
 *
 * A {@link CookieMacKey} keeps the SHA-256 chaining values after the ipad and opad blocks, so a
 * MAC costs only the message blocks plus one outer block. The message is streamed into one shared,
 * module-level scratch state ({@link MacStream}): core/ is synchronous, so a stream is always
 * finished before the next one begins, and no MAC allocates anything. Ranges of a byte array are
 * fed by index (no `subarray` views) and the tag is compared in constant time.
 *
 * The compression function is checked against `@noble/hashes` in tests; the bench compares it
 * with a cloned noble `hmac` instance (this is faster, see bench/cookie_bench.ts).
 *
 * @module
 */

import { absorb, compress, pad, SHA256_IV_I32, writeU32 } from "../../crypto/sha256.ts";

/** Length of an untruncated HMAC-SHA256 tag. */
export const MAC_LENGTH = 32;

/**
 * The streaming half of a MAC: feed bytes, then {@link MacStream.finishInto} or
 * {@link MacStream.finishEquals}. There is one shared instance; get it from
 * {@link CookieMacKey.begin} and finish it before beginning another MAC.
 */
export class MacStream {
  #state = new Int32Array(8);
  #outer = new Int32Array(8);
  #block = new Uint8Array(64);
  #tag = new Uint8Array(32);
  #pos = 0;
  #length = 0;

  /** @internal Resets the stream to a key's precomputed states. */
  _reset(inner: Int32Array, outer: Int32Array): this {
    this.#state.set(inner);
    this.#outer.set(outer);
    this.#pos = 0;
    this.#length = 64; // the ipad block is already absorbed
    return this;
  }

  /** Absorbs `src[start, end)` (the whole array by default). */
  bytes(src: Uint8Array, start = 0, end: number = src.length): this {
    this.#length += end - start;
    this.#pos = absorb(this.#state, this.#block, this.#pos, src, start, end);
    return this;
  }

  /** Absorbs one byte. */
  u8(v: number): this {
    this.#block[this.#pos++] = v;
    this.#length++;
    if (this.#pos === 64) {
      compress(this.#state, this.#block, 0);
      this.#pos = 0;
    }
    return this;
  }

  /** Absorbs a big-endian 16-bit value. */
  u16(v: number): this {
    return this.u8((v >>> 8) & 0xff).u8(v & 0xff);
  }

  /** Absorbs a big-endian 32-bit value. */
  u32(v: number): this {
    return this.u8(v >>> 24).u8((v >>> 16) & 0xff).u8((v >>> 8) & 0xff).u8(v & 0xff);
  }

  /** Completes the MAC into the internal 32-byte tag buffer. */
  #finish(): Uint8Array {
    const block = this.#block, state = this.#state;
    pad(state, block, this.#pos, this.#length);
    // Outer hash: opad block (precomputed) || inner digest (32 bytes) || padding.
    for (let i = 0; i < 8; i++) writeU32(block, i * 4, state[i]);
    block[32] = 0x80;
    block.fill(0, 33, 60);
    writeU32(block, 60, (64 + 32) * 8);
    const outer = this.#outer;
    compress(outer, block, 0);
    const tag = this.#tag;
    for (let i = 0; i < 8; i++) writeU32(tag, i * 4, outer[i]);
    // No wiping of the scratch: it holds public message bytes and chaining values no more
    // sensitive than the key states themselves, and the next MAC overwrites it.
    return tag;
  }

  /** Finishes the MAC and writes its first `length` bytes to `out[offset..]`. */
  finishInto(out: Uint8Array, offset: number, length: number): void {
    const tag = this.#finish();
    for (let i = 0; i < length; i++) out[offset + i] = tag[i];
  }

  /** Finishes the MAC and compares its first `length` bytes with `expected[offset..]` in
   * constant time (the time depends on `length` only). */
  finishEquals(expected: Uint8Array, offset: number, length: number): boolean {
    const tag = this.#finish();
    let diff = 0;
    for (let i = 0; i < length; i++) diff |= tag[i] ^ expected[offset + i];
    return diff === 0;
  }
}


const STREAM = new MacStream();
const REDACTED = "CookieMacKey { [redacted] }";

/**
 * An HMAC-SHA256 key in pre-keyed form. Holds no copy of the key bytes, only the two chaining
 * states; they are secret-equivalent, so they live in private fields and every printing path is
 * redacted.
 */
export class CookieMacKey {
  #inner = new Int32Array(8);
  #outer = new Int32Array(8);

  /** Pre-keys HMAC-SHA256 with `key` (any length; keys over 64 bytes are hashed first). */
  constructor(key: Uint8Array) {
    const pad = new Uint8Array(64);
    pad.set(key.length > 64 ? sha256Plain(key) : key);
    for (let i = 0; i < 64; i++) pad[i] ^= 0x36;
    this.#inner.set(SHA256_IV_I32);
    compress(this.#inner, pad, 0);
    for (let i = 0; i < 64; i++) pad[i] ^= 0x36 ^ 0x5c;
    this.#outer.set(SHA256_IV_I32);
    compress(this.#outer, pad, 0);
    pad.fill(0);
  }

  /** Starts a MAC under this key on the shared stream. */
  begin(): MacStream {
    return STREAM._reset(this.#inner, this.#outer);
  }

  /** Wipes the key states; the key then computes garbage MACs that never verify real cookies. */
  destroy(): void {
    this.#inner.fill(0);
    this.#outer.fill(0);
  }

  /** Redacted. */
  toJSON(): string {
    return REDACTED;
  }

  /** Redacted. */
  toString(): string {
    return REDACTED;
  }

  /** Redacted (Deno). */
  [Symbol.for("Deno.customInspect")](): string {
    return REDACTED;
  }

  /** Redacted (Node, Bun). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return REDACTED;
  }
}

/** Plain SHA-256 of a (long) key, with the same compression function. */
function sha256Plain(data: Uint8Array): Uint8Array {
  const state = Int32Array.from(SHA256_IV_I32);
  const n = data.length;
  let off = 0;
  for (; off + 64 <= n; off += 64) compress(state, data, off);
  const block = new Uint8Array(128);
  const rest = n - off;
  block.set(data.subarray(off));
  block[rest] = 0x80;
  const total = rest + 9 <= 64 ? 64 : 128;
  const bits = n * 8;
  writeU32(block, total - 8, Math.floor(bits / 0x100000000));
  writeU32(block, total - 4, bits >>> 0);
  compress(state, block, 0);
  if (total === 128) compress(state, block, 64);
  const out = new Uint8Array(32);
  for (let i = 0; i < 8; i++) writeU32(out, i * 4, state[i]);
  return out;
}
