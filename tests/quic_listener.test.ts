import { test } from "node:test";
import assert from "node:assert/strict";
import { portableProvider as P } from "../core/crypto/portable.ts";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { QuicListener, type QuicListenerOptions } from "../core/quic/listener.ts";
import type { QuicAccepted, QuicOutcome, QuicSend } from "../core/quic/outcome.ts";
import { verifyRetryIntegrity } from "../core/quic/retry_packet.ts";
import { decodeVersionNegotiation } from "../core/quic/version_negotiation.ts";
import { initialPacketKeys, initialSecrets, protectorOf } from "../core/quic/initial_secrets.ts";
import { readInvariantLongHeader, readLongPacketLayout } from "../core/quic/long_header.ts";
import { openLongPacket } from "../core/quic/packet_protection.ts";
import { encodeCryptoFrame, parseInitialFrames } from "../core/quic/frames.ts";
import { QUIC_V1, QUIC_V2, type QuicVersionInfo, V1_INFO, V2_INFO } from "../core/quic/versions.ts";
import type { PeerAddress } from "../core/peer.ts";
import { concat, hex, toHex } from "./helpers/fixtures.ts";
import * as V from "./helpers/quic_vectors.ts";
import { clientInitialDatagrams, clientInitialPacket, quicClientHello } from "./helpers/quic_client.ts";

const T0 = 1_750_000_000_000;
const PEER: PeerAddress = { family: "ipv4", address: "203.0.113.5", port: 50123 };
const SECRET = new Uint8Array(32).map((_, i) => 200 - i);
const DCID = hex("0011223344556677");
const SCID = hex("a1a2a3a4");

function listener(o: Partial<QuicListenerOptions> = {}): QuicListener {
  return new QuicListener({ keyring: CookieKeyring.fromSecret(SECRET), ...o });
}

function asSend(o: QuicOutcome, message: QuicSend["message"]): QuicSend {
  assert.equal(o.kind, "send", JSON.stringify(o));
  assert.ok(o.kind === "send");
  assert.equal(o.message, message);
  return o;
}

function asAccepted(o: QuicOutcome): QuicAccepted {
  assert.equal(o.kind, "accepted", JSON.stringify(o));
  assert.ok(o.kind === "accepted");
  return o;
}

/** Parses a Retry as a client does: checks the tag with the ODCID, returns SCID and token. */
function readRetry(info: QuicVersionInfo, bytes: Uint8Array, odcid: Uint8Array, clientScid: Uint8Array) {
  const h = readInvariantLongHeader(bytes, 0)!;
  assert.equal(h.version, info.version);
  assert.equal((bytes[0] >> 4) & 3, info.typeBits.retry, "Retry type bits");
  assert.deepEqual(h.dcid, clientScid, "Retry DCID = client SCID");
  assert.ok(verifyRetryIntegrity(P, info, odcid, bytes), "integrity tag");
  return { scid: h.scid.slice(), token: bytes.slice(h.afterScid, bytes.length - 16) };
}

/** Decrypts a server Initial with the server keys of `dcid` and returns its frames. */
function readServerInitial(info: QuicVersionInfo, bytes: Uint8Array, dcid: Uint8Array) {
  const h = readInvariantLongHeader(bytes, 0)!;
  const l = readLongPacketLayout(bytes, h, info);
  assert.ok(typeof l !== "string" && l.type === "initial");
  const keys = protectorOf(P, initialPacketKeys(P, info, initialSecrets(P, info, dcid).server));
  const opened = openLongPacket(keys, bytes, 0, l.pnOffset, l.end);
  assert.ok(typeof opened !== "string", String(opened));
  const frames = parseInitialFrames(opened.payload);
  assert.ok(typeof frames !== "string");
  return frames;
}

