// DatagramListener, DTLS 1.3 path (RFC 9147 §5.1): HRR with cookie, CH2 checks, alerts,
// transcript, fragments, amplification.
import { test } from "node:test";
import assert from "node:assert/strict";
import { sha256 } from "@noble/hashes/sha2.js";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import type { Outcome, PeerAddress } from "../mod.ts";
import { concat, toHex } from "./helpers/fixtures.ts";
import { dtls13ClientHelloBody, dtlsDatagram, dtlsFragmentDatagram } from "./helpers/dtls13_flight.ts";

const PEER: PeerAddress = { family: "ipv6", address: "2001:db8::7", port: 4433 };
const NOW = 1_700_000_000_000;
const keyring = () => CookieKeyring.fromSecret(new Uint8Array(32).fill(5));
const HRR_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

interface ReadHrr {
  recordSeq: number;
  message: Uint8Array; // 4-byte-header form
  suite: number;
  extensions: Map<number, Uint8Array>;
  extensionOrder: number[];
}

/** Reads an HRR datagram by hand (RFC 9147 §4 record, §5.2 header, RFC 8446 §4.1.3 body). */
function readHrr(d: Uint8Array): ReadHrr {
  assert.equal(d[0], 22);
  assert.deepEqual([d[1], d[2]], [0xfe, 0xfd], "DTLSPlaintext version FEFD");
  assert.deepEqual([d[3], d[4]], [0, 0], "epoch 0");
  const recLen = (d[11] << 8) | d[12];
  assert.equal(13 + recLen, d.length);
  assert.equal(d[13], 2, "server_hello");
  const len = (d[14] << 16) | (d[15] << 8) | d[16];
  assert.deepEqual([d[17], d[18]], [0, 0], "message_seq 0");
  assert.deepEqual([d[19], d[20], d[21]], [0, 0, 0]);
  assert.equal((d[22] << 16) | (d[23] << 8) | d[24], len);
  const b = d.subarray(25);
  assert.equal(b.length, len);
  assert.deepEqual([b[0], b[1]], [0xfe, 0xfd], "legacy_version FEFD");
  assert.equal(toHex(b.subarray(2, 34)), HRR_RANDOM);
  assert.equal(b[34], 0, "empty legacy_session_id_echo (RFC 9147 §5.3)");
  const suite = (b[35] << 8) | b[36];
  assert.equal(b[37], 0, "compression 0");
  const extLen = (b[38] << 8) | b[39];
  assert.equal(40 + extLen, b.length);
  const extensions = new Map<number, Uint8Array>(), extensionOrder: number[] = [];
  for (let i = 40; i < b.length;) {
    const t = (b[i] << 8) | b[i + 1], l = (b[i + 2] << 8) | b[i + 3];
    extensions.set(t, b.subarray(i + 4, i + 4 + l));
    extensionOrder.push(t);
    i += 4 + l;
  }
  const message = concat(new Uint8Array([2, len >> 16, len >> 8, len]), b);
  return { recordSeq: d[10], message, suite, extensions, extensionOrder };
}

function cookieOf(h: ReadHrr): Uint8Array {
  const c = h.extensions.get(44)!;
  assert.equal((c[0] << 8) | c[1], c.length - 2);
  return c.slice(2);
}

function alertOf(o: Outcome): [string, string] {
  assert.equal(o.kind, "send", JSON.stringify(o));
  if (o.kind !== "send") throw new Error();
  assert.equal(o.message, "alert");
  assert.deepEqual([...o.bytes.subarray(0, 3)], [21, 0xfe, 0xfd]);
  assert.equal(o.bytes.length, 15);
  assert.equal(o.bytes[13], 2, "fatal");
  return [String(o.bytes[14]), o.reason!];
}

