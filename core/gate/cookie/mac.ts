/**
 * Pre-keyed, allocation-free cookie MACs on the SHA-256 compression function (FIPS 180-4):
 *
 * - {@link CookieMacKey.begin}: HMAC-SHA256 (RFC 2104), for the HRR cookie and QUIC tokens.
 *   The key keeps the chaining values after the ipad and opad blocks, so a MAC costs the
 *   message blocks plus one outer block.
 * - {@link CookieMacKey.beginCascade}: a one-pass keyed cascade for short inputs of a length
 *   known up front, for the HVR cookie (the hottest MAC: every DTLS 1.2 CH1 and CH2). It costs
 *   the message blocks only: ONE compression for up to 62 bytes, half of HMAC's two.
 *
 * The cascade: `S = f(IV, K' ^ 0x6a..6a)` once per key (`K'` = the key zero-padded to 64 bytes,
 * or its SHA-256 when longer, as in HMAC; `f` = the SHA-256 compression function), then
 * `tag = f*(S, u16(len(m)) || m || 0^p)`: the chained compressions over the message prefixed
 * with its 16-bit big-endian length and zero-padded to a multiple of 64 bytes (no SHA-256
 * length padding). Why this is a PRF (and so a MAC), under the assumptions HMAC's own proof
 * makes (Bellare, "New Proofs for NMAC and HMAC", CRYPTO 2006):
 * - `f` keyed through its 512-bit data input is a PRF (HMAC's assumption on its ipad/opad
 *   blocks, including for related keys that differ by a constant): `S` is a pseudorandom
 *   chaining value, independent of HMAC's ipad (0x36) and opad (0x5c) states under the same key,
 *   so the two MAC kinds never share a state.
 * - `f` keyed through its 256-bit chaining input is a PRF (NMAC's assumption): then the cascade
 *   `f*(S, .)` is a PRF on any prefix-free set of block strings (Bellare, Canetti, Krawczyk,
 *   "Pseudorandom functions revisited: the cascade construction", FOCS 1996). The length prefix
 *   makes the encoding prefix-free: encodings of different lengths differ in their first block,
 *   and encodings of equal length have the same number of blocks. This is also why no length
 *   extension applies, and the zero padding is unambiguous.
 * - Callers truncate the 256-bit output (the HVR cookie keeps 216 bits); a truncated PRF is a
 *   PRF.
 *
 * Messages are streamed into one shared, module-level scratch state ({@link MacStream}): core/
 * is synchronous, so a stream is always finished before the next one begins, and no MAC
 * allocates anything. Ranges of a byte array are fed by index (no `subarray` views) and tags
 * are compared in constant time. Both modes are checked against `@noble/hashes` in tests
 * (`hmac(sha256)`, and noble's SHA-256 state for the cascade); bench/cookie_bench.ts measures
 * them against the alternatives considered (noble BLAKE2s/BLAKE3 keyed, node:crypto HMAC).
 *
 * @module
 */

import { absorb, compress, pad, SHA256_IV_I32, writeU32 } from "../../crypto/sha256.ts";

/** Length of an untruncated HMAC-SHA256 or cascade tag. */
export const MAC_LENGTH = 32;

/** Longest message {@link CookieMacKey.beginCascade} takes (its length prefix is 16 bits). */
export const CASCADE_MAX_LENGTH = 0xffff;

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
  /** Cascade mode: the message length promised to {@link CookieMacKey.beginCascade}, else -1. */
  #promised = -1;

  /** @internal Resets the stream to a key's precomputed HMAC states. */
  _reset(inner: Int32Array, outer: Int32Array): this {
    this.#state.set(inner);
    this.#outer.set(outer);
    this.#pos = 0;
    this.#length = 64; // the ipad block is already absorbed
    this.#promised = -1;
    return this;
  }

  /** @internal Resets the stream to a key's cascade state for a `length`-byte message. */
  _resetCascade(cascade: Int32Array, length: number): this {
    if (!(length >= 0 && length <= CASCADE_MAX_LENGTH && Number.isInteger(length))) {
      throw new RangeError(`cascade MAC message length ${length} is not in 0..${CASCADE_MAX_LENGTH}`);
    }
    this.#state.set(cascade);
    this.#block[0] = length >>> 8;
    this.#block[1] = length & 0xff;
    this.#pos = 2;
    this.#length = 0;
    this.#promised = length;
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
    if (this.#promised >= 0) return this.#finishCascade();
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

  /** The cascade's end: zero-pad the last partial block (if any) and compress it. */
  #finishCascade(): Uint8Array {
    if (this.#length !== this.#promised) {
      // A caller bug, never peer input: the prefix would not describe the message.
      throw new RangeError(`cascade MAC got ${this.#length} bytes after promising ${this.#promised}`);
    }
    this.#promised = -1;
    const block = this.#block, state = this.#state;
    if (this.#pos > 0) {
      block.fill(0, this.#pos);
      compress(state, block, 0);
    }
    const tag = this.#tag;
    for (let i = 0; i < 8; i++) writeU32(tag, i * 4, state[i]);
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

/** Pad byte of the cascade's key block (HMAC uses 0x36 and 0x5c). */
const CASCADE_PAD = 0x6a;

/**
 * A cookie MAC key in pre-keyed form. Holds no copy of the key bytes, only the three chaining
 * states (HMAC inner and outer, cascade); they are secret-equivalent, so they live in private
 * fields and every printing path is redacted.
 */
export class CookieMacKey {
  #inner = new Int32Array(8);
  #outer = new Int32Array(8);
  #cascade = new Int32Array(8);

  /** Pre-keys both MACs with `key` (any length; keys over 64 bytes are hashed first). */
  constructor(key: Uint8Array) {
    const pad = new Uint8Array(64);
    pad.set(key.length > 64 ? sha256Plain(key) : key);
    const keyed = (state: Int32Array, from: number, to: number) => {
      for (let i = 0; i < 64; i++) pad[i] ^= from ^ to;
      state.set(SHA256_IV_I32);
      compress(state, pad, 0);
    };
    keyed(this.#inner, 0, 0x36);
    keyed(this.#outer, 0x36, 0x5c);
    keyed(this.#cascade, 0x5c, CASCADE_PAD);
    pad.fill(0);
  }

  /** Starts an HMAC-SHA256 under this key on the shared stream. */
  begin(): MacStream {
    return STREAM._reset(this.#inner, this.#outer);
  }

  /**
   * Starts a one-pass cascade MAC (see the module notes) over a message of exactly `length`
   * bytes (0..65535) on the shared stream; finishing after a different number of bytes throws
   * `RangeError` (a caller bug). One compression for up to 62 bytes.
   */
  beginCascade(length: number): MacStream {
    return STREAM._resetCascade(this.#cascade, length);
  }

  /** Wipes the key states; the key then computes garbage MACs that never verify real cookies. */
  destroy(): void {
    this.#inner.fill(0);
    this.#outer.fill(0);
    this.#cascade.fill(0);
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
