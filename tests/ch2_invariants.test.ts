// RFC 8446 §4.1.2, enforced statelessly: after a HelloRetryRequest, ClientHello2 may differ from
// ClientHello1 only in key_share (one share of the requested group), early_data (removed), cookie
// (added), pre_shared_key (updated) and padding. Every other change, and a (D)TLS 1.3 ClientHello
// whose compression_methods is not exactly [0], is refused with illegal_parameter and a typed
// reason in the counters, in both listeners (TLS 1.3 over TCP records, DTLS 1.3 datagrams).
// The ClientHellos are laid out field by field here (Chromium-like: GREASE, SNI, ALPN, padding,
// and the cookie inserted in the middle of the extension list); the HRR is read by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sha256 } from "@noble/hashes/sha2.js";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import type { Outcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";
import { parseClientHello } from "../core/messages/client_hello.ts";
import { frozenDigest, hashAndFreeze } from "../core/gate/frozen_hello.ts";
import {
  encodeAlpn,
  encodeClientHello,
  encodeCookieExtension,
  encodeKeyShareClient,
  encodeServerName,
  encodeSupportedVersionsClient,
  encodeU16List,
  encodeU8Vector,
} from "../core/messages/client_hello_encoder.ts";
import { concat, hex, loadHexFixture } from "./helpers/fixtures.ts";

