import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeClientHello, type ExtensionToEncode } from "../core/messages/client_hello_encoder.ts";
import { type ClientHello, parseClientHello } from "../core/messages/client_hello.ts";
import { encodeDtlsRecord, readDtlsRecord } from "../core/wire/record.ts";
import { encodeDtlsHandshake, readDtlsHandshakeFragment } from "../core/wire/handshake_header.ts";
import type { PeerAddress } from "../core/peer.ts";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import {
  HVR_COOKIE_LENGTH,
  hvrMacInputLength,
  hvrPeerBinding,
  issueHvrCookie,
  verifyHvrCookie,
} from "../core/gate/cookie/hvr_cookie.ts";
import { cascadeReference } from "./helpers/cascade_reference.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { expand, extract } from "@noble/hashes/hkdf.js";
import { issueHrrCookie } from "../core/gate/cookie/hrr_cookie.ts";
import { loadHexFixture } from "./helpers/fixtures.ts";

const T0 = 1_750_000_000_000; // fake clock, ms
const PEER: PeerAddress = { family: "ipv4", address: "192.0.2.7", port: 40000 };
const SECRET = new Uint8Array(32).map((_, i) => i * 7 + 1);

interface ChOptions {
  version?: number;
  random?: Uint8Array;
  sessionId?: Uint8Array;
  cookie?: Uint8Array;
  suites?: number[];
  compression?: Uint8Array;
  extensions?: ExtensionToEncode[];
}

function dtlsHello(o: ChOptions = {}): ClientHello {
  const body = encodeClientHello({
    dtls: true,
    legacyVersion: o.version ?? 0xfefd,
    random: o.random ?? new Uint8Array(32).map((_, i) => 0xa0 ^ i),
    legacySessionId: o.sessionId ?? new Uint8Array(0),
    legacyCookie: o.cookie,
    cipherSuites: o.suites ?? [0xc02b, 0xc02f, 0xcca9, 0x00ff],
    compressionMethods: o.compression ?? new Uint8Array([0]),
    extensions: o.extensions ?? [
      { type: 10, data: new Uint8Array([0, 4, 0, 0x1d, 0, 0x17]) },
      { type: 23, data: new Uint8Array(0) },
    ],
  });
  return parseClientHello(body, { dtls: true });
}

/** ClientHello2: the same bytes with the cookie inserted (what RFC 6347 §4.2.1 clients send). */
function withCookie(ch: ClientHello, cookie: Uint8Array): ClientHello {
  const b = ch.body, o = ch.offsets;
  const out = new Uint8Array(b.length + cookie.length);
  out.set(b.subarray(0, o.cookie));
  out[o.cookie] = cookie.length;
  out.set(cookie, o.cookie + 1);
  out.set(b.subarray(o.cipherSuites), o.cookie + 1 + cookie.length);
  return parseClientHello(out, { dtls: true });
}

test("HVR cookie: 32 bytes, kind tag 0x5 and key id in byte 0, issue time in bytes 1-4", () => {
  const kr = CookieKeyring.fromSecret(SECRET);
  const c = issueHvrCookie(kr, PEER, dtlsHello(), T0 + 999);
  assert.equal(HVR_COOKIE_LENGTH, 32);
  assert.equal(c.length, 32);
  assert.equal(c[0] >> 4, 0x5);
  assert.equal(c[0] & 15, 0);
  assert.equal(((c[1] << 24) | (c[2] << 16) | (c[3] << 8) | c[4]) >>> 0, Math.floor((T0 + 999) / 1000));
  // Deterministic under a fixed key: the same inputs give the same cookie, another time not.
  assert.deepEqual(issueHvrCookie(kr, PEER, dtlsHello(), T0 + 999), c);
  assert.notDeepEqual(issueHvrCookie(kr, PEER, dtlsHello(), T0 + 1000), c);
});

test("HVR cookie: ClientHello2 (cookie inserted, record and message sequence advanced) verifies", () => {
  const kr = CookieKeyring.random();
  const ch1 = dtlsHello();
  const cookie = issueHvrCookie(kr, PEER, ch1, T0);
  // CH1 in record 0 / message_seq 0, CH2 in record 1 / message_seq 1, as real clients send them.
  const dg1 = encodeDtlsRecord(22, 0xfeff, 0, 0, encodeDtlsHandshake(1, 0, ch1.body));
  const dg2 = encodeDtlsRecord(22, 0xfefd, 0, 1, encodeDtlsHandshake(1, 1, withCookie(ch1, cookie).body));
  const bodyOf = (dg: Uint8Array) => readDtlsHandshakeFragment(readDtlsRecord(dg).fragment).body;
  assert.deepEqual(bodyOf(dg1), ch1.body);
  const ch2 = parseClientHello(bodyOf(dg2), { dtls: true });
  assert.deepEqual(ch2.legacyCookie, cookie);
  const v = verifyHvrCookie(kr, ch2.legacyCookie!, PEER, ch2, T0 + 2000);
  assert.deepEqual(v, { ok: true, issuedAt: T0 / 1000, keyId: 0 });
});

