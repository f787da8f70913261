import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import type { PeerAddress } from "../core/peer.ts";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import {
  type HrrCookieFields,
  hrrCookieLength,
  issueHrrCookie,
  verifyHrrCookie,
} from "../core/gate/cookie/hrr_cookie.ts";
import { issueHvrCookie } from "../core/gate/cookie/hvr_cookie.ts";
import { encodeClientHello } from "../core/messages/client_hello_encoder.ts";
import { parseClientHello } from "../core/messages/client_hello.ts";

const T0 = 1_750_000_000_000; // fake clock, ms
const PEER: PeerAddress = { family: "ipv6", address: "2001:db8::17", port: 443 };
const CH1_HASH = sha256(new TextEncoder().encode("ClientHello1 with its 4-byte TLS header"));
const FIELDS: HrrCookieFields = {
  protocol: "tls1.3",
  cipherSuite: 0x1301,
  group: 0x001d,
  clientHello1Hash: CH1_HASH,
};

test("HRR cookie: round-trips every field (TLS 1.3, DTLS 1.3, SHA-384, no group, app data)", () => {
  const kr = CookieKeyring.random();
  const cases: HrrCookieFields[] = [
    FIELDS,
    { protocol: "dtls1.3", cipherSuite: 0x1303, group: undefined, clientHello1Hash: CH1_HASH },
    {
      protocol: "tls1.3",
      cipherSuite: 0x1302,
      group: 0x0017,
      clientHello1Hash: sha384(new Uint8Array(10)),
      appData: new Uint8Array(255).fill(0xee),
    },
    {
      protocol: "dtls1.3",
      cipherSuite: 0x1301,
      group: 0x11ec,
      clientHello1Hash: CH1_HASH,
      appData: Uint8Array.of(1),
    },
  ];
  for (const f of cases) {
    const c = issueHrrCookie(kr, PEER, f, T0);
    assert.equal(c.length, hrrCookieLength(f.clientHello1Hash.length, f.appData?.length ?? 0));
    assert.equal(c[0] >> 4, 0xa);
    const v = verifyHrrCookie(kr, c, PEER, T0 + 3000);
    assert.ok(v.ok);
    assert.equal(v.issuedAt, T0 / 1000);
    assert.equal(v.keyId, 0);
    assert.equal(v.protocol, f.protocol);
    assert.equal(v.cipherSuite, f.cipherSuite);
    assert.equal(v.group, f.group);
    assert.deepEqual(v.clientHello1Hash, f.clientHello1Hash);
    assert.deepEqual(v.appData, f.appData ?? new Uint8Array(0));
  }
  assert.equal(hrrCookieLength(32), 78);
  assert.equal(hrrCookieLength(48, 255), 349);
});

test("HRR cookie: the layout carries protocol, suite, group, hash and app data in the clear", () => {
  const c = issueHrrCookie(CookieKeyring.random(), PEER, { ...FIELDS, appData: Uint8Array.of(7, 8) }, T0);
  assert.equal(((c[1] << 24) | (c[2] << 16) | (c[3] << 8) | c[4]) >>> 0, T0 / 1000);
  assert.equal(c[5], 1);
  assert.deepEqual([...c.subarray(6, 11)], [0x13, 0x01, 0x00, 0x1d, 32]);
  assert.deepEqual(c.subarray(11, 43), CH1_HASH);
  assert.deepEqual(c.subarray(43, 57), new Uint8Array(14)); // no frozen field given: zeros, matching no CH2
  assert.deepEqual([...c.subarray(57, 60)], [2, 7, 8]);
  assert.equal(c.length, 60 + 4 + 16);
});

