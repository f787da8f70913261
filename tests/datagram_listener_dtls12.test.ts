// DatagramListener, DTLS 1.0/1.2 path, driven by ClientHellos captured from openssl and gnutls.
// HVR bytes are checked against RFC 6347 §4.2.1 / OpenSSL's layout by reading offsets by hand.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import type { Outcome, PeerAddress } from "../mod.ts";
import { concat, loadHexFixture, toHex } from "./helpers/fixtures.ts";

const PEER: PeerAddress = { family: "ipv4", address: "127.0.0.1", port: 40000 };
const NOW = 1_700_000_000_000;
const secret = new Uint8Array(32).fill(9);

function send(o: Outcome) {
  assert.equal(o.kind, "send", `expected send, got ${JSON.stringify(o)}`);
  return o as Extract<Outcome, { kind: "send" }>;
}

/** Reads the HVR by hand: returns the cookie after checking every header field. */
function checkHvr(hvr: Uint8Array, recordVersion: number, echoedSeq: Uint8Array): Uint8Array {
  assert.equal(hvr[0], 22, "content type handshake");
  assert.equal((hvr[1] << 8) | hvr[2], recordVersion, "record version");
  assert.deepEqual([...hvr.subarray(3, 5)], [0, 0], "epoch echoed (0)");
  assert.deepEqual([...hvr.subarray(5, 11)], [...echoedSeq], "record sequence echoed");
  const recLen = (hvr[11] << 8) | hvr[12];
  assert.equal(recLen, hvr.length - 13, "record length covers the rest");
  assert.equal(hvr[13], 3, "hello_verify_request");
  const len = (hvr[14] << 16) | (hvr[15] << 8) | hvr[16];
  assert.equal(len, recLen - 12);
  assert.deepEqual([...hvr.subarray(17, 19)], [0, 0], "message_seq 0");
  assert.deepEqual([...hvr.subarray(19, 22)], [0, 0, 0], "fragment_offset 0");
  assert.equal((hvr[22] << 16) | (hvr[23] << 8) | hvr[24], len, "unfragmented");
  assert.deepEqual([...hvr.subarray(25, 27)], [0xfe, 0xff], "server_version is DTLS 1.0 (RFC 6347 §4.2.1)");
  assert.equal(hvr[27], hvr.length - 28, "cookie length");
  return hvr.slice(28);
}

/**
 * Builds CH2 from a captured unfragmented CH1 datagram by hand (independently of our encoder):
 * insert the cookie, fix the three lengths, set message_seq and the record sequence.
 */
function withCookie(ch1: Uint8Array, cookie: Uint8Array, recordSeq: number, messageSeq = 1): Uint8Array {
  const sidLen = ch1[13 + 12 + 34];
  const cookieAt = 13 + 12 + 35 + sidLen; // the cookie length byte
  assert.equal(ch1[cookieAt], 0, "CH1 has an empty cookie");
  const out = concat(ch1.subarray(0, cookieAt), new Uint8Array([cookie.length]), cookie, ch1.subarray(cookieAt + 1));
  const rec = out.length - 13, body = rec - 12;
  out[9] = recordSeq >>> 8;
  out[10] = recordSeq & 0xff;
  out[11] = rec >>> 8;
  out[12] = rec & 0xff;
  for (const at of [14, 22]) {
    out[at] = body >>> 16;
    out[at + 1] = body >>> 8;
    out[at + 2] = body & 0xff;
  }
  out[17] = messageSeq >>> 8;
  out[18] = messageSeq & 0xff;
  return out;
}

