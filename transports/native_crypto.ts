/**
 * The native crypto provider: {@link CryptoProvider} on `node:crypto` (OpenSSL under Node and
 * Deno, BoringSSL under Bun), for servers that want the runtime's native primitives instead of
 * the portable `@noble/*` ones. It lives in `transports/` because `core/` imports no runtime API.
 *
 * What each runtime's `node:crypto` lacks (probed when the provider is built, so a runtime that
 * gains an operation starts using it without a code change) and what the provider does instead:
 *
 * - ML-KEM-768 encapsulation: no runtime exposes it (Bun can generate ML-KEM keys but has no
 *   `encapsulate`); the ML-KEM half of X25519MLKEM768 always runs on `@noble/post-quantum`,
 *   the X25519 half natively.
 * - Bun 1.4: no `chacha20-poly1305` and no raw `chacha20` cipher: ChaCha20-Poly1305 and the
 *   ChaCha20 QUIC header protection fall back to `@noble/ciphers`.
 * - `createECDH("x25519")` exists nowhere: X25519 uses `generateKeyPairSync("x25519")` and
 *   `diffieHellman`, with the peer's raw key wrapped in a fixed SPKI prefix.
 *
 * {@link NativeCryptoProvider.fallbacks} lists the operations that fell back on this runtime.
 *
 * @module
 */
import {
  type CipherGCMTypes,
  constants,
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  type Hash,
  type KeyObject,
  randomFillSync,
  sign as nodeSign,
  verify as nodeVerify,
} from "node:crypto";
import { NamedGroup } from "../core/constants/groups.ts";
import { parsePkcs8, parseSpki } from "../core/crypto/der.ts";
import { composeProvider, PROVIDER_PICKS } from "../core/crypto/composite.ts";
import { createPortableProvider, portableProvider } from "../core/crypto/portable.ts";
import {
  type Aead,
  type AeadName,
  type CryptoProvider,
  type EphemeralKey,
  type HashName,
  type HeaderProtectionName,
  hashOutputLength,
  type RunningHash,
  SignatureScheme,
  type SigningKey,
  type SigningKeyKind,
} from "../core/crypto/provider.ts";
import { encapsulateX25519MlKem768 } from "../core/crypto/x25519_mlkem768.ts";

/** An operation the native provider hands to the portable one on this runtime. */
export type NativeCryptoFallback = "chacha20-poly1305" | "chacha20-header-protection" | "ml-kem-768";

/** A {@link CryptoProvider} on `node:crypto`, plus what it could not do natively here. */
export interface NativeCryptoProvider extends CryptoProvider {
  /** Operations that run on `@noble/*` on this runtime because `node:crypto` lacks them. */
  readonly fallbacks: readonly NativeCryptoFallback[];
}