test("HVR cookie: real OpenSSL and GnuTLS DTLS ClientHellos round-trip through CH2", () => {
  for (const name of ["dtls12-openssl", "dtls12-gnutls", "dtls10-openssl", "dtls10-gnutls"]) {
    const dg = loadHexFixture(name)[0];
    const frag = readDtlsHandshakeFragment(readDtlsRecord(dg).fragment);
    assert.equal(frag.fragmentLength, frag.length, name);
    const ch1 = parseClientHello(frag.body, { dtls: true });
    const kr = CookieKeyring.random();
    const cookie = issueHvrCookie(kr, PEER, ch1, T0);
    const ch2 = withCookie(ch1, cookie);
    assert.equal(verifyHvrCookie(kr, ch2.legacyCookie!, PEER, ch2, T0 + 1000).ok, true, name);
    assert.equal(
      verifyHvrCookie(kr, cookie, { ...PEER, port: PEER.port + 1 }, ch2, T0 + 1000).ok,
      false,
      name,
    );
  }
});

test("HVR cookie: malformed for a wrong length, an empty cookie or an unknown kind tag", () => {
  const kr = CookieKeyring.random();
  const ch = dtlsHello();
  const c = issueHvrCookie(kr, PEER, ch, T0);
  assert.deepEqual(verifyHvrCookie(kr, new Uint8Array(0), PEER, ch, T0), { ok: false, reason: "malformed" });
  assert.deepEqual(verifyHvrCookie(kr, c.subarray(0, 31), PEER, ch, T0), { ok: false, reason: "malformed" });
  const longer = new Uint8Array(33);
  longer.set(c);
  assert.deepEqual(verifyHvrCookie(kr, longer, PEER, ch, T0), { ok: false, reason: "malformed" });
  const tag = c.slice();
  tag[0] = 0x30 | (tag[0] & 15);
  assert.deepEqual(verifyHvrCookie(kr, tag, PEER, ch, T0), { ok: false, reason: "malformed" });
});

test("HVR cookie: bad-mac for a forged MAC, and (documented) for another peer", () => {
  const kr = CookieKeyring.random();
  const ch = dtlsHello();
  const c = issueHvrCookie(kr, PEER, ch, T0);
  const forged = c.slice();
  forged.fill(0x55, 5);
  assert.deepEqual(verifyHvrCookie(kr, forged, PEER, ch, T0), { ok: false, reason: "bad-mac" });
  const elsewhere: PeerAddress = { family: "ipv4", address: "192.0.2.8", port: 40000 };
  assert.deepEqual(verifyHvrCookie(kr, c, elsewhere, ch, T0), { ok: false, reason: "bad-mac" });
  // A cookie from another keyring with the same key id is bad-mac, not accepted.
  const other = issueHvrCookie(CookieKeyring.random(), PEER, ch, T0);
  assert.equal(other[0], c[0]);
  assert.deepEqual(verifyHvrCookie(kr, other, PEER, ch, T0), { ok: false, reason: "bad-mac" });
});

test("HVR cookie: unknown-key for a key id the keyring does not hold", () => {
  const kr = CookieKeyring.random();
  const ch = dtlsHello();
  const c = issueHvrCookie(kr, PEER, ch, T0);
  const otherId = c.slice();
  otherId[0] = (otherId[0] & 0xf0) | 9;
  assert.deepEqual(verifyHvrCookie(kr, otherId, PEER, ch, T0), { ok: false, reason: "unknown-key" });
});