for (const name of ["dtls12-openssl", "dtls12-gnutls"]) {
  test(`${name}: CH1 gets an HVR, CH2 with the cookie is accepted by a brand-new listener`, () => {
    const [ch1] = loadHexFixture(name);
    const keyring = CookieKeyring.fromSecret(secret);
    const first = new DatagramListener({ keyring });
    const out = send(first.receive(ch1, PEER, NOW));
    assert.equal(out.message, "hello_verify_request");
    assert.equal(out.protocol, "dtls1.2");
    assert.equal(out.bytes.length, 60, "28 + 32-byte cookie, like OpenSSL");
    assert.ok(out.bytes.length <= ch1.length, "no amplification");
    const cookie = checkHvr(out.bytes, 0xfefd, ch1.subarray(5, 11));
    assert.equal(cookie.length, 32);
    // The picotls proof: the listener that sent the HVR is gone; a fresh one with the same keyring accepts.
    const second = new DatagramListener({ keyring });
    const ch2 = withCookie(ch1, cookie, 1);
    const acc = second.receive(ch2, PEER, NOW + 300);
    assert.equal(acc.kind, "accepted", JSON.stringify(acc));
    if (acc.kind !== "accepted") return;
    assert.equal(acc.protocol, "dtls1.2");
    assert.equal(acc.addressValidated, "cookie");
    assert.deepEqual(acc.peer, PEER);
    assert.deepEqual(acc.sequencing, { recordSequence: 1, clientMessageSeq: 1, nextServerMessageSeq: 1 });
    assert.equal(acc.cookieIssuedAt, Math.floor(NOW / 1000));
    assert.equal(acc.remainder.length, 0);
    assert.deepEqual([...acc.clientHello.legacyCookie!], [...cookie]);
    // The transcript form of CH2 is the 12-byte-header message exactly as sent (unfragmented).
    assert.equal(toHex(acc.clientHelloMessage), toHex(ch2.subarray(13)));
    assert.equal(second.counters.accepted, 1);
  });
}

test("a retransmitted CH1 (new record sequence) gets a fresh HVR echoing the new sequence", () => {
  const [ch1] = loadHexFixture("dtls12-openssl");
  const l = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret) });
  const again = ch1.slice();
  again[10] = 7;
  const a = send(l.receive(ch1, PEER, NOW)), b = send(l.receive(again, PEER, NOW + 1000));
  checkHvr(b.bytes, 0xfefd, again.subarray(5, 11));
  assert.notEqual(toHex(a.bytes.subarray(5, 11)), toHex(b.bytes.subarray(5, 11)));
  // Both cookies are valid: retransmissions differ only in the record sequence, which is not bound.
  for (const o of [a, b]) {
    const acc = l.receive(withCookie(ch1, o.bytes.slice(28), 3), PEER, NOW + 2000);
    assert.equal(acc.kind, "accepted");
  }
});

test("invalid cookies are treated as no cookie: a fresh HVR, never an accept (RFC 6347 §4.2.1)", () => {
  const [ch1] = loadHexFixture("dtls12-openssl");
  const keyring = CookieKeyring.fromSecret(secret);
  const l = new DatagramListener({ keyring });
  const cookie = send(l.receive(ch1, PEER, NOW)).bytes.slice(28);
  const tampered = cookie.slice();
  tampered[20] ^= 1;
  const cases: [string, Uint8Array, PeerAddress, number][] = [
    ["tampered", withCookie(ch1, tampered, 1), PEER, NOW],
    ["other port", withCookie(ch1, cookie, 1), { ...PEER, port: 40001 }, NOW],
    ["other address", withCookie(ch1, cookie, 1), { ...PEER, address: "127.0.0.2" }, NOW],
    ["expired", withCookie(ch1, cookie, 1), PEER, NOW + 61_000],
    ["other keyring", withCookie(ch1, cookie, 1), PEER, NOW],
  ];
  for (const [label, ch2, peer, now] of cases) {
    const listener = label === "other keyring"
      ? new DatagramListener({ keyring: CookieKeyring.fromSecret(new Uint8Array(32).fill(1)) })
      : l;
    const o = listener.receive(ch2, peer, now);
    assert.equal(o.kind, "send", label);
    if (o.kind === "send") assert.equal(o.message, "hello_verify_request", label);
  }
  assert.ok((l.counters.cookieRejections["bad-mac"] ?? 0) + (l.counters.cookieRejections["wrong-peer"] ?? 0) >= 3);
  assert.equal(l.counters.cookieRejections.expired, 1);
  assert.equal(l.counters.accepted, 0);
});

test("an IPv4-mapped IPv6 peer is the same peer as its IPv4 form", () => {
  const [ch1] = loadHexFixture("dtls12-openssl");
  const l = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret) });
  const cookie = send(l.receive(ch1, PEER, NOW)).bytes.slice(28);
  const mapped: PeerAddress = { family: "ipv6", address: "::ffff:127.0.0.1", port: PEER.port };
  assert.equal(l.receive(withCookie(ch1, cookie, 1), mapped, NOW).kind, "accepted");
});