test("HRR cookie: issuing rejects caller misuse with TypeError", () => {
  const kr = CookieKeyring.random();
  const bad: HrrCookieFields[] = [
    { ...FIELDS, appData: new Uint8Array(256) },
    { ...FIELDS, clientHello1Hash: new Uint8Array(33) },
    { ...FIELDS, cipherSuite: 0x1302 }, // SHA-384 suite with a SHA-256 hash
    { ...FIELDS, group: 0 },
    { ...FIELDS, group: 0x10000 },
    { ...FIELDS, cipherSuite: -1 },
    { ...FIELDS, protocol: "tls1.2" as "tls1.3" },
  ];
  for (const f of bad) assert.throws(() => issueHrrCookie(kr, PEER, f, T0), TypeError);
  assert.throws(
    () => issueHrrCookie(kr, { family: "ipv6", address: "2001:db8::g", port: 1 }, FIELDS, T0),
    TypeError,
  );
});

test("HRR cookie: malformed for truncated, extended, bad protocol, bad hash length or unknown tag", () => {
  const kr = CookieKeyring.random();
  const c = issueHrrCookie(kr, PEER, FIELDS, T0);
  const malformed = { ok: false, reason: "malformed" };
  assert.deepEqual(verifyHrrCookie(kr, new Uint8Array(0), PEER, T0), malformed);
  assert.deepEqual(verifyHrrCookie(kr, c.subarray(0, c.length - 1), PEER, T0), malformed);
  const longer = new Uint8Array(c.length + 1);
  longer.set(c);
  assert.deepEqual(verifyHrrCookie(kr, longer, PEER, T0), malformed);
  for (const [at, value] of [[5, 3], [5, 0], [10, 40], [0, 0x10]]) {
    const m = c.slice();
    m[at] = value;
    assert.deepEqual(verifyHrrCookie(kr, m, PEER, T0), malformed, `byte ${at} = ${value}`);
  }
  const appLen = c.slice();
  appLen[57] = 1; // claims one byte of app data that is not there
  assert.deepEqual(verifyHrrCookie(kr, appLen, PEER, T0), malformed);
});

test("HRR cookie: bad-mac for altered contents, wrong-peer for an authentic cookie from elsewhere", () => {
  const kr = CookieKeyring.random();
  const c = issueHrrCookie(kr, PEER, FIELDS, T0);
  const group = c.slice();
  group[9] ^= 0x04; // x25519 -> another group
  assert.deepEqual(verifyHrrCookie(kr, group, PEER, T0), { ok: false, reason: "bad-mac" });
  const other = issueHrrCookie(CookieKeyring.random(), PEER, FIELDS, T0);
  assert.deepEqual(verifyHrrCookie(kr, other, PEER, T0), { ok: false, reason: "bad-mac" });
  for (
    const p of [
      { ...PEER, port: 444 },
      { ...PEER, address: "2001:db8::18" },
      { family: "ipv4", address: "192.0.2.1", port: 443 },
      { family: "unspec", address: "", port: 0 },
    ] as PeerAddress[]
  ) {
    assert.deepEqual(verifyHrrCookie(kr, c, p, T0), { ok: false, reason: "wrong-peer" }, JSON.stringify(p));
  }
});

test("HRR cookie: unknown-key, expired and from-the-future", () => {
  const kr = CookieKeyring.random();
  const c = issueHrrCookie(kr, PEER, FIELDS, T0);
  const id = c.slice();
  id[0] = 0xa7;
  assert.deepEqual(verifyHrrCookie(kr, id, PEER, T0), { ok: false, reason: "unknown-key" });
  assert.equal(verifyHrrCookie(kr, c, PEER, T0 + 60_000).ok, true);
  assert.deepEqual(verifyHrrCookie(kr, c, PEER, T0 + 61_000), { ok: false, reason: "expired" });
  assert.deepEqual(verifyHrrCookie(kr, c, PEER, T0 + 31_000, { lifetimeSeconds: 30 }), {
    ok: false,
    reason: "expired",
  });
  assert.equal(verifyHrrCookie(kr, c, PEER, T0 - 5_000).ok, true);
  assert.deepEqual(verifyHrrCookie(kr, c, PEER, T0 - 6_000), { ok: false, reason: "from-the-future" });
  assert.equal(verifyHrrCookie(kr, c, PEER, T0 - 20_000, { maxClockSkewSeconds: 20 }).ok, true);
});

