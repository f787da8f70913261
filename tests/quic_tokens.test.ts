import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { portableProvider as P } from "../core/crypto/portable.ts";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { MIN_TOKEN_LENGTH, QuicTokenSealer } from "../core/quic/token.ts";
import { QUIC_V1, QUIC_V2 } from "../core/quic/versions.ts";
import type { PeerAddress } from "../core/peer.ts";

const T0 = 1_750_000_000_000;
const SECRET = new Uint8Array(32).map((_, i) => i * 5 + 3);
const PEER: PeerAddress = { family: "ipv4", address: "192.0.2.10", port: 4433 };
const ODCID = new Uint8Array(8).map((_, i) => 0x80 + i);
const RSCID = new Uint8Array(16).map((_, i) => 0x30 + i);

function sealer(kr = CookieKeyring.fromSecret(SECRET), o = {}) {
  return new QuicTokenSealer(kr, P, o);
}
const retryFields = { peer: PEER, version: QUIC_V1, originalDcid: ODCID, retryScid: RSCID };
const ctx = { peer: PEER, version: QUIC_V1, dcid: RSCID };

test("Retry token: opens with the ODCID and Retry SCID; length and kind tag as documented", () => {
  const s = sealer();
  const t = s.sealRetry(retryFields, T0);
  assert.equal(t.length, 2 + 12 + 4 + 1 + 19 + 4 + 1 + 8 + 1 + 16 + 16);
  assert.equal(t[0], 0xb7);
  assert.equal(t[1], 0, "key id of the first fromSecret key");
  assert.equal(QuicTokenSealer.kindOf(t), "retry");
  const v = s.open(t, ctx, T0 + 3000);
  assert.ok(v.ok);
  assert.equal(v.kind, "retry");
  assert.deepEqual(v.originalDcid, ODCID);
  assert.deepEqual(v.retryScid, RSCID);
  assert.equal(v.issuedAt, Math.floor(T0 / 1000));
  // Two tokens for the same fields differ (random nonce) and both open.
  const t2 = s.sealRetry(retryFields, T0);
  assert.notDeepEqual(t, t2);
  assert.ok(s.open(t2, ctx, T0).ok);
});

test("Retry token verdicts: another address, another port, expired, future, one bit flipped, wrong version, new connection", () => {
  const s = sealer();
  const t = s.sealRetry(retryFields, T0);
  assert.equal(s.open(t, { ...ctx, peer: { ...PEER, address: "192.0.2.11" } }, T0).ok, false);
  assert.deepEqual(s.open(t, { ...ctx, peer: { ...PEER, address: "192.0.2.11" } }, T0), { ok: false, reason: "wrong-peer" });
  assert.deepEqual(s.open(t, { ...ctx, peer: { ...PEER, port: 4434 } }, T0), { ok: false, reason: "wrong-peer" });
  assert.equal(s.open(t, ctx, T0 + 10_999).ok, true, "10 s default lifetime");
  assert.deepEqual(s.open(t, ctx, T0 + 12_000), { ok: false, reason: "expired" });
  assert.deepEqual(s.open(t, ctx, T0 - 6_000), { ok: false, reason: "from-the-future" });
  for (const i of [0, 5, 20, t.length - 1]) {
    const bad = t.slice();
    bad[i] ^= 1;
    const v = s.open(bad, ctx, T0);
    assert.equal(v.ok, false, `bit flipped at ${i}`);
    assert.ok(!v.ok && (v.reason === "bad-tag" || v.reason === "unknown-key" || v.reason === "malformed"), `${i}: ${JSON.stringify(v)}`);
  }
  assert.deepEqual(s.open(t, { ...ctx, version: QUIC_V2 }, T0), { ok: false, reason: "wrong-version" });
  assert.deepEqual(s.open(t, { ...ctx, dcid: ODCID }, T0), { ok: false, reason: "wrong-connection-id" });
  assert.deepEqual(s.open(t.subarray(0, MIN_TOKEN_LENGTH - 1), ctx, T0), { ok: false, reason: "malformed" });
  assert.deepEqual(s.open(new Uint8Array(0), ctx, T0), { ok: false, reason: "malformed" });
});

