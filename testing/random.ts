/**
 * Random byte sources for the scripted client: the platform CSPRNG, or a seeded deterministic
 * generator so that tests produce the same bytes on every run.
 *
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";

/** Returns exactly `length` random bytes. */
export type RandomSource = (length: number) => Uint8Array;

/** The platform CSPRNG (`crypto.getRandomValues`). */
export const cryptoRandom: RandomSource = (length: number): Uint8Array => {
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) {
    crypto.getRandomValues(out.subarray(at, Math.min(length, at + 65536)));
  }
  return out;
};

/**
 * A deterministic byte stream: SHA-256(seed || counter) blocks. Not for keys that protect
 * anything; for reproducible tests only.
 *
 * @example
 * ```ts
 * import { seededRandom } from "@hellogate/hellogate/testing";
 * const a = seededRandom("seed"), b = seededRandom("seed");
 * console.log(a(32).join() === b(32).join()); // true
 * ```
 */
export function seededRandom(seed: string | number): RandomSource {
  const seedBytes = new TextEncoder().encode(String(seed));
  let counter = 0;
  let pool = new Uint8Array(0);
  let poolAt = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      if (poolAt >= pool.length) {
        const input = new Uint8Array(seedBytes.length + 4);
        input.set(seedBytes);
        new DataView(input.buffer).setUint32(seedBytes.length, counter++);
        pool = sha256(input);
        poolAt = 0;
      }
      out[i] = pool[poolAt++];
    }
    return out;
  };
}
