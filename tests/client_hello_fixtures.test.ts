// Real first flights captured from openssl, gnutls and Node (tests/fixtures/README.md): every
// one goes through record framing, handshake framing (reassembling fragments) and the parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseClientHello } from "../mod.ts";
import { readDtlsHandshakeFragment, readDtlsRecord } from "../wire.ts";
import { DTLS_FIXTURES, loadHexFixture, TLS_FIXTURES, toHex } from "./helpers/fixtures.ts";
import { dtlsMessageFromDatagrams, tlsMessageFromStream } from "./helpers/reassemble.ts";

interface Expect {
  recordVersion: number;
  legacyVersion: number;
  datagrams?: number[]; // datagram sizes
  fragments?: [number, number][]; // [offset, length]
  bodyLength: number;
  suites: number; // count
  firstSuite: number;
  lastSuite: number;
  extensions: number[];
  groups: number[];
  sessionId: number;
  keyShares?: [number, number][];
  recordSizeLimit?: number;
  serverName?: string;
}

const EC = [0x001d, 0x0017, 0x001e, 0x0019, 0x0018];
const GNUTLS_GROUPS = [0x0017, 0x0018, 0x0019, 0x001d, 0x001e, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104];
const OSSL_TLS_GROUPS = [0x001d, 0x0017, 0x001e, 0x0019, 0x0018, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104];

const EXPECT: Record<string, Expect> = {
  "dtls12-openssl": {
    recordVersion: 0xfeff,
    legacyVersion: 0xfefd,
    datagrams: [205],
    fragments: [[0, 180]],
    bodyLength: 180,
    suites: 28,
    firstSuite: 0xc02c,
    lastSuite: 0x00ff,
    extensions: [11, 10, 35, 22, 23, 13],
    groups: EC,
    sessionId: 0,
  },
  "dtls12-openssl-mtu256": {
    recordVersion: 0xfeff,
    legacyVersion: 0xfefd,
    datagrams: [205],
    fragments: [[0, 180]],
    bodyLength: 180,
    suites: 28,
    firstSuite: 0xc02c,
    lastSuite: 0x00ff,
    extensions: [11, 10, 35, 22, 23, 13],
    groups: EC,
    sessionId: 0,
  },
  "dtls12-openssl-mtu256-frag": {
    recordVersion: 0xfeff,
    legacyVersion: 0xfefd,
    datagrams: [228, 58],
    fragments: [[0, 203], [203, 33]],
    bodyLength: 236,
    suites: 28,
    firstSuite: 0xc02c,
    lastSuite: 0x00ff,
    extensions: [0, 11, 10, 35, 22, 23, 13],
    groups: EC,
    sessionId: 0,
    serverName: "hellogate-fragmentation-fixture.example.invalid",
  },
  "dtls10-openssl": {
    recordVersion: 0xfeff,
    legacyVersion: 0xfeff,
    datagrams: [121],
    fragments: [[0, 96]],
    bodyLength: 96,
    suites: 9,
    firstSuite: 0xc00a,
    lastSuite: 0x00ff,
    extensions: [11, 10, 35, 22, 23],
    groups: EC,
    sessionId: 0,
  },
  "dtls12-gnutls": {
    recordVersion: 0xfefd,
    legacyVersion: 0xfefd,
    datagrams: [219],
    fragments: [[0, 194]],
    bodyLength: 194,
    suites: 25,
    firstSuite: 0xc02c,
    lastSuite: 0x0033,
    extensions: [5, 10, 11, 13, 22, 23, 35, 0xff01, 28],
    groups: GNUTLS_GROUPS,
    sessionId: 0,
    recordSizeLimit: 16384,
  },
  "dtls12-gnutls-mtu128": {
    recordVersion: 0xfefd,
    legacyVersion: 0xfefd,
    datagrams: [128, 116],
    fragments: [[0, 103], [103, 91]],
    bodyLength: 194,
    suites: 25,
    firstSuite: 0xc02c,
    lastSuite: 0x0033,
    extensions: [5, 10, 11, 13, 22, 23, 35, 0xff01, 28],
    groups: GNUTLS_GROUPS,
    sessionId: 0,
    recordSizeLimit: 16384,
  },
  "dtls10-gnutls": {
    recordVersion: 0xfeff,
    legacyVersion: 0xfeff,
    datagrams: [147],
    fragments: [[0, 122]],
    bodyLength: 122,
    suites: 8,
    firstSuite: 0xc00a,
    lastSuite: 0x0033,
    extensions: [5, 10, 11, 22, 23, 35, 0xff01, 28],
    groups: GNUTLS_GROUPS,
    sessionId: 0,
    recordSizeLimit: 16384,
  },
  "tls13-openssl": {
    recordVersion: 0x0301,
    legacyVersion: 0x0303,
    bodyLength: 216,
    suites: 4,
    firstSuite: 0x1302,
    lastSuite: 0x00ff,
    extensions: [11, 10, 35, 22, 23, 13, 43, 45, 51],
    groups: OSSL_TLS_GROUPS,
    sessionId: 32,
    keyShares: [[0x001d, 32]],
  },
  "tls13-node": {
    recordVersion: 0x0301,
    legacyVersion: 0x0303,
    bodyLength: 216,
    suites: 4,
    firstSuite: 0x1302,
    lastSuite: 0x00ff,
    extensions: [11, 10, 35, 22, 23, 13, 43, 45, 51],
    groups: OSSL_TLS_GROUPS,
    sessionId: 32,
    keyShares: [[0x001d, 32]],
  },
  "tls13-openssl-p256": {
    recordVersion: 0x0301,
    legacyVersion: 0x0303,
    bodyLength: 233,
    suites: 4,
    firstSuite: 0x1302,
    lastSuite: 0x00ff,
    extensions: [11, 10, 35, 22, 23, 13, 43, 45, 51],
    groups: [0x0017, 0x001d],
    sessionId: 32,
    keyShares: [[0x0017, 65]],
  },
  "tls13-gnutls": {
    recordVersion: 0x0301,
    legacyVersion: 0x0303,
    bodyLength: 308,
    suites: 4,
    firstSuite: 0x1302,
    lastSuite: 0x1304,
    extensions: [5, 10, 11, 13, 22, 23, 35, 51, 43, 0xff01, 45, 28],
    groups: GNUTLS_GROUPS,
    sessionId: 32,
    keyShares: [[0x0017, 65], [0x001d, 32]],
    recordSizeLimit: 16385,
  },
};