test("DTLS 1.0: HVR record version FEFF when 1.0 is enabled; dropped when it is not", () => {
  for (const name of ["dtls10-openssl", "dtls10-gnutls"]) {
    const [ch1] = loadHexFixture(name);
    const on = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret), versions: ["dtls1.0", "dtls1.2"] });
    const out = send(on.receive(ch1, PEER, NOW));
    assert.equal(out.protocol, "dtls1.0", name);
    const cookie = checkHvr(out.bytes, 0xfeff, ch1.subarray(5, 11));
    assert.ok(cookie.length <= 32, "DTLS 1.0 cookies are at most 32 bytes");
    const acc = on.receive(withCookie(ch1, cookie, 1), PEER, NOW);
    assert.equal(acc.kind, "accepted", name);
    if (acc.kind === "accepted") assert.equal(acc.protocol, "dtls1.0");
    const off = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret) });
    const d = off.receive(ch1, PEER, NOW);
    assert.equal(d.kind, "dropped");
    if (d.kind === "dropped") assert.equal(d.reason, "unsupported-version");
  }
});

test("a DTLS 1.2 client meets a listener that also speaks 1.0: it still negotiates 1.2", () => {
  const [ch1] = loadHexFixture("dtls12-openssl");
  const l = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret), versions: ["dtls1.0", "dtls1.2"] });
  const out = send(l.receive(ch1, PEER, NOW));
  assert.equal(out.protocol, "dtls1.2");
  checkHvr(out.bytes, 0xfeff, ch1.subarray(5, 11));
});

for (const name of ["dtls12-gnutls-mtu128", "dtls12-openssl-mtu256-frag"]) {
  test(`${name}: the first fragment gets a stateless HVR when DTLS 1.3 is off (like DTLSv1_listen)`, () => {
    const frags = loadHexFixture(name);
    assert.ok(frags.length >= 2);
    const l = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret), versions: ["dtls1.2"], reassembly: 0 });
    const out = send(l.receive(frags[0], PEER, NOW));
    assert.equal(out.message, "hello_verify_request");
    assert.ok(out.bytes.length <= frags[0].length);
    assert.equal(l.counters.reassembly.bytesInUse, 0, "nothing held");
    // Later fragments alone cannot be answered and are not held with reassembly off.
    const later = l.receive(frags[1], PEER, NOW);
    assert.equal(later.kind, "dropped");
    // With the budget on (DTLS 1.3 off), a tail that arrived before its head is freed when the
    // head is answered statelessly.
    const budgeted = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret), versions: ["dtls1.2"] });
    assert.equal(budgeted.receive(frags[1], PEER, NOW).kind, "need-more-data");
    assert.equal(budgeted.counters.reassembly.entries, 1);
    assert.equal(budgeted.receive(frags[0], PEER, NOW).kind, "send");
    assert.equal(budgeted.counters.reassembly.entries, 0);
    assert.equal(budgeted.counters.reassembly.bytesInUse, 0);
  });

  test(`${name}: with DTLS 1.3 on, fragments are reassembled in the budget, then answered`, () => {
    const frags = loadHexFixture(name);
    const l = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret) });
    const first = l.receive(frags[0], PEER, NOW);
    assert.equal(first.kind, "need-more-data");
    assert.ok(l.counters.reassembly.bytesInUse > 0);
    let last: Outcome = first;
    for (const f of frags.slice(1)) last = l.receive(f, PEER, NOW + 5);
    const out = send(last);
    assert.equal(out.message, "hello_verify_request");
    // The reply echoes the record sequence of the fragment at offset 0.
    checkHvr(out.bytes, 0xfefd, frags[0].subarray(5, 11));
    assert.equal(l.counters.reassembly.bytesInUse, 0, "released on completion");
    const total = frags.reduce((n, f) => n + f.length, 0);
    assert.ok(out.bytes.length <= total);
  });
}

// ---- one vector per drop check, each tripping only that check ----
function dropOf(o: Outcome): string {
  assert.equal(o.kind, "dropped", JSON.stringify(o));
  return (o as { reason: string }).reason;
}