for (const [info, packet] of [[V1_INFO, V.V1_PROTECTED_INITIAL], [V2_INFO, V.V2_PROTECTED_INITIAL]] as const) {
  test(`${info.name}: RFC Appendix A Initial → Retry → Initial with the token → accepted with ODCID, Retry SCID, SNI, ALPN`, () => {
    const l = listener();
    const first = hex(packet);
    const sent = asSend(l.receive(first, PEER, T0), "retry");
    assert.ok(sent.bytes.length < first.length, "Retry smaller than the Initial");
    const odcid = hex(V.RFC_DCID);
    const r = readRetry(info, sent.bytes, odcid, new Uint8Array(0));
    assert.equal(r.scid.length, 16);
    assert.notDeepEqual(r.scid, odcid);
    const second = clientInitialPacket({
      info, dcid: r.scid, scid: new Uint8Array(0), token: r.token, pn: 3, payload: hex(V.RFC_CLIENT_CRYPTO_FRAME), padTo: 1200,
    });
    const a = asAccepted(l.receive(second, PEER, T0 + 40));
    assert.equal(a.version, info.version);
    assert.equal(a.versionName, info.name);
    assert.deepEqual(a.originalDcid, odcid);
    assert.deepEqual(a.retryScid, r.scid);
    assert.deepEqual(a.clientDcid, r.scid);
    assert.equal(a.validated, true);
    assert.equal(a.validatedBy, "retry");
    assert.equal(a.sni, "example.com");
    assert.deepEqual(a.alpn, ["alpn"]);
    assert.equal(a.clientHelloMessage.length, 241);
    assert.equal(toHex(a.clientHelloMessage), V.RFC_CLIENT_CRYPTO_FRAME.slice(8));
    assert.equal(a.transportParameters.length, 0x32);
    assert.equal(a.largestPacketNumber, 3);
    assert.equal(a.amplificationLimit, Infinity);
    assert.equal(l.counters.retries, 1);
    assert.equal(l.counters.accepted, 1);
  });
}

test("1199-byte Initial datagram is dropped, 1200 is answered; DCID under 8 bytes dropped", () => {
  const l = listener();
  const ch = quicClientHello();
  const small = clientInitialPacket({ info: V1_INFO, dcid: DCID, scid: SCID, payload: encodeCryptoFrame(0, ch), padTo: 1199 });
  assert.equal(small.length, 1199);
  const d = l.receive(small, PEER, T0);
  assert.equal(d.kind, "dropped");
  assert.ok(d.kind === "dropped" && d.reason === "datagram-too-small");
  const ok = clientInitialPacket({ info: V1_INFO, dcid: DCID, scid: SCID, payload: encodeCryptoFrame(0, ch), padTo: 1200 });
  asSend(l.receive(ok, PEER, T0), "retry");
  const shortDcid = clientInitialPacket({ info: V1_INFO, dcid: DCID.subarray(0, 7), scid: SCID, payload: encodeCryptoFrame(0, ch), padTo: 1200 });
  const s = l.receive(shortDcid, PEER, T0);
  assert.ok(s.kind === "dropped" && s.reason === "dcid-too-short", JSON.stringify(s));
});

test("Unknown version → Version Negotiation (CIDs swapped, our versions, smaller than the trigger); small or VN input dropped", () => {
  const l = listener();
  const dg = new Uint8Array(1200);
  dg.set([0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 8, ...DCID, 4, ...SCID]);
  const vn = asSend(l.receive(dg, PEER, T0), "version-negotiation");
  assert.ok(vn.bytes.length < dg.length);
  assert.ok(vn.bytes[0] & 0x80);
  const parsed = decodeVersionNegotiation(vn.bytes)!;
  assert.deepEqual(parsed.dcid, SCID);
  assert.deepEqual(parsed.scid, DCID);
  assert.deepEqual(parsed.versions, [QUIC_V1, QUIC_V2]);
  const small = l.receive(dg.subarray(0, 1199), PEER, T0);
  assert.ok(small.kind === "dropped" && small.reason === "unsupported-version");
  const vnIn = l.receive(vn.bytes, PEER, T0);
  assert.ok(vnIn.kind === "dropped" && vnIn.reason === "version-negotiation");
  // v2 disabled: a v2 Initial is answered with VN listing only v1.
  const v1only = listener({ versions: ["quic-v1"] });
  const v2 = v1only.receive(hex(V.V2_PROTECTED_INITIAL), PEER, T0);
  assert.deepEqual(decodeVersionNegotiation(asSend(v2, "version-negotiation").bytes)!.versions, [QUIC_V1]);
});