/** A zero-copy Uint8Array view of a Buffer (so results compare equal to plain Uint8Arrays). */
function u8(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

class NodeRunningHash implements RunningHash {
  #h: Hash;
  constructor(h: Hash) {
    this.#h = h;
  }
  update(data: Uint8Array): void {
    this.#h.update(data);
  }
  digest(): Uint8Array {
    return u8(this.#h.copy().digest());
  }
  clone(): RunningHash {
    return new NodeRunningHash(this.#h.copy());
  }
}

const AEAD_KEY_LENGTH: Record<AeadName, number> = { "aes-128-gcm": 16, "aes-256-gcm": 32, "chacha20-poly1305": 32 };
const TAG = 16;

function nativeAead(name: AeadName, key: Uint8Array): Aead {
  if (AEAD_KEY_LENGTH[name] !== key.length) throw new RangeError(`${name} needs a ${AEAD_KEY_LENGTH[name]}-byte key`);
  // Imported once: a KeyObject per AEAD saves re-importing the raw key on every record.
  const k = createSecretKey(key.slice());
  return {
    seal(nonce, aad, plaintext) {
      const c = createCipheriv(name as CipherGCMTypes, k, nonce, { authTagLength: TAG });
      c.setAAD(aad);
      const body = c.update(plaintext);
      c.final(); // GCM and ChaCha20-Poly1305 are stream modes: final() emits nothing
      const out = new Uint8Array(body.length + TAG);
      out.set(body);
      out.set(c.getAuthTag(), body.length);
      return out;
    },
    open(nonce, aad, ciphertext) {
      if (ciphertext.length < TAG) return undefined;
      try {
        const d = createDecipheriv(name as CipherGCMTypes, k, nonce, { authTagLength: TAG });
        d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG));
        d.setAAD(aad);
        const body = d.update(ciphertext.subarray(0, ciphertext.length - TAG));
        d.final(); // throws when the tag does not verify
        return u8(body);
      } catch {
        return undefined;
      }
    },
  };
}

// SubjectPublicKeyInfo prefix of a raw X25519 public key (RFC 8410): SEQUENCE { SEQUENCE { OID
// 1.3.101.110 }, BIT STRING (0 unused bits) <32 bytes> }.
const X25519_SPKI_PREFIX = Uint8Array.of(0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00);

function x25519Key(): EphemeralKey {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const spki = publicKey.export({ format: "der", type: "spki" });
  return {
    group: NamedGroup.x25519,
    publicKey: u8(spki).slice(spki.length - 32),
    deriveSecret(peer) {
      if (peer.length !== 32) return undefined;
      try {
        const der = new Uint8Array(X25519_SPKI_PREFIX.length + 32);
        der.set(X25519_SPKI_PREFIX);
        der.set(peer, X25519_SPKI_PREFIX.length);
        const peerKey = createPublicKey({ key: der as Buffer, format: "der", type: "spki" });
        const s = u8(diffieHellman({ privateKey, publicKey: peerKey }));
        // RFC 8446 §7.4.2: an all-zero X25519 output must be rejected.
        return s.some((b) => b !== 0) ? s : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

function nistKey(group: number): EphemeralKey {
  const curve = group === NamedGroup.secp256r1 ? "prime256v1" : "secp384r1";
  const pointLength = group === NamedGroup.secp256r1 ? 65 : 97;
  const ecdh = createECDH(curve);
  const publicKey = u8(ecdh.generateKeys());
  return {
    group,
    publicKey,
    deriveSecret(peer) {
      // RFC 8446 §4.2.8.2: uncompressed points only.
      if (peer.length !== pointLength || peer[0] !== 4) return undefined;
      try {
        return u8(ecdh.computeSecret(peer));
      } catch {
        return undefined; // not a point on the curve
      }
    },
  };
}

function ecdhKey(group: number): EphemeralKey {
  if (group === NamedGroup.x25519) return x25519Key();
  if (group === NamedGroup.secp256r1 || group === NamedGroup.secp384r1) return nistKey(group);
  throw new RangeError(`group 0x${group.toString(16)} is not supported by the native provider`);
}

const RSA_SCHEMES = [
  SignatureScheme.rsa_pss_rsae_sha256,
  SignatureScheme.rsa_pss_rsae_sha384,
  SignatureScheme.rsa_pkcs1_sha256,
  SignatureScheme.rsa_pkcs1_sha384,
];
const SCHEMES: Record<SigningKeyKind, readonly number[]> = {
  "ed25519": [SignatureScheme.ed25519],
  "ecdsa-p256": [SignatureScheme.ecdsa_secp256r1_sha256],
  "ecdsa-p384": [SignatureScheme.ecdsa_secp384r1_sha384],
  "rsa": RSA_SCHEMES,
};

/** Hash and padding for a scheme, or undefined when the scheme is not one we sign/verify with. */
function schemeParams(scheme: number): { hash: string | null; pss?: number; pkcs1?: true } | undefined {
  switch (scheme) {
    case SignatureScheme.ed25519:
      return { hash: null };
    case SignatureScheme.ecdsa_secp256r1_sha256:
      return { hash: "sha256" };
    case SignatureScheme.ecdsa_secp384r1_sha384:
      return { hash: "sha384" };
    // RFC 8446 §4.2.3: RSASSA-PSS with the salt length equal to the digest length.
    case SignatureScheme.rsa_pss_rsae_sha256:
      return { hash: "sha256", pss: 32 };
    case SignatureScheme.rsa_pss_rsae_sha384:
      return { hash: "sha384", pss: 48 };
    case SignatureScheme.rsa_pkcs1_sha256:
      return { hash: "sha256", pkcs1: true };
    case SignatureScheme.rsa_pkcs1_sha384:
      return { hash: "sha384", pkcs1: true };
  }
  return undefined;
}

/** Which key kind may use a scheme (RFC 8446 §4.2.3 ties ECDSA schemes to one curve). */
function kindOfScheme(scheme: number): SigningKeyKind | undefined {
  for (const kind of Object.keys(SCHEMES) as SigningKeyKind[]) if (SCHEMES[kind].includes(scheme)) return kind;
  return undefined;
}

function signingKeyOf(kind: SigningKeyKind, privateKey: KeyObject): SigningKey {
  const schemes = SCHEMES[kind];
  const publicKeySpki = u8(createPublicKey(privateKey).export({ format: "der", type: "spki" }));
  const key: SigningKey = {
    kind,
    publicKeySpki,
    schemes,
    sign(scheme, data) {
      const p = schemeParams(scheme);
      if (!p || !schemes.includes(scheme)) {
        throw new RangeError(`a ${kind} key cannot sign with scheme 0x${scheme.toString(16)}`);
      }
      if (p.pss !== undefined) {
        return u8(nodeSign(p.hash, data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.pss }));
      }
      if (p.pkcs1) return u8(nodeSign(p.hash, data, { key: privateKey, padding: constants.RSA_PKCS1_PADDING }));
      if (kind === "ed25519") return u8(nodeSign(null, data, privateKey));
      return u8(nodeSign(p.hash, data, { key: privateKey, dsaEncoding: "der" }));
    },
  };
  // Keep the key object out of inspection output.
  Object.defineProperty(key, "toJSON", { value: () => ({ kind, schemes }), enumerable: false });
  return key;
}

function verifyNative(scheme: number, spki: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    const p = schemeParams(scheme);
    const kind = kindOfScheme(scheme);
    if (!p || !kind) return false;
    // The key's algorithm must be the one the scheme names (an RSA key cannot answer an ECDSA scheme).
    if (parseSpki(spki).algorithm !== kind) return false;
    const key = createPublicKey({ key: spki as Buffer, format: "der", type: "spki" });
    if (p.pss !== undefined) {
      return nodeVerify(p.hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: p.pss }, signature);
    }
    if (p.pkcs1) return nodeVerify(p.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
    if (kind === "ed25519") return nodeVerify(null, data, key, signature);
    return nodeVerify(p.hash, data, { key, dsaEncoding: "der" }, signature);
  } catch {
    return false;
  }
}

/** True when this runtime's `node:crypto` can run `cipher` (some, e.g. Bun's, lack ChaCha20). */
function hasCipher(cipher: string, keyLength: number, ivLength: number): boolean {
  try {
    // deno-lint-ignore no-explicit-any
    createCipheriv(cipher as any, new Uint8Array(keyLength), new Uint8Array(ivLength)).final();
    return true;
  } catch {
    return false;
  }
}

function randomOf(length: number): Uint8Array {
  const out = new Uint8Array(length);
  randomFillSync(out);
  return out;
}

/**
 * Builds a native provider. Operations this runtime's `node:crypto` lacks run on the portable
 * provider (see {@link NativeCryptoProvider.fallbacks}).
 */
export function createNativeProvider(): NativeCryptoProvider {
  const portable = createPortableProvider(randomOf);
  const fallbacks: NativeCryptoFallback[] = ["ml-kem-768"];
  const chachaAead = hasCipher("chacha20-poly1305", 32, 12);
  const chachaHp = hasCipher("chacha20", 32, 16);
  if (!chachaAead) fallbacks.push("chacha20-poly1305");
  if (!chachaHp) fallbacks.push("chacha20-header-protection");
  const hmacOf = (h: HashName, key: Uint8Array, data: Uint8Array) => u8(createHmac(h, key).update(data).digest());
  const provider: NativeCryptoProvider = {
    name: "native",
    fallbacks,
    random: randomOf,
    hash: (h, data) => u8(createHash(h).update(data).digest()),
    runningHash: (h) => new NodeRunningHash(createHash(h)),
    hmac: hmacOf,
    hkdfExtract: (h, salt, ikm) => hmacOf(h, salt.length ? salt : new Uint8Array(hashOutputLength(h)), ikm),
    hkdfExpand(h, prk, info, length) {
      // RFC 5869 §2.3: T(i) = HMAC(PRK, T(i-1) || info || i), output = first L bytes of T(1) || T(2) ...
      const hashLen = hashOutputLength(h);
      if (length > 255 * hashLen) throw new RangeError(`HKDF-Expand cannot produce ${length} bytes`);
      const out = new Uint8Array(length);
      let prev: Uint8Array = new Uint8Array(0);
      for (let i = 1, at = 0; at < length; i++) {
        prev = u8(createHmac(h, prk).update(prev).update(info).update(Uint8Array.of(i)).digest());
        out.set(prev.subarray(0, Math.min(hashLen, length - at)), at);
        at += hashLen;
      }
      return out;
    },
    aead: (name, key) => (name === "chacha20-poly1305" && !chachaAead ? portable.aead(name, key) : nativeAead(name, key)),
    headerProtection(name: HeaderProtectionName, key: Uint8Array) {
      if (name === "chacha20") {
        if (key.length !== 32) throw new RangeError("chacha20 header protection needs a 32-byte key");
        if (!chachaHp) return portable.headerProtection(name, key);
        const k = key.slice();
        const zeros = new Uint8Array(5);
        // RFC 9001 §5.4.4: counter = sample[0..4] little-endian, nonce = sample[4..16]; OpenSSL's
        // "chacha20" IV is exactly that 16-byte counter || nonce block.
        // deno-lint-ignore no-explicit-any
        return (sample) => u8(createCipheriv("chacha20" as any, k, sample.subarray(0, 16)).update(zeros));
      }
      const want = name === "aes-128" ? 16 : 32;
      if (key.length !== want) throw new RangeError(`${name} header protection needs a ${want}-byte key`);
      // ECB has no chaining: one cipher context serves every sample (RFC 9001 §5.4.3).
      const ecb = createCipheriv(name === "aes-128" ? "aes-128-ecb" : "aes-256-ecb", key.slice(), null);
      ecb.setAutoPadding(false);
      return (sample) => u8(ecb.update(sample.subarray(0, 16))).subarray(0, 5);
    },
    supportsGroup: (g) =>
      g === NamedGroup.x25519 || g === NamedGroup.secp256r1 || g === NamedGroup.secp384r1 || g === NamedGroup.X25519MLKEM768,
    generateKeyShare: ecdhKey,
    encapsulate(group, clientShare) {
      if (group === NamedGroup.X25519MLKEM768) return encapsulateX25519MlKem768(clientShare, x25519Key);
      const key = ecdhKey(group);
      const secret = key.deriveSecret(clientShare);
      return secret ? { share: key.publicKey, secret } : undefined;
    },
    importSigningKey(pkcs8) {
      const { algorithm } = parsePkcs8(pkcs8);
      if (algorithm === "unknown") throw new RangeError("unsupported private key algorithm");
      return signingKeyOf(algorithm, createPrivateKey({ key: pkcs8 as Buffer, format: "der", type: "pkcs8" }));
    },
    generateSigningKey(kind) {
      const pair = kind === "ed25519"
        ? generateKeyPairSync("ed25519")
        : kind === "rsa"
        ? generateKeyPairSync("rsa", { modulusLength: 2048 })
        : generateKeyPairSync("ec", { namedCurve: kind === "ecdsa-p256" ? "P-256" : "P-384" });
      return signingKeyOf(kind, pair.privateKey);
    },
    verify: verifyNative,
  };
  return provider;
}

/** The default native provider (built once; probes the runtime's `node:crypto` on first import). */
export const nativeProvider: NativeCryptoProvider = createNativeProvider();

/**
 * The provider the transports use when none is given: on each runtime, the faster of the
 * portable and native implementations per operation class, from the figures in bench/README.md
 * (`PROVIDER_PICKS` in core/crypto/composite.ts). Under Bun and Node that is the native provider
 * for everything; under Deno, hashes and HMAC/HKDF run on noble, the rest natively.
 */
export function defaultCryptoProvider(runtime: "deno" | "bun" | "node" = currentRuntime()): CryptoProvider {
  return composeProvider(PROVIDER_PICKS[runtime], { portable: portableProvider, native: nativeProvider });
}

function currentRuntime(): "deno" | "bun" | "node" {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  return g.Bun !== undefined ? "bun" : g.Deno !== undefined ? "deno" : "node";
}
