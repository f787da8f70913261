/**
 * Finished (RFC 8446 §4.4.4): verify_data = HMAC(finished_key, Transcript-Hash(...)), with the
 * constant-time comparison the client's Finished needs.
 *
 * @module
 */
import { encodeTlsHandshake } from "../../wire/handshake_header.ts";

/** The Finished handshake message (4-byte header included). */
export function encodeFinished(verifyData: Uint8Array): Uint8Array {
  return encodeTlsHandshake(20, verifyData);
}

/** Compares two byte strings in time that depends only on their lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
