/**
 * A provider assembled from two others, operation class by operation class, and the table that
 * says which implementation is faster on which runtime (measured by `bench/provider_bench.ts`,
 * figures in bench/README.md). `core/` cannot import the native provider, so the transports
 * build the runtime's default with `composeProvider(PROVIDER_PICKS[runtime], { portable, native })`
 * (see `transports/native_crypto.ts`, `defaultCryptoProvider`).
 *
 * Mixing is safe because every object a provider hands out (running hash, AEAD, ephemeral key,
 * signing key) is used only through its own methods: nothing crosses from one provider to the other.
 *
 * @module
 */
import type { CryptoProvider, SigningKeyKind } from "./provider.ts";
import { parsePkcs8 } from "./der.ts";

/** The groups of operations a composite provider takes from one provider or the other. */
export type ProviderOpClass =
  | "random"
  | "hash" // hash, runningHash
  | "mac" // hmac, hkdfExtract, hkdfExpand
  | "aead"
  | "headerProtection"
  | "keyExchange" // supportsGroup, generateKeyShare, encapsulate
  | "ecdsaSigning" // importSigningKey, generateSigningKey for ECDSA P-256/P-384 keys
  | "signing" // importSigningKey, generateSigningKey for every other key (Ed25519, RSA)
  | "verify";

/** Which implementation serves an operation class. */
export type ProviderPick = "portable" | "native";

/** A pick for every operation class. */
export type ProviderPicks = Readonly<Record<ProviderOpClass, ProviderPick>>;

/**
 * The faster implementation per runtime, from the provider operation table in bench/README.md
 * (AMD EPYC with SHA-NI, Deno 2.9.5, Bun 1.4.5; ties go to native, which has constant-time,
 * hardware-assisted code):
 *
 * - Bun: node:crypto (BoringSSL) wins every operation by 5-30x; ChaCha20 falls back to noble
 *   inside the native provider anyway.
 * - Deno: its node:crypto pays a large fixed cost per call, so for hashes and HMAC/HKDF on short
 *   inputs (what handshakes feed them) noble is level or ahead; AEAD, X25519/P-256 key exchange,
 *   Ed25519 and verification are several times faster natively. ECDSA P-256 signing is faster in
 *   noble under Deno (about 2x: Deno's node:crypto ECDSA sign is its slowest call), while Ed25519
 *   is 20x faster natively and RSA exists only natively: ECDSA keys sign in noble, the rest
 *   natively.
 * - Node: node:crypto (OpenSSL) everywhere.
 */
export const PROVIDER_PICKS: Readonly<Record<"deno" | "bun" | "node", ProviderPicks>> = {
  deno: {
    random: "native",
    hash: "portable",
    mac: "portable",
    aead: "native",
    headerProtection: "native",
    keyExchange: "native",
    ecdsaSigning: "portable",
    signing: "native",
    verify: "native",
  },
  bun: {
    random: "native",
    hash: "native",
    mac: "native",
    aead: "native",
    headerProtection: "native",
    keyExchange: "native",
    ecdsaSigning: "native",
    signing: "native",
    verify: "native",
  },
  node: {
    random: "native",
    hash: "native",
    mac: "native",
    aead: "native",
    headerProtection: "native",
    keyExchange: "native",
    ecdsaSigning: "native",
    signing: "native",
    verify: "native",
  },
};

/**
 * Builds a provider that takes each operation class from `sources.portable` or `sources.native`
 * as `picks` says. Its `name` lists the mix, e.g. `"mixed(hash,mac:portable; rest:native)"`.
 */
export function composeProvider(
  picks: ProviderPicks,
  sources: { readonly portable: CryptoProvider; readonly native: CryptoProvider },
): CryptoProvider {
  const of = (c: ProviderOpClass) => sources[picks[c]];
  const portableClasses = (Object.keys(picks) as ProviderOpClass[]).filter((c) => picks[c] === "portable");
  const name = portableClasses.length === 0
    ? sources.native.name
    : portableClasses.length === Object.keys(picks).length
    ? sources.portable.name
    : `mixed(${portableClasses.join(",")}:${sources.portable.name}; rest:${sources.native.name})`;
  const random = of("random"), hash = of("hash"), mac = of("mac"), aead = of("aead");
  const hp = of("headerProtection"), kx = of("keyExchange"), verify = of("verify");
  const signer = (kind: SigningKeyKind | "unknown") => of(kind === "ecdsa-p256" || kind === "ecdsa-p384" ? "ecdsaSigning" : "signing");
  return {
    name,
    random: (n) => random.random(n),
    hash: (h, d) => hash.hash(h, d),
    runningHash: (h) => hash.runningHash(h),
    hmac: (h, k, d) => mac.hmac(h, k, d),
    hkdfExtract: (h, s, i) => mac.hkdfExtract(h, s, i),
    hkdfExpand: (h, p, i, l) => mac.hkdfExpand(h, p, i, l),
    aead: (n, k) => aead.aead(n, k),
    headerProtection: (n, k) => hp.headerProtection(n, k),
    supportsGroup: (g) => kx.supportsGroup(g),
    generateKeyShare: (g) => kx.generateKeyShare(g),
    encapsulate: (g, s) => kx.encapsulate(g, s),
    importSigningKey: (p) => signer(parsePkcs8(p).algorithm).importSigningKey(p),
    generateSigningKey: (k) => signer(k).generateSigningKey(k),
    verify: (s, k, d, sig) => verify.verify(s, k, d, sig),
  };
}