const KEYRING = CookieKeyring.fromSecret(new Uint8Array(32).fill(12));
const PEER: PeerAddress = { family: "ipv4", address: "192.0.2.44", port: 50000 };
const NOW = 1_800_000_000_000;
const X25519 = 0x001d, P256 = 0x0017, P384 = 0x0018;
const T = {
  server_name: 0,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  alpn: 16,
  sct: 18,
  padding: 21,
  ems: 23,
  compress_certificate: 27,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

interface Ext {
  type: number;
  data: Uint8Array;
}

/** A ClientHello as fields, so a test can change exactly one thing. */
interface Hello {
  legacyVersion: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  suites: number[];
  compression: number[];
  extensions: Ext[];
}

type Transport = "tcp" | "udp";

function share(group: number, fill: number): { group: number; keyExchange: Uint8Array } {
  const length = group === X25519 ? 32 : group === P256 ? 65 : 97;
  const keyExchange = new Uint8Array(length).fill(fill);
  if (group !== X25519) keyExchange[0] = 4;
  return { group, keyExchange };
}

/**
 * A Chromium-like (D)TLS 1.3 ClientHello1: GREASE first and near the end, SNI, ALPN, EMS,
 * signature_algorithms, psk_key_exchange_modes, padding. `shares` empty → the HRR requests x25519.
 */
function hello1(t: Transport, o: { shares?: number[]; withoutSni?: boolean; withoutAlpn?: boolean } = {}): Hello {
  const dtls = t === "udp";
  const shares = (o.shares ?? [X25519]).map((g) => share(g, 0x30 + g % 64));
  const ext: Ext[] = [
    { type: 0x0a0a, data: new Uint8Array(0) }, // GREASE
    { type: T.server_name, data: encodeServerName("gate.example") },
    { type: T.ems, data: new Uint8Array(0) },
    { type: T.renegotiation_info, data: Uint8Array.of(0) },
    { type: T.supported_groups, data: encodeU16List([0x2a2a, X25519, P256, P384]) },
    { type: T.ec_point_formats, data: Uint8Array.of(1, 0) },
    { type: T.session_ticket, data: new Uint8Array(0) },
    { type: T.alpn, data: encodeAlpn(["h2", "http/1.1"]) },
    { type: T.status_request, data: Uint8Array.of(1, 0, 0, 0, 0) },
    { type: T.signature_algorithms, data: encodeU16List([0x0403, 0x0804, 0x0401, 0x0503, 0x0805]) },
    { type: T.sct, data: new Uint8Array(0) },
    { type: T.key_share, data: encodeKeyShareClient(shares) },
    { type: T.psk_key_exchange_modes, data: encodeU8Vector(Uint8Array.of(1)) },
    {
      type: T.supported_versions,
      data: encodeSupportedVersionsClient(dtls ? [0xfefc, 0xfefd] : [0x3a3a, 0x0304, 0x0303]),
    },
    { type: T.compress_certificate, data: Uint8Array.of(2, 0, 2) },
    { type: 0x4a4a, data: Uint8Array.of(0) }, // GREASE
    { type: T.padding, data: new Uint8Array(40) },
  ].filter((e) => !(o.withoutSni && e.type === T.server_name) && !(o.withoutAlpn && e.type === T.alpn));
  return {
    legacyVersion: dtls ? 0xfefd : 0x0303,
    random: new Uint8Array(32).fill(0x5a),
    sessionId: dtls ? new Uint8Array(0) : new Uint8Array(32).fill(0x77),
    suites: [0x8a8a, 0x1301, 0x1302, 0x1303],
    compression: [0],
    extensions: ext,
  };
}

function clone(h: Hello): Hello {
  return { ...h, suites: [...h.suites], compression: [...h.compression], extensions: h.extensions.map((e) => ({ ...e })) };
}

function encode(t: Transport, h: Hello): Uint8Array {
  return encodeClientHello({
    dtls: t === "udp",
    legacyVersion: h.legacyVersion,
    random: h.random,
    legacySessionId: h.sessionId,
    legacyCookie: new Uint8Array(0),
    cipherSuites: h.suites,
    compressionMethods: Uint8Array.from(h.compression),
    extensions: h.extensions,
  });
}

/** The wire form: one TLS record, or one unfragmented DTLS 1.3 (DTLSPlaintext) datagram. */
function wire(t: Transport, body: Uint8Array, seq: number): Uint8Array {
  const n = body.length;
  if (t === "tcp") {
    const hs = concat(Uint8Array.of(1, n >> 16, (n >> 8) & 0xff, n & 0xff), body);
    return concat(Uint8Array.of(22, 3, 1, hs.length >> 8, hs.length & 0xff), hs);
  }
  const hs = concat(Uint8Array.of(1, n >> 16, (n >> 8) & 0xff, n & 0xff, 0, seq, 0, 0, 0, n >> 16, (n >> 8) & 0xff, n & 0xff), body);
  return concat(Uint8Array.of(22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, seq, hs.length >> 8, hs.length & 0xff), hs);
}

interface Hrr {
  cookie: Uint8Array;
  /** The group the HRR's key_share asks for, undefined for a cookie-only HRR. */
  group: number | undefined;
}

/** Reads the ServerHello(HRR) by hand and returns its cookie and key_share group. */
function readHrr(t: Transport, bytes: Uint8Array): Hrr {
  assert.equal(bytes[0], 22, "handshake record");
  const b = bytes.subarray(t === "tcp" ? 9 : 25);
  assert.equal(bytes[t === "tcp" ? 5 : 13], 2, "server_hello");
  let p = 34;
  p += 1 + b[p]; // legacy_session_id_echo
  p += 3; // cipher_suite, legacy_compression_method
  const end = p + 2 + ((b[p] << 8) | b[p + 1]);
  p += 2;
  let cookie: Uint8Array | undefined, group: number | undefined;
  while (p < end) {
    const type = (b[p] << 8) | b[p + 1], len = (b[p + 2] << 8) | b[p + 3];
    const data = b.subarray(p + 4, p + 4 + len);
    if (type === T.cookie) cookie = data.slice(2);
    if (type === T.key_share) group = (data[0] << 8) | data[1];
    p += 4 + len;
  }
  assert.ok(cookie, "HRR carries a cookie");
  return { cookie, group };
}

/** CH2 as RFC 8446 §4.1.2 builds it: cookie inserted mid-list (like Chromium), key_share per the HRR, padding resized. */
function hello2(ch1: Hello, hrr: Hrr): Hello {
  const h = clone(ch1);
  h.extensions = h.extensions.filter((e) => e.type !== T.early_data);
  if (hrr.group !== undefined) {
    const ks = h.extensions.find((e) => e.type === T.key_share)!;
    ks.data = encodeKeyShareClient([share(hrr.group, 0x99)]);
  }
  const pad = h.extensions.find((e) => e.type === T.padding);
  if (pad) pad.data = new Uint8Array(7);
  h.extensions.splice(Math.floor(h.extensions.length / 2), 0, { type: T.cookie, data: encodeCookieExtension(hrr.cookie) });
  return h;
}

/** One client's conversation with a listener of the given transport. */
class Conversation {
  readonly #t: Transport;
  readonly #tcp: StreamListener | undefined;
  readonly #udp: DatagramListener | undefined;
  constructor(t: Transport, options: { groups?: number[] } = {}) {
    this.#t = t;
    if (t === "tcp") this.#tcp = new StreamListener({ keyring: KEYRING, framing: "tls-records", peer: PEER, ...options });
    else this.#udp = new DatagramListener({ keyring: KEYRING, ...options });
  }
  send(body: Uint8Array, seq: number): Outcome {
    const bytes = wire(this.#t, body, seq);
    return this.#tcp ? this.#tcp.receive(bytes, NOW) : this.#udp!.receive(bytes, PEER, NOW + seq);
  }
  /** CH1 → HRR. */
  first(ch1: Hello): Hrr {
    const o = this.send(encode(this.#t, ch1), 0);
    assert.equal(o.kind, "send", JSON.stringify(o));
    if (o.kind !== "send") throw new Error("unreachable");
    assert.equal(o.message, "hello_retry_request");
    return readHrr(this.#t, o.bytes);
  }
  /** The count of `reason` in the listener's counters. */
  count(reason: string): number {
    const counts: Partial<Record<string, number>> = this.#tcp ? this.#tcp.counters.closed : this.#udp!.counters.dropped;
    return counts[reason] ?? 0;
  }
  get accepted(): number {
    return this.#tcp ? this.#tcp.counters.accepted : this.#udp!.counters.accepted;
  }
}

/** Asserts an illegal_parameter refusal with `reason`, on the wire and in the counters. */
function assertRefused(t: Transport, c: Conversation, o: Outcome, reason: string, label: string): void {
  if (t === "tcp") {
    assert.equal(o.kind, "closed", `${label}: ${JSON.stringify(o)}`);
    if (o.kind !== "closed") return;
    assert.equal(o.reason, reason, label);
    assert.equal(o.alert, "illegal_parameter", label);
    assert.deepEqual([...o.bytes!], [0x15, 3, 3, 0, 2, 2, 47], label);
  } else {
    assert.equal(o.kind, "send", `${label}: ${JSON.stringify(o)}`);
    if (o.kind !== "send") return;
    assert.equal(o.message, "alert", label);
    assert.equal(o.reason, reason, label);
    assert.deepEqual([o.bytes[0], o.bytes[13], o.bytes[14]], [21, 2, 47], `${label}: fatal illegal_parameter`);
  }
  assert.equal(c.count(reason), 1, `${label}: counted once as ${reason}`);
  assert.equal(c.accepted, 0, label);
}

function ext(h: Hello, type: number): Ext {
  const e = h.extensions.find((x) => x.type === type);
  assert.ok(e, `extension ${type} present`);
  return e;
}

function without(h: Hello, type: number): void {
  const i = h.extensions.findIndex((x) => x.type === type);
  assert.ok(i >= 0, `extension ${type} present`);
  h.extensions.splice(i, 1);
}

interface Variant {
  name: string;
  /** CH1 options (e.g. without SNI, so that CH2 can add it). */
  ch1?: Parameters<typeof hello1>[1];
  /** Turns the RFC-conformant CH2 into the offending one. */
  change: (ch2: Hello, t: Transport) => void;
  reason?: "client-hello-changed" | "illegal-compression-methods";
  /** Only after a cookie-only HRR (true) / only after an HRR that requested a group (false). */
  cookieOnly?: boolean;
}

const VARIANTS: Variant[] = [
  {
    name: "extension added: server_name",
    ch1: { withoutSni: true },
    change: (h) => h.extensions.splice(1, 0, { type: T.server_name, data: encodeServerName("gate.example") }),
  },
  {
    name: "extension added: ALPN",
    ch1: { withoutAlpn: true },
    change: (h) => h.extensions.splice(3, 0, { type: T.alpn, data: encodeAlpn(["h2"]) }),
  },
  { name: "extension added: GREASE", change: (h) => h.extensions.splice(4, 0, { type: 0xdada, data: new Uint8Array(0) }) },
  { name: "extension removed: signature_algorithms", change: (h) => without(h, T.signature_algorithms) },
  { name: "extension removed: extended_master_secret", change: (h) => without(h, T.ems) },
  { name: "extension removed: GREASE", change: (h) => without(h, 0x4a4a) },
  { name: "extension changed: signature_algorithms", change: (h) => ext(h, T.signature_algorithms).data = encodeU16List([0x0403]) },
  { name: "extension changed: supported_groups", change: (h) => ext(h, T.supported_groups).data = encodeU16List([X25519, P256]) },
  {
    name: "extension changed: psk_key_exchange_modes",
    change: (h) => ext(h, T.psk_key_exchange_modes).data = encodeU8Vector(Uint8Array.of(0, 1)),
  },
  { name: "extension changed: server_name", change: (h) => ext(h, T.server_name).data = encodeServerName("other.example") },
  { name: "extension changed: ALPN", change: (h) => ext(h, T.alpn).data = encodeAlpn(["http/1.1"]) },
  { name: "extension changed: GREASE type", change: (h) => ext(h, 0x0a0a).type = 0x1a1a },
  {
    name: "extensions reordered (ALPN and signature_algorithms swapped)",
    change: (h) => {
      const a = h.extensions.findIndex((e) => e.type === T.alpn), s = h.extensions.findIndex((e) => e.type === T.signature_algorithms);
      [h.extensions[a], h.extensions[s]] = [h.extensions[s], h.extensions[a]];
    },
  },
  { name: "cipher_suites reordered", change: (h) => h.suites = [0x8a8a, 0x1302, 0x1301, 0x1303] },
  { name: "cipher_suites trimmed", change: (h) => h.suites = [0x8a8a, 0x1301, 0x1302] },
  { name: "new legacy_session_id", change: (h) => h.sessionId = new Uint8Array(32).fill(0x78) },
  { name: "new random", change: (h) => h.random = new Uint8Array(32).fill(0x5b) },
  { name: "new legacy_version", change: (h, t) => h.legacyVersion = t === "tcp" ? 0x0301 : 0xfeff },
  { name: "compression_methods [0, 1]", change: (h) => h.compression = [0, 1], reason: "illegal-compression-methods" },
  {
    name: "a P-256 share after a cookie-only HRR",
    change: (h) => ext(h, T.key_share).data = encodeKeyShareClient([share(P256, 0x44)]),
    cookieOnly: true,
  },
  {
    name: "a new x25519 share (same group, other bytes) after a cookie-only HRR",
    change: (h) => ext(h, T.key_share).data = encodeKeyShareClient([share(X25519, 0x45)]),
    cookieOnly: true,
  },
  {
    name: "key_share dropped after a cookie-only HRR",
    change: (h) => without(h, T.key_share),
    cookieOnly: true,
  },
];

const TRANSPORTS: Transport[] = ["tcp", "udp"];
const HRR_KINDS = [
  { label: "cookie-only HRR", shares: [X25519], cookieOnly: true },
  { label: "HRR requesting x25519", shares: [] as number[], cookieOnly: false },
];

for (const t of TRANSPORTS) {
  for (const kind of HRR_KINDS) {
    test(`${t}, ${kind.label}: the RFC 8446 §4.1.2 CH2 (cookie mid-list, padding resized) is accepted`, () => {
      const c = new Conversation(t);
      const ch1 = hello1(t, { shares: kind.shares });
      const hrr = c.first(ch1);
      assert.equal(hrr.group, kind.cookieOnly ? undefined : X25519);
      const ch2 = hello2(ch1, hrr);
      const cookieAt = ch2.extensions.findIndex((e) => e.type === T.cookie);
      assert.ok(cookieAt > 0 && cookieAt < ch2.extensions.length - 1, "the cookie sits in the middle");
      const o = c.send(encode(t, ch2), 1);
      assert.equal(o.kind, "accepted", JSON.stringify(o));
      if (o.kind === "accepted") assert.equal(o.retry!.group, X25519);
    });

    for (const v of VARIANTS) {
      if (v.cookieOnly !== undefined && v.cookieOnly !== kind.cookieOnly) continue;
      test(`${t}, ${kind.label}: CH2 refused with illegal_parameter: ${v.name}`, () => {
        const c = new Conversation(t);
        const ch1 = hello1(t, { shares: kind.shares, ...v.ch1 });
        const ch2 = hello2(ch1, c.first(ch1));
        v.change(ch2, t);
        assertRefused(t, c, c.send(encode(t, ch2), 1), v.reason ?? "client-hello-changed", v.name);
      });
    }
  }

  test(`${t}: CH2 may drop early_data and update pre_shared_key (RFC 8446 §4.1.2)`, () => {
    const c = new Conversation(t);
    const ch1 = hello1(t);
    const psk = (age: number, binder: number) =>
      concat(Uint8Array.of(0, 10, 0, 4, 1, 2, 3, 4), Uint8Array.of(age >>> 24, (age >> 16) & 0xff, (age >> 8) & 0xff, age & 0xff),
        Uint8Array.of(0, 33, 32), new Uint8Array(32).fill(binder));
    ch1.extensions.splice(2, 0, { type: T.early_data, data: new Uint8Array(0) });
    ch1.extensions.push({ type: T.pre_shared_key, data: psk(1000, 1) });
    const ch2 = hello2(ch1, c.first(ch1));
    assert.equal(ch2.extensions.some((e) => e.type === T.early_data), false);
    ext(ch2, T.pre_shared_key).data = psk(1250, 2);
    const o = c.send(encode(t, ch2), 1);
    assert.equal(o.kind, "accepted", JSON.stringify(o));
  });

  test(`${t}: a whole different client's ClientHello carrying the cookie is refused`, () => {
    const c = new Conversation(t);
    const hrr = c.first(hello1(t));
    // Another client: its own random, suites and a short extension list, with our cookie added.
    const other: Hello = {
      legacyVersion: t === "tcp" ? 0x0303 : 0xfefd,
      random: new Uint8Array(32).fill(0x01),
      sessionId: new Uint8Array(0),
      suites: [0x1301],
      compression: [0],
      extensions: [
        {
          type: T.supported_versions,
          data: encodeSupportedVersionsClient(t === "tcp" ? [0x0304] : [0xfefc]),
        },
        { type: T.supported_groups, data: encodeU16List([X25519]) },
        { type: T.signature_algorithms, data: encodeU16List([0x0403]) },
        { type: T.key_share, data: encodeKeyShareClient([share(X25519, 0x31)]) },
        { type: T.cookie, data: encodeCookieExtension(hrr.cookie) },
      ],
    };
    assertRefused(t, c, c.send(encode(t, other), 1), "client-hello-changed", "different client");
  });

  test(`${t}: a (D)TLS 1.3 ClientHello1 whose compression_methods is not [0] gets illegal_parameter, not an HRR`, () => {
    for (const compression of [[0, 1], [1], [0, 0], [1, 0]]) {
      const c = new Conversation(t);
      const ch1 = hello1(t);
      ch1.compression = compression;
      assertRefused(t, c, c.send(encode(t, ch1), 0), "illegal-compression-methods", `[${compression}]`);
    }
  });
}

test("a real capture's CH2 (openssl s_client -tls1_3) is accepted; the same CH2 with one suite dropped is not", () => {
  const stream = loadHexFixture("tls13-openssl")[0];
  const c = new Conversation("tcp");
  const o1 = new StreamListener({ keyring: KEYRING, framing: "tls-records", peer: PEER }).receive(stream, NOW);
  assert.equal(o1.kind, "send");
  if (o1.kind !== "send") return;
  const hrr = readHrr("tcp", o1.bytes);
  const body1 = stream.subarray(9);
  const ch1 = parseClientHello(body1, { dtls: false });
  const h: Hello = {
    legacyVersion: ch1.legacyVersion,
    random: ch1.random,
    sessionId: ch1.legacySessionId,
    suites: [...ch1.cipherSuites],
    compression: [...ch1.compressionMethods],
    extensions: ch1.extensions.map((e) => ({ type: e.type, data: e.data })),
  };
  const ok = hello2(h, hrr);
  const accepted = c.send(encode("tcp", ok), 1);
  assert.equal(accepted.kind, "accepted", JSON.stringify(accepted));
  const c2 = new Conversation("tcp");
  const bad = hello2(h, hrr);
  bad.suites = bad.suites.slice(1);
  assertRefused("tcp", c2, c2.send(encode("tcp", bad), 1), "client-hello-changed", "suite dropped");
});

test("frozen digest: the first 11 bytes of SHA-256 over CH1's message with the excluded extensions cut out", () => {
  for (const t of TRANSPORTS) {
    const h = hello1(t);
    h.extensions.splice(3, 0, { type: T.early_data, data: new Uint8Array(0) });
    h.extensions.splice(5, 0, { type: T.cookie, data: encodeCookieExtension(hex("0102")) });
    const body = encode(t, h);
    const ch = parseClientHello(body, { dtls: t === "udp" });
    // CH1's own length fields are kept (the cookie carries the body length).
    const n = body.length;
    const head = concat(Uint8Array.of(1, n >> 16, (n >> 8) & 0xff, n & 0xff), body.subarray(0, ch.offsets.extensions + 2));
    const parts: Uint8Array[] = [head];
    const partsWithShare: Uint8Array[] = [head];
    for (const e of ch.extensions) {
      const raw = body.subarray(e.offset, e.offset + 4 + e.data.length);
      if ([T.early_data, T.cookie, T.pre_shared_key, T.padding, 0xfe0d].includes(e.type as 41)) continue;
      partsWithShare.push(raw);
      if (e.type !== T.key_share) parts.push(raw);
    }
    assert.deepEqual(frozenDigest(ch, false), sha256(concat(...parts)).subarray(0, 11), t);
    assert.deepEqual(frozenDigest(ch, true), sha256(concat(...partsWithShare)).subarray(0, 11), t);
    assert.notDeepEqual(frozenDigest(ch, true), frozenDigest(ch, false));
    // One pass for CH1: Hash(CH1) and the cookie field (3-byte length, digest).
    const hash = new Uint8Array(32), field = new Uint8Array(14);
    hashAndFreeze(ch, false, hash, field);
    assert.deepEqual(hash, sha256(concat(Uint8Array.of(1, n >> 16, (n >> 8) & 0xff, n & 0xff), body)), `${t}: Hash(CH1)`);
    assert.deepEqual([...field.subarray(0, 3)], [n >> 16, (n >> 8) & 0xff, n & 0xff]);
    assert.deepEqual(field.subarray(3), frozenDigest(ch, false));
    hashAndFreeze(ch, true, hash, field);
    assert.deepEqual(field.subarray(3), frozenDigest(ch, true));
  }
  // Nothing excluded (a cookie-only HRR to a client without padding, PSK or early_data): the
  // frozen digest is Hash(CH1) truncated, from the same pass.
  const plain = hello1("tcp");
  plain.extensions = plain.extensions.filter((e) => e.type !== T.padding);
  const body = encode("tcp", plain);
  const ch = parseClientHello(body, { dtls: false });
  const hash = new Uint8Array(32), field = new Uint8Array(14);
  hashAndFreeze(ch, true, hash, field);
  assert.deepEqual(field.subarray(3), hash.subarray(0, 11));
  assert.deepEqual(field.subarray(3), frozenDigest(ch, true));
});
