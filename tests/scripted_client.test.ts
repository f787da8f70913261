// The scripted client's first flights: they parse with our parser and have the structure real
// clients' flights have (compared with the openssl captures), with real key shares.
import { test } from "node:test";
import assert from "node:assert/strict";
import { x25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { hmac } from "@noble/hashes/hmac.js";
import { expand, extract } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { findExtension, parseClientHello } from "../mod.ts";
import { readDtlsRecord } from "../wire.ts";
import { ScriptedClient, type ScriptedProtocol, seededRandom } from "../testing/mod.ts";
import { concat, hex, loadHexFixture } from "./helpers/fixtures.ts";
import { dtlsMessageFromDatagrams, tlsMessageFromStream } from "./helpers/reassemble.ts";

function flightHello(c: ScriptedClient, flight: Uint8Array[]) {
  if (c.dtls) {
    const m = dtlsMessageFromDatagrams(flight);
    return { body: m.body, recordVersions: m.records.map((r) => r.version), m };
  }
  const t = tlsMessageFromStream(concat(...flight));
  return { body: t.body, recordVersions: t.records.map((r) => r.version), m: t };
}

test("every protocol's first flight parses and equals clientHello1", () => {
  for (const protocol of ["dtls1.0", "dtls1.2", "dtls1.3", "tls1.3"] as ScriptedProtocol[]) {
    const c = new ScriptedClient({
      protocol,
      random: seededRandom(protocol),
      serverName: "example.com",
      alpn: ["h2"],
    });
    const { body } = flightHello(c, c.firstFlight());
    assert.deepEqual(body, c.clientHello1);
    const ch = parseClientHello(body, { dtls: c.dtls });
    assert.deepEqual(ch.random, c.random);
    assert.equal(ch.serverName, "example.com");
    assert.deepEqual(ch.alpn, ["h2"]);
    assert.deepEqual([...ch.compressionMethods], [0]);
    assert.deepEqual(ch.cipherSuites, c.cipherSuites);
    assert.deepEqual(ch.supportedGroups, c.groups);
  }
});

test("DTLS 1.2 flight has the openssl capture's record conventions", () => {
  const real = dtlsMessageFromDatagrams(loadHexFixture("dtls12-openssl"));
  const realCh = parseClientHello(real.body, { dtls: true });
  const c = new ScriptedClient({ protocol: "dtls1.2", random: seededRandom(1) });
  const flight = c.firstFlight();
  const ours = dtlsMessageFromDatagrams(flight);
  const ch = parseClientHello(ours.body, { dtls: true });
  assert.equal(flight.length, 1);
  assert.deepEqual(
    ours.records.map((r) => [r.contentType, r.version, r.epoch, r.sequence]),
    real.records.map((r) => [r.contentType, r.version, r.epoch, r.sequence]),
  );
  assert.deepEqual(ours.fragments.map((f) => [f.msgType, f.messageSeq, f.fragmentOffset]), [[1, 0, 0]]);
  assert.equal(ch.legacyVersion, realCh.legacyVersion); // FEFD
  assert.equal(ch.legacySessionId.length, realCh.legacySessionId.length); // empty
  assert.equal(ch.legacyCookie!.length, 0);
  assert.equal(ch.supportedVersions, realCh.supportedVersions); // absent
  assert.equal(ch.keyShares, undefined);
  assert.ok(ch.signatureAlgorithms!.length > 0 && ch.cipherSuites.includes(0x00ff));
  assert.deepEqual([...findExtension(ch, 11)!.data], [...findExtension(realCh, 11)!.data]); // ec_point_formats 03 00 01 02
});

test("DTLS 1.0 flight: FEFF record and legacy_version, no signature_algorithms (like openssl -dtls1)", () => {
  const real = parseClientHello(dtlsMessageFromDatagrams(loadHexFixture("dtls10-openssl")).body, {
    dtls: true,
  });
  const c = new ScriptedClient({ protocol: "dtls1.0", random: seededRandom(2) });
  const ours = dtlsMessageFromDatagrams(c.firstFlight());
  const ch = parseClientHello(ours.body, { dtls: true });
  assert.equal(ours.records[0].version, 0xfeff);
  assert.equal(ch.legacyVersion, real.legacyVersion);
  assert.equal(ch.signatureAlgorithms, real.signatureAlgorithms);
});

test("TLS 1.3 flight has the openssl capture's conventions (record 0301, legacy 0303, 32-byte session id)", () => {
  const real = tlsMessageFromStream(loadHexFixture("tls13-openssl")[0]);
  const realCh = parseClientHello(real.body, { dtls: false });
  const c = new ScriptedClient({ protocol: "tls1.3", random: seededRandom(3) });
  const flight = c.firstFlight();
  assert.equal(flight.length, 1);
  const ours = tlsMessageFromStream(flight[0]);
  const ch = parseClientHello(ours.body, { dtls: false });
  assert.deepEqual(
    ours.records.map((r) => [r.contentType, r.version]),
    real.records.map((r) => [r.contentType, r.version]),
  );
  assert.equal(ch.legacyVersion, realCh.legacyVersion);
  assert.equal(ch.legacySessionId.length, realCh.legacySessionId.length);
  assert.deepEqual(ch.supportedVersions, realCh.supportedVersions);
  assert.deepEqual(
    ch.keyShares!.map((k) => [k.group, k.keyExchange.length]),
    realCh.keyShares!.map((k) => [k.group, k.keyExchange.length]),
  );
  assert.deepEqual([...ch.pskKeyExchangeModes!], [...realCh.pskKeyExchangeModes!]);
  assert.deepEqual(ch.cipherSuites, [0x1301, 0x1302, 0x1303]);
});

test("key shares are real: X25519 and uncompressed P-256 public keys of the client's secrets", () => {
  const c = new ScriptedClient({
    protocol: "tls1.3",
    keyShareGroups: [0x001d, 0x0017],
    random: seededRandom(4),
  });
  const ch = parseClientHello(c.clientHello1, { dtls: false });
  const [xs, ps] = ch.keyShares!;
  assert.equal(xs.group, 0x001d);
  assert.deepEqual(xs.keyExchange, x25519.getPublicKey(c.keyShareSecret(0x001d)!));
  assert.equal(ps.group, 0x0017);
  assert.equal(ps.keyExchange.length, 65);
  assert.equal(ps.keyExchange[0], 4);
  assert.deepEqual(ps.keyExchange, p256.getPublicKey(c.keyShareSecret(0x0017)!, false));
  assert.doesNotThrow(() => p256.Point.fromBytes(ps.keyExchange).assertValidity());
  // A shared secret with a "server" key agrees both ways: the share is usable.
  const serverSk = sha256(new Uint8Array([9]));
  assert.deepEqual(
    x25519.getSharedSecret(serverSk, xs.keyExchange),
    x25519.getSharedSecret(c.keyShareSecret(0x001d)!, x25519.getPublicKey(serverSk)),
  );
});

test("mlkemShare: X25519MLKEM768 share of 1216 bytes first, X25519 half real; 1.2 kB+ ClientHello", () => {
  const c = new ScriptedClient({ protocol: "tls1.3", mlkemShare: true, random: seededRandom(5) });
  const ch = parseClientHello(c.clientHello1, { dtls: false });
  assert.deepEqual(ch.supportedGroups, [0x11ec, 0x001d, 0x0017]);
  assert.deepEqual(ch.keyShares!.map((k) => [k.group, k.keyExchange.length]), [[0x11ec, 1216], [0x001d, 32]]);
  assert.deepEqual(
    ch.keyShares![0].keyExchange.subarray(1184),
    x25519.getPublicKey(c.keyShareSecret(0x11ec)!),
  );
  assert.ok(c.clientHello1.length > 1300);
});

test("keyShareGroups [] sends an empty key_share (the HRR-forcing client)", () => {
  const c = new ScriptedClient({ protocol: "tls1.3", keyShareGroups: [], random: seededRandom(6) });
  const ch = parseClientHello(c.clientHello1, { dtls: false });
  assert.deepEqual(ch.keyShares, []);
  assert.deepEqual([...findExtension(ch, 51)!.data], [0, 0]);
});

test("DTLS MTU: every datagram fits, records count up from 0, fragments tile the message", () => {
  for (const mtu of [100, 256, 576, 1200]) {
    const c = new ScriptedClient({ protocol: "dtls1.3", mlkemShare: true, mtu, random: seededRandom(mtu) });
    const flight = c.firstFlight();
    assert.ok(flight.every((d) => d.length <= mtu), `mtu ${mtu}`);
    assert.ok(flight.length >= Math.ceil(c.clientHello1.length / (mtu - 25)));
    const m = dtlsMessageFromDatagrams(flight);
    assert.deepEqual(m.body, c.clientHello1);
    assert.deepEqual(m.records.map((r) => r.sequence), m.records.map((_, i) => i));
    let next = 0;
    for (const f of m.fragments) {
      assert.equal(f.fragmentOffset, next);
      assert.equal(f.messageSeq, 0);
      next += f.fragmentLength;
    }
    assert.equal(next, c.clientHello1.length);
    assert.equal(c.nextRecordSequence, m.records.length);
  }
});

test("DTLS 1.3 flight: record FEFD, legacy_version FEFD, supported_versions FEFC, empty session id and cookie", () => {
  const c = new ScriptedClient({ protocol: "dtls1.3", random: seededRandom(7) });
  const m = dtlsMessageFromDatagrams(c.firstFlight());
  const ch = parseClientHello(m.body, { dtls: true });
  assert.equal(m.records[0].version, 0xfefd);
  assert.equal(ch.legacyVersion, 0xfefd);
  assert.deepEqual(ch.supportedVersions, [0xfefc]);
  assert.equal(ch.legacySessionId.length, 0);
  assert.equal(ch.legacyCookie!.length, 0);
  const both = new ScriptedClient({
    protocol: "dtls1.3",
    offerDtls13AndDtls12: true,
    random: seededRandom(7),
  });
  const ch2 = parseClientHello(both.clientHello1, { dtls: true });
  assert.deepEqual(ch2.supportedVersions, [0xfefc, 0xfefd]);
  assert.ok(ch2.cipherSuites.includes(0x1301) && ch2.cipherSuites.includes(0xc02b));
});

test("seeded randomness is deterministic; the default source is not", () => {
  const a = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("x") }).firstFlight();
  const b = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("x") }).firstFlight();
  const c = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("y") }).firstFlight();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const d = new ScriptedClient({ protocol: "tls1.3" });
  const e = new ScriptedClient({ protocol: "tls1.3" });
  assert.notDeepEqual(d.random, e.random);
});

