// The SAME published test vectors run against both crypto providers: the portable one (@noble/*)
// and the native one (node:crypto of whichever runtime runs this file: Deno or Bun).
// Sources: RFC 4231 (HMAC), RFC 5869 (HKDF), McGrew–Viega GCM spec / NIST (AES-GCM), RFC 8439
// §2.8.2 (ChaCha20-Poly1305), RFC 9001 §A.2/§A.5 (QUIC header protection), RFC 8032 §7.1
// (Ed25519), FIPS 180-2 (SHA-256 "abc"), FIPS 180-2 / NIST examples (SHA-384 "abc").
import { test } from "node:test";
import assert from "node:assert/strict";
import { portableProvider } from "../core/crypto/portable.ts";
import type { AeadName, CryptoProvider } from "../core/crypto/provider.ts";
import { SignatureScheme } from "../core/crypto/provider.ts";
import { encodePkcs8, encodeSpki } from "../core/crypto/der.ts";
import { nativeProvider } from "../transports/native_crypto.ts";
import { hex, toHex } from "./helpers/fixtures.ts";

const PROVIDERS: CryptoProvider[] = [portableProvider, nativeProvider];
const utf8 = (s: string) => new TextEncoder().encode(s);

for (const p of PROVIDERS) {
  test(`${p.name}: SHA-256 / SHA-384 of "abc" (FIPS 180-2) and a running hash read mid-stream`, () => {
    assert.equal(toHex(p.hash("sha256", utf8("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert.equal(
      toHex(p.hash("sha384", utf8("abc"))),
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
    );
    const h = p.runningHash("sha256");
    h.update(utf8("a"));
    const fork = h.clone();
    h.update(utf8("b"));
    assert.equal(toHex(h.digest()), toHex(p.hash("sha256", utf8("ab"))), "digest() reads the running value");
    h.update(utf8("c"));
    assert.equal(toHex(h.digest()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "and continues");
    fork.update(utf8("x"));
    assert.equal(toHex(fork.digest()), toHex(p.hash("sha256", utf8("ax"))), "a clone is independent");
    assert.equal(Object.getPrototypeOf(p.hash("sha256", utf8("abc"))), Uint8Array.prototype, "plain Uint8Array out");
  });

  test(`${p.name}: HMAC-SHA256/384 (RFC 4231 test cases 1 and 2)`, () => {
    const key1 = new Uint8Array(20).fill(0x0b);
    assert.equal(toHex(p.hmac("sha256", key1, utf8("Hi There"))), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    assert.equal(
      toHex(p.hmac("sha384", key1, utf8("Hi There"))),
      "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
    );
    assert.equal(
      toHex(p.hmac("sha256", utf8("Jefe"), utf8("what do ya want for nothing?"))),
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  test(`${p.name}: HKDF-Extract/Expand (RFC 5869 test cases 1 and 3)`, () => {
    const ikm = new Uint8Array(22).fill(0x0b);
    const prk1 = p.hkdfExtract("sha256", hex("000102030405060708090a0b0c"), ikm);
    assert.equal(toHex(prk1), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    assert.equal(
      toHex(p.hkdfExpand("sha256", prk1, hex("f0f1f2f3f4f5f6f7f8f9"), 42)),
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    );
    const prk3 = p.hkdfExtract("sha256", new Uint8Array(0), ikm); // empty salt = HashLen zeros
    assert.equal(toHex(prk3), "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
    assert.equal(
      toHex(p.hkdfExpand("sha256", prk3, new Uint8Array(0), 42)),
      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    );
    assert.equal(p.hkdfExpand("sha384", p.hkdfExtract("sha384", new Uint8Array(0), ikm), new Uint8Array(0), 100).length, 100);
    assert.equal(toHex(p.hkdfExpand("sha256", prk1, hex("f0f1f2f3f4f5f6f7f8f9"), 7)), "3cb25f25faacd5", "prefix property");
  });

  const GCM_VECTORS: { name: AeadName; key: string; nonce: string; aad: string; pt: string; ct: string; tag: string }[] = [
    // McGrew–Viega "The Galois/Counter Mode of Operation", test cases 1, 2 and 4 (AES-128), 16 (AES-256).
    { name: "aes-128-gcm", key: "00".repeat(16), nonce: "00".repeat(12), aad: "", pt: "", ct: "", tag: "58e2fccefa7e3061367f1d57a4e7455a" },
    {
      name: "aes-128-gcm",
      key: "00".repeat(16),
      nonce: "00".repeat(12),
      aad: "",
      pt: "00".repeat(16),
      ct: "0388dace60b6a392f328c2b971b2fe78",
      tag: "ab6e47d42cec13bdf53a67b21257bddf",
    },
    {
      name: "aes-128-gcm",
      key: "feffe9928665731c6d6a8f9467308308",
      nonce: "cafebabefacedbaddecaf888",
      aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
      pt: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
      ct: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
      tag: "5bc94fbc3221a5db94fae95ae7121a47",
    },
    {
      name: "aes-256-gcm",
      key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
      nonce: "cafebabefacedbaddecaf888",
      aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
      pt: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
      ct: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
      tag: "76fc6ece0f4e1768cddf8853bb2d551b",
    },
    // RFC 8439 §2.8.2.
    {
      name: "chacha20-poly1305",
      key: "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
      nonce: "070000004041424344454647",
      aad: "50515253c0c1c2c3c4c5c6c7",
      pt: toHex(utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.")),
      ct: "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
      tag: "1ae10b594f09e26a7e902ecbd0600691",
    },
  ];
  test(`${p.name}: AEAD seal/open on AES-GCM (McGrew–Viega) and ChaCha20-Poly1305 (RFC 8439) vectors; tampering gives undefined`, () => {
    for (const v of GCM_VECTORS) {
      const aead = p.aead(v.name, hex(v.key));
      const sealed = aead.seal(hex(v.nonce), hex(v.aad), hex(v.pt));
      assert.equal(toHex(sealed), v.ct + v.tag, `${v.name} seal`);
      const opened = aead.open(hex(v.nonce), hex(v.aad), sealed);
      assert.ok(opened, `${v.name} open`);
      assert.equal(toHex(opened), v.pt);
      for (const at of [0, sealed.length - 1, sealed.length - 16]) {
        const bad = sealed.slice();
        bad[at] ^= 0x01;
        assert.equal(aead.open(hex(v.nonce), hex(v.aad), bad), undefined, `${v.name} flipped byte ${at}`);
      }
      const badAad = hex(v.aad + "00");
      assert.equal(aead.open(hex(v.nonce), badAad, sealed), undefined, `${v.name} other AAD`);
      assert.equal(aead.open(hex(v.nonce), hex(v.aad), sealed.subarray(0, 15)), undefined, "shorter than a tag");
    }
    assert.throws(() => p.aead("aes-128-gcm", new Uint8Array(32)), RangeError);
    assert.throws(() => p.aead("chacha20-poly1305", new Uint8Array(16)), RangeError);
  });

  test(`${p.name}: QUIC header protection masks (RFC 9001 §A.2 AES, §A.5 ChaCha20)`, () => {
    const aes = p.headerProtection("aes-128", hex("9f50449e04a0e810283a1e9933adedd2"));
    assert.equal(toHex(aes(hex("d1b1c98dd7689fb8ec11d242b123dc9b"))), "437b9aec36");
    assert.equal(toHex(aes(hex("d1b1c98dd7689fb8ec11d242b123dc9b"))), "437b9aec36", "same mask on reuse");
    // RFC 9001 §A.3: server hp key, sample from the server Initial.
    const aes2 = p.headerProtection("aes-128", hex("c206b8d9b9f0f37644430b490eeaa314"));
    assert.equal(toHex(aes2(hex("2cd0991cd25b0aac406a5816b6394100"))), "2ec0d8356a");
    const chacha = p.headerProtection("chacha20", hex("25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4"));
    assert.equal(toHex(chacha(hex("5e5cd55c41f69080575d7999c25a5bfb"))), "aefefe7d03");
  });

  test(`${p.name}: Ed25519 PKCS#8 import signs RFC 8032 §7.1 test 1 byte for byte; the SPKI is the RFC's public key`, () => {
    const seed = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
    const key = p.importSigningKey(encodePkcs8("ed25519", seed));
    assert.equal(key.kind, "ed25519");
    assert.deepEqual(key.schemes, [SignatureScheme.ed25519]);
    const pub = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    assert.equal(toHex(key.publicKeySpki), toHex(encodeSpki("ed25519", pub)));
    const sig = key.sign(SignatureScheme.ed25519, new Uint8Array(0));
    assert.equal(
      toHex(sig),
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    assert.ok(p.verify(SignatureScheme.ed25519, key.publicKeySpki, new Uint8Array(0), sig));
    assert.equal(p.verify(SignatureScheme.ed25519, key.publicKeySpki, new Uint8Array(1), sig), false);
    assert.equal(p.verify(SignatureScheme.ecdsa_secp256r1_sha256, key.publicKeySpki, new Uint8Array(0), sig), false);
    assert.throws(() => key.sign(SignatureScheme.ecdsa_secp256r1_sha256, new Uint8Array(0)), RangeError);
    const shown = JSON.stringify(key);
    assert.ok(!shown.includes("9d61b1") && !shown.includes(String(seed[0]) + "," + String(seed[1])), "no secret in JSON");
  });

  test(`${p.name}: random gives the requested length and differs between calls`, () => {
    const a = p.random(32), b = p.random(32);
    assert.equal(a.length, 32);
    assert.notEqual(toHex(a), toHex(b));
    assert.equal(p.random(0).length, 0);
  });
}

test("native: the operations that fall back to @noble/* are listed (ML-KEM everywhere; ChaCha20 only where node:crypto lacks it)", () => {
  assert.ok(nativeProvider.fallbacks.includes("ml-kem-768"));
  const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
  // Bun 1.4's node:crypto (BoringSSL) has no chacha20-poly1305 / chacha20 cipher; Deno's does.
  assert.equal(nativeProvider.fallbacks.includes("chacha20-poly1305"), isBun);
  assert.equal(nativeProvider.fallbacks.includes("chacha20-header-protection"), isBun);
});