test("DTLS 1.3 CH1 with an x25519 share: cookie-only HRR (no key_share), CH2 accepted by a fresh listener", () => {
  const kr = keyring();
  const ch1 = dtls13ClientHelloBody({ padTo: 100 });
  const d1 = dtlsDatagram(ch1, 3, 0);
  const o = new DatagramListener({ keyring: kr }).receive(d1, PEER, NOW);
  assert.equal(o.kind, "send");
  if (o.kind !== "send") return;
  assert.equal(o.message, "hello_retry_request");
  assert.equal(o.protocol, "dtls1.3");
  assert.ok(o.bytes.length <= d1.length, `${o.bytes.length} <= ${d1.length}`);
  const hrr = readHrr(o.bytes);
  assert.equal(hrr.recordSeq, 3, "HRR reuses the ClientHello's record sequence (RFC 9147 §5.1)");
  assert.equal(hrr.suite, 0x1301);
  assert.deepEqual([...hrr.extensions.get(43)!], [0xfe, 0xfc], "supported_versions selects DTLS 1.3");
  assert.equal(hrr.extensions.has(51), false, "never request a group the client already sent");
  assert.deepEqual(hrr.extensionOrder, [43, 44]);
  const cookie = cookieOf(hrr);

  const ch2 = dtls13ClientHelloBody({ padTo: 100, cookie });
  const d2 = dtlsDatagram(ch2, 4, 1);
  const acc = new DatagramListener({ keyring: kr }).receive(d2, PEER, NOW + 100);
  assert.equal(acc.kind, "accepted", JSON.stringify(acc));
  if (acc.kind !== "accepted") return;
  assert.equal(acc.protocol, "dtls1.3");
  assert.deepEqual(acc.sequencing, { recordSequence: 4, clientMessageSeq: 1, nextServerMessageSeq: 1 });
  const r = acc.retry!;
  assert.equal(r.cipherSuite, 0x1301);
  assert.equal(r.group, 0x001d);
  assert.equal(r.keyShare.keyExchange.length, 32);
  // HRR rebuilt from cookie + CH2 equals, byte for byte, the one that was sent.
  assert.equal(toHex(r.helloRetryRequest), toHex(hrr.message));
  // Transcript computed independently: message_hash(Hash(CH1 with 4-byte header)) || HRR || CH2.
  const ch1Msg = concat(new Uint8Array([1, 0, ch1.length >> 8, ch1.length & 0xff]), ch1);
  const h1 = sha256(ch1Msg);
  assert.equal(toHex(r.clientHello1Hash), toHex(h1));
  const ch2Msg = concat(new Uint8Array([1, 0, ch2.length >> 8, ch2.length & 0xff]), ch2);
  const expected = sha256(concat(new Uint8Array([254, 0, 0, 32]), h1, hrr.message, ch2Msg));
  assert.equal(toHex(sha256(concat(r.transcriptPrefix, acc.clientHelloMessage))), toHex(expected));
});

test("DTLS 1.3 CH1 without an acceptable share: HRR requests the preferred group; CH2 must carry exactly it", () => {
  const kr = keyring();
  const l = new DatagramListener({ keyring: kr, groups: [0x0017, 0x001d] });
  const ch1 = dtls13ClientHelloBody({ shares: [{ group: 0x0018, length: 97 }], groups: [0x001d, 0x0017, 0x0018] });
  const o = l.receive(dtlsDatagram(ch1, 0, 0), PEER, NOW);
  assert.equal(o.kind, "send");
  if (o.kind !== "send") return;
  const hrr = readHrr(o.bytes);
  assert.deepEqual([...hrr.extensions.get(51)!], [0x00, 0x17], "key_share selects secp256r1");
  assert.deepEqual(hrr.extensionOrder, [43, 51, 44]);
  const cookie = cookieOf(hrr);
  const good = dtls13ClientHelloBody({ shares: [{ group: 0x0017, length: 65 }], groups: [0x001d, 0x0017, 0x0018], cookie });
  const acc = l.receive(dtlsDatagram(good, 1, 1), PEER, NOW);
  assert.equal(acc.kind, "accepted");
  if (acc.kind === "accepted") {
    assert.equal(acc.retry!.group, 0x0017);
    assert.equal(toHex(acc.retry!.helloRetryRequest), toHex(hrr.message));
  }
  const groups = [0x001d, 0x0017, 0x0018];
  const bad: [string, Uint8Array, string][] = [
    ["wrong group", dtls13ClientHelloBody({ shares: [{ group: 0x001d, length: 32 }], groups, cookie }), "cookie-mismatch"],
    ["two shares", dtls13ClientHelloBody({ shares: [{ group: 0x0017, length: 65 }, { group: 0x001d, length: 32 }], groups, cookie }), "cookie-mismatch"],
    ["short share", dtls13ClientHelloBody({ shares: [{ group: 0x0017, length: 64 }], groups, cookie }), "cookie-mismatch"],
    ["suite dropped", dtls13ClientHelloBody({ shares: [{ group: 0x0017, length: 65 }], groups, suites: [0x1302], cookie }), "client-hello-changed"],
    ["early data", dtls13ClientHelloBody({ shares: [{ group: 0x0017, length: 65 }], groups, cookie, earlyData: true }), "cookie-mismatch"],
    ["groups changed", dtls13ClientHelloBody({ shares: [{ group: 0x0017, length: 65 }], groups: [0x001d, 0x0017], cookie }), "client-hello-changed"],
  ];
  for (const [label, body, want] of bad) {
    const [desc, reason] = alertOf(l.receive(dtlsDatagram(body, 1, 1), PEER, NOW));
    assert.equal(desc, "47", label);
    assert.equal(reason, want, label);
  }
});

