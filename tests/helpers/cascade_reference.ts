/**
 * An independent reference for the cookie cascade MAC (core/gate/cookie/mac.ts), built on
 * `@noble/hashes`' SHA-256 instead of our compression function: noble's running state after it
 * has absorbed exactly `K' ^ 0x6a..6a || u16(len) || m || zeros` (a whole number of 64-byte
 * blocks, so no padding has been applied yet) is the cascade's output.
 */
import { sha256 } from "@noble/hashes/sha2.js";

export function cascadeReference(key: Uint8Array, message: Uint8Array): Uint8Array {
  const keyBlock = new Uint8Array(64);
  keyBlock.set(key.length > 64 ? sha256(key) : key);
  for (let i = 0; i < 64; i++) keyBlock[i] ^= 0x6a;
  const blocks = Math.ceil((2 + message.length) / 64);
  const encoded = new Uint8Array(blocks * 64);
  encoded[0] = message.length >>> 8;
  encoded[1] = message.length & 0xff;
  encoded.set(message, 2);
  const h = sha256.create();
  h.update(keyBlock).update(encoded);
  // noble processes a full buffer as soon as it fills, so after whole blocks its state words
  // (`get()`, big-endian A..H) are the chaining value.
  const words = (h as unknown as { get(): number[] }).get();
  const out = new Uint8Array(32);
  words.forEach((w, i) => new DataView(out.buffer).setUint32(i * 4, w >>> 0));
  return out;
}