test("every capture fixture has an expectation", () => {
  assert.deepEqual(Object.keys(EXPECT).sort(), [...DTLS_FIXTURES, ...TLS_FIXTURES].sort());
});

for (const name of DTLS_FIXTURES) {
  test(`fixture ${name}: DTLS records, fragments and ClientHello fields`, () => {
    const e = EXPECT[name];
    const datagrams = loadHexFixture(name);
    assert.deepEqual(datagrams.map((d) => d.length), e.datagrams);
    const msg = dtlsMessageFromDatagrams(datagrams);
    // One record per datagram, each filling its datagram; epoch 0; record sequence 0, 1, ...
    assert.equal(msg.records.length, datagrams.length);
    msg.records.forEach((r, i) => {
      assert.equal(r.contentType, 22);
      assert.equal(r.version, e.recordVersion);
      assert.equal(r.epoch, 0);
      assert.equal(r.sequence, i);
      assert.equal(r.offset, 0);
      assert.equal(13 + r.fragment.length, datagrams[i].length);
    });
    assert.deepEqual(msg.fragments.map((f) => [f.fragmentOffset, f.fragmentLength]), e.fragments);
    for (const f of msg.fragments) {
      assert.equal(f.msgType, 1);
      assert.equal(f.messageSeq, 0);
      assert.equal(f.length, e.bodyLength);
    }
    const ch = parseClientHello(msg.body, { dtls: true });
    assert.equal(ch.dtls, true);
    assert.equal(ch.legacyVersion, e.legacyVersion);
    assert.equal(ch.legacySessionId.length, e.sessionId);
    assert.equal(ch.legacyCookie!.length, 0); // first flight: empty cookie
    assert.equal(ch.cipherSuites.length, e.suites);
    assert.equal(ch.cipherSuites[0], e.firstSuite);
    assert.equal(ch.cipherSuites[ch.cipherSuites.length - 1], e.lastSuite);
    assert.deepEqual([...ch.compressionMethods], [0]);
    assert.deepEqual(ch.extensions.map((x) => x.type), e.extensions);
    assert.deepEqual(ch.supportedGroups, e.groups);
    assert.equal(ch.supportedVersions, undefined); // DTLS 1.0/1.2 clients do not send it
    assert.equal(ch.keyShares, undefined);
    assert.equal(ch.recordSizeLimit, e.recordSizeLimit);
    assert.equal(ch.serverName, e.serverName);
    // Raw ranges: the random is the 32 bytes after legacy_version, the cookie length byte is 0.
    assert.equal(toHex(ch.random), toHex(msg.body.subarray(2, 34)));
    assert.equal(msg.body[ch.offsets.cookie], 0);
    assert.equal(ch.offsets.cipherSuites, ch.offsets.cookie + 1);
  });
}

