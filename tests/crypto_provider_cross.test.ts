// The two crypto providers against each other and against the openssl command-line tool:
// X25519 (RFC 7748 §6.1 vector), P-256/P-384 ECDH and X25519MLKEM768 secrets agree both ways;
// signatures made by one verify with the other; RSA-PSS/PKCS#1 and ECDSA signatures made by the
// native provider verify with `openssl dgst` (a real, independent implementation).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { x25519 } from "@noble/curves/ed25519.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { portableProvider } from "../core/crypto/portable.ts";
import type { CryptoProvider, SigningKeyKind } from "../core/crypto/provider.ts";
import { SignatureScheme } from "../core/crypto/provider.ts";
import { NamedGroup } from "../core/constants/groups.ts";
import { nativeProvider } from "../transports/native_crypto.ts";
import { hex, toHex } from "./helpers/fixtures.ts";

const PAIRS: [CryptoProvider, CryptoProvider][] = [[portableProvider, nativeProvider], [nativeProvider, portableProvider]];

test("X25519: RFC 7748 §6.1 vector (noble), then each provider's ephemeral key agrees with a fixed scalar", () => {
  const alice = hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  const bobPub = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  assert.equal(toHex(x25519.getPublicKey(alice)), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  assert.equal(toHex(x25519.getSharedSecret(alice, bobPub)), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  for (const p of [portableProvider, nativeProvider]) {
    const k = p.generateKeyShare(NamedGroup.x25519);
    assert.equal(k.publicKey.length, 32);
    const ours = k.deriveSecret(x25519.getPublicKey(alice));
    assert.ok(ours, p.name);
    assert.equal(toHex(ours), toHex(x25519.getSharedSecret(alice, k.publicKey)), `${p.name} agrees with the scalar's owner`);
    // A low-order point gives the all-zero output, which RFC 8446 §7.4.2 says to reject.
    assert.equal(k.deriveSecret(new Uint8Array(32)), undefined, `${p.name} all-zero peer`);
    assert.equal(k.deriveSecret(new Uint8Array(31)), undefined, `${p.name} short peer`);
  }
});

test("ECDH x25519 / P-256 / P-384: shared secrets agree across providers; invalid or compressed points give undefined", () => {
  for (const [a, b] of PAIRS) {
    for (const group of [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1]) {
      const ka = a.generateKeyShare(group), kb = b.generateKeyShare(group);
      const sa = ka.deriveSecret(kb.publicKey), sb = kb.deriveSecret(ka.publicKey);
      assert.ok(sa && sb, `${a.name}/${b.name} group ${group}`);
      assert.equal(toHex(sa), toHex(sb));
      assert.equal(sa.length, group === NamedGroup.secp384r1 ? 48 : 32);
      const enc = b.encapsulate(group, ka.publicKey);
      assert.ok(enc);
      assert.equal(toHex(ka.deriveSecret(enc.share)!), toHex(enc.secret), `${b.name} encapsulate`);
      if (group !== NamedGroup.x25519) {
        const off = ka.publicKey.slice();
        off[off.length - 1] ^= 1; // no longer on the curve
        assert.equal(kb.deriveSecret(off), undefined, `${b.name} off-curve point`);
        const compressed = Uint8Array.of(2 + (ka.publicKey[ka.publicKey.length - 1] & 1), ...ka.publicKey.subarray(1, 1 + (ka.publicKey.length - 1) / 2));
        assert.equal(kb.deriveSecret(compressed), undefined, `${b.name} compressed point`);
        assert.equal(b.encapsulate(group, off), undefined);
      }
    }
  }
});

test("X25519MLKEM768: each provider's encapsulation decapsulates on the client side to the same 64-byte secret", () => {
  for (const p of [portableProvider, nativeProvider]) {
    const kem = ml_kem768.keygen();
    const ecSk = x25519.utils.randomSecretKey();
    const clientShare = new Uint8Array(1184 + 32);
    clientShare.set(kem.publicKey);
    clientShare.set(x25519.getPublicKey(ecSk), 1184);
    assert.ok(p.supportsGroup(NamedGroup.X25519MLKEM768));
    const out = p.encapsulate(NamedGroup.X25519MLKEM768, clientShare);
    assert.ok(out, p.name);
    assert.equal(out.share.length, 1088 + 32);
    const mlkemSecret = ml_kem768.decapsulate(out.share.subarray(0, 1088), kem.secretKey);
    const ecSecret = x25519.getSharedSecret(ecSk, out.share.subarray(1088));
    assert.equal(toHex(out.secret), toHex(mlkemSecret) + toHex(ecSecret), p.name);
    assert.equal(p.encapsulate(NamedGroup.X25519MLKEM768, clientShare.subarray(1)), undefined, "wrong length");
  }
});

test("signatures: a key of one provider signs, the other verifies (Ed25519, ECDSA P-256/P-384); a changed message fails", () => {
  const data = new TextEncoder().encode("TLS 1.3, server CertificateVerify\0 transcript hash");
  const cases: [SigningKeyKind, number][] = [
    ["ed25519", SignatureScheme.ed25519],
    ["ecdsa-p256", SignatureScheme.ecdsa_secp256r1_sha256],
    ["ecdsa-p384", SignatureScheme.ecdsa_secp384r1_sha384],
  ];
  for (const [a, b] of PAIRS) {
    for (const [kind, scheme] of cases) {
      const key = a.generateSigningKey(kind);
      assert.deepEqual(key.schemes, [scheme]);
      const sig = key.sign(scheme, data);
      assert.ok(b.verify(scheme, key.publicKeySpki, data, sig), `${a.name} signs ${kind}, ${b.name} verifies`);
      assert.equal(b.verify(scheme, key.publicKeySpki, data.subarray(1), sig), false);
      const other = kind === "ecdsa-p256" ? SignatureScheme.ecdsa_secp384r1_sha384 : SignatureScheme.ecdsa_secp256r1_sha256;
      assert.equal(b.verify(other, key.publicKeySpki, data, sig), false, "scheme of another curve");
      assert.equal(b.verify(scheme, key.publicKeySpki.subarray(0, 10), data, sig), false, "garbage SPKI");
    }
  }
});

function openssl(args: string[], input?: Uint8Array): { status: number | null; out: string } {
  const r = spawnSync("openssl", args, { input, encoding: "utf8" });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    assert.fail("the openssl command is missing: apt-get install openssl");
  }
  return { status: r.status, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

test("native RSA (rsa_pss_rsae_sha256/384, rsa_pkcs1_sha256) and ECDSA signatures verify with `openssl dgst`; RSA is native-only", () => {
  const dir = mkdtempSync(join(tmpdir(), "hellogate-sig-"));
  try {
    const data = new TextEncoder().encode("hellogate signature check");
    writeFileSync(join(dir, "data"), data);
    const rsa = nativeProvider.generateSigningKey("rsa");
    assert.deepEqual(rsa.schemes.slice(0, 2), [SignatureScheme.rsa_pss_rsae_sha256, SignatureScheme.rsa_pss_rsae_sha384]);
    const ec = nativeProvider.generateSigningKey("ecdsa-p256");
    const checks: [string, typeof rsa, number, string[]][] = [
      ["rsa-pss-sha256", rsa, SignatureScheme.rsa_pss_rsae_sha256, ["-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]],
      ["rsa-pss-sha384", rsa, SignatureScheme.rsa_pss_rsae_sha384, ["-sha384", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:48"]],
      ["rsa-pkcs1-sha256", rsa, SignatureScheme.rsa_pkcs1_sha256, ["-sha256"]],
      ["ecdsa-p256", ec, SignatureScheme.ecdsa_secp256r1_sha256, ["-sha256"]],
    ];
    for (const [name, key, scheme, opts] of checks) {
      writeFileSync(join(dir, name + ".spki"), key.publicKeySpki);
      const sig = key.sign(scheme, data);
      writeFileSync(join(dir, name + ".sig"), sig);
      const ok = openssl(["dgst", ...opts, "-keyform", "DER", "-verify", join(dir, name + ".spki"), "-signature", join(dir, name + ".sig"), join(dir, "data")]);
      assert.equal(ok.status, 0, `${name}: ${ok.out}`);
      assert.match(ok.out, /Verified OK/);
      assert.ok(nativeProvider.verify(scheme, key.publicKeySpki, data, sig), `${name} native verify`);
      assert.equal(portableProvider.verify(scheme, key.publicKeySpki, data, sig), key === ec, `${name} portable verify`);
      sig[sig.length - 1] ^= 1;
      assert.equal(nativeProvider.verify(scheme, key.publicKeySpki, data, sig), false, `${name} tampered`);
    }
    // PSS salt length must be the hash length: a signature with another salt length is refused.
    const shortSalt = openssl(["dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:20", "-keyform", "DER", "-verify", join(dir, "rsa-pss-sha256.spki"), "-signature", join(dir, "rsa-pss-sha256.sig"), join(dir, "data")]);
    assert.notEqual(shortSalt.status, 0);
    assert.throws(() => portableProvider.generateSigningKey("rsa"), /native/);
    assert.throws(() => rsa.sign(SignatureScheme.ed25519, data), RangeError);
    // An RSA key imported from PKCS#8 made by openssl signs what openssl verifies.
    const gen = openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", join(dir, "k.pem")]);
    assert.equal(gen.status, 0, gen.out);
    const p8 = openssl(["pkcs8", "-topk8", "-nocrypt", "-in", join(dir, "k.pem"), "-outform", "DER", "-out", join(dir, "k.der")]);
    assert.equal(p8.status, 0, p8.out);
    const imported = nativeProvider.importSigningKey(new Uint8Array(readFileSync(join(dir, "k.der"))));
    assert.equal(imported.kind, "rsa");
    const sig = imported.sign(SignatureScheme.rsa_pss_rsae_sha256, data);
    writeFileSync(join(dir, "imp.sig"), sig);
    const ok = openssl(["dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-keyform", "DER", "-prverify", join(dir, "k.der"), "-signature", join(dir, "imp.sig"), join(dir, "data")]);
    assert.equal(ok.status, 0, ok.out);
    assert.ok(!JSON.stringify(imported).includes("BEGIN") && JSON.stringify(imported).length < 200, "no key material in JSON");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("AEAD and header protection: what one provider seals the other opens, for every algorithm and odd lengths", () => {
  for (const [a, b] of PAIRS) {
    for (const [name, len] of [["aes-128-gcm", 16], ["aes-256-gcm", 32], ["chacha20-poly1305", 32]] as const) {
      const key = a.random(len), nonce = a.random(12);
      for (const n of [0, 1, 15, 17, 1024, 1500]) {
        const pt = a.random(n), aad = a.random(n % 29);
        const sealed = a.aead(name, key).seal(nonce, aad, pt);
        assert.equal(toHex(b.aead(name, key).open(nonce, aad, sealed) ?? new Uint8Array([1, 2, 3])), toHex(pt), `${name} ${n}`);
      }
    }
    for (const [name, len] of [["aes-128", 16], ["aes-256", 32], ["chacha20", 32]] as const) {
      const key = a.random(len);
      const ha = a.headerProtection(name, key), hb = b.headerProtection(name, key);
      for (let i = 0; i < 3; i++) {
        const sample = a.random(16);
        assert.equal(toHex(ha(sample)), toHex(hb(sample)), `${name} mask`);
      }
    }
  }
});