test("HVR cookie: expired after the lifetime, from-the-future beyond the clock skew", () => {
  const kr = CookieKeyring.random();
  const ch = dtlsHello();
  const c = issueHvrCookie(kr, PEER, ch, T0);
  assert.equal(verifyHvrCookie(kr, c, PEER, ch, T0 + 60_999).ok, true);
  assert.deepEqual(verifyHvrCookie(kr, c, PEER, ch, T0 + 61_000), { ok: false, reason: "expired" });
  assert.equal(verifyHvrCookie(kr, c, PEER, ch, T0 + 10_000, { lifetimeSeconds: 10 }).ok, true);
  assert.deepEqual(verifyHvrCookie(kr, c, PEER, ch, T0 + 11_000, { lifetimeSeconds: 10 }), {
    ok: false,
    reason: "expired",
  });
  assert.equal(verifyHvrCookie(kr, c, PEER, ch, T0 - 5_000).ok, true);
  assert.deepEqual(verifyHvrCookie(kr, c, PEER, ch, T0 - 6_000), { ok: false, reason: "from-the-future" });
  assert.deepEqual(verifyHvrCookie(kr, c, PEER, ch, T0 - 1_000, { maxClockSkewSeconds: 0 }), {
    ok: false,
    reason: "from-the-future",
  });
});

test("HVR cookie: an HRR cookie presented as an HVR cookie is wrong-protocol", () => {
  const kr = CookieKeyring.random();
  const hrr = issueHrrCookie(kr, PEER, {
    protocol: "tls1.3",
    cipherSuite: 0x1301,
    group: 0x1d,
    clientHello1Hash: new Uint8Array(32),
  }, T0);
  assert.deepEqual(verifyHvrCookie(kr, hrr, PEER, dtlsHello(), T0), { ok: false, reason: "wrong-protocol" });
});

test("HVR cookie: IPv4 and IPv4-mapped IPv6 peers bind identically, other IPv6 peers do not", () => {
  const kr = CookieKeyring.random();
  const ch = dtlsHello();
  const v4: PeerAddress = { family: "ipv4", address: "198.51.100.20", port: 5684 };
  const mapped: PeerAddress = { family: "ipv6", address: "::ffff:198.51.100.20", port: 5684 };
  const mappedHex: PeerAddress = { family: "ipv6", address: "::FFFF:c633:6414", port: 5684 };
  const compat: PeerAddress = { family: "ipv6", address: "::198.51.100.20", port: 5684 };
  const c4 = issueHvrCookie(kr, v4, ch, T0);
  const c6 = issueHvrCookie(kr, mapped, ch, T0);
  assert.deepEqual(c4, c6);
  for (const p of [v4, mapped, mappedHex]) assert.equal(verifyHvrCookie(kr, c4, p, ch, T0).ok, true);
  assert.equal(verifyHvrCookie(kr, c4, compat, ch, T0).ok, false);
});

test("HVR cookie: rejections allocate nothing (the same frozen object each time)", () => {
  const kr = CookieKeyring.random();
  const ch = dtlsHello();
  const bad = new Uint8Array(32).fill(0x50);
  const a = verifyHvrCookie(kr, bad, PEER, ch, T0);
  const b = verifyHvrCookie(kr, bad, PEER, ch, T0);
  assert.equal(a.ok, false);
  assert.equal(a, b);
  assert.equal(Object.isFrozen(a), true);
});

test("HVR cookie: caller misuse throws TypeError (bad peer address, clock out of range, bad options)", () => {
  const kr = CookieKeyring.random();
  const ch = dtlsHello();
  assert.throws(
    () => issueHvrCookie(kr, { family: "ipv4", address: "300.1.1.1", port: 1 }, ch, T0),
    TypeError,
  );
  assert.throws(() => issueHvrCookie(kr, PEER, ch, -1000), TypeError);
  assert.throws(() => issueHvrCookie(kr, PEER, ch, Number.NaN), TypeError);
  const c = issueHvrCookie(kr, PEER, ch, T0);
  assert.throws(() => verifyHvrCookie(kr, c, PEER, ch, T0, { lifetimeSeconds: -1 }), TypeError);
  assert.throws(() => verifyHvrCookie(kr, c, PEER, ch, T0, { maxClockSkewSeconds: Number.NaN }), TypeError);
});

// ---- properties ----

const arbHello = fc.record({
  version: fc.constantFrom(0xfeff, 0xfefd),
  random: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  sessionId: fc.uint8Array({ maxLength: 32 }),
  suites: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 40 }),
  compression: fc.uint8Array({ minLength: 1, maxLength: 3 }),
});

const arbPeer: fc.Arbitrary<PeerAddress> = fc.oneof(
  fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 0xffff })).map((
    [a, port],
  ) => ({
    family: "ipv4" as const,
    address: a.join("."),
    port,
  })),
  fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 0xffff })).map((
    [a, port],
  ) => ({ family: "ipv6" as const, address: ipv6Text(a), port })),
);

