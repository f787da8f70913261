// StreamListener on the wire: the HRR layout read by hand against RFC 8446 §4.1.3/§4.1.4 (not
// with our encoder), and the real ClientHellos captured from openssl, gnutls and node (plus the
// RFC 8448 §3 ClientHello): each gets a correct HRR for every chunking, and a ClientHello2 made
// from it is accepted by a fresh listener with a transcript computed here by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sha256 } from "@noble/hashes/sha2.js";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { StreamListener, type StreamListenerOptions } from "../core/gate/stream_listener.ts";
import type { Outcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";
import { parseClientHello } from "../core/messages/client_hello.ts";
import { encodeClientHello } from "../core/messages/client_hello_encoder.ts";
import { ScriptedClient, seededRandom } from "../testing/mod.ts";
import { loadHexFixture, TLS_FIXTURES, toHex } from "./helpers/fixtures.ts";
import { concat as cat } from "./helpers/fixtures.ts";

const KEYRING = CookieKeyring.fromSecret(new Uint8Array(32).fill(77));
const PEER: PeerAddress = { family: "ipv4", address: "127.0.0.1", port: 24407 };
const NOW = 1_795_000_000_000;
/** RFC 8446 §4.1.3: the HelloRetryRequest random, SHA-256("HelloRetryRequest"), as printed there. */
const HRR_RANDOM_HEX = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

function listener(extra: Partial<StreamListenerOptions> = {}): StreamListener {
  return new StreamListener({ keyring: KEYRING, framing: "tls-records", peer: PEER, ...extra });
}

function u16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function u24(b: Uint8Array, at: number): number {
  return (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
}

interface HandReadHrr {
  message: Uint8Array;
  sessionIdEcho: Uint8Array;
  cipherSuite: number;
  extensions: { type: number; data: Uint8Array }[];
  ccs: boolean;
}

/**
 * Reads `bytes` (what the listener sent) by hand as RFC 8446 §5.1 records holding one
 * ServerHello-shaped HRR (§4.1.3) and optionally the §D.4 CCS record, asserting every fixed field.
 */
function readHrr(bytes: Uint8Array): HandReadHrr {
  assert.equal(bytes[0], 22, "handshake record");
  assert.equal(u16(bytes, 1), 0x0303, "record version 0303");
  const recLen = u16(bytes, 3);
  const message = bytes.subarray(5, 5 + recLen);
  const after = bytes.subarray(5 + recLen);
  assert.equal(message[0], 2, "msg_type server_hello(2)");
  assert.equal(u24(message, 1), message.length - 4, "handshake length");
  const b = message.subarray(4);
  assert.equal(u16(b, 0), 0x0303, "legacy_version 0303");
  assert.equal(toHex(b.subarray(2, 34)), HRR_RANDOM_HEX, "special random");
  const sidLen = b[34];
  assert.ok(sidLen <= 32);
  const sessionIdEcho = b.subarray(35, 35 + sidLen);
  let p = 35 + sidLen;
  const cipherSuite = u16(b, p);
  p += 2;
  assert.equal(b[p], 0, "legacy_compression_method 0");
  p += 1;
  const extEnd = p + 2 + u16(b, p);
  assert.equal(extEnd, b.length, "extensions fill the message");
  p += 2;
  const extensions = [];
  while (p < extEnd) {
    const type = u16(b, p), len = u16(b, p + 2);
    extensions.push({ type, data: b.subarray(p + 4, p + 4 + len) });
    p += 4 + len;
  }
  assert.equal(p, extEnd);
  let ccs = false;
  if (after.length > 0) {
    assert.equal(toHex(after), "140303000101", "only the CCS record may follow");
    ccs = true;
  }
  return { message, sessionIdEcho, cipherSuite, extensions, ccs };
}

/** §4.1.4 checks: supported_versions 0304, cookie (non-empty), key_share iff `group`, nothing else. */
function checkExtensions(h: HandReadHrr, group: number | undefined): Uint8Array {
  const types = h.extensions.map((e) => e.type);
  assert.equal(new Set(types).size, types.length, "no duplicate extensions");
  const sv = h.extensions.find((e) => e.type === 43);
  assert.ok(sv, "supported_versions present");
  assert.equal(toHex(sv.data), "0304");
  const ks = h.extensions.find((e) => e.type === 51);
  if (group === undefined) assert.equal(ks, undefined, "no key_share: the client's share is usable");
  else assert.equal(toHex(ks!.data), group.toString(16).padStart(4, "0"), "key_share selected_group");
  const ck = h.extensions.find((e) => e.type === 44);
  assert.ok(ck, "cookie present");
  assert.equal(u16(ck.data, 0), ck.data.length - 2, "cookie<1..2^16-1>");
  assert.ok(ck.data.length > 2);
  assert.ok(types.every((t) => t === 43 || t === 51 || t === 44), `only the §4.1.4 extensions, got ${types}`);
  return ck.data.subarray(2);
}

/** The ClientHello message (4-byte header) of a capture's single record. */
function captureMessage(stream: Uint8Array): Uint8Array {
  assert.equal(stream[0], 22);
  const len = u16(stream, 3);
  assert.equal(stream.length, 5 + len, "one record");
  return stream.subarray(5, 5 + len);
}

/** CH2 for a real CH1: the same hello plus the cookie extension (and a new key_share if asked). */
function secondHello(ch1Message: Uint8Array, cookie: Uint8Array, share?: { group: number; key: Uint8Array }): Uint8Array {
  const ch = parseClientHello(ch1Message.subarray(4), { dtls: false });
  const ext = ch.extensions.map((e) => {
    if (e.type === 51 && share) {
      const d = new Uint8Array(2 + 4 + share.key.length);
      d[1] = 4 + share.key.length;
      d[2] = share.group >> 8;
      d[3] = share.group & 0xff;
      d[5] = share.key.length;
      d.set(share.key, 6);
      return { type: 51, data: d };
    }
    return { type: e.type, data: e.data };
  });
  const cookieExt = cat(Uint8Array.of(cookie.length >> 8, cookie.length & 0xff), cookie);
  const psk = ext.findIndex((e) => e.type === 41);
  ext.splice(psk < 0 ? ext.length : psk, 0, { type: 44, data: cookieExt });
  const body = encodeClientHello({
    dtls: false,
    legacyVersion: ch.legacyVersion,
    random: ch.random,
    legacySessionId: ch.legacySessionId,
    cipherSuites: ch.cipherSuites,
    compressionMethods: ch.compressionMethods,
    extensions: ext,
  });
  return cat(Uint8Array.of(1, 0, body.length >> 8, body.length & 0xff), body);
}

function record(type: number, payload: Uint8Array): Uint8Array {
  return cat(Uint8Array.of(type, 3, 3, payload.length >> 8, payload.length & 0xff), payload);
}

function sendBytes(o: Outcome): Uint8Array {
  assert.equal(o.kind, "send", JSON.stringify(o));
  if (o.kind !== "send") throw new Error("unreachable");
  assert.equal(o.message, "hello_retry_request");
  assert.equal(o.protocol, "tls1.3");
  return o.bytes;
}

// ------------------------------------------------------------------ by-hand layout

test("HRR layout (RFC 8446 §4.1.3/§4.1.4), read by hand: cookie-only when the client's share is usable", () => {
  const c = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("layout-1") });
  const stream = c.firstFlight()[0];
  const h = readHrr(sendBytes(listener().receive(stream, NOW)));
  assert.deepEqual(h.sessionIdEcho, c.sessionId, "session id echoed");
  assert.equal(h.sessionIdEcho.length, 32);
  assert.equal(h.cipherSuite, 0x1301);
  const cookie = checkExtensions(h, undefined);
  assert.equal(cookie.length, 78); // SHA-256 cookie without app data (with CH1's length and frozen-parts digest)
  assert.equal(h.ccs, true, "CCS after the HRR: the client sent a session id (§D.4)");
});