test("A post-quantum ClientHello in two Initial datagrams (either order) is reassembled, then retried and accepted", () => {
  const ch = quicClientHello({ keySharePadding: 1216, sni: "pq.example" });
  assert.ok(ch.length > 1300);
  for (const reverse of [false, true]) {
    const l = listener();
    const dgs = clientInitialDatagrams({ info: V1_INFO, dcid: DCID, scid: SCID, clientHello: ch });
    assert.equal(dgs.length, 2);
    const order = reverse ? [dgs[1], dgs[0]] : dgs;
    const first = l.receive(order[0], PEER, T0);
    assert.equal(first.kind, "need-more-data");
    assert.equal(l.reassembly.counters.entries, 1);
    const r = readRetry(V1_INFO, asSend(l.receive(order[1], PEER, T0 + 2), "retry").bytes, DCID, SCID);
    assert.equal(l.reassembly.counters.entries, 0, "nothing held after completion");
    const again = clientInitialDatagrams({ info: V1_INFO, dcid: r.scid, scid: SCID, token: r.token, clientHello: ch, firstPn: 2 });
    assert.equal(l.receive(again[0], PEER, T0 + 30).kind, "need-more-data");
    const a = asAccepted(l.receive(again[1], PEER, T0 + 31));
    assert.equal(a.sni, "pq.example");
    assert.equal(a.datagrams, 2);
    assert.equal(a.bytesReceived, 2400);
    assert.deepEqual(a.clientHelloMessage, ch);
    assert.equal(a.largestPacketNumber, 3);
  }
});

test("Invalid Retry tokens → CONNECTION_CLOSE(INVALID_TOKEN) in a server Initial (or dropped by option): flipped bit, other address, expired, new connection", () => {
  const l = listener();
  const ch = quicClientHello();
  const dg = (dcid: Uint8Array, token?: Uint8Array) =>
    clientInitialPacket({ info: V1_INFO, dcid, scid: SCID, token, payload: encodeCryptoFrame(0, ch), padTo: 1200 });
  const r = readRetry(V1_INFO, asSend(l.receive(dg(DCID), PEER, T0), "retry").bytes, DCID, SCID);
  const flipped = r.token.slice();
  flipped[20] ^= 0x10;
  const cases: [string, Uint8Array, PeerAddress, number, Uint8Array][] = [
    ["bad-tag", flipped, PEER, T0, r.scid],
    ["wrong-peer", r.token, { ...PEER, address: "203.0.113.6" }, T0, r.scid],
    ["expired", r.token, PEER, T0 + 11_000, r.scid],
    ["wrong-connection-id", r.token, PEER, T0, hex("99887766554433221100")],
  ];
  for (const [reason, token, peer, now, dcid] of cases) {
    const input = dg(dcid, token);
    const c = asSend(l.receive(input, peer, now), "connection-close");
    assert.equal(c.errorCode, 0x0b, reason);
    assert.equal(c.tokenRejection, reason);
    assert.ok(c.bytes.length < input.length / 3);
    const frames = readServerInitial(V1_INFO, c.bytes, dcid);
    assert.deepEqual(frames.close?.code, 0x0b, "CONNECTION_CLOSE carries INVALID_TOKEN");
    assert.deepEqual(readInvariantLongHeader(c.bytes, 0)!.dcid, SCID, "addressed to the client's SCID");
  }
  const dropping = listener({ invalidToken: "drop" });
  const d = dropping.receive(dg(r.scid, flipped), PEER, T0);
  assert.ok(d.kind === "dropped" && d.reason === "invalid-token" && d.tokenRejection === "bad-tag", JSON.stringify(d));
});

