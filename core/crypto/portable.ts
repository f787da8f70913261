/**
 * The portable crypto provider on `@noble/hashes`, `@noble/curves`, `@noble/ciphers` and
 * `@noble/post-quantum`: runs on every runtime, needs no native code. RSA is not available here
 * (`importSigningKey` throws for RSA keys; use the native provider).
 *
 * @module
 */
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { hmac } from "@noble/hashes/hmac.js";
import { expand, extract } from "@noble/hashes/hkdf.js";
import { type Hash, randomBytes } from "@noble/hashes/utils.js";
import { ecb, gcm } from "@noble/ciphers/aes.js";
import { chacha20, chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { p256, p384 } from "@noble/curves/nist.js";
import { NamedGroup } from "../constants/groups.ts";
import { encodeSpki, parsePkcs8, parseSpki } from "./der.ts";
import { encapsulateX25519MlKem768 } from "./x25519_mlkem768.ts";
import type {
  Aead,
  AeadName,
  CryptoProvider,
  EphemeralKey,
  HashName,
  HeaderProtectionName,
  RunningHash,
  SigningKey,
  SigningKeyKind,
} from "./provider.ts";
import { SignatureScheme } from "./provider.ts";

const hashFn = (h: HashName) => (h === "sha256" ? sha256 : sha384);

// deno-lint-ignore no-explicit-any
type NobleHash = Hash<any>;

class NobleRunningHash implements RunningHash {
  #h: NobleHash;
  constructor(h: NobleHash) {
    this.#h = h;
  }
  update(data: Uint8Array): void {
    this.#h.update(data);
  }
  digest(): Uint8Array {
    return this.#h.clone().digest();
  }
  clone(): RunningHash {
    return new NobleRunningHash(this.#h.clone());
  }
}

const AEAD_KEY_LENGTH: Record<AeadName, number> = { "aes-128-gcm": 16, "aes-256-gcm": 32, "chacha20-poly1305": 32 };

function nobleAead(name: AeadName, key: Uint8Array): Aead {
  if (AEAD_KEY_LENGTH[name] !== key.length) throw new RangeError(`${name} needs a ${AEAD_KEY_LENGTH[name]}-byte key`);
  const k = key.slice();
  const make = name === "chacha20-poly1305" ? chacha20poly1305 : gcm;
  return {
    seal: (nonce, aad, plaintext) => make(k, nonce, aad).encrypt(plaintext),
    open: (nonce, aad, ciphertext) => {
      if (ciphertext.length < 16) return undefined;
      try {
        return make(k, nonce, aad).decrypt(ciphertext);
      } catch {
        return undefined;
      }
    },
  };
}

function ecdhKey(group: number): EphemeralKey {
  if (group === NamedGroup.x25519) {
    const sk = x25519.utils.randomSecretKey();
    return {
      group,
      publicKey: x25519.getPublicKey(sk),
      deriveSecret(peer) {
        if (peer.length !== 32) return undefined;
        try {
          const s = x25519.getSharedSecret(sk, peer);
          // RFC 8446 §7.4.2: an all-zero X25519 output must be rejected.
          return s.some((b) => b !== 0) ? s : undefined;
        } catch {
          return undefined;
        }
      },
    };
  }
  const curve = group === NamedGroup.secp256r1 ? p256 : group === NamedGroup.secp384r1 ? p384 : undefined;
  if (!curve) throw new RangeError(`group 0x${group.toString(16)} is not supported by the portable provider`);
  const sk = curve.utils.randomSecretKey();
  const pointLength = group === NamedGroup.secp256r1 ? 65 : 97;
  return {
    group,
    publicKey: curve.getPublicKey(sk, false),
    deriveSecret(peer) {
      // RFC 8446 §4.2.8.2: uncompressed points only.
      if (peer.length !== pointLength || peer[0] !== 4) return undefined;
      try {
        return curve.getSharedSecret(sk, peer, true).slice(1);
      } catch {
        return undefined;
      }
    },
  };
}

const ED25519_SCHEMES = [SignatureScheme.ed25519];
const P256_SCHEMES = [SignatureScheme.ecdsa_secp256r1_sha256];
const P384_SCHEMES = [SignatureScheme.ecdsa_secp384r1_sha384];

function signingKeyOf(kind: SigningKeyKind, privateKey: Uint8Array): SigningKey {
  const sk = privateKey.slice();
  let publicKeySpki: Uint8Array;
  let schemes: readonly number[];
  let signer: (data: Uint8Array) => Uint8Array;
  if (kind === "ed25519") {
    publicKeySpki = encodeSpki(kind, ed25519.getPublicKey(sk));
    schemes = ED25519_SCHEMES;
    signer = (data) => ed25519.sign(data, sk);
  } else if (kind === "ecdsa-p256" || kind === "ecdsa-p384") {
    const curve = kind === "ecdsa-p256" ? p256 : p384;
    publicKeySpki = encodeSpki(kind, curve.getPublicKey(sk, false));
    schemes = kind === "ecdsa-p256" ? P256_SCHEMES : P384_SCHEMES;
    signer = (data) => curve.sign(data, sk, { format: "der" });
  } else {
    throw new RangeError("RSA keys need the native crypto provider");
  }
  const key: SigningKey = {
    kind,
    publicKeySpki,
    schemes,
    sign(scheme, data) {
      if (!schemes.includes(scheme)) throw new RangeError(`a ${kind} key cannot sign with scheme 0x${scheme.toString(16)}`);
      return signer(data);
    },
  };
  // Keep the scalar out of inspection output.
  Object.defineProperty(key, "toJSON", { value: () => ({ kind, schemes }), enumerable: false });
  return key;
}

function verifyPortable(scheme: number, spki: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    const { algorithm, publicKey } = parseSpki(spki);
    if (scheme === SignatureScheme.ed25519 && algorithm === "ed25519") return ed25519.verify(signature, data, publicKey);
    if (scheme === SignatureScheme.ecdsa_secp256r1_sha256 && algorithm === "ecdsa-p256") {
      return p256.verify(signature, data, publicKey, { format: "der", lowS: false });
    }
    if (scheme === SignatureScheme.ecdsa_secp384r1_sha384 && algorithm === "ecdsa-p384") {
      return p384.verify(signature, data, publicKey, { format: "der", lowS: false });
    }
    return false;
  } catch {
    return false;
  }
}

/** Builds a portable provider; `random` may be replaced by a deterministic source in tests. */
export function createPortableProvider(random: (length: number) => Uint8Array = randomBytes): CryptoProvider {
  return {
    name: "portable",
    random,
    hash: (h, data) => hashFn(h)(data),
    runningHash: (h) => new NobleRunningHash(hashFn(h).create()),
    hmac: (h, key, data) => hmac(hashFn(h), key, data),
    hkdfExtract: (h, salt, ikm) => extract(hashFn(h), ikm, salt.length ? salt : new Uint8Array(h === "sha256" ? 32 : 48)),
    hkdfExpand: (h, prk, info, length) => expand(hashFn(h), prk, info, length),
    aead: nobleAead,
    headerProtection(name: HeaderProtectionName, key: Uint8Array) {
      if (name === "chacha20") {
        const k = key.slice();
        const zeros = new Uint8Array(5);
        // RFC 9001 §5.4.4: counter = sample[0..4] little-endian, nonce = sample[4..16].
        return (sample) => {
          const counter = sample[0] | (sample[1] << 8) | (sample[2] << 16) | (sample[3] << 24);
          return chacha20(k, sample.subarray(4, 16), zeros, undefined, counter >>> 0);
        };
      }
      const k = key.slice();
      // A noble cipher instance encrypts once (nonce-reuse guard), so build one per sample.
      return (sample) => ecb(k, { disablePadding: true }).encrypt(sample.subarray(0, 16)).subarray(0, 5);
    },
    supportsGroup: (g) =>
      g === NamedGroup.x25519 || g === NamedGroup.secp256r1 || g === NamedGroup.secp384r1 || g === NamedGroup.X25519MLKEM768,
    generateKeyShare: ecdhKey,
    encapsulate(group, clientShare) {
      if (group === NamedGroup.X25519MLKEM768) {
        return encapsulateX25519MlKem768(clientShare, () => ecdhKey(NamedGroup.x25519));
      }
      const key = ecdhKey(group);
      const secret = key.deriveSecret(clientShare);
      return secret ? { share: key.publicKey, secret } : undefined;
    },
    importSigningKey(pkcs8) {
      const { algorithm, privateKey } = parsePkcs8(pkcs8);
      if (algorithm === "unknown") throw new RangeError("unsupported private key algorithm");
      return signingKeyOf(algorithm, privateKey);
    },
    generateSigningKey(kind) {
      if (kind === "ed25519") return signingKeyOf(kind, ed25519.utils.randomSecretKey());
      if (kind === "ecdsa-p256") return signingKeyOf(kind, p256.utils.randomSecretKey());
      if (kind === "ecdsa-p384") return signingKeyOf(kind, p384.utils.randomSecretKey());
      throw new RangeError("RSA keys need the native crypto provider");
    },
    verify: verifyPortable,
  };
}

/** The default portable provider (system randomness via `crypto.getRandomValues`). */
export const portableProvider: CryptoProvider = createPortableProvider();
