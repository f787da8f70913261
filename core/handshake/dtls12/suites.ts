/**
 * The DTLS 1.2 cipher suites the server engine negotiates: ECDHE key exchange with an AEAD
 * (RFC 5289, RFC 7905), and what each needs from the key block (RFC 5246 §6.3).
 *
 * @module
 */
import type { AeadName, HashName, SigningKeyKind } from "../../crypto/provider.ts";

/** One supported suite. */
export interface Dtls12Suite {
  /** IANA code point. */
  readonly code: number;
  /** IANA name. */
  readonly name: string;
  /** Record AEAD. */
  readonly aead: AeadName;
  /** PRF / Finished hash. */
  readonly hash: HashName;
  /** Write key length. */
  readonly keyLength: number;
  /** Write IV length taken from the key block (4 = GCM implicit salt, 12 = ChaCha20-Poly1305). */
  readonly ivLength: number;
  /** Certificate key family the suite authenticates with. */
  readonly auth: "ecdsa" | "rsa";
}

/** Every suite the engine can negotiate, in the default server preference order. */
export const DTLS12_SUITES: readonly Dtls12Suite[] = [
  { code: 0xc02b, name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", aead: "aes-128-gcm", hash: "sha256", keyLength: 16, ivLength: 4, auth: "ecdsa" },
  { code: 0xc02c, name: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", aead: "aes-256-gcm", hash: "sha384", keyLength: 32, ivLength: 4, auth: "ecdsa" },
  { code: 0xcca9, name: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", aead: "chacha20-poly1305", hash: "sha256", keyLength: 32, ivLength: 12, auth: "ecdsa" },
  { code: 0xc02f, name: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", aead: "aes-128-gcm", hash: "sha256", keyLength: 16, ivLength: 4, auth: "rsa" },
  { code: 0xc030, name: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", aead: "aes-256-gcm", hash: "sha384", keyLength: 32, ivLength: 4, auth: "rsa" },
  { code: 0xcca8, name: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", aead: "chacha20-poly1305", hash: "sha256", keyLength: 32, ivLength: 12, auth: "rsa" },
];

/** The suite with code point `code`, if the engine supports it. */
export function dtls12Suite(code: number): Dtls12Suite | undefined {
  return DTLS12_SUITES.find((s) => s.code === code);
}

/** Which suite family a signing key can authenticate. */
export function authOfKey(kind: SigningKeyKind): "ecdsa" | "rsa" | undefined {
  if (kind === "ecdsa-p256" || kind === "ecdsa-p384") return "ecdsa";
  if (kind === "rsa") return "rsa";
  return undefined; // Ed25519 in TLS 1.2 needs RFC 8422 ECDSA-style suites; not offered.
}

/**
 * The first of `preference` (code points) that the client offers and the key can authenticate.
 */
export function selectDtls12Suite(
  offered: readonly number[],
  preference: readonly number[],
  keyAuth: "ecdsa" | "rsa",
): Dtls12Suite | undefined {
  for (const code of preference) {
    const s = dtls12Suite(code);
    if (s && s.auth === keyAuth && offered.includes(code)) return s;
  }
  return undefined;
}