test("HRR cookie: an HVR cookie presented as an HRR cookie is wrong-protocol", () => {
  const kr = CookieKeyring.random();
  const ch = parseClientHello(
    encodeClientHello({
      dtls: true,
      legacyVersion: 0xfefd,
      random: new Uint8Array(32),
      legacySessionId: new Uint8Array(0),
      cipherSuites: [0xc02b],
      compressionMethods: Uint8Array.of(0),
    }),
    { dtls: true },
  );
  const hvr = issueHvrCookie(kr, PEER, ch, T0);
  assert.deepEqual(verifyHrrCookie(kr, hvr, PEER, T0), { ok: false, reason: "wrong-protocol" });
});

test("HRR cookie: IPv4 and IPv4-mapped IPv6 peers bind identically", () => {
  const kr = CookieKeyring.random();
  const c = issueHrrCookie(kr, { family: "ipv4", address: "203.0.113.9", port: 8443 }, FIELDS, T0);
  assert.equal(
    verifyHrrCookie(kr, c, { family: "ipv6", address: "::ffff:203.0.113.9", port: 8443 }, T0).ok,
    true,
  );
  assert.deepEqual(
    verifyHrrCookie(kr, c, { family: "ipv6", address: "64:ff9b::203.0.113.9", port: 8443 }, T0),
    {
      ok: false,
      reason: "wrong-peer",
    },
  );
});

const arbFields: fc.Arbitrary<HrrCookieFields> = fc.record({
  protocol: fc.constantFrom("tls1.3" as const, "dtls1.3" as const),
  cipherSuite: fc.constantFrom(0x1301, 0x1302, 0x1303),
  group: fc.option(fc.integer({ min: 1, max: 0xffff }), { nil: undefined }),
  seed: fc.uint8Array({ maxLength: 40 }),
  appData: fc.uint8Array({ maxLength: 255 }),
}).map(({ seed, ...f }) => ({
  ...f,
  clientHello1Hash: f.cipherSuite === 0x1302 ? sha384(seed) : sha256(seed),
}));

const arbV4 = fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 0xffff }));

test("HRR property: any single-bit flip in the cookie fails verification", () => {
  const kr = CookieKeyring.random();
  fc.assert(
    fc.property(arbFields, fc.nat(1_000_000), (f, pick) => {
      const c = issueHrrCookie(kr, PEER, f, T0);
      assert.equal(verifyHrrCookie(kr, c, PEER, T0).ok, true);
      const bit = pick % (c.length * 8);
      c[bit >> 3] ^= 1 << (bit & 7);
      const v = verifyHrrCookie(kr, c, PEER, T0);
      assert.equal(v.ok, false);
      // Only a flip in the final MAC itself can read as wrong-peer (documented).
      if (!v.ok && v.reason === "wrong-peer") assert.ok(bit >> 3 >= c.length - 16);
    }),
    { numRuns: 300 },
  );
});

test("HRR property: any single-bit flip in the peer address or port is wrong-peer", () => {
  const kr = CookieKeyring.random();
  fc.assert(
    fc.property(arbFields, arbV4, fc.nat(47), (f, [addr, port], bit) => {
      const peer: PeerAddress = { family: "ipv4", address: addr.join("."), port };
      const c = issueHrrCookie(kr, peer, f, T0);
      let moved: PeerAddress;
      if (bit < 32) {
        const a = addr.slice();
        a[bit >> 3] ^= 1 << (bit & 7);
        moved = { ...peer, address: a.join(".") };
      } else moved = { ...peer, port: port ^ (1 << (bit - 32)) };
      assert.deepEqual(verifyHrrCookie(kr, c, moved, T0), { ok: false, reason: "wrong-peer" });
    }),
    { numRuns: 300 },
  );
});