test("firstFlight is idempotent; retransmit re-sends the same message with new record sequence numbers", () => {
  const c = new ScriptedClient({ protocol: "dtls1.2", mtu: 100, random: seededRandom(8) });
  const first = c.firstFlight();
  assert.deepEqual(c.firstFlight(), first);
  const again = c.retransmit();
  assert.equal(again.length, first.length);
  for (let i = 0; i < first.length; i++) {
    assert.deepEqual(again[i].subarray(13), first[i].subarray(13)); // same fragment bytes
    assert.equal(readDtlsRecord(again[i]).sequence, first.length + i);
  }
});

test("TLS record splitting and stream chunking", () => {
  const c = new ScriptedClient({
    protocol: "tls1.3",
    tlsRecordPayload: 50,
    tlsChunkSizes: [7],
    random: seededRandom(9),
  });
  const chunks = c.firstFlight();
  assert.ok(chunks.length > 10 && chunks.slice(0, -1).every((x) => x.length === 7));
  const t = tlsMessageFromStream(concat(...chunks));
  assert.ok(t.records.length >= 4);
  assert.ok(t.records.every((r) => r.contentType === 22 && r.version === 0x0301 && r.length <= 50));
  assert.deepEqual(t.body, c.clientHello1);
});

test("use_srtp and extra (GREASE) extensions are sent; pre_shared_key stays last", () => {
  const c = new ScriptedClient({
    protocol: "dtls1.3",
    srtpProfiles: [0x0007, 0x0001],
    extraExtensions: [{ type: 0x0a0a, data: new Uint8Array(0) }],
    psk: { identity: hex("0102"), secret: new Uint8Array(32) },
    earlyData: true,
    random: seededRandom(10),
  });
  const ch = parseClientHello(c.clientHello1, { dtls: true });
  assert.deepEqual(ch.useSrtp!.profiles, [7, 1]);
  assert.ok(findExtension(ch, 0x0a0a));
  assert.equal(ch.earlyData, true);
  assert.equal(ch.extensions[ch.extensions.length - 1].type, 41);
});

