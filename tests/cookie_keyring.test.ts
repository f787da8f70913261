import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { issueHvrCookie, verifyHvrCookie } from "../core/gate/cookie/hvr_cookie.ts";
import { issueHrrCookie, verifyHrrCookie } from "../core/gate/cookie/hrr_cookie.ts";
import { encodeClientHello } from "../core/messages/client_hello_encoder.ts";
import { parseClientHello } from "../core/messages/client_hello.ts";
import type { PeerAddress } from "../core/peer.ts";

const T0 = 1_750_000_200_000; // fake clock (ms); a multiple of 300 s and of 60 s
const PEER: PeerAddress = { family: "ipv4", address: "10.1.2.3", port: 9999 };
const MASTER = new Uint8Array(32).map((_, i) => 200 - i);
const LONG = { lifetimeSeconds: 100_000 }; // isolate key checks from cookie expiry
const CH = parseClientHello(
  encodeClientHello({
    dtls: true,
    legacyVersion: 0xfefd,
    random: new Uint8Array(32).fill(3),
    legacySessionId: new Uint8Array(0),
    cipherSuites: [0xc02b, 0xc02f],
    compressionMethods: Uint8Array.of(0),
  }),
  { dtls: true },
);
const HRR = {
  protocol: "dtls1.3" as const,
  cipherSuite: 0x1301,
  group: 0x17,
  clientHello1Hash: new Uint8Array(32),
};

const issue = (kr: CookieKeyring, now: number) => issueHvrCookie(kr, PEER, CH, now);
const verify = (kr: CookieKeyring, c: Uint8Array, now: number) => verifyHvrCookie(kr, c, PEER, CH, now, LONG);

test("keyring: secrets shorter than 16 bytes and bad options throw TypeError", () => {
  assert.throws(() => CookieKeyring.fromSecret(new Uint8Array(15)), TypeError);
  assert.throws(() => CookieKeyring.derived(new Uint8Array(8), { rotateEverySeconds: 60 }), TypeError);
  assert.throws(() => CookieKeyring.derived(MASTER, { rotateEverySeconds: 0 }), TypeError);
  assert.throws(() => CookieKeyring.derived(MASTER, { rotateEverySeconds: Number.NaN }), TypeError);
  assert.throws(() => CookieKeyring.random({ graceSeconds: -1 }), TypeError);
  assert.throws(() => CookieKeyring.random().rotate(Number.NaN), TypeError);
  CookieKeyring.fromSecret(new Uint8Array(16)); // 16 is enough
});

test("keyring: random rotation - previous key verifies inside the grace window, not after", () => {
  const kr = CookieKeyring.random({ graceSeconds: 30 });
  const old = issue(kr, T0);
  kr.rotate(T0 + 10_000);
  const fresh = issue(kr, T0 + 10_000);
  assert.notEqual(fresh[0] & 15, old[0] & 15);
  assert.equal(verify(kr, old, T0 + 39_999).ok, true);
  assert.deepEqual(verify(kr, old, T0 + 40_000), { ok: false, reason: "unknown-key" });
  assert.equal(verify(kr, fresh, T0 + 40_000).ok, true);
  // A second rotation drops the oldest key at once, even inside its old window.
  const kr2 = CookieKeyring.random();
  const first = issue(kr2, T0);
  kr2.rotate(T0 + 1000);
  kr2.rotate(T0 + 2000);
  assert.deepEqual(verify(kr2, first, T0 + 3000), { ok: false, reason: "unknown-key" });
});

test("keyring: default grace is 60 s; rotation also applies to HRR cookies", () => {
  const kr = CookieKeyring.random();
  const c = issueHrrCookie(kr, PEER, HRR, T0);
  kr.rotate(T0);
  assert.equal(verifyHrrCookie(kr, c, PEER, T0 + 59_999, LONG).ok, true);
  assert.deepEqual(verifyHrrCookie(kr, c, PEER, T0 + 60_000, LONG), { ok: false, reason: "unknown-key" });
});

test("keyring: key ids cycle through 16 values; a key id reused after 16 rotations is a new key", () => {
  const kr = CookieKeyring.random({ graceSeconds: 1e6 });
  const c0 = issue(kr, T0);
  const ids = [c0[0] & 15];
  for (let i = 1; i <= 16; i++) {
    kr.rotate(T0 + i);
    ids.push(issue(kr, T0 + i)[0] & 15);
  }
  assert.deepEqual(ids, [...Array.from({ length: 16 }, (_, i) => i), 0]);
  assert.deepEqual(verify(kr, c0, T0 + 20), { ok: false, reason: "bad-mac" });
});

test("keyring: fromSecret keyrings with the same secret agree, also after the same rotations", () => {
  const a = CookieKeyring.fromSecret(MASTER), b = CookieKeyring.fromSecret(MASTER.slice());
  const other = CookieKeyring.fromSecret(MASTER.map((x) => x ^ 1));
  const c = issue(a, T0);
  assert.equal(verify(b, c, T0).ok, true);
  assert.deepEqual(verify(other, c, T0), { ok: false, reason: "bad-mac" });
  a.rotate(T0 + 1000);
  b.rotate(T0 + 5000);
  const c2 = issue(a, T0 + 6000);
  assert.equal(verify(b, c2, T0 + 6000).ok, true);
  assert.equal(verify(b, c, T0 + 6000).ok, true); // previous key, inside b's grace window
  assert.deepEqual(verify(b, c, T0 + 65_000), { ok: false, reason: "unknown-key" });
});

