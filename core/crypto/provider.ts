/**
 * The crypto provider: every primitive the handshake engines use, behind one small synchronous
 * interface, so `core/` stays sans-I/O and free of runtime APIs. Two implementations exist:
 * {@link portableProvider} (`@noble/*`, everywhere, deterministic when given a seeded random
 * source) and the native one on `node:crypto` (`transports/native_crypto.ts`, under Deno, Bun and
 * Node). Engines take a provider in their options; tests may pass a deterministic one.
 *
 * Failures that depend on remote input (an AEAD tag that does not verify, a peer public key that
 * is not a valid point, a signature that does not verify) are reported as `undefined` / `false`,
 * never thrown. Misuse (an unknown algorithm, a key of the wrong length) throws.
 *
 * @module
 */
import type { HashName } from "../constants/cipher_suites.ts";

export type { HashName };

/** AEAD algorithms used by TLS 1.3, DTLS 1.2 and QUIC. */
export type AeadName = "aes-128-gcm" | "aes-256-gcm" | "chacha20-poly1305";

/** An AEAD keyed once; nonce and AAD per call. Tag length is 16 for all three algorithms. */
export interface Aead {
  /** Encrypts `plaintext`; returns ciphertext || tag. */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** Decrypts ciphertext || tag; `undefined` when authentication fails (never throws on bad input). */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array | undefined;
}

/** QUIC header protection (RFC 9001 §5.4): the 5-byte mask for a 16-byte sample. */
export type HeaderProtectionName = "aes-128" | "aes-256" | "chacha20";

/** A running hash whose intermediate value can be read without ending it (transcript hash). */
export interface RunningHash {
  /** Absorbs bytes. */
  update(data: Uint8Array): void;
  /** The hash of everything absorbed so far; the running hash continues. */
  digest(): Uint8Array;
  /** An independent copy. */
  clone(): RunningHash;
}

/** An ephemeral key pair for (EC)DH: the server's half of a key exchange. */
export interface EphemeralKey {
  /** The named group (RFC 8446 §4.2.7 code point). */
  readonly group: number;
  /** Our public value in the TLS encoding (uncompressed point for NIST curves, 32 bytes for x25519). */
  readonly publicKey: Uint8Array;
  /** The shared secret with the peer's public value; `undefined` when that value is invalid. */
  deriveSecret(peerPublicKey: Uint8Array): Uint8Array | undefined;
}

/** Signature algorithms of a signing key (RFC 8446 §4.2.3 families). */
export type SigningKeyKind = "ecdsa-p256" | "ecdsa-p384" | "ed25519" | "rsa";

/** A private key ready to sign. Opaque: its secret never leaves the provider. */
export interface SigningKey {
  /** What kind of key it is. */
  readonly kind: SigningKeyKind;
  /** The public key as a DER SubjectPublicKeyInfo (for certificates). */
  readonly publicKeySpki: Uint8Array;
  /** SignatureScheme code points this key can sign with, most preferred first. */
  readonly schemes: readonly number[];
  /** Signs `data` with `scheme` (which hashes it as the scheme says); throws if the scheme is not in `schemes`. */
  sign(scheme: number, data: Uint8Array): Uint8Array;
}

/** Everything the engines need. All methods are synchronous. */
export interface CryptoProvider {
  /** A short name for logs and benchmarks (`"portable"`, `"native"`). */
  readonly name: string;
  /** Cryptographically secure random bytes. */
  random(length: number): Uint8Array;
  /** One-shot hash. */
  hash(hash: HashName, data: Uint8Array): Uint8Array;
  /** A running hash (transcripts). */
  runningHash(hash: HashName): RunningHash;
  /** HMAC. */
  hmac(hash: HashName, key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-Extract (RFC 5869 §2.2); an empty salt means HashLen zero bytes. */
  hkdfExtract(hash: HashName, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  /** HKDF-Expand (RFC 5869 §2.3). */
  hkdfExpand(hash: HashName, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /** An AEAD keyed with `key` (16 or 32 bytes as the algorithm requires). */
  aead(name: AeadName, key: Uint8Array): Aead;
  /** A QUIC header-protection mask function keyed with `key`; returns 5 mask bytes per 16-byte sample. */
  headerProtection(name: HeaderProtectionName, key: Uint8Array): (sample: Uint8Array) => Uint8Array;
  /** True when `group` can be used with {@link generateKeyShare} / {@link encapsulate}. */
  supportsGroup(group: number): boolean;
  /** A fresh ephemeral key for an (EC)DH group (x25519, secp256r1, secp384r1). */
  generateKeyShare(group: number): EphemeralKey;
  /**
   * The server side of a TLS 1.3 key share for any supported group, KEM hybrids included
   * (X25519MLKEM768: ML-KEM ciphertext || X25519 share; secret = ML-KEM secret || X25519 secret).
   * `undefined` when the client's share is invalid.
   */
  encapsulate(group: number, clientShare: Uint8Array): { share: Uint8Array; secret: Uint8Array } | undefined;
  /** Imports a PKCS#8 (DER) private key: EC P-256/P-384, Ed25519, or RSA where the provider supports it. */
  importSigningKey(pkcs8: Uint8Array): SigningKey;
  /** Generates a signing key (for self-signed demo certificates). */
  generateSigningKey(kind: SigningKeyKind): SigningKey;
  /**
   * Verifies `signature` over `data` with `scheme` against a DER SubjectPublicKeyInfo (a peer
   * certificate's key). `false` for any failure, including a key the scheme cannot use.
   */
  verify(scheme: number, spki: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean;
}

/** SignatureScheme code points (RFC 8446 §4.2.3) the engines use. */
export const SignatureScheme = {
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  ed25519: 0x0807,
  rsa_pss_pss_sha256: 0x0809,
} as const;

/** Human name of a signature scheme, e.g. `0x0403` → `"ecdsa_secp256r1_sha256"`. */
export function signatureSchemeName(scheme: number): string {
  for (const [k, v] of Object.entries(SignatureScheme)) if (v === scheme) return k;
  return "0x" + scheme.toString(16).padStart(4, "0");
}

/** Output length in bytes of a hash. */
export function hashOutputLength(hash: HashName): number {
  return hash === "sha256" ? 32 : 48;
}
