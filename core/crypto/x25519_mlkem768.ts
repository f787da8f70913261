/**
 * The server half of the X25519MLKEM768 hybrid key share (draft-ietf-tls-ecdhe-mlkem, code point
 * 0x11ec), written once for any provider: the ML-KEM-768 half always runs on
 * `@noble/post-quantum` (no runtime's `node:crypto` offers ML-KEM encapsulation today), the
 * X25519 half on whatever ephemeral key the caller's provider makes.
 *
 * Layout (the draft, §3): client share = ML-KEM-768 encapsulation key (1184 B) || X25519 public
 * key (32 B); server share = ML-KEM ciphertext (1088 B) || X25519 public key (32 B); shared
 * secret = ML-KEM shared secret (32 B) || X25519 shared secret (32 B).
 *
 * @module
 */
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import type { EphemeralKey } from "./provider.ts";

/** Length of the ML-KEM-768 encapsulation key at the start of the client's hybrid share. */
export const MLKEM768_ENCAPSULATION_KEY_LENGTH = 1184;

/**
 * Encapsulates to a client's X25519MLKEM768 share. `x25519` makes a fresh X25519 key (the
 * provider's own). `undefined` when either half of the client's share is invalid.
 */
export function encapsulateX25519MlKem768(
  clientShare: Uint8Array,
  x25519: () => EphemeralKey,
): { share: Uint8Array; secret: Uint8Array } | undefined {
  if (clientShare.length !== MLKEM768_ENCAPSULATION_KEY_LENGTH + 32) return undefined;
  let kem: { cipherText: Uint8Array; sharedSecret: Uint8Array };
  try {
    kem = ml_kem768.encapsulate(clientShare.subarray(0, MLKEM768_ENCAPSULATION_KEY_LENGTH));
  } catch {
    return undefined;
  }
  const ec = x25519();
  const ecSecret = ec.deriveSecret(clientShare.subarray(MLKEM768_ENCAPSULATION_KEY_LENGTH));
  if (!ecSecret) return undefined;
  const share = new Uint8Array(kem.cipherText.length + 32);
  share.set(kem.cipherText);
  share.set(ec.publicKey, kem.cipherText.length);
  const secret = new Uint8Array(64);
  secret.set(kem.sharedSecret);
  secret.set(ecSecret, 32);
  return { share, secret };
}