test("DTLS 1.3 invalid cookies and legacy cookies get illegal_parameter, never a second HRR", () => {
  const kr = keyring();
  const l = new DatagramListener({ keyring: kr });
  const ch1 = dtls13ClientHelloBody();
  const o = l.receive(dtlsDatagram(ch1, 0, 0), PEER, NOW);
  assert.equal(o.kind, "send");
  if (o.kind !== "send") return;
  const cookie = cookieOf(readHrr(o.bytes));
  const flipped = cookie.slice();
  flipped[flipped.length - 1] ^= 0x80;
  const cases: [string, Uint8Array, PeerAddress, number, string][] = [
    ["forged", dtls13ClientHelloBody({ cookie: flipped }), PEER, NOW, "invalid-cookie"],
    ["other peer", dtls13ClientHelloBody({ cookie }), { ...PEER, port: 4434 }, NOW, "invalid-cookie"],
    ["expired", dtls13ClientHelloBody({ cookie }), PEER, NOW + 120_000, "invalid-cookie"],
    ["legacy cookie", dtls13ClientHelloBody({ legacyCookie: new Uint8Array([1]) }), PEER, NOW, "legacy-cookie-not-empty"],
  ];
  for (const [label, body, peer, now, reason] of cases) {
    const [desc, r] = alertOf(l.receive(dtlsDatagram(body, 1, 1), peer, now));
    assert.equal(desc, "47", label);
    assert.equal(r, reason, label);
  }
  assert.equal(l.counters.helloRetryRequests, 1);
  assert.equal(l.counters.cookieRejections.expired, 1);
});

test("DTLS 1.3 with no common suite or group: handshake_failure", () => {
  const l = new DatagramListener({ keyring: keyring(), cipherSuites: [0x1303] });
  const [d1, r1] = alertOf(l.receive(dtlsDatagram(dtls13ClientHelloBody(), 0, 0), PEER, NOW));
  assert.deepEqual([d1, r1], ["40", "no-common-cipher-suite"]);
  const l2 = new DatagramListener({ keyring: keyring(), groups: [0x0018] });
  const [d2, r2] = alertOf(l2.receive(dtlsDatagram(dtls13ClientHelloBody(), 0, 0), PEER, NOW));
  assert.deepEqual([d2, r2], ["40", "no-common-group"]);
});

test("DTLS 1.3 disabled: a client offering 1.3 and 1.2 gets a DTLS 1.2 HVR", () => {
  const l = new DatagramListener({ keyring: keyring(), versions: ["dtls1.2"] });
  const o = l.receive(dtlsDatagram(dtls13ClientHelloBody(), 0, 0), PEER, NOW);
  assert.equal(o.kind, "send");
  if (o.kind === "send") assert.equal(o.message, "hello_verify_request");
});