for (const name of TLS_FIXTURES) {
  test(`fixture ${name}: TLS record and ClientHello fields`, () => {
    const e = EXPECT[name];
    const [stream] = loadHexFixture(name);
    const msg = tlsMessageFromStream(stream);
    assert.equal(msg.records.length, 1);
    assert.equal(msg.records[0].contentType, 22);
    assert.equal(msg.records[0].version, e.recordVersion);
    assert.equal(msg.msgType, 1);
    assert.equal(msg.body.length, e.bodyLength);
    const ch = parseClientHello(msg.body, { dtls: false });
    assert.equal(ch.legacyVersion, e.legacyVersion);
    assert.equal(ch.legacyCookie, undefined);
    assert.equal(ch.legacySessionId.length, e.sessionId);
    assert.equal(ch.cipherSuites.length, e.suites);
    assert.equal(ch.cipherSuites[0], e.firstSuite);
    assert.equal(ch.cipherSuites[ch.cipherSuites.length - 1], e.lastSuite);
    assert.deepEqual([...ch.compressionMethods], [0]);
    assert.deepEqual(ch.extensions.map((x) => x.type), e.extensions);
    assert.deepEqual(ch.supportedGroups, e.groups);
    assert.deepEqual(ch.supportedVersions, [0x0304]);
    assert.deepEqual(ch.keyShares!.map((k) => [k.group, k.keyExchange.length]), e.keyShares);
    assert.equal(ch.recordSizeLimit, e.recordSizeLimit);
    // A P-256 share is an uncompressed point (RFC 8446 §4.2.8.2: legacy_form = 4).
    for (const k of ch.keyShares!) if (k.group === 0x0017) assert.equal(k.keyExchange[0], 4);
    assert.ok(ch.pskKeyExchangeModes!.includes(1)); // psk_dhe_ke
    assert.equal(ch.preSharedKey, undefined);
  });
}

test("fixtures: a fragmented capture's first fragment alone is not a whole ClientHello", () => {
  for (const name of ["dtls12-openssl-mtu256-frag", "dtls12-gnutls-mtu128"]) {
    const [first] = loadHexFixture(name);
    const rec = readDtlsRecord(first);
    const frag = readDtlsHandshakeFragment(rec.fragment);
    assert.ok(frag.fragmentLength < frag.length, name);
    assert.equal(rec.fragment.length, 12 + frag.fragmentLength);
    assert.throws(() => dtlsMessageFromDatagrams([first]), /not fully covered/);
    // Parsing the first fragment as if it were the whole body fails with a typed error.
    assert.throws(() => parseClientHello(frag.body, { dtls: true }), { name: "DecodeError" });
  }
});

test("fixtures: the two fragments reassembled in reverse order give the same ClientHello", () => {
  for (const name of ["dtls12-openssl-mtu256-frag", "dtls12-gnutls-mtu128"]) {
    const dgs = loadHexFixture(name);
    const a = dtlsMessageFromDatagrams(dgs).body;
    const b = dtlsMessageFromDatagrams([...dgs].reverse()).body;
    assert.deepEqual(a, b);
    assert.ok(parseClientHello(b, { dtls: true }).cipherSuites.length > 0);
  }
});