function ipv6Text(a: Uint8Array): string {
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((a[i] << 8) | a[i + 1]).toString(16));
  return words.join(":");
}

function peerBytes(p: PeerAddress): Uint8Array {
  if (p.family === "ipv4") return Uint8Array.from(p.address.split(".").map(Number));
  return Uint8Array.from(p.address.split(":").flatMap((w) => [parseInt(w, 16) >> 8, parseInt(w, 16) & 0xff]));
}

function peerFromBytes(family: "ipv4" | "ipv6", a: Uint8Array, port: number): PeerAddress {
  return { family, address: family === "ipv4" ? a.join(".") : ipv6Text(a), port };
}

test("HVR property: any single-bit flip in the cookie fails verification", () => {
  const kr = CookieKeyring.random();
  fc.assert(
    fc.property(arbHello, arbPeer, fc.nat(HVR_COOKIE_LENGTH * 8 - 1), (h, peer, bit) => {
      const ch = dtlsHello(h);
      const c = issueHvrCookie(kr, peer, ch, T0);
      assert.equal(verifyHvrCookie(kr, c, peer, ch, T0).ok, true);
      c[bit >> 3] ^= 1 << (bit & 7);
      assert.equal(verifyHvrCookie(kr, c, peer, ch, T0).ok, false);
    }),
    { numRuns: 300 },
  );
});

test("HVR property: any single-bit flip in the peer address or port fails verification", () => {
  const kr = CookieKeyring.random();
  fc.assert(
    fc.property(arbHello, arbPeer, fc.nat(16 * 8 + 15), (h, peer, bitIndex) => {
      const ch = dtlsHello(h);
      const c = issueHvrCookie(kr, peer, ch, T0);
      const addr = peerBytes(peer);
      const addrBits = addr.length * 8;
      const bit = bitIndex % (addrBits + 16);
      let moved: PeerAddress;
      if (bit < addrBits) {
        addr[bit >> 3] ^= 1 << (bit & 7);
        moved = peerFromBytes(peer.family as "ipv4" | "ipv6", addr, peer.port);
      } else {
        moved = { ...peer, port: peer.port ^ (1 << (bit - addrBits)) };
      }
      assert.equal(verifyHvrCookie(kr, c, moved, ch, T0).ok, false);
    }),
    { numRuns: 300 },
  );
});

test("HVR property: any single-bit flip inside a bound ClientHello field fails verification", () => {
  const kr = CookieKeyring.random();
  let checked = 0;
  fc.assert(
    fc.property(arbHello, fc.nat(100_000), (h, pick) => {
      const ch1 = dtlsHello(h);
      const c = issueHvrCookie(kr, PEER, ch1, T0);
      const o = ch1.offsets;
      // Bound bits: legacy_version, random, session_id (with length) and compression_methods
      // (with length); cipher_suites are not bound (see hvr_cookie.ts).
      const bound = (o.cookie + (o.extensions - o.compressionMethods)) * 8;
      const bit = pick % bound;
      const byte = bit >> 3;
      const at = byte < o.cookie ? byte : o.compressionMethods + (byte - o.cookie);
      const body = ch1.body.slice();
      body[at] ^= 1 << (bit & 7);
      let ch2: ClientHello;
      try {
        ch2 = parseClientHello(body, { dtls: true });
      } catch {
        return; // a flipped length no longer parses: the listener drops it before any cookie check
      }
      checked++;
      assert.equal(verifyHvrCookie(kr, c, PEER, ch2, T0).ok, false);
    }),
    { numRuns: 400 },
  );
  assert.ok(checked > 200, `only ${checked} flips parsed`);
});

test("HVR property: changing extensions (or the record sequence) does not affect the cookie", () => {
  const kr = CookieKeyring.random();
  const arbExt = fc.array(
    fc.record({ type: fc.integer({ min: 0, max: 0xffff }), data: fc.uint8Array({ maxLength: 20 }) }),
    { maxLength: 6 },
  ).map((list) => list.filter((e, i) => list.findIndex((x) => x.type === e.type) === i && e.type !== 41));
  let checked = 0;
  fc.assert(
    fc.property(arbHello, arbExt, arbExt, fc.nat(0xffff), fc.nat(2 ** 40), (h, ext1, ext2, mseq, rseq) => {
      let ch1: ClientHello, ch2: ClientHello;
      try {
        ch1 = dtlsHello({ ...h, extensions: ext1 });
        ch2 = dtlsHello({ ...h, extensions: ext2 });
      } catch {
        return; // random bytes that are not a valid body for a known extension type
      }
      const c = issueHvrCookie(kr, PEER, ch1, T0);
      const dg = encodeDtlsRecord(22, 0xfefd, 0, rseq, encodeDtlsHandshake(1, mseq, withCookie(ch2, c).body));
      const received = parseClientHello(readDtlsHandshakeFragment(readDtlsRecord(dg).fragment).body, {
        dtls: true,
      });
      assert.equal(verifyHvrCookie(kr, received.legacyCookie!, PEER, received, T0 + 500).ok, true);
      checked++;
    }),
    { numRuns: 300 },
  );
  assert.ok(checked > 150, `only ${checked} generated ClientHellos parsed`);
});