test("a post-quantum-size DTLS 1.3 CH1 in two datagrams (1200 + rest, like Chromium) is reassembled and answered", () => {
  const kr = keyring();
  const l = new DatagramListener({ keyring: kr });
  const body = dtls13ClientHelloBody({ shares: [{ group: 0x11ec, length: 1216 }, { group: 0x001d, length: 32 }], groups: [0x11ec, 0x001d] });
  assert.ok(body.length > 1300);
  const cut = 1200 - 25;
  const a = dtlsFragmentDatagram(body, 0, cut, 0, 0), b = dtlsFragmentDatagram(body, cut, body.length - cut, 1, 0);
  const first = l.receive(a, PEER, NOW);
  assert.equal(first.kind, "need-more-data");
  if (first.kind === "need-more-data") assert.equal(first.bytesNeeded, body.length - cut);
  const o = l.receive(b, PEER, NOW + 1);
  assert.equal(o.kind, "send");
  if (o.kind !== "send") return;
  assert.equal(o.message, "hello_retry_request");
  const hrr = readHrr(o.bytes);
  assert.equal(hrr.recordSeq, 0, "sequence of the record holding fragment offset 0");
  // Same HRR, whatever the order of arrival.
  const l2 = new DatagramListener({ keyring: kr });
  assert.equal(l2.receive(b, PEER, NOW).kind, "need-more-data");
  const o2 = l2.receive(a, PEER, NOW + 1);
  assert.equal(o2.kind, "send");
  if (o2.kind === "send") assert.equal(toHex(o2.bytes), toHex(o.bytes));
  // CH2 (also fragmented) is accepted; its remainder and transcript survive reassembly.
  const cookie = cookieOf(hrr);
  // The HRR was cookie-only (x25519 usable): CH2 keeps CH1's key_share unchanged (RFC 8446 §4.1.2).
  const ch2 = dtls13ClientHelloBody({ shares: [{ group: 0x11ec, length: 1216 }, { group: 0x001d, length: 32 }], groups: [0x11ec, 0x001d], cookie });
  const c1 = dtlsFragmentDatagram(ch2, 0, 100, 2, 1), c2 = dtlsFragmentDatagram(ch2, 100, ch2.length - 100, 3, 1);
  assert.equal(l.receive(c1, PEER, NOW + 2).kind, "need-more-data");
  const acc = l.receive(c2, PEER, NOW + 3);
  assert.equal(acc.kind, "accepted", JSON.stringify(acc));
  if (acc.kind === "accepted") {
    assert.equal(acc.sequencing!.recordSequence, 2);
    assert.equal(toHex(acc.clientHelloMessage.subarray(4)), toHex(ch2));
  }
  assert.equal(l.counters.reassembly.bytesInUse, 0);
});

test("both fragments in one datagram (two records) are merged without holding anything", () => {
  const l = new DatagramListener({ keyring: keyring() });
  const body = dtls13ClientHelloBody({ padTo: 300 });
  const d = concat(dtlsFragmentDatagram(body, 0, 200, 0, 0), dtlsFragmentDatagram(body, 200, body.length - 200, 1, 0));
  const o = l.receive(d, PEER, NOW);
  assert.equal(o.kind, "send");
  assert.equal(l.counters.reassembly.entries, 0);
});

test("reassembly disabled (0): fragmented DTLS 1.3 ClientHellos are dropped, nothing is held", () => {
  const l = new DatagramListener({ keyring: keyring(), reassembly: 0 });
  const body = dtls13ClientHelloBody({ padTo: 300 });
  const o = l.receive(dtlsFragmentDatagram(body, 0, 200, 0, 0), PEER, NOW);
  assert.equal(o.kind, "dropped");
  if (o.kind === "dropped") assert.equal(o.reason, "reassembly-budget");
  assert.equal(l.counters.reassembly.bytesInUse, 0);
});

test("amplification: a reply above 1x is counted, above 3x (RFC 9147 §5.1) it is dropped", () => {
  // A minimal CH1 (one suite, no padding) is about as small as its HRR: counted when larger.
  const l = new DatagramListener({ keyring: keyring() });
  const d = dtlsDatagram(dtls13ClientHelloBody({ suites: [0x1301] }), 0, 0);
  const o = l.receive(d, PEER, NOW);
  assert.equal(o.kind, "send");
  if (o.kind !== "send") return;
  assert.equal(l.counters.amplificationOver1x, o.bytes.length > d.length ? 1 : 0);
  assert.ok(l.counters.maxAmplification <= 3);
  // No key share (the HRR must request one) and 255 bytes of cookie app data: more than 3x.
  const big = new DatagramListener({ keyring: keyring(), cookieAppData: () => new Uint8Array(255) });
  const tiny = dtlsDatagram(dtls13ClientHelloBody({ suites: [0x1301], shares: [] }), 0, 0);
  const dropped = big.receive(tiny, PEER, NOW);
  assert.equal(dropped.kind, "dropped");
  if (dropped.kind === "dropped") assert.equal(dropped.reason, "amplification-limit");
  assert.equal(big.counters.bytesOut, 0);
});
