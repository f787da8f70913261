// StreamListener: the stateless proof, the transcript, cookie failures, version decisions,
// record-layer checks and bounds. Chunking properties are in stream_listener_chunking.test.ts,
// real captures and the by-hand HRR layout in stream_listener_wire.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { StreamListener, type StreamListenerOptions } from "../core/gate/stream_listener.ts";
import type { AcceptedOutcome, ClosedOutcome, Outcome, SendOutcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";
import {
  encodeClientHello,
  encodeCookieExtension,
  encodeKeyShareClient,
  encodeSupportedVersionsClient,
  encodeU16List,
} from "../core/messages/client_hello_encoder.ts";
import type { KeyShareEntry } from "../core/messages/client_hello_extensions.ts";
import { ScriptedClient, type ScriptedClientOptions, seededRandom } from "../testing/mod.ts";
import { concat as cat } from "./helpers/fixtures.ts";

const KEYRING = CookieKeyring.fromSecret(new Uint8Array(32).fill(9));
const PEER: PeerAddress = { family: "ipv4", address: "192.0.2.10", port: 40000 };
const OTHER_PORT: PeerAddress = { family: "ipv4", address: "192.0.2.10", port: 40001 };
const NOW = 1_800_000_000_000;
const CCS = Uint8Array.of(0x14, 0x03, 0x03, 0x00, 0x01, 0x01);
const X25519 = 0x001d, P256 = 0x0017;
const ALERT = {
  unexpected_message: Uint8Array.of(0x15, 3, 3, 0, 2, 2, 10),
  record_overflow: Uint8Array.of(0x15, 3, 3, 0, 2, 2, 22),
  handshake_failure: Uint8Array.of(0x15, 3, 3, 0, 2, 2, 40),
  illegal_parameter: Uint8Array.of(0x15, 3, 3, 0, 2, 2, 47),
  decode_error: Uint8Array.of(0x15, 3, 3, 0, 2, 2, 50),
  protocol_version: Uint8Array.of(0x15, 3, 3, 0, 2, 2, 70),
  internal_error: Uint8Array.of(0x15, 3, 3, 0, 2, 2, 80),
};

function listener(extra: Partial<StreamListenerOptions> = {}): StreamListener {
  return new StreamListener({ keyring: KEYRING, framing: "tls-records", peer: PEER, ...extra });
}

function feed(l: StreamListener, chunks: readonly Uint8Array[], now = NOW): Outcome[] {
  return chunks.map((c) => l.receive(c, now));
}

function last(outs: Outcome[]): Outcome {
  return outs[outs.length - 1];
}

function record(type: number, payload: Uint8Array, version = 0x0303): Uint8Array {
  return cat(Uint8Array.of(type, version >> 8, version & 0xff, payload.length >> 8, payload.length & 0xff), payload);
}

function handshake(type: number, body: Uint8Array): Uint8Array {
  return cat(Uint8Array.of(type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff), body);
}

function client(seed: string, opts: Partial<ScriptedClientOptions> = {}): ScriptedClient {
  return new ScriptedClient({ protocol: "tls1.3", random: seededRandom(seed), ...opts });
}

function asSend(o: Outcome): SendOutcome {
  assert.equal(o.kind, "send", `expected send, got ${JSON.stringify(o)}`);
  return o as SendOutcome;
}

function asClosed(o: Outcome): ClosedOutcome {
  assert.equal(o.kind, "closed", `expected closed, got ${o.kind} ${"reason" in o ? o.reason : ""}`);
  return o as ClosedOutcome;
}

function asAccepted(o: Outcome): AcceptedOutcome {
  assert.equal(o.kind, "accepted", `expected accepted, got ${o.kind} ${"detail" in o ? o.detail : ""}`);
  return o as AcceptedOutcome;
}

/** CH1 through `l`, the HRR back to the client; returns the HRR bytes and the cookie. */
function retry(c: ScriptedClient, l = listener()): { hrr: Uint8Array; cookie: Uint8Array; group?: number } {
  const out = asSend(last(feed(l, c.firstFlight())));
  const reply = c.handleReply(out.bytes);
  assert.equal(reply.kind, "hello-retry-request", JSON.stringify(reply));
  if (reply.kind !== "hello-retry-request") throw new Error("unreachable");
  return { hrr: out.bytes, cookie: reply.cookie!, group: reply.group };
}

const share = (group: number, fill = 5): KeyShareEntry => ({
  group,
  keyExchange: group === P256 ? cat(Uint8Array.of(4), new Uint8Array(64).fill(fill)) : new Uint8Array(32).fill(fill),
});

/** A CH2 body built by hand from the client's CH1 fields (for the failure cases). */
function ch2Body(
  c: ScriptedClient,
  cookie: Uint8Array | undefined,
  o: { suites?: number[]; shares?: KeyShareEntry[]; earlyData?: boolean; versions?: number[] } = {},
): Uint8Array {
  const ext = [];
  for (const e of c.clientHello1Extensions) {
    if (e.type === 51) ext.push({ type: 51, data: encodeKeyShareClient(o.shares ?? [share(X25519)]) });
    else if (e.type === 43 && o.versions) ext.push({ type: 43, data: encodeSupportedVersionsClient(o.versions) });
    else ext.push(e);
  }
  if (o.earlyData) ext.push({ type: 42, data: new Uint8Array(0) });
  if (cookie) ext.push({ type: 44, data: encodeCookieExtension(cookie) });
  return encodeClientHello({
    dtls: false,
    legacyVersion: 0x0303,
    random: c.random,
    legacySessionId: c.sessionId,
    cipherSuites: o.suites ?? c.cipherSuites,
    compressionMethods: Uint8Array.of(0),
    extensions: ext,
  });
}

function ch2Stream(body: Uint8Array): Uint8Array {
  return cat(CCS, record(22, handshake(1, body)));
}

/** Hand-splits a TLS byte stream into records. */
function splitRecords(stream: Uint8Array): { type: number; payload: Uint8Array }[] {
  const out = [];
  for (let p = 0; p < stream.length;) {
    const len = (stream[p + 3] << 8) | stream[p + 4];
    out.push({ type: stream[p], payload: stream.subarray(p + 5, p + 5 + len) });
    p += 5 + len;
  }
  return out;
}

/** The handshake bytes of a TLS stream (record payloads of type 22, concatenated). */
function handshakeBytes(stream: Uint8Array): Uint8Array {
  return cat(...splitRecords(stream).filter((r) => r.type === 22).map((r) => r.payload));
}

// ------------------------------------------------------------------ statelessness

test("stateless proof: a brand-new listener accepts the CCS + ClientHello2 of a CH1 it never saw", () => {
  const c = client("stateless", { keyShareGroups: [] });
  const first = listener();
  const { hrr } = retry(c, first);
  assert.equal(first.state, "awaiting-second-client-hello");
  assert.equal(first.bufferedBytes, 0);
  const fresh = listener(); // same keyring, same peer; never saw CH1
  const a = asAccepted(last(feed(fresh, c.secondFlight(), NOW + 5_000)));
  assert.equal(fresh.counters.helloRetryRequests, 0);
  assert.equal(fresh.counters.changeCipherSpecIgnored, 1);
  assert.equal(a.protocol, "tls1.3");
  assert.equal(a.addressValidated, "cookie");
  assert.deepEqual(a.peer, PEER);
  assert.equal(a.cookieIssuedAt, NOW / 1000);
  assert.deepEqual(a.clientHelloMessage, handshake(1, c.clientHello2!));
  assert.equal(a.remainder.length, 0);
  // The HRR the fresh listener rebuilt from the cookie is the one the first one sent.
  assert.deepEqual(a.retry!.helloRetryRequest, handshakeBytes(hrr));
  assert.equal(a.retry!.group, X25519);
  assert.deepEqual(a.retry!.keyShare.keyExchange.length, 32);
  assert.equal(fresh.state, "accepted");
});

test("the listener that sent the HRR accepts exactly what a fresh one accepts", () => {
  const c = client("same-or-fresh", { keyShareGroups: [] });
  const first = listener();
  retry(c, first);
  const flight = c.secondFlight();
  const viaFirst = asAccepted(last(feed(first, flight, NOW + 1000)));
  const viaFresh = asAccepted(last(feed(listener(), flight, NOW + 1000)));
  assert.deepEqual(viaFirst, viaFresh);
});

test("CH2 on a different connection: unbound listeners accept it; a listener bound to another port rejects it", () => {
  const c = client("other-connection", { keyShareGroups: [] });
  const unbound = (): StreamListener =>
    new StreamListener({ keyring: KEYRING, framing: "tls-records", allowUnboundPeer: true });
  retry(c, unbound());
  const flight = c.secondFlight();
  const a = asAccepted(last(feed(unbound(), flight)));
  assert.deepEqual(a.peer, { family: "unspec", address: "", port: 0 });
  // The same cookie presented on a connection from another port of a peer-bound listener fails.
  const c2 = client("other-connection-2", { keyShareGroups: [] });
  retry(c2, listener());
  const bound = listener({ peer: OTHER_PORT });
  const closed = asClosed(last(feed(bound, c2.secondFlight())));
  assert.equal(closed.reason, "invalid-cookie");
  assert.deepEqual(closed.bytes, ALERT.illegal_parameter);
  assert.equal(bound.counters.cookieRejections["wrong-peer"], 1);
  // And an unbound cookie does not open a peer-bound listener (or vice versa).
  const c3 = client("other-connection-3", { keyShareGroups: [] });
  retry(c3, unbound());
  assert.equal(asClosed(last(feed(listener(), c3.secondFlight()))).reason, "invalid-cookie");
});

// ------------------------------------------------------------------ transcript

test("transcript: Hash(message_hash || HRR || CH2) from the wire bytes equals the accepted result and the client's", () => {
  for (const suites of [[0x1301], [0x1302]]) {
    const c = client(`transcript-${suites[0]}`, { keyShareGroups: [] });
    const l = listener({ cipherSuites: suites });
    const ch1Stream = c.firstFlight()[0];
    const { hrr } = retry(c, l);
    const ch2 = c.secondFlight()[0];
    const a = asAccepted(last(feed(listener({ cipherSuites: suites }), [ch2])));
    // Independent computation from the bytes that crossed the wire.
    const H = suites[0] === 0x1302 ? (b: Uint8Array) => sha384(b) : (b: Uint8Array) => sha256(b);
    const ch1Msg = handshakeBytes(ch1Stream);
    const hrrRecords = splitRecords(hrr);
    assert.equal(hrrRecords[0].type, 22);
    const hrrMsg = hrrRecords[0].payload;
    const ch2Msg = handshakeBytes(ch2);
    const h1 = H(ch1Msg);
    const messageHash = cat(Uint8Array.of(254, 0, 0, h1.length), h1);
    const expected = H(cat(messageHash, hrrMsg, ch2Msg));
    assert.deepEqual(H(cat(a.retry!.transcriptPrefix, a.clientHelloMessage)), expected);
    assert.deepEqual(a.retry!.clientHello1Hash, h1);
    assert.deepEqual(a.retry!.helloRetryRequest, hrrMsg);
    assert.deepEqual(c.transcriptHash(), expected);
    assert.equal(a.retry!.hash, suites[0] === 0x1302 ? "sha384" : "sha256");
  }
});


// ------------------------------------------------------------------ remainder

test("remainder: every byte after ClientHello2 in the stream is returned, nothing lost", () => {
  const c = client("remainder", { keyShareGroups: [] });
  retry(c);
  const ch2 = c.secondFlight()[0];
  const trailing = cat(record(23, new Uint8Array(40).fill(0xaa)), Uint8Array.of(0x17, 0x03));
  const a = asAccepted(listener().receive(cat(ch2, trailing), NOW));
  assert.deepEqual(a.remainder, trailing);
  // Split so the accepting read carries only part of the trailing bytes.
  const l = listener();
  const outs = feed(l, [ch2.subarray(0, 100), cat(ch2.subarray(100), trailing.subarray(0, 9)), trailing.subarray(9)]);
  assert.equal(outs[0].kind, "need-more-data");
  assert.deepEqual(asAccepted(outs[1]).remainder, trailing.subarray(0, 9));
  assert.equal(outs[2].kind, "dropped");
  assert.equal((outs[2] as { reason: string }).reason, "after-finish");
  // The remainder is a copy: the caller may reuse its read buffer.
  const buf = cat(ch2, trailing);
  const b = asAccepted(listener().receive(buf, NOW));
  buf.fill(0);
  assert.deepEqual(b.remainder, trailing);
  assert.deepEqual(b.clientHelloMessage, handshake(1, c.clientHello2!));
  assert.equal(b.clientHello.cookie!.length > 0, true);
});

// ------------------------------------------------------------------ cookie failures

interface FailureCase {
  name: string;
  /** Options of the client whose CH1 gets the HRR. */
  client?: Partial<ScriptedClientOptions>;
  /** The stream after the HRR (given the client and the cookie). */
  ch2: (c: ScriptedClient, cookie: Uint8Array) => Uint8Array;
  now?: number;
  peer?: PeerAddress;
  reason: "invalid-cookie" | "cookie-mismatch" | "client-hello-changed";
  rejection?: string;
}

const requestsX25519 = { keyShareGroups: [] as number[] };

const FAILURES: FailureCase[] = [
  {
    name: "expired cookie (61 s, lifetime 60 s)",
    ch2: (c) => c.secondFlight()[0],
    now: NOW + 61_000,
    reason: "invalid-cookie",
    rejection: "expired",
  },
  {
    name: "forged cookie (one bit of Hash(CH1) flipped)",
    ch2: (c, cookie) => {
      const forged = cookie.slice();
      forged[20] ^= 1;
      return ch2Stream(ch2Body(c, forged));
    },
    reason: "invalid-cookie",
    rejection: "bad-mac",
  },
  {
    name: "forged cookie (one bit of the MAC flipped)",
    ch2: (c, cookie) => {
      const forged = cookie.slice();
      forged[forged.length - 1] ^= 1;
      return ch2Stream(ch2Body(c, forged));
    },
    reason: "invalid-cookie",
  },
  {
    name: "forged cookie (suite field rewritten)",
    ch2: (c, cookie) => {
      const forged = cookie.slice();
      forged[7] = 0x03; // 1301 -> 1303 in the cookie body
      return ch2Stream(ch2Body(c, forged));
    },
    reason: "invalid-cookie",
    rejection: "bad-mac",
  },
  {
    name: "cookie of another peer (other port)",
    ch2: (c) => c.secondFlight()[0],
    peer: OTHER_PORT,
    reason: "invalid-cookie",
    rejection: "wrong-peer",
  },
  {
    name: "wrong suite: CH2 drops the HRR's suite",
    client: requestsX25519,
    ch2: (c, cookie) => ch2Stream(ch2Body(c, cookie, { suites: [0x1302, 0x1303] })),
    reason: "client-hello-changed", // RFC 8446 §4.1.2: cipher_suites are frozen
  },
  {
    name: "wrong group: CH2's share is P-256, HRR asked for x25519",
    client: requestsX25519,
    ch2: (c, cookie) => ch2Stream(ch2Body(c, cookie, { shares: [share(P256)] })),
    reason: "cookie-mismatch",
  },
  {
    name: "two shares in CH2",
    client: requestsX25519,
    ch2: (c, cookie) => ch2Stream(ch2Body(c, cookie, { shares: [share(X25519), share(P256)] })),
    reason: "cookie-mismatch",
  },
  {
    name: "missing share in CH2",
    client: requestsX25519,
    ch2: (c, cookie) => ch2Stream(ch2Body(c, cookie, { shares: [] })),
    reason: "cookie-mismatch",
  },
  {
    name: "x25519 share of the wrong length",
    client: requestsX25519,
    ch2: (c, cookie) =>
      ch2Stream(ch2Body(c, cookie, { shares: [{ group: X25519, keyExchange: new Uint8Array(31).fill(1) }] })),
    reason: "cookie-mismatch",
  },
  {
    name: "early_data in CH2",
    client: requestsX25519,
    ch2: (c, cookie) => ch2Stream(ch2Body(c, cookie, { earlyData: true })),
    reason: "cookie-mismatch",
  },
  {
    name: "CH2 with a cookie but no longer offering TLS 1.3",
    client: requestsX25519,
    ch2: (c, cookie) => ch2Stream(ch2Body(c, cookie, { versions: [0x0303] })),
    reason: "cookie-mismatch",
  },
  {
    name: "CH2 without the cookie after our HRR (RFC 8446 §4.1.2)",
    client: requestsX25519,
    ch2: (c) => ch2Stream(ch2Body(c, undefined)),
    reason: "invalid-cookie",
  },
];

for (const f of FAILURES) {
  test(`CH2 failure closes with illegal_parameter, never a second HRR: ${f.name}`, () => {
    const c = client(`fail-${f.name}`, f.client ?? {});
    // The HRR comes from a listener bound to PEER; CH2 goes to the same listener, or (other-peer
    // case) to one bound to another port.
    const l = listener();
    const { cookie } = retry(c, l);
    const stream = f.ch2(c, cookie);
    const target = f.peer ? listener({ peer: f.peer }) : l;
    const outs = feed(target, [stream], f.now ?? NOW + 1000);
    const closed = asClosed(last(outs));
    assert.equal(closed.reason, f.reason, closed.detail);
    assert.deepEqual(closed.bytes, ALERT.illegal_parameter);
    assert.equal(closed.alert, "illegal_parameter");
    assert.equal(target.state, "closed");
    assert.equal(target.counters.helloRetryRequests, f.peer ? 0 : 1);
    assert.equal(target.counters.accepted, 0);
    if (f.rejection) assert.equal(target.counters.cookieRejections[f.rejection as "expired"], 1);
    // Also on a brand-new listener (the stateless path) the verdict is the same, unless the
    // case depends on having sent the HRR on this stream (cookie-less CH2).
    if (f.name.startsWith("CH2 without the cookie") || f.name.includes("no longer offering TLS 1.3")) {
      // A fresh listener sees CCS + a cookie-less ClientHello: the CCS came before ClientHello1.
      const fresh = asClosed(last(feed(listener(), [stream], NOW + 1000)));
      assert.equal(fresh.reason, "unexpected-record");
      assert.deepEqual(fresh.bytes, ALERT.unexpected_message);
    } else if (!f.peer) {
      const fresh = asClosed(last(feed(listener(), [stream], f.now ?? NOW + 1000)));
      assert.equal(fresh.reason, f.reason);
      assert.deepEqual(fresh.bytes, ALERT.illegal_parameter);
    }
  });
}

test("a cookie issued for the requested group is accepted once CH2 carries exactly that share", () => {
  const c = client("right-share", { keyShareGroups: [] });
  const { cookie, group } = retry(c);
  assert.equal(group, X25519);
  const a = asAccepted(listener().receive(ch2Stream(ch2Body(c, cookie, { shares: [share(X25519, 7)] })), NOW));
  assert.deepEqual(a.retry!.keyShare, share(X25519, 7));
  // Without a CCS (GnuTLS sends none) it is accepted too.
  const b = asAccepted(listener().receive(record(22, handshake(1, ch2Body(c, cookie))), NOW));
  assert.equal(b.retry!.group, X25519);
});

test("cookieAppData is carried in the cookie and returned on accept", () => {
  const seen: PeerAddress[] = [];
  const appData = (peer: PeerAddress) => {
    seen.push(peer);
    return Uint8Array.of(1, 2, 3, 4);
  };
  const c = client("appdata", { keyShareGroups: [] });
  retry(c, listener({ cookieAppData: appData }));
  const a = asAccepted(last(feed(listener(), c.secondFlight())));
  assert.deepEqual(a.retry!.appData, Uint8Array.of(1, 2, 3, 4));
  assert.deepEqual(seen, [PEER]);
});

// ------------------------------------------------------------------ negotiation and versions

test("no common suite or group: handshake_failure alert", () => {
  const c = client("nosuite");
  const a = asClosed(listener({ cipherSuites: [0x1303] }).receive(
    record(22, handshake(1, ch2Body(c, undefined, { suites: [0x1301] }))),
    NOW,
  ));
  assert.equal(a.reason, "no-common-cipher-suite");
  assert.deepEqual(a.bytes, ALERT.handshake_failure);
  const b = asClosed(listener({ groups: [0x0018] }).receive(c.firstFlight()[0], NOW));
  assert.equal(b.reason, "no-common-group");
  assert.deepEqual(b.bytes, ALERT.handshake_failure);
});

function tls12Hello(legacyVersion = 0x0303, versions?: number[]): Uint8Array {
  const ext = [{ type: 10, data: encodeU16List([X25519]) }, { type: 13, data: encodeU16List([0x0403]) }];
  if (versions) ext.push({ type: 43, data: encodeSupportedVersionsClient(versions) });
  const body = encodeClientHello({
    dtls: false,
    legacyVersion,
    random: new Uint8Array(32).fill(3),
    legacySessionId: new Uint8Array(0),
    cipherSuites: [0xc02f, 0x009c],
    compressionMethods: Uint8Array.of(0),
    extensions: ext,
  });
  return record(22, handshake(1, body), 0x0301);
}

test("TLS 1.2-only ClientHello: protocol_version alert by default, accepted with acceptTls12", () => {
  const stream = tls12Hello();
  const closed = asClosed(listener().receive(stream, NOW));
  assert.equal(closed.reason, "unsupported-version");
  assert.deepEqual(closed.bytes, ALERT.protocol_version);
  assert.match(closed.detail, /acceptTls12/);
  const trailing = Uint8Array.of(1, 2, 3);
  const l = listener({ acceptTls12: true });
  const a = asAccepted(l.receive(cat(stream, trailing), NOW));
  assert.equal(a.protocol, "tls1.2");
  assert.equal(a.addressValidated, "transport");
  assert.equal(a.retry, undefined);
  assert.equal(a.cookieIssuedAt, undefined);
  assert.deepEqual(a.remainder, trailing);
  assert.deepEqual(a.clientHelloMessage, splitRecords(stream)[0].payload);
  assert.equal(l.counters.helloRetryRequests, 0);
  // supported_versions [0303] (no 0304) counts as TLS 1.2 as well.
  assert.equal(asAccepted(listener({ acceptTls12: true }).receive(tls12Hello(0x0303, [0x0303]), NOW)).protocol, "tls1.2");
  // A TLS 1.0-only hello is refused even with acceptTls12.
  const old = asClosed(listener({ acceptTls12: true }).receive(tls12Hello(0x0301), NOW));
  assert.equal(old.reason, "unsupported-version");
  assert.deepEqual(old.bytes, ALERT.protocol_version);
  // A hello offering TLS 1.3 still gets the HRR with acceptTls12.
  assert.equal(listener({ acceptTls12: true }).receive(client("tls12-on").firstFlight()[0], NOW).kind, "send");
});

test("acceptWithoutRetry: TLS 1.3 ClientHello1 accepted at once, validated by the transport", () => {
  const c = client("no-retry");
  const tail = record(23, Uint8Array.of(9, 9, 9));
  const a = asAccepted(listener({ acceptWithoutRetry: true }).receive(cat(c.firstFlight()[0], tail), NOW));
  assert.equal(a.protocol, "tls1.3");
  assert.equal(a.addressValidated, "transport");
  assert.equal(a.retry, undefined);
  assert.deepEqual(a.remainder, tail);
  assert.deepEqual(a.clientHelloMessage, handshake(1, c.clientHello1));
});

// ------------------------------------------------------------------ not TLS

const NOT_TLS: [string, string, RegExp][] = [
  ["GET", "GET / HTTP/1.1\r\nHost: example\r\n\r\n", /HTTP request \(GET\)/],
  ["POST", "POST /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n", /HTTP request \(POST\)/],
  ["PRI", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", /HTTP\/2 connection preface/],
  ["SSH", "SSH-2.0-OpenSSH_9.6\r\n", /SSH/],
  ["binary", "\u0000\u0001\u0002\u0003\u0004\u0005", /first byte 0x00/],
];

for (const [name, text, detail] of NOT_TLS) {
  test(`not TLS (${name}): closed not-tls, no alert, the same for 1-byte reads`, () => {
    const bytes = new TextEncoder().encode(text);
    const l = listener();
    const a = asClosed(l.receive(bytes, NOW));
    assert.equal(a.reason, "not-tls");
    assert.match(a.detail, detail);
    assert.equal(a.bytes, undefined);
    assert.equal(l.counters.bytesOut, 0);
    const byByte = listener();
    const outs = feed(byByte, Array.from(bytes, (b) => Uint8Array.of(b)));
    const firstDecision = outs.findIndex((o) => o.kind !== "need-more-data");
    assert.ok(firstDecision >= 0 && firstDecision <= 3, `decided after ${firstDecision + 1} bytes`);
    assert.deepEqual(outs[firstDecision], a);
    assert.ok(outs.slice(firstDecision + 1).every((o) => o.kind === "dropped"));
  });
}

test("not TLS: SSLv2-format hello, a handshake type byte with version major 0, end() on a text prefix", () => {
  const v2 = Uint8Array.of(0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15);
  assert.match(asClosed(listener().receive(v2, NOW)).detail, /SSLv2/);
  const badMajor = asClosed(listener().receive(Uint8Array.of(0x16, 0x00, 0x01, 0x00, 0x05), NOW));
  assert.equal(badMajor.reason, "not-tls");
  assert.equal(badMajor.bytes, undefined);
  // Decided as soon as the second byte is known.
  const l = listener();
  assert.equal(l.receive(Uint8Array.of(0x16), NOW).kind, "need-more-data");
  assert.equal(asClosed(l.receive(Uint8Array.of(0x02), NOW)).reason, "not-tls");
  const ge = listener();
  assert.equal(ge.receive(new TextEncoder().encode("GE"), NOW).kind, "need-more-data");
  const end = asClosed(ge.end(NOW));
  assert.equal(end.reason, "not-tls");
  assert.equal(end.bytes, undefined);
});

// ------------------------------------------------------------------ record layer

test("a record longer than maxRecordBytes: record_overflow, decided on the header alone", () => {
  const l = listener();
  const header = Uint8Array.of(0x16, 0x03, 0x01, 0x41, 0x01); // 16641 > 16640
  const a = asClosed(l.receive(header, NOW));
  assert.equal(a.reason, "bad-record-length");
  assert.deepEqual(a.bytes, ALERT.record_overflow);
  // 16640 itself is allowed (the default 2^14 + 256).
  assert.equal(listener().receive(Uint8Array.of(0x16, 0x03, 0x01, 0x41, 0x00), NOW).kind, "need-more-data");
  // A smaller configured maximum.
  const big = client("rec", { mlkemShare: true }).firstFlight()[0];
  const small = asClosed(listener({ maxRecordBytes: 1000 }).receive(big, NOW));
  assert.equal(small.reason, "bad-record-length");
  assert.equal(listener({ maxRecordBytes: 1000 }).receive(big.subarray(0, 5), NOW).kind, "closed");
});

test("a non-handshake record before the ClientHello: unexpected_message", () => {
  const a = asClosed(listener().receive(record(23, Uint8Array.of(1, 2, 3)), NOW));
  assert.equal(a.reason, "unexpected-record");
  assert.deepEqual(a.bytes, ALERT.unexpected_message);
  const hb = asClosed(listener().receive(record(24, Uint8Array.of(1, 0, 0)), NOW));
  assert.equal(hb.reason, "unexpected-record");
  // An unknown content type after a first valid record.
  const msg = handshakeBytes(client("unknown-type").firstFlight()[0]);
  const l = listener();
  const outs = feed(l, [record(22, msg.subarray(0, 50)), record(0x30, Uint8Array.of(1))]);
  assert.equal(outs[0].kind, "need-more-data");
  assert.equal(asClosed(outs[1]).reason, "unexpected-record");
});

test("a later record with a version major byte other than 3: protocol_version", () => {
  const ch = client("badver").firstFlight()[0];
  const msg = handshakeBytes(ch);
  const stream = cat(record(22, msg.subarray(0, 50)), record(22, msg.subarray(50), 0x0203));
  const a = asClosed(listener().receive(stream, NOW));
  assert.equal(a.reason, "bad-record-version");
  assert.deepEqual(a.bytes, ALERT.protocol_version);
});

test("peer alerts close the stream without a reply, before and inside a ClientHello", () => {
  const alert = record(21, Uint8Array.of(2, 40));
  const l = listener();
  const a = asClosed(l.receive(alert, NOW));
  assert.equal(a.reason, "peer-alert");
  assert.equal(a.bytes, undefined);
  assert.equal(a.peerAlert, "handshake_failure");
  assert.equal(a.alert, undefined, "our alert and the peer's are kept apart");
  assert.equal(l.counters.bytesOut, 0);
  const msg = handshakeBytes(client("alert-inside").firstFlight()[0]);
  const inside = asClosed(listener().receive(cat(record(22, msg.subarray(0, 60)), alert), NOW));
  assert.equal(inside.reason, "peer-alert");
  assert.equal(inside.bytes, undefined);
  const after = listener();
  retry(client("alert-after-hrr", { keyShareGroups: [] }), after);
  const c = asClosed(after.receive(record(21, Uint8Array.of(1, 0)), NOW));
  assert.equal(c.reason, "peer-alert");
  assert.equal(c.peerAlert, "close_notify");
  assert.equal(c.bytes, undefined);
});

test("change_cipher_spec: one ignored before CH2; before CH1, twice, wrong payload or inside a message is unexpected", () => {
  const c = client("ccs", { keyShareGroups: [] });
  const ch1 = c.firstFlight()[0];
  const before = asClosed(listener().receive(cat(CCS, ch1), NOW));
  assert.equal(before.reason, "unexpected-record");
  assert.match(before.detail, /before the first ClientHello/);
  assert.deepEqual(before.bytes, ALERT.unexpected_message);
  // CCS before CH1 also with acceptWithoutRetry / acceptTls12.
  assert.equal(asClosed(listener({ acceptWithoutRetry: true }).receive(cat(CCS, ch1), NOW)).reason, "unexpected-record");
  const l = listener();
  retry(c, l);
  const ch2 = c.secondFlight()[0];
  const twice = asClosed(l.receive(cat(CCS, ch2), NOW));
  assert.equal(twice.reason, "unexpected-record");
  assert.match(twice.detail, /second change_cipher_spec/);
  assert.equal(asClosed(listener().receive(cat(CCS, ch2), NOW)).reason, "unexpected-record");
  const wrong = asClosed(listener().receive(cat(record(20, Uint8Array.of(2)), ch2.subarray(6)), NOW));
  assert.match(wrong.detail, /single byte 01/);
  assert.deepEqual(wrong.bytes, ALERT.unexpected_message);
  const long = asClosed(listener().receive(record(20, Uint8Array.of(1, 1)), NOW));
  assert.equal(long.reason, "unexpected-record");
  // CCS between two records of one ClientHello2.
  const msg = handshakeBytes(ch2);
  const interleaved = cat(record(22, msg.subarray(0, 40)), CCS, record(22, msg.subarray(40)));
  const inside = asClosed(listener().receive(interleaved, NOW));
  assert.match(inside.detail, /inside a handshake message/);
});

test("handshake-level errors: not a ClientHello, empty record, data after the ClientHello, malformed body", () => {
  const sh = asClosed(listener().receive(record(22, handshake(2, new Uint8Array(40))), NOW));
  assert.equal(sh.reason, "not-client-hello");
  assert.deepEqual(sh.bytes, ALERT.unexpected_message);
  // Decided on the message header alone, before the body arrives.
  const early = listener().receive(record(22, Uint8Array.of(11, 0, 1, 0)), NOW);
  assert.equal(asClosed(early).reason, "not-client-hello");
  const empty = asClosed(listener().receive(record(22, new Uint8Array(0)), NOW));
  assert.equal(empty.reason, "unexpected-record");
  assert.match(empty.detail, /zero-length/);
  const msg = handshakeBytes(client("trailing-hs").firstFlight()[0]);
  const trailing = asClosed(listener().receive(record(22, cat(msg, Uint8Array.of(1, 0))), NOW));
  assert.equal(trailing.reason, "unexpected-record");
  assert.match(trailing.detail, /record boundary/);
  const truncatedBody = msg.slice(0, msg.length - 3);
  truncatedBody[3] -= 3; // consistent header, body cut inside the extensions
  const bad = asClosed(listener().receive(record(22, truncatedBody), NOW));
  assert.equal(bad.reason, "malformed-client-hello");
  assert.deepEqual(bad.bytes, ALERT.decode_error);
});

test("a duplicate extension is illegal_parameter", () => {
  const c = client("dup", { extraExtensions: [{ type: 10, data: encodeU16List([X25519]) }] });
  const a = asClosed(listener().receive(c.firstFlight()[0], NOW));
  assert.equal(a.reason, "malformed-client-hello");
  assert.deepEqual(a.bytes, ALERT.illegal_parameter);
});

// ------------------------------------------------------------------ bounds

test("a ClientHello longer than maxBufferedBytes is refused on its header (message-too-large)", () => {
  const c = client("big", { mlkemShare: true, tlsRecordPayload: 500 });
  const stream = c.firstFlight()[0];
  assert.ok(stream.length > 1300);
  // tls-records: decided when the first record (holding the message header) is complete.
  const l = listener({ maxBufferedBytes: 1024 });
  const outs = feed(l, Array.from(stream.subarray(0, 600), (b) => Uint8Array.of(b)));
  assert.ok(outs.slice(0, 504).every((o) => o.kind === "need-more-data"));
  const a = asClosed(outs[504]);
  assert.equal(a.reason, "message-too-large");
  assert.deepEqual(a.bytes, ALERT.illegal_parameter);
  assert.equal(l.bufferedBytes, 0);
  // handshake-messages: decided on the 4th byte.
  const m = new StreamListener({ keyring: KEYRING, framing: "handshake-messages", peer: PEER, maxBufferedBytes: 1024 });
  const msg = handshake(1, c.clientHello1);
  const mouts = feed(m, [msg.subarray(0, 3), msg.subarray(3, 4)]);
  assert.equal(mouts[0].kind, "need-more-data");
  assert.equal(asClosed(mouts[1]).reason, "message-too-large");
  assert.equal(asClosed(mouts[1]).alert, "illegal_parameter");
  // The default cap takes the post-quantum ClientHello.
  assert.equal(listener().receive(stream, NOW).kind, "send");
});

test("buffer-limit: a partial message plus the next record may not exceed maxBufferedBytes", () => {
  const msg = handshakeBytes(client("buf", { mlkemShare: true }).firstFlight()[0]);
  const cap = 2048;
  assert.ok(msg.length < cap);
  const stream = cat(record(22, msg.subarray(0, 1000)), record(22, cat(msg.subarray(1000), new Uint8Array(1000))));
  const l = listener({ maxBufferedBytes: cap });
  assert.equal(l.receive(stream.subarray(0, 1005), NOW).kind, "need-more-data");
  assert.equal(l.bufferedBytes, 1000);
  assert.equal(l.receive(stream.subarray(1005, 1009), NOW).kind, "need-more-data");
  assert.equal(l.bufferedBytes, 1004);
  const a = asClosed(l.receive(stream.subarray(1009, 1010), NOW));
  assert.equal(a.reason, "buffer-limit");
  assert.deepEqual(a.bytes, ALERT.internal_error);
  assert.equal(l.bufferedBytes, 0);
});

test("bufferedBytes never exceeds the cap and is released when the listener finishes", () => {
  const c = client("held", { mlkemShare: true, tlsRecordPayload: 500 });
  const stream = c.firstFlight()[0];
  const l = listener({ maxBufferedBytes: 4096 });
  let max = 0;
  for (let i = 0; i < stream.length - 1; i++) {
    assert.equal(l.receive(stream.subarray(i, i + 1), NOW).kind, "need-more-data");
    max = Math.max(max, l.bufferedBytes);
  }
  assert.ok(max <= 4096 && max >= handshake(1, c.clientHello1).length - 500, `max ${max}`);
  assert.equal(l.receive(stream.subarray(stream.length - 1), NOW).kind, "send");
  assert.equal(l.bufferedBytes, 0);
});

// ------------------------------------------------------------------ early data

test("0-RTT records after an HRR to an early_data ClientHello1 are skipped (RFC 8446 §4.2.10)", () => {
  const psk = { identity: Uint8Array.of(1, 2, 3, 4), secret: new Uint8Array(32).fill(4) };
  const c = client("early", { psk, earlyData: true, keyShareGroups: [] });
  const l = listener();
  const early = cat(CCS, record(23, new Uint8Array(300).fill(1)), record(23, new Uint8Array(50).fill(2)));
  // CH1, CCS and 0-RTT in one read: HRR, the rest skipped.
  const hrr = asSend(l.receive(cat(c.firstFlight()[0], early), NOW));
  assert.equal(c.handleReply(hrr.bytes).kind, "hello-retry-request");
  const ch2Record = c.secondFlight()[0].subarray(6); // the client's CCS went out with the 0-RTT data
  const a = asAccepted(l.receive(ch2Record, NOW));
  assert.equal(a.clientHello.earlyData, undefined);
  assert.equal(l.counters.earlyDataSkipped, 350);
  // A fresh listener sees CCS, 0-RTT records, CH2.
  const fresh = listener();
  const b = asAccepted(last(feed(fresh, [early, ch2Record])));
  assert.deepEqual(b.retry, a.retry);
  assert.equal(fresh.counters.earlyDataSkipped, 350);
  // Without early_data in CH1, application_data after the HRR is unexpected.
  const plain = client("no-early", { keyShareGroups: [] });
  const m = listener();
  retry(plain, m);
  assert.equal(asClosed(m.receive(record(23, Uint8Array.of(1)), NOW)).reason, "unexpected-record");
  // More 0-RTT than the cap: buffer-limit.
  const capped = listener({ maxBufferedBytes: 1024 });
  const big = cat(CCS, record(23, new Uint8Array(600)), record(23, new Uint8Array(600)));
  assert.equal(asClosed(capped.receive(big, NOW)).reason, "buffer-limit");
});

// ------------------------------------------------------------------ misc semantics

test("CH1 and a fatal error in one read: the HRR and then the alert, as if read separately", () => {
  const c = client("hrr-then-error", { keyShareGroups: [] });
  const ch1 = c.firstFlight()[0];
  const garbage = record(24, Uint8Array.of(1));
  const together = asClosed(listener().receive(cat(ch1, garbage), NOW));
  const l = listener();
  const hrr = asSend(l.receive(ch1, NOW));
  const separately = asClosed(l.receive(garbage, NOW));
  assert.deepEqual(together.bytes, cat(hrr.bytes, separately.bytes!));
  assert.equal(together.reason, separately.reason);
});

test("input after the listener finished is dropped (after-finish), end() reports end-of-stream", () => {
  const c = client("finish", { keyShareGroups: [] });
  const ch1 = c.firstFlight()[0];
  retry(c);
  const l = listener();
  asAccepted(last(feed(l, c.secondFlight())));
  const d = l.receive(Uint8Array.of(1), NOW);
  assert.equal(d.kind, "dropped");
  assert.equal((d as { reason: string }).reason, "after-finish");
  assert.equal(l.end(NOW).kind, "dropped");
  assert.equal(l.counters.dropped["after-finish"], 2);
  const closed = listener();
  closed.receive(new TextEncoder().encode("GET / HTTP/1.1\r\n"), NOW);
  assert.equal(closed.receive(Uint8Array.of(0x16), NOW).kind, "dropped");
  // end() in the middle of a ClientHello, and after an HRR.
  const mid = listener();
  mid.receive(ch1.subarray(0, 30), NOW);
  const e = asClosed(mid.end(NOW));
  assert.equal(e.reason, "end-of-stream");
  assert.equal(e.bytes, undefined);
  assert.match(e.detail, /30 bytes of an incomplete record/);
  const afterHrr = listener();
  retry(client("finish-2", { keyShareGroups: [] }), afterHrr);
  assert.equal(asClosed(afterHrr.end(NOW)).reason, "end-of-stream");
  assert.equal(asClosed(listener().end(NOW)).reason, "end-of-stream");
});

test("counters: bytes in and out, records, one HRR, one accept", () => {
  const c = client("counters", { keyShareGroups: [], tlsRecordPayload: 100 });
  const l = listener();
  const flight = c.firstFlight();
  const { hrr } = retry(c, l);
  const ch2 = c.secondFlight();
  asAccepted(last(feed(l, ch2)));
  const inBytes = [...flight, ...ch2].reduce((n, b) => n + b.length, 0);
  assert.equal(l.counters.bytesIn, inBytes);
  assert.equal(l.counters.bytesOut, hrr.length);
  assert.equal(l.counters.helloRetryRequests, 1);
  assert.equal(l.counters.accepted, 1);
  assert.equal(l.counters.changeCipherSpecIgnored, 1);
  const records = Math.ceil((4 + c.clientHello1.length) / 100) + 1 + Math.ceil((4 + c.clientHello2!.length) / 100);
  assert.equal(l.counters.records, records);
  assert.deepEqual(l.counters.closed, {});
});

test("need-more-data reports a lower bound of the bytes still needed", () => {
  const stream = client("needed").firstFlight()[0];
  const l = listener();
  const o = l.receive(stream.subarray(0, 3), NOW);
  assert.deepEqual(o, { kind: "need-more-data", bytesNeeded: 2 + 4 });
  const o2 = l.receive(stream.subarray(3, 20), NOW);
  assert.deepEqual(o2, { kind: "need-more-data", bytesNeeded: stream.length - 20 });
});

// ------------------------------------------------------------------ handshake-messages framing

test("handshake-messages framing: bare messages, HRR without record or CCS, CH2 accepted by a fresh listener", () => {
  const opts = { keyring: KEYRING, framing: "handshake-messages" as const, peer: PEER };
  const c = client("quic", { keyShareGroups: [] }); // has a session id: still no CCS in this framing
  const recordStream = c.firstFlight()[0];
  const ch1 = handshake(1, c.clientHello1);
  const out = asSend(new StreamListener(opts).receive(ch1, NOW));
  assert.equal(out.bytes[0], 2); // a ServerHello message, no record header
  assert.equal((out.bytes[1] << 16) | (out.bytes[2] << 8) | out.bytes[3], out.bytes.length - 4);
  // The client only reads records: wrap the bare message by hand.
  const reply = c.handleReply(record(22, out.bytes));
  assert.equal(reply.kind, "hello-retry-request");
  c.secondFlight();
  const ch2 = handshake(1, c.clientHello2!);
  const after = Uint8Array.of(20, 0, 0, 1, 0xff); // the client's next message, opaque to us
  const a = asAccepted(new StreamListener(opts).receive(cat(ch2, after), NOW));
  assert.deepEqual(a.remainder, after);
  assert.deepEqual(a.retry!.helloRetryRequest, out.bytes);
  assert.deepEqual(c.transcriptHash(), sha256(cat(a.retry!.transcriptPrefix, a.clientHelloMessage)));
  // A failure: no alert record exists in this framing, the alert is named only.
  const bad = asClosed(new StreamListener(opts).receive(handshake(1, ch2Body(c, new Uint8Array(70))), NOW));
  assert.equal(bad.reason, "invalid-cookie");
  assert.equal(bad.bytes, undefined);
  assert.equal(bad.alert, "illegal_parameter");
  // A record-framed stream fed to this framing is not a ClientHello (0x16 = message type 22).
  assert.equal(asClosed(new StreamListener(opts).receive(recordStream, NOW)).reason, "not-client-hello");
  // acceptTls12 cannot be combined with this framing.
  assert.throws(() => new StreamListener({ ...opts, acceptTls12: true }), TypeError);
});

// ------------------------------------------------------------------ options

test("constructor: caller misuse throws, with a clear message", () => {
  assert.throws(() => new StreamListener({ keyring: KEYRING, framing: "tls-records" }), /allowUnboundPeer/);
  assert.throws(() => new StreamListener({ keyring: KEYRING, framing: "records" as "tls-records", peer: PEER }), TypeError);
  assert.throws(
    () => new StreamListener({ keyring: KEYRING, framing: "tls-records", peer: { family: "ipv4", address: "300.1.1.1", port: 1 } }),
    TypeError,
  );
  assert.throws(() => listener({ maxBufferedBytes: 10 }), RangeError);
  assert.throws(() => listener({ maxRecordBytes: 70000 }), RangeError);
  assert.throws(() => listener({ cipherSuites: [0xc02f] }), TypeError);
  assert.throws(() => listener({ cipherSuites: [] }), TypeError);
  assert.throws(() => listener({ cookieLifetimeSeconds: 0 }), RangeError);
  assert.throws(() => new StreamListener({} as StreamListenerOptions), TypeError);
  const ok = new StreamListener({ keyring: KEYRING, framing: "tls-records", allowUnboundPeer: true });
  assert.equal(ok.state, "awaiting-client-hello");
  assert.equal(ok.framing, "tls-records");
});