function hkdfLabel(
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  len: number,
  prefix = "tls13 ",
): Uint8Array {
  const l = new TextEncoder().encode(prefix + label);
  return expand(
    sha256,
    secret,
    concat(new Uint8Array([0, len, l.length]), l, new Uint8Array([context.length]), context),
    len,
  );
}

test("PSK binder = HMAC(finished_key, Hash(Truncate(CH1))) per RFC 8446 §4.2.11.2", () => {
  const secret = sha256(new TextEncoder().encode("psk"));
  const c = new ScriptedClient({
    protocol: "tls1.3",
    psk: { identity: hex("aabbcc"), secret, obfuscatedTicketAge: 1234 },
    random: seededRandom(11),
  });
  const ch = parseClientHello(c.clientHello1, { dtls: false });
  assert.deepEqual(ch.preSharedKey!.identities.map((i) => [[...i.identity], i.obfuscatedTicketAge]), [[[
    0xaa,
    0xbb,
    0xcc,
  ], 1234]]);
  const early = extract(sha256, secret, new Uint8Array(32));
  const binderKey = hkdfLabel(early, "ext binder", sha256(new Uint8Array(0)), 32);
  const finishedKey = hkdfLabel(binderKey, "finished", new Uint8Array(0), 32);
  const full = concat(
    hex("01"),
    new Uint8Array([0, c.clientHello1.length >> 8, c.clientHello1.length & 0xff]),
    c.clientHello1,
  );
  const truncated = full.subarray(0, 4 + ch.preSharedKey!.bindersOffset);
  assert.deepEqual(ch.preSharedKey!.binders[0], hmac(sha256, finishedKey, sha256(truncated)));
});

test("misuse throws clear errors", () => {
  assert.throws(() => new ScriptedClient({ protocol: "tls1.3", keyShareGroups: [0x0018] }), /not in groups/);
  assert.throws(() => new ScriptedClient({ protocol: "tls1.3", offerDtls13AndDtls12: true }), /dtls1.3/);
  assert.throws(
    () => new ScriptedClient({ protocol: "dtls1.2", psk: { identity: hex("01"), secret: hex("02") } }),
    /1\.3/,
  );
  assert.throws(() => new ScriptedClient({ protocol: "tls1.3", earlyData: true }), /psk/);
  assert.throws(() => new ScriptedClient({ protocol: "dtls1.2", mtu: 20 }), /mtu/);
  const c = new ScriptedClient({ protocol: "tls1.3" });
  assert.throws(() => c.handleReply(new Uint8Array(0)), /firstFlight/);
  c.firstFlight();
  assert.throws(() => c.secondFlight(), /HelloVerifyRequest or HelloRetryRequest/);
});