test("HRR layout, read by hand: key_share names the group when the client sent no usable share; no CCS without a session id", () => {
  const c = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("layout-2"), keyShareGroups: [], sessionId: false });
  const h = readHrr(sendBytes(listener({ cipherSuites: [0x1302, 0x1301] }).receive(c.firstFlight()[0], NOW)));
  assert.equal(h.sessionIdEcho.length, 0);
  assert.equal(h.cipherSuite, 0x1302);
  const cookie = checkExtensions(h, 0x001d);
  assert.equal(cookie.length, 94); // SHA-384 hash in the cookie
  assert.equal(h.ccs, false);
  // A P-256 share when we prefer x25519 but the client supports it: no HRR group request.
  const p = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("layout-3"), keyShareGroups: [0x0017] });
  checkExtensions(readHrr(sendBytes(listener().receive(p.firstFlight()[0], NOW))), undefined);
  // Only secp384r1 enabled here: the client supports it without a share, so it is requested.
  const q = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("layout-4"), groups: [0x001d, 0x0018] });
  checkExtensions(readHrr(sendBytes(listener({ groups: [0x0018] }).receive(q.firstFlight()[0], NOW))), 0x0018);
});

// ------------------------------------------------------------------ real captures

const CAPTURES = [...TLS_FIXTURES, "rfc8448-clienthello"] as const;

