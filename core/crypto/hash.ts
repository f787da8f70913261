/**
 * The transcript hashes of TLS 1.3 cipher suites, synchronous (@noble/hashes).
 *
 * @module
 */
import { sha384 } from "@noble/hashes/sha2.js";
import { sha256Of } from "./sha256.ts";
import type { HashName } from "../constants/cipher_suites.ts";

/** Output length in bytes of a transcript hash. */
export function hashLength(hash: HashName): number {
  return hash === "sha256" ? 32 : 48;
}

/** Hashes one or more byte strings as their concatenation. */
export function digest(hash: HashName, ...parts: Uint8Array[]): Uint8Array {
  if (hash === "sha256") return sha256Of(...parts);
  const h = sha384.create();
  for (const p of parts) h.update(p);
  return h.digest();
}