test("NEW_TOKEN tokens validate a later connection without a Retry; a foreign/invalid one counts as no token", () => {
  const l = listener();
  const ch = quicClientHello();
  const nt = l.mintNewToken(PEER, T0);
  const later = { ...PEER, port: 40000 };
  const dg = clientInitialPacket({ info: V2_INFO, dcid: hex("5555555555555555"), scid: SCID, token: nt, payload: encodeCryptoFrame(0, ch), padTo: 1250 });
  const a = asAccepted(l.receive(dg, later, T0 + 600_000));
  assert.equal(a.validatedBy, "new-token");
  assert.equal(a.retryScid, undefined);
  assert.deepEqual(a.originalDcid, hex("5555555555555555"));
  let seen: string | undefined;
  const l2 = listener({ decide: (att) => ((seen = att.tokenRejection), att.validated ? "accept" : "retry") });
  asSend(l2.receive(dg, { ...PEER, address: "198.51.100.77" }, T0), "retry");
  assert.equal(seen, "wrong-peer");
});

test("Decision point: accept without retry (3x amplification limit), refuse (CONNECTION_REFUSED), ignore", () => {
  const ch = quicClientHello({ alpn: ["h3", "hq-interop"] });
  const dg = clientInitialPacket({ info: V1_INFO, dcid: DCID, scid: SCID, payload: encodeCryptoFrame(0, ch), padTo: 1300 });
  const seen: string[] = [];
  const acc = listener({ decide: (a) => (seen.push(`${a.sni}/${a.alpn?.join(",")}/${a.validated}`), "accept") });
  const a = asAccepted(acc.receive(dg, PEER, T0));
  assert.equal(a.validated, false);
  assert.equal(a.amplificationLimit, 3 * 1300);
  assert.deepEqual(seen, ["example.com/h3,hq-interop/false"]);
  const refused = asSend(listener({ decide: () => "refuse" }).receive(dg, PEER, T0), "connection-close");
  assert.equal(refused.errorCode, 0x02);
  assert.equal(readServerInitial(V1_INFO, refused.bytes, DCID).close?.code, 0x02);
  const ignored = listener({ decide: () => "ignore" }).receive(dg, PEER, T0);
  assert.ok(ignored.kind === "dropped" && ignored.reason === "ignored");
  assert.throws(() => listener({ decide: () => "maybe" as never }).receive(dg, PEER, T0), TypeError);
});

test("Drops with typed reasons: short header, garbage, forbidden frame, client CONNECTION_CLOSE, no transport parameters, no CRYPTO", () => {
  const l = listener();
  const reason = (o: QuicOutcome) => (o.kind === "dropped" ? o.reason : o.kind);
  assert.equal(reason(l.receive(new Uint8Array(1200).fill(0x40), PEER, T0)), "short-header");
  assert.equal(reason(l.receive(new Uint8Array(0), PEER, T0)), "too-short");
  const garbage = hex(V.V1_PROTECTED_INITIAL);
  garbage[500] ^= 0xff;
  assert.equal(reason(l.receive(garbage, PEER, T0)), "decrypt-failed");
  const mk = (payload: Uint8Array) => clientInitialPacket({ info: V1_INFO, dcid: DCID, scid: SCID, payload, padTo: 1200 });
  assert.equal(reason(l.receive(mk(new Uint8Array([0x08, 0x00, 0x01, 0x61])), PEER, T0)), "forbidden-frame");
  assert.equal(reason(l.receive(mk(new Uint8Array([0x1c, 0x0a, 0x00, 0x00])), PEER, T0)), "peer-closed");
  assert.equal(reason(l.receive(mk(new Uint8Array([0x01])), PEER, T0)), "no-crypto");
  assert.equal(reason(l.receive(mk(encodeCryptoFrame(0, quicClientHello({ noTransportParameters: true }))), PEER, T0)), "not-quic-tls");
  assert.equal(reason(l.receive(mk(encodeCryptoFrame(0, new Uint8Array([2, 0, 0, 1, 0]))), PEER, T0)), "crypto-refused");
  assert.ok((l.counters.dropped["forbidden-frame"] ?? 0) === 1);
});