test("HVR cookie: the MAC is the one-pass SHA-256 cascade (checked with @noble/hashes) over header || compact peer || version..session_id || compression_methods", () => {
  // fromSecret key 0 = HKDF-SHA256(secret, "hellogate cookie secret key v1" || u64 0), 32 bytes (keyring.ts).
  const kr = CookieKeyring.fromSecret(SECRET);
  const info = new Uint8Array([...new TextEncoder().encode("hellogate cookie secret key v1"), 0, 0, 0, 0, 0, 0, 0, 0]);
  const key = expand(sha256, extract(sha256, SECRET, new Uint8Array(0)), info, 32);
  const ch = dtlsHello({ sessionId: new Uint8Array([9, 8, 7]), compression: new Uint8Array([0, 1]) });
  const o = ch.offsets;
  for (const peer of [PEER, { family: "ipv6", address: "2001:db8::1", port: 443 } as PeerAddress]) {
    const c = issueHvrCookie(kr, peer, ch, T0);
    const compact = peer.family === "ipv4"
      ? new Uint8Array([4, 192, 0, 2, 7, 40000 >> 8, 40000 & 0xff])
      : new Uint8Array([6, 0x20, 0x01, 0x0d, 0xb8, ...new Uint8Array(11), 1, 443 >> 8, 443 & 0xff]);
    const pb = new Uint8Array(19);
    assert.equal(hvrPeerBinding(peer, pb), compact.length);
    assert.deepEqual(pb.subarray(0, compact.length), compact);
    const input = new Uint8Array([...c.subarray(0, 5), ...compact, ...ch.body.subarray(0, o.cookie), ...ch.body.subarray(o.compressionMethods, o.extensions)]);
    assert.equal(hvrMacInputLength(peer, ch), input.length);
    assert.deepEqual(c.subarray(5), cascadeReference(key, input).subarray(0, 27), peer.family);
  }
});

test("HVR cookie: cipher_suites are not bound (RFC 6347 §4.2.1 MAY): a CH2 with another suite list still verifies", () => {
  const kr = CookieKeyring.random();
  const ch1 = dtlsHello({ suites: [0xc02b, 0xc02f] });
  const c = issueHvrCookie(kr, PEER, ch1, T0);
  const ch2 = withCookie(dtlsHello({ suites: [0xcca9] }), c);
  assert.equal(verifyHvrCookie(kr, c, PEER, ch2, T0).ok, true);
  // ... while the random and the session_id are bound.
  assert.equal(verifyHvrCookie(kr, c, PEER, withCookie(dtlsHello({ random: new Uint8Array(32) }), c), T0).ok, false);
  assert.equal(verifyHvrCookie(kr, c, PEER, withCookie(dtlsHello({ sessionId: new Uint8Array([1]) }), c), T0).ok, false);
});

test("HVR cookie: for real DTLS 1.2 ClientHellos from IPv4 and IPv6 peers the MAC input fits one cascade block (<= 62 bytes)", () => {
  let n = 0;
  const v6: PeerAddress = { family: "ipv6", address: "2001:db8::1234:5678:9abc:def0", port: 65000 };
  for (const name of ["dtls12-openssl", "dtls12-gnutls"]) {
    const [dg] = loadHexFixture(name);
    const body = readDtlsHandshakeFragment(readDtlsRecord(dg).fragment).body;
    const ch = parseClientHello(body, { dtls: true });
    if (ch.legacySessionId.length !== 0) continue;
    n++;
    assert.ok(hvrMacInputLength(PEER, ch) <= 62, `${name}: ${hvrMacInputLength(PEER, ch)} bytes`);
    assert.ok(hvrMacInputLength(v6, ch) <= 62, `${name} (IPv6): ${hvrMacInputLength(v6, ch)} bytes`);
  }
  assert.ok(n >= 1);
});