for (const name of CAPTURES) {
  test(`capture ${name}: HRR for every chunking, CH2 built from it accepted with a by-hand transcript`, () => {
    const [stream] = loadHexFixture(name);
    const ch1 = captureMessage(stream);
    // Hand-read CH1: legacy_version, session id (after the 32-byte random).
    assert.equal(u16(ch1, 4), 0x0303);
    const sid = ch1.subarray(4 + 35, 4 + 35 + ch1[4 + 34]);
    const bytes = sendBytes(listener().receive(stream, NOW));
    const h = readHrr(bytes);
    assert.deepEqual(h.sessionIdEcho, sid);
    assert.equal(h.ccs, sid.length > 0);
    // Every capture offers TLS_AES_128_GCM_SHA256, our first preference.
    assert.equal(h.cipherSuite, 0x1301);
    // Every capture carries a share of a group we enable by default: cookie-only HRR.
    const cookie = checkExtensions(h, undefined);
    // 1-byte reads and a few odd cuts: the same bytes.
    const l = listener();
    let last: Outcome = { kind: "need-more-data" };
    for (let i = 0; i < stream.length; i++) {
      last = l.receive(stream.subarray(i, i + 1), NOW);
      if (i < stream.length - 1) assert.equal(last.kind, "need-more-data");
    }
    assert.deepEqual(sendBytes(last), bytes);
    for (const cut of [1, 5, 6, 9, 43, stream.length - 1]) {
      const m = listener();
      assert.equal(m.receive(stream.subarray(0, cut), NOW).kind, "need-more-data");
      assert.deepEqual(sendBytes(m.receive(stream.subarray(cut), NOW)), bytes);
    }
    // CH2 = CH1 + cookie, after the CCS, on a brand-new listener.
    const ch2 = secondHello(ch1, cookie);
    const out = listener().receive(cat(Uint8Array.of(0x14, 3, 3, 0, 1, 1), record(22, ch2)), NOW + 3000);
    assert.equal(out.kind, "accepted", JSON.stringify(out));
    if (out.kind !== "accepted") return;
    assert.deepEqual(out.clientHelloMessage, ch2);
    // Transcript-Hash(message_hash || HRR || CH2), from the wire bytes (RFC 8446 §4.4.1).
    const mh = cat(Uint8Array.of(254, 0, 0, 32), sha256(ch1));
    const expected = sha256(cat(mh, h.message, ch2));
    assert.deepEqual(sha256(cat(out.retry!.transcriptPrefix, out.clientHelloMessage)), expected);
    assert.deepEqual(out.retry!.helloRetryRequest, h.message);
  });
}

test("capture tls13-openssl with groups [secp256r1]: the HRR requests secp256r1", () => {
  const [stream] = loadHexFixture("tls13-openssl");
  const ch1 = captureMessage(stream);
  const l = listener({ groups: [0x0017] });
  const h = readHrr(sendBytes(l.receive(stream, NOW)));
  const cookie = checkExtensions(h, 0x0017);
  // CH2 with one (65-byte, uncompressed-point-shaped) P-256 share is accepted.
  const share = { group: 0x0017, key: cat(Uint8Array.of(4), new Uint8Array(64).fill(0x42)) };
  const ch2 = secondHello(ch1, cookie, share);
  const out = listener({ groups: [0x0017] }).receive(record(22, ch2), NOW);
  assert.equal(out.kind, "accepted", JSON.stringify(out));
  if (out.kind === "accepted") {
    assert.equal(out.retry!.group, 0x0017);
    assert.deepEqual(out.retry!.keyShare.keyExchange, share.key);
  }
  // The original CH1 sent again as "CH2" after our HRR: no cookie → illegal_parameter, no second HRR.
  const again = l.receive(stream, NOW);
  assert.equal(again.kind, "closed");
  if (again.kind === "closed") {
    assert.equal(again.reason, "invalid-cookie");
    assert.equal(toHex(again.bytes!), "15030300020" + "22f");
  }
  assert.equal(l.counters.helloRetryRequests, 1);
});

test("capture tls13-gnutls (P-256 and x25519 shares; GnuTLS sends no CCS before CH2): x25519 chosen", () => {
  const [stream] = loadHexFixture("tls13-gnutls");
  assert.equal(toHex(stream.subarray(0, 3)), "160301"); // first ClientHello record version 0301
  const ch1 = captureMessage(stream);
  const shares = parseClientHello(ch1.subarray(4), { dtls: false }).keyShares!.map((k) => k.group);
  assert.deepEqual([...shares].sort(), [0x0017, 0x001d]);
  const l = listener();
  const h = readHrr(sendBytes(l.receive(stream, NOW)));
  assert.equal(l.counters.records, 1);
  const out = listener().receive(record(22, secondHello(ch1, checkExtensions(h, undefined))), NOW);
  assert.equal(out.kind, "accepted", JSON.stringify(out));
  if (out.kind === "accepted") {
    assert.equal(out.retry!.group, 0x001d);
    assert.equal(out.retry!.keyShare.keyExchange.length, 32);
  }
});