test("keyring: derived keyrings from the same master verify each other's cookies, different masters never", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 16, maxLength: 64 }),
      fc.integer({ min: 1, max: 3600 }),
      fc.integer({ min: 0, max: 10 ** 9 }),
      (master, period, offsetSec) => {
        const now = T0 + offsetSec * 1000;
        const a = CookieKeyring.derived(master, { rotateEverySeconds: period });
        const b = CookieKeyring.derived(master.slice(), { rotateEverySeconds: period });
        const flipped = master.slice();
        flipped[0] ^= 0x80;
        const x = CookieKeyring.derived(flipped, { rotateEverySeconds: period });
        const c = issue(a, now);
        assert.equal(verify(b, c, now).ok, true);
        assert.equal(verify(x, c, now).ok, false);
        const h = issueHrrCookie(b, PEER, HRR, now);
        assert.equal(verifyHrrCookie(a, h, PEER, now).ok, true);
        assert.deepEqual(verifyHrrCookie(x, h, PEER, now), { ok: false, reason: "bad-mac" });
      },
    ),
    { numRuns: 200 },
  );
});

test("keyring: derived key follows the epoch; previous epoch verifies for the grace window only", () => {
  const a = CookieKeyring.derived(MASTER, { rotateEverySeconds: 300, graceSeconds: 20 });
  const c = issue(a, T0 + 299_000); // last second of the epoch
  const epoch = Math.floor(T0 / 1000 / 300);
  assert.equal(c[0] & 15, epoch & 15);
  const next = issue(a, T0 + 300_000);
  assert.equal(next[0] & 15, (epoch + 1) & 15);
  assert.equal(verify(a, c, T0 + 319_999).ok, true);
  assert.deepEqual(verify(a, c, T0 + 320_000), { ok: false, reason: "unknown-key" });
  // A fresh server that starts later verifies the same way (no state shared but the master).
  const b = CookieKeyring.derived(MASTER, { rotateEverySeconds: 300, graceSeconds: 20 });
  assert.equal(verify(b, c, T0 + 310_000).ok, true);
  assert.deepEqual(verify(b, c, T0 + 320_000), { ok: false, reason: "unknown-key" });
  // Two epochs later the old key is gone whatever the grace.
  const g = CookieKeyring.derived(MASTER, { rotateEverySeconds: 300, graceSeconds: 300 });
  assert.equal(verify(g, c, T0 + 599_000).ok, true);
  assert.deepEqual(verify(g, c, T0 + 600_000), { ok: false, reason: "unknown-key" });
});

test("keyring: a derived server whose clock runs ahead is accepted within the clock skew", () => {
  const ahead = CookieKeyring.derived(MASTER, { rotateEverySeconds: 300 });
  const behind = CookieKeyring.derived(MASTER, { rotateEverySeconds: 300 });
  const c = issue(ahead, T0 + 300_000); // first second of the next epoch
  assert.equal(verify(behind, c, T0 + 296_000).ok, true); // 4 s behind
  assert.deepEqual(verifyHvrCookie(behind, c, PEER, CH, T0 + 290_000), { ok: false, reason: "unknown-key" });
  assert.deepEqual(verify(behind, issue(ahead, T0 + 300_000), T0 + 294_000), {
    ok: false,
    reason: "unknown-key",
  });
});

test("keyring: derived keyrings never go back to an older epoch; rotate() just syncs them", () => {
  const kr = CookieKeyring.derived(MASTER, { rotateEverySeconds: 60 });
  const later = issue(kr, T0 + 120_000);
  const earlier = issue(kr, T0); // clock went back: still the newer key
  assert.equal(earlier[0] & 15, later[0] & 15);
  kr.rotate(T0 + 180_000);
  assert.equal(issue(kr, T0 + 180_000)[0] & 15, (Math.floor(T0 / 60_000) + 3) & 15);
});

test("keyring: JSON, toString and inspection never contain the secret", () => {
  const secret = new Uint8Array(32).fill(0x7a);
  const hex = "7a".repeat(8);
  for (
    const kr of [
      CookieKeyring.fromSecret(secret),
      CookieKeyring.derived(secret, { rotateEverySeconds: 60 }),
      CookieKeyring.random(),
    ]
  ) {
    issue(kr, T0);
    const insp = kr as unknown as Record<symbol, () => string>;
    const texts = [
      JSON.stringify(kr),
      JSON.stringify({ nested: [kr] }),
      String(kr),
      insp[Symbol.for("Deno.customInspect")](),
      insp[Symbol.for("nodejs.util.inspect.custom")](),
    ];
    for (const t of texts) {
      assert.match(t, /redacted/);
      assert.doesNotMatch(t, new RegExp(`${hex}|122,122|zzzz`));
    }
    assert.deepEqual(Object.keys(kr), []);
    const json = JSON.parse(JSON.stringify(kr));
    assert.equal(
      json.currentKeyId,
      0 <= json.currentKeyId && json.currentKeyId < 16 ? json.currentKeyId : -1,
    );
  }
  try {
    CookieKeyring.fromSecret(secret.subarray(0, 10));
    assert.fail("expected a TypeError");
  } catch (e) {
    assert.ok(e instanceof TypeError);
    assert.doesNotMatch(String(e), /122|7a7a|zzz/);
  }
});