test("each DTLSv1_listen check has its own drop reason, in order", () => {
  const [ch1] = loadHexFixture("dtls12-openssl");
  const l = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret) });
  const mut = (f: (d: Uint8Array) => void, base = ch1) => {
    const d = base.slice();
    f(d);
    return d;
  };
  const cases: [string, Uint8Array][] = [
    ["too-short", ch1.subarray(0, 12)],
    ["not-handshake", mut((d) => (d[0] = 23))],
    ["encrypted-record", mut((d) => (d[0] = 0x2c))],
    ["bad-record-version", mut((d) => (d[1] = 0x03))],
    ["bad-record-length", ch1.subarray(0, ch1.length - 1)],
    ["bad-epoch", mut((d) => (d[4] = 1))],
    ["bad-handshake-fragment", mut((d) => {
      d[11] = 0;
      d[12] = 11;
    })],
    ["not-client-hello", mut((d) => (d[13] = 2))],
    ["bad-message-seq", mut((d) => (d[18] = 2))],
    ["bad-fragment", mut((d) => (d[21] = 1))],
    ["bad-handshake-fragment", concat(ch1, new Uint8Array(0)).subarray(0, ch1.length)],
    ["malformed-client-hello", mut((d) => (d[13 + 12 + 35] = 0x21))], // session id length 33
  ];
  // the last-but-one is a control: the untouched CH1 must not drop
  for (const [reason, d] of cases) {
    if (d.length === ch1.length && toHex(d) === toHex(ch1)) {
      assert.equal(l.receive(d, PEER, NOW).kind, "send");
      continue;
    }
    assert.equal(dropOf(l.receive(d, PEER, NOW)), reason, reason);
  }
  const small = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret), maxClientHelloBytes: 100 });
  assert.equal(dropOf(small.receive(ch1, PEER, NOW)), "message-too-large");
  // fragment_length + 12 must equal the record length: a record with trailing garbage inside it
  const padded = mut((d) => {
    const rec = ((d[11] << 8) | d[12]) + 1;
    d[11] = rec >> 8;
    d[12] = rec & 0xff;
  }, concat(ch1, new Uint8Array([0])));
  assert.equal(dropOf(l.receive(padded, PEER, NOW)), "bad-handshake-fragment");
  assert.equal(l.counters.dropped["bad-epoch"], 1);
});

test("bytes after the ClientHello record are kept as the accepted remainder", () => {
  const [ch1] = loadHexFixture("dtls12-openssl");
  const l = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret) });
  const cookie = send(l.receive(ch1, PEER, NOW)).bytes.slice(28);
  const tail = new Uint8Array([0x15, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 1, 0]);
  const acc = l.receive(concat(withCookie(ch1, cookie, 1), tail), PEER, NOW);
  assert.equal(acc.kind, "accepted");
  if (acc.kind === "accepted") assert.equal(toHex(acc.remainder), toHex(tail));
});

test("every captured DTLS ClientHello gets a reply no larger than what the client sent", () => {
  for (const name of ["dtls12-openssl", "dtls12-gnutls", "dtls10-openssl", "dtls10-gnutls", "dtls12-gnutls-mtu128", "dtls12-openssl-mtu256", "dtls12-openssl-mtu256-frag"]) {
    const l = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret), versions: ["dtls1.0", "dtls1.2", "dtls1.3"] });
    let sent = 0, replies = 0;
    for (const d of loadHexFixture(name)) {
      sent += d.length;
      const o = l.receive(d, PEER, NOW);
      if (o.kind === "send") {
        replies++;
        assert.ok(o.bytes.length <= sent, `${name}: ${o.bytes.length} > ${sent}`);
      }
    }
    assert.equal(replies, 1, name);
    assert.ok(l.counters.maxAmplification <= 1, name);
  }
});

test("the accepted result does not alias the datagram: the caller may reuse its buffer", () => {
  const [ch1] = loadHexFixture("dtls12-openssl");
  const l = new DatagramListener({ keyring: CookieKeyring.fromSecret(secret) });
  const cookie = send(l.receive(ch1, PEER, NOW)).bytes.slice(28);
  const tail = new Uint8Array([0x15, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 1, 0]);
  const buffer = concat(withCookie(ch1, cookie, 1), tail);
  const acc = l.receive(buffer, PEER, NOW);
  assert.equal(acc.kind, "accepted");
  if (acc.kind !== "accepted") return;
  const before = [toHex(acc.clientHello.random), toHex(acc.clientHelloMessage), toHex(acc.remainder), acc.clientHello.cipherSuites.length];
  buffer.fill(0xee);
  assert.deepEqual([toHex(acc.clientHello.random), toHex(acc.clientHelloMessage), toHex(acc.remainder), acc.clientHello.cipherSuites.length], before);
});
