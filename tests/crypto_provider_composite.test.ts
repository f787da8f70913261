// composeProvider routes each operation class to the provider PROVIDER_PICKS names, and the
// transports' default provider (per runtime) still computes the RFC answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { composeProvider, type ProviderOpClass, PROVIDER_PICKS, type ProviderPicks } from "../core/crypto/composite.ts";
import { portableProvider } from "../core/crypto/portable.ts";
import type { CryptoProvider } from "../core/crypto/provider.ts";
import { SignatureScheme } from "../core/crypto/provider.ts";
import { NamedGroup } from "../core/constants/groups.ts";
import { defaultCryptoProvider, nativeProvider } from "../transports/native_crypto.ts";
import { toHex } from "./helpers/fixtures.ts";
import { encodePkcs8 } from "../core/crypto/der.ts";

/** A provider that records which method was called and delegates to `inner`. */
function recording(inner: CryptoProvider, log: string[], tag: string): CryptoProvider {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== "function") return v;
      return (...args: unknown[]) => {
        log.push(`${tag}.${String(prop)}`);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const CALLS: Record<ProviderOpClass, (p: CryptoProvider) => unknown> = {
  random: (p) => p.random(4),
  hash: (p) => p.hash("sha256", new Uint8Array(1)),
  mac: (p) => p.hkdfExpand("sha256", new Uint8Array(32), new Uint8Array(0), 16),
  aead: (p) => p.aead("aes-128-gcm", new Uint8Array(16)),
  headerProtection: (p) => p.headerProtection("aes-128", new Uint8Array(16)),
  keyExchange: (p) => p.generateKeyShare(NamedGroup.x25519),
  ecdsaSigning: (p) => p.generateSigningKey("ecdsa-p256"),
  signing: (p) => p.generateSigningKey("ed25519"),
  verify: (p) => p.verify(SignatureScheme.ed25519, new Uint8Array(10), new Uint8Array(0), new Uint8Array(64)),
};

test("composeProvider sends every operation class to the provider its pick names", () => {
  const classes = Object.keys(CALLS) as ProviderOpClass[];
  for (const flip of classes) {
    const picks = Object.fromEntries(classes.map((c) => [c, c === flip ? "portable" : "native"])) as unknown as ProviderPicks;
    const log: string[] = [];
    const p = composeProvider(picks, {
      portable: recording(portableProvider, log, "portable"),
      native: recording(nativeProvider, log, "native"),
    });
    for (const c of classes) {
      log.length = 0;
      CALLS[c](p);
      assert.ok(log.length > 0, `${c} reached a provider`);
      assert.ok(log[0].startsWith(c === flip ? "portable." : "native."), `${c} with ${flip} flipped: ${log[0]}`);
    }
    assert.equal(p.name, `mixed(${flip}:portable; rest:native)`);
  }
  assert.equal(composeProvider(PROVIDER_PICKS.bun, { portable: portableProvider, native: nativeProvider }).name, "native");
});

test("the default provider of every runtime computes RFC 4231 HMAC, GCM and an ECDH secret the portable provider agrees with", () => {
  for (const rt of ["deno", "bun", "node"] as const) {
    const p = defaultCryptoProvider(rt);
    const key = new Uint8Array(20).fill(0x0b);
    assert.equal(
      toHex(p.hmac("sha256", key, new TextEncoder().encode("Hi There"))),
      "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      rt,
    );
    assert.equal(toHex(p.aead("aes-128-gcm", new Uint8Array(16)).seal(new Uint8Array(12), new Uint8Array(0), new Uint8Array(0))), "58e2fccefa7e3061367f1d57a4e7455a");
    const a = p.generateKeyShare(NamedGroup.secp256r1), b = portableProvider.generateKeyShare(NamedGroup.secp256r1);
    assert.equal(toHex(a.deriveSecret(b.publicKey)!), toHex(b.deriveSecret(a.publicKey)!));
  }
  assert.match(defaultCryptoProvider("deno").name, /^mixed\(hash,mac,ecdsaSigning:portable; rest:native\)$/);
});

test("imported keys are routed by their PKCS#8 algorithm: ECDSA to the ecdsaSigning pick, Ed25519 to signing", () => {
  const log: string[] = [];
  const p = composeProvider(PROVIDER_PICKS.deno, {
    portable: recording(portableProvider, log, "portable"),
    native: recording(nativeProvider, log, "native"),
  });
  // PKCS#8 encodings (RFC 5208 with an RFC 5915 EC key / an RFC 8410 Ed25519 seed).
  const ec = encodePkcs8("ecdsa-p256", new Uint8Array(32).fill(7)), ed = encodePkcs8("ed25519", new Uint8Array(32).fill(9));
  for (const [pkcs8, want] of [[ec, "portable."], [ed, "native."]] as const) {
    log.length = 0;
    const key = p.importSigningKey(pkcs8);
    assert.ok(log[0]?.startsWith(want), `${key.kind}: ${log[0]}`);
  }
  log.length = 0;
  const signed = p.generateSigningKey("ecdsa-p384");
  assert.ok(log[0].startsWith("portable."), log[0]);
  assert.ok(p.verify(0x0503, signed.publicKeySpki, new Uint8Array([1]), signed.sign(0x0503, new Uint8Array([1]))));
});