test("Coalesced: two Initials carrying CRYPTO halves (out of order) plus a 0-RTT packet in one datagram", () => {
  const l = listener();
  const ch = quicClientHello();
  const half = 100;
  const p1 = clientInitialPacket({ info: V1_INFO, dcid: DCID, scid: SCID, pn: 0, payload: encodeCryptoFrame(half, ch.subarray(half)) });
  const p2 = clientInitialPacket({ info: V1_INFO, dcid: DCID, scid: SCID, pn: 1, payload: encodeCryptoFrame(0, ch.subarray(0, half)) });
  const zeroRtt = new Uint8Array(1200 - p1.length - p2.length);
  zeroRtt.set([0xd0, 0, 0, 0, 1, 8, ...DCID, 4, ...SCID]);
  const at = 5 + 1 + 8 + 1 + 4;
  const rest = zeroRtt.length - at - 2;
  zeroRtt[at] = 0x40 | (rest >> 8);
  zeroRtt[at + 1] = rest & 0xff;
  const r = asSend(l.receive(concat(p1, p2, zeroRtt), PEER, T0), "retry");
  readRetry(V1_INFO, r.bytes, DCID, SCID);
  assert.equal(l.reassembly.counters.completedStateless, 1);
});

test("Flood: distinct spoofed peers sending half a ClientHello never grow the budget past its cap", () => {
  const cap = 32 * 1024;
  const l = listener({ reassembly: { maxTotalBytes: cap } });
  const ch = quicClientHello({ keySharePadding: 1216 });
  const [firstHalf] = clientInitialDatagrams({ info: V1_INFO, dcid: DCID, scid: SCID, clientHello: ch });
  for (let i = 0; i < 1200; i++) {
    const o = l.receive(firstHalf, { family: "ipv4", address: `10.${(i >> 8) & 255}.${i & 255}.1`, port: 1000 + (i % 50000) }, T0 + i);
    assert.equal(o.kind, "need-more-data");
  }
  const c = l.reassembly.counters;
  assert.ok(c.peakBytes <= cap, `peak ${c.peakBytes}`);
  assert.ok(c.bytesInUse <= cap);
  assert.ok(c.evicted + c.expired >= 1200 - Math.floor(cap / 1200), JSON.stringify(c));
  l.reassembly.sweep(T0 + 1200 + 2001);
  assert.equal(l.reassembly.counters.entries, 0, "all expired");
  assert.equal(l.reassembly.counters.bytesInUse, 0);
});

test("Robustness: mutated Initials never throw and never answer with more bytes than received", () => {
  const l = listener();
  const base = hex(V.V1_PROTECTED_INITIAL);
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8);
  for (let i = 0; i < 400; i++) {
    const m = base.slice(0, 1 + (rnd() % 1400));
    for (let k = 0; k < 1 + (rnd() % 4); k++) m[rnd() % m.length] = rnd() & 0xff;
    const o = l.receive(m, PEER, T0);
    if (o.kind === "send") assert.ok(o.bytes.length < m.length);
  }
});

test("Listener options are validated; toJSON has no secret", () => {
  assert.throws(() => new QuicListener({} as QuicListenerOptions), TypeError);
  assert.throws(() => listener({ retryScidLength: 4 }), RangeError);
  assert.throws(() => listener({ versions: [] }), TypeError);
  assert.throws(() => listener({ invalidToken: "maybe" as never }), TypeError);
  const j = JSON.stringify(listener());
  assert.ok(j.includes("quic-v1") && !/[0-9a-f]{32}/.test(j), j);
});