test("Port binding is configurable: a Retry token without port binding survives NAT rebinding", () => {
  const s = sealer(undefined, { bindRetryPort: false });
  const t = s.sealRetry(retryFields, T0);
  assert.equal(s.open(t, { ...ctx, peer: { ...PEER, port: 50000 } }, T0).ok, true);
  assert.deepEqual(s.open(t, { ...ctx, peer: { ...PEER, address: "192.0.2.99" } }, T0), { ok: false, reason: "wrong-peer" });
});

test("NEW_TOKEN token: distinct kind, longer lifetime, address-bound not port-bound; kinds never substitute", () => {
  const s = sealer();
  const nt = s.sealNewToken(PEER, T0);
  assert.equal(nt[0], 0x3c);
  assert.equal(QuicTokenSealer.kindOf(nt), "new-token");
  const fresh = { peer: { ...PEER, port: 61000 }, version: QUIC_V2, dcid: ODCID };
  const v = s.open(nt, fresh, T0 + 3_000_000);
  assert.ok(v.ok && v.kind === "new-token");
  assert.deepEqual(s.open(nt, fresh, T0 + 3_601_000), { ok: false, reason: "expired" });
  assert.deepEqual(s.open(nt, { ...fresh, peer: { ...PEER, address: "198.51.100.1" } }, T0), { ok: false, reason: "wrong-peer" });
  // A Retry token presented where a NEW_TOKEN token is expected, and vice versa.
  const rt = s.sealRetry(retryFields, T0);
  assert.deepEqual(s.open(rt, ctx, T0, "new-token"), { ok: false, reason: "wrong-kind" });
  assert.deepEqual(s.open(nt, ctx, T0, "retry"), { ok: false, reason: "wrong-kind" });
  // Rewriting the kind nibble is caught by the AEAD (the tag byte is authenticated).
  const forged = nt.slice();
  forged[0] = 0xb7;
  assert.deepEqual(s.open(forged, ctx, T0), { ok: false, reason: "bad-tag" });
});

test("Key rotation: after the grace window the old key id is unknown; a fleet keyring on a second server verifies", () => {
  const kr = CookieKeyring.fromSecret(SECRET, { graceSeconds: 5 });
  const s = sealer(kr);
  const t = s.sealRetry(retryFields, T0);
  kr.rotate(T0 + 1000);
  assert.equal(s.open(t, ctx, T0 + 2000).ok, true, "previous key within grace");
  kr.rotate(T0 + 7000);
  assert.deepEqual(s.open(t, ctx, T0 + 8000), { ok: false, reason: "unknown-key" });

  const master = new Uint8Array(32).fill(9);
  const a = sealer(CookieKeyring.derived(master, { rotateEverySeconds: 60 }));
  const b = sealer(CookieKeyring.derived(master, { rotateEverySeconds: 60 }));
  const ft = a.sealRetry(retryFields, T0);
  const fv = b.open(ft, ctx, T0 + 1000);
  assert.ok(fv.ok, "second server of the fleet verifies");
  const other = sealer(CookieKeyring.derived(new Uint8Array(32).fill(8), { rotateEverySeconds: 60 }));
  assert.deepEqual(other.open(ft, ctx, T0 + 1000), { ok: false, reason: "bad-tag" }, "another fleet does not");
});

test("Token sealer: nothing secret in JSON, inspect or String; bad options throw", () => {
  const s = sealer();
  const text = JSON.stringify(s) + inspect(s) + String(s);
  assert.ok(!/[0-9a-f]{32}/.test(text), text);
  assert.throws(() => new QuicTokenSealer(CookieKeyring.random(), P, { retryLifetimeSeconds: -1 }), TypeError);
});

test("Domain separation: the token-key label cannot be a cookie MAC input (cookie inputs start with 0x00, 0x5X or 0xAX)", async () => {
  const { HVR_COOKIE_KIND, HRR_COOKIE_KIND } = await import("../core/gate/cookie/verdict.ts");
  const first = "hellogate quic token key v1".charCodeAt(0);
  assert.equal(first, 0x68);
  assert.notEqual(first >> 4, HVR_COOKIE_KIND);
  assert.notEqual(first >> 4, HRR_COOKIE_KIND);
  assert.notEqual(first, 0x00);
});