test("IPv6 peers: a token binds the IPv6 address; an IPv4-mapped address binds like the IPv4 one", () => {
  const l = listener();
  const ch = quicClientHello();
  const dg = (dcid: Uint8Array, token?: Uint8Array) =>
    clientInitialPacket({ info: V1_INFO, dcid, scid: SCID, token, payload: encodeCryptoFrame(0, ch), padTo: 1200 });
  const v6: PeerAddress = { family: "ipv6", address: "2001:db8::5", port: 443 };
  const r6 = readRetry(V1_INFO, asSend(l.receive(dg(DCID), v6, T0), "retry").bytes, DCID, SCID);
  asAccepted(l.receive(dg(r6.scid, r6.token), v6, T0 + 5));
  const other = asSend(l.receive(dg(r6.scid, r6.token), { ...v6, address: "2001:db8::6" }, T0 + 5), "connection-close");
  assert.equal(other.tokenRejection, "wrong-peer");
  const mapped: PeerAddress = { family: "ipv6", address: "::ffff:203.0.113.5", port: PEER.port };
  const rm = readRetry(V1_INFO, asSend(l.receive(dg(DCID), mapped, T0), "retry").bytes, DCID, SCID);
  const a = asAccepted(l.receive(dg(rm.scid, rm.token), PEER, T0 + 5));
  assert.deepEqual(a.peer, PEER);
});

test("singleUseTokens: a Retry or NEW_TOKEN token validates one attempt; a two-datagram ClientHello still completes", () => {
  const l = listener({ singleUseTokens: true });
  const ch = quicClientHello({ keySharePadding: 1216 });
  const dgs = clientInitialDatagrams({ info: V1_INFO, dcid: DCID, scid: SCID, clientHello: ch });
  l.receive(dgs[0], PEER, T0);
  const r = readRetry(V1_INFO, asSend(l.receive(dgs[1], PEER, T0), "retry").bytes, DCID, SCID);
  const again = clientInitialDatagrams({ info: V1_INFO, dcid: r.scid, scid: SCID, token: r.token, clientHello: ch, firstPn: 2 });
  assert.equal(l.receive(again[0], PEER, T0 + 1).kind, "need-more-data");
  asAccepted(l.receive(again[1], PEER, T0 + 2));
  const replay = l.receive(again[0], PEER, T0 + 3);
  assert.ok(replay.kind === "dropped" && replay.reason === "token-replayed", JSON.stringify(replay));
  assert.equal(l.replayFilter!.counters.replays, 1);
  // After the token's lifetime the entry is gone, but the token itself is expired anyway.
  const late = l.receive(again[0], PEER, T0 + 12_000);
  assert.ok(late.kind === "send" && late.message === "connection-close" && late.tokenRejection === "expired");
  // NEW_TOKEN: one connection per token.
  const nt = l.mintNewToken(PEER, T0);
  const small = quicClientHello();
  const mk = (dcid: Uint8Array) => clientInitialPacket({ info: V1_INFO, dcid, scid: SCID, token: nt, payload: encodeCryptoFrame(0, small), padTo: 1200 });
  asAccepted(l.receive(mk(hex("7777777777777777")), PEER, T0 + 5));
  const second = l.receive(mk(hex("8888888888888888")), PEER, T0 + 6);
  assert.ok(second.kind === "dropped" && second.reason === "token-replayed");
  // Off by default: the same token validates again.
  const plain = listener();
  const nt2 = plain.mintNewToken(PEER, T0);
  for (const d of ["1212121212121212", "3434343434343434"]) {
    const o = plain.receive(clientInitialPacket({ info: V1_INFO, dcid: hex(d), scid: SCID, token: nt2, payload: encodeCryptoFrame(0, small), padTo: 1200 }), PEER, T0);
    assert.equal(o.kind, "accepted");
  }
});
