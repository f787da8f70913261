// The scripted client against hand-built server replies: HelloRetryRequests laid out byte by
// byte from RFC 8446 §4.1.3/§4.1.4 (and RFC 9147 §5.3 for DTLS 1.3), HelloVerifyRequests from
// RFC 6347 §4.2.1, alerts. Valid replies are answered with the ClientHello2 the RFCs require;
// every invalid variant is an error, and no server bytes ever make the client throw.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { type ClientHello, findExtension, parseClientHello } from "../mod.ts";
import {
  type ClientReply,
  ScriptedClient,
  type ScriptedClientOptions,
  seededRandom,
} from "../testing/mod.ts";
import { concat, hex, toHex } from "./helpers/fixtures.ts";
import { dtlsMessageFromDatagrams, tlsMessageFromStream } from "./helpers/reassemble.ts";

// SHA-256("HelloRetryRequest"), RFC 8446 §4.1.3, typed out.
const HRR_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

const h2 = (n: number) => n.toString(16).padStart(4, "0");
const h1 = (n: number) => n.toString(16).padStart(2, "0");
const h3 = (n: number) => n.toString(16).padStart(6, "0");
const ext = (type: number, dataHex: string) => h2(type) + h2(dataHex.length / 2) + dataHex;

interface HrrSpec {
  version?: string;
  random?: string;
  sessionId?: string; // hex
  suite?: number;
  compression?: number;
  extensions?: string[]; // raw ext hex each
  extensionsBlock?: string; // overrides
  trailing?: string;
}
/** ServerHello body (RFC 8446 §4.1.3) built by hand. */
function hrrBody(s: HrrSpec): string {
  const sid = s.sessionId ?? "";
  const exts = s.extensionsBlock ?? (() => {
    const b = (s.extensions ?? []).join("");
    return h2(b.length / 2) + b;
  })();
  return (s.version ?? "0303") + (s.random ?? HRR_RANDOM) + h1(sid.length / 2) + sid + h2(s.suite ?? 0x1301) +
    h1(s.compression ?? 0) + exts + (s.trailing ?? "");
}
const SV13 = ext(43, "0304");
const ksExt = (g: number) => ext(51, h2(g));
const cookieExt = (c: string) => ext(44, h2(c.length / 2) + c);

/** A TLS handshake record holding a ServerHello body, optionally followed by a CCS record. */
function tlsHrr(bodyHex: string, ccs = true): Uint8Array {
  const msg = "02" + h3(bodyHex.length / 2) + bodyHex;
  return hex("16" + "0303" + h2(msg.length / 2) + msg + (ccs ? "140303000101" : ""));
}
/** A DTLS record (epoch 0, given sequence) holding one unfragmented handshake message. */
function dtlsHs(type: number, bodyHex: string, seq = 0, msgSeq = 0, recordVersion = "fefd"): Uint8Array {
  const len = bodyHex.length / 2;
  const msg = h1(type) + h3(len) + h2(msgSeq) + "000000" + h3(len) + bodyHex;
  return hex("16" + recordVersion + "0000" + seq.toString(16).padStart(12, "0") + h2(msg.length / 2) + msg);
}

function tlsClient(extra: Partial<ScriptedClientOptions> = {}): ScriptedClient {
  const c = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("hrr"), ...extra });
  c.firstFlight();
  return c;
}
const sid = (c: ScriptedClient) => toHex(c.sessionId);

function expectError(r: ClientReply, pattern: RegExp): void {
  assert.equal(r.kind, "error", JSON.stringify(r));
  assert.match((r as { reason: string }).reason, pattern);
}

function ch2Of(c: ScriptedClient, flight: Uint8Array[]): { ch: ClientHello; stream: Uint8Array } {
  if (c.dtls) {
    return { ch: parseClientHello(dtlsMessageFromDatagrams(flight).body, { dtls: true }), stream: flight[0] };
  }
  const stream = concat(...flight);
  return { ch: parseClientHello(tlsMessageFromStream(stream).body, { dtls: false }), stream };
}

test("valid TLS HRR (key_share secp256r1 + cookie, then CCS) is accepted with its fields", () => {
  const c = tlsClient();
  const body = hrrBody({ sessionId: sid(c), extensions: [SV13, ksExt(0x17), cookieExt("c0ffee")] });
  const r = c.handleReply(tlsHrr(body));
  assert.equal(r.kind, "hello-retry-request");
  if (r.kind !== "hello-retry-request") return;
  assert.equal(r.cipherSuite, 0x1301);
  assert.equal(r.selectedVersion, 0x0304);
  assert.equal(r.group, 0x17);
  assert.equal(toHex(r.cookie!), "c0ffee");
  assert.equal(r.changeCipherSpec, true);
  assert.equal(r.recordVersion, 0x0303);
  assert.equal(toHex(r.hrrMessage), "02" + h3(body.length / 2) + body);
});

test("TLS CH2 after HRR: CCS first, record 0303, CH1 + cookie at the end, one share of the asked group", () => {
  const c = tlsClient({ serverName: "a.example", alpn: ["h2", "http/1.1"] });
  const ch1 = parseClientHello(c.clientHello1, { dtls: false });
  c.handleReply(
    tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, ksExt(0x17), cookieExt("0102030405")] })),
  );
  const flight = c.secondFlight();
  const stream = concat(...flight);
  assert.equal(toHex(stream.subarray(0, 6)), "140303000101");
  const t = tlsMessageFromStream(stream.subarray(6));
  assert.ok(t.records.every((r) => r.version === 0x0303));
  const ch2 = parseClientHello(t.body, { dtls: false });
  assert.deepEqual(ch2.random, ch1.random);
  assert.deepEqual(ch2.legacySessionId, ch1.legacySessionId);
  assert.deepEqual(ch2.cipherSuites, ch1.cipherSuites);
  assert.equal(ch2.legacyVersion, ch1.legacyVersion);
  assert.deepEqual(ch2.extensions.map((e) => e.type), [...ch1.extensions.map((e) => e.type), 44]);
  for (const e of ch1.extensions) {
    if (e.type === 51) continue;
    assert.deepEqual(findExtension(ch2, e.type)!.data, e.data, `extension ${e.type} unchanged`);
  }
  assert.equal(ch2.keyShares!.length, 1);
  assert.equal(ch2.keyShares![0].group, 0x17);
  assert.equal(ch2.keyShares![0].keyExchange.length, 65);
  assert.equal(toHex(ch2.cookie!), "0102030405");
  assert.deepEqual(t.body, c.clientHello2);
  assert.deepEqual(c.secondFlight(), flight, "idempotent");
});

test("transcript after HRR = message_hash(Hash(CH1)) || HRR || CH2, computed by hand", () => {
  const c = tlsClient();
  const body = hrrBody({ sessionId: sid(c), extensions: [SV13, cookieExt("aa")] });
  c.handleReply(tlsHrr(body));
  c.secondFlight();
  const tls = (b: Uint8Array) => concat(hex("01" + h3(b.length)), b);
  const ch1Hash = sha256(tls(c.clientHello1));
  const expected = concat(
    hex("fe000020"),
    ch1Hash,
    hex("02" + h3(body.length / 2) + body),
    tls(c.clientHello2!),
  );
  assert.deepEqual(c.transcriptBytes(), expected);
  assert.deepEqual(c.transcriptHash(), sha256(expected));
  assert.deepEqual(c.transcriptHash("sha256"), sha256(expected));
});

test("HRR selecting TLS_AES_256_GCM_SHA384: message_hash and transcript use SHA-384", () => {
  const c = tlsClient();
  const body = hrrBody({ sessionId: sid(c), suite: 0x1302, extensions: [SV13, ksExt(0x17)] });
  c.handleReply(tlsHrr(body, false));
  c.secondFlight();
  const tls = (b: Uint8Array) => concat(hex("01" + h3(b.length)), b);
  const expected = concat(
    hex("fe000030"),
    sha384(tls(c.clientHello1)),
    hex("02" + h3(body.length / 2) + body),
    tls(c.clientHello2!),
  );
  assert.equal(c.transcriptHash().length, 48);
  assert.deepEqual(c.transcriptHash(), sha384(expected));
});

test("HRR with only a cookie keeps CH1's key_share; no CCS when the session id is empty", () => {
  const c = tlsClient({ sessionId: false });
  c.handleReply(tlsHrr(hrrBody({ extensions: [SV13, cookieExt("77")] }), false));
  const flight = c.secondFlight();
  const stream = concat(...flight);
  assert.equal(stream[0], 22, "no CCS without middlebox compatibility mode");
  const ch1 = parseClientHello(c.clientHello1, { dtls: false });
  const ch2 = parseClientHello(tlsMessageFromStream(stream).body, { dtls: false });
  assert.deepEqual(findExtension(ch2, 51)!.data, findExtension(ch1, 51)!.data);
});

test("with a PSK and early_data: CH2 drops early_data, puts cookie before pre_shared_key, recomputes the binder", () => {
  const c = tlsClient({
    psk: { identity: hex("01020304"), secret: new Uint8Array(32).fill(5) },
    earlyData: true,
  });
  const ch1 = parseClientHello(c.clientHello1, { dtls: false });
  const body = hrrBody({ sessionId: sid(c), extensions: [SV13, ksExt(0x17), cookieExt("abcd")] });
  c.handleReply(tlsHrr(body));
  const { ch: ch2 } = ch2Of(c, c.secondFlight());
  const t1 = ch1.extensions.map((e) => e.type).filter((t) => t !== 42 && t !== 41);
  assert.deepEqual(ch2.extensions.map((e) => e.type), [...t1, 44, 41]);
  assert.equal(ch2.earlyData, undefined);
  assert.deepEqual(ch2.preSharedKey!.identities[0].identity, ch1.preSharedKey!.identities[0].identity);
  assert.notDeepEqual(ch2.preSharedKey!.binders[0], ch1.preSharedKey!.binders[0]);
});

test("PSK for SHA-256 is dropped from CH2 when the HRR selects a SHA-384 suite", () => {
  const c = tlsClient({ psk: { identity: hex("01"), secret: new Uint8Array(32) } });
  c.handleReply(tlsHrr(hrrBody({ sessionId: sid(c), suite: 0x1302, extensions: [SV13, cookieExt("01")] })));
  const { ch } = ch2Of(c, c.secondFlight());
  assert.equal(ch.preSharedKey, undefined);
  assert.equal(ch.extensions[ch.extensions.length - 1].type, 44);
});

const INVALID: [string, (c: ScriptedClient) => Uint8Array, RegExp][] = [
  [
    "suite not offered",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), suite: 0x1304, extensions: [SV13, cookieExt("01")] })),
    /not offered/,
  ],
  [
    "no supported_versions",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), extensions: [cookieExt("01")] })),
    /without supported_versions/,
  ],
  [
    "supported_versions 0303",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), extensions: [ext(43, "0303"), cookieExt("01")] })),
    /selected version/,
  ],
  [
    "supported_versions 3 bytes",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), extensions: [ext(43, "030400")] })),
    /2 bytes/,
  ],
  [
    "key_share group not in supported_groups",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, ksExt(0x18)] })),
    /not in supported_groups/,
  ],
  [
    "key_share group already shared",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, ksExt(0x1d)] })),
    /already had a key share/,
  ],
  [
    "key_share of 4 bytes",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, ext(51, "00170000")] })),
    /selected_group/,
  ],
  [
    "no change (no key_share, no cookie)",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13] })),
    /would not change/,
  ],
  [
    "session id not echoed",
    () => tlsHrr(hrrBody({ extensions: [SV13, cookieExt("01")] })),
    /legacy_session_id_echo/,
  ],
  [
    "compression 1",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), compression: 1, extensions: [SV13, cookieExt("01")] })),
    /compression/,
  ],
  [
    "unsolicited extension (server_name)",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, cookieExt("01"), ext(0, "")] })),
    /extension 0/,
  ],
  [
    "duplicate extension",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, cookieExt("01"), cookieExt("02")] })),
    /duplicate/,
  ],
  [
    "legacy_version 0301",
    (c) => tlsHrr(hrrBody({ version: "0301", sessionId: sid(c), extensions: [SV13, cookieExt("01")] })),
    /legacy_version/,
  ],
  [
    "empty cookie",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, ext(44, "0000")] })),
    /malformed/,
  ],
  [
    "trailing byte after extensions",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, cookieExt("01")], trailing: "00" })),
    /trailing/,
  ],
  [
    "truncated record",
    (c) => tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, cookieExt("01")] }), false).subarray(0, 40),
    /malformed/,
  ],
  [
    "CCS before the HRR",
    (c) =>
      concat(
        hex("140303000101"),
        tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, cookieExt("01")] }), false),
      ),
    /change_cipher_spec before/,
  ],
  [
    "CCS with payload 02",
    (c) =>
      concat(
        tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, cookieExt("01")] }), false),
        hex("140303000102"),
      ),
    /change-cipher-spec after/,
  ],
  [
    "two CCS records",
    (c) =>
      concat(
        tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, cookieExt("01")] })),
        hex("140303000101"),
      ),
    /change-cipher-spec after/,
  ],
  [
    "a second handshake message after the HRR",
    (c) =>
      concat(
        tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, cookieExt("01")] }), false),
        hex("16030300040e000000"),
      ),
    /handshake after/,
  ],
  ["unknown handshake type", () => hex("16030300040e000000"), /unexpected handshake message type 14/],
  ["empty reply", () => new Uint8Array(0), /empty reply/],
  ["application data record", () => hex("170303000100"), /malformed/],
];

for (const [name, build, pattern] of INVALID) {
  test(`invalid TLS HRR is an error: ${name}`, () => {
    const c = tlsClient();
    expectError(c.handleReply(build(c)), pattern);
    assert.throws(() => c.secondFlight(), /needs a HelloVerifyRequest or HelloRetryRequest/);
  });
}

test("HRR choosing a non-1.3 suite the client offered is an error", () => {
  const c = tlsClient({ cipherSuites: [0x1301, 0xc02b] });
  expectError(
    c.handleReply(tlsHrr(hrrBody({ sessionId: sid(c), suite: 0xc02b, extensions: [SV13, cookieExt("01")] }))),
    /not a TLS 1.3 cipher suite/,
  );
});

test("a second HRR after CH2 is an error (RFC 8446 §4.1.4)", () => {
  const c = tlsClient();
  const hrr = tlsHrr(hrrBody({ sessionId: sid(c), extensions: [SV13, cookieExt("01")] }));
  assert.equal(c.handleReply(hrr).kind, "hello-retry-request");
  c.secondFlight();
  expectError(c.handleReply(hrr), /second HelloRetryRequest/);
});

test("alerts are reported by name", () => {
  const c = tlsClient();
  assert.deepEqual(c.handleReply(hex("15030300020228")), {
    kind: "alert",
    level: 2,
    description: 40,
    name: "handshake_failure",
  });
  const d = new ScriptedClient({ protocol: "dtls1.3", random: seededRandom(1) });
  d.firstFlight();
  const r = d.handleReply(hex("15 fefd 0000 000000000000 0002 022f"));
  assert.deepEqual(r, { kind: "alert", level: 2, description: 47, name: "illegal_parameter" });
});

test("a plain ServerHello (no retry) is reported as server-hello", () => {
  const c = tlsClient();
  const body = hrrBody({
    random: "11".repeat(32),
    sessionId: sid(c),
    extensions: [SV13, ext(51, "001d0020" + "22".repeat(32))],
  });
  const r = c.handleReply(tlsHrr(body, false));
  assert.equal(r.kind, "server-hello");
  if (r.kind === "server-hello") {
    assert.equal(r.version, 0x0304);
    assert.equal(r.cipherSuite, 0x1301);
  }
});

// ---- DTLS 1.0 / 1.2: HelloVerifyRequest (RFC 6347 §4.2.1)

test("DTLS 1.2 HVR: cookie recorded; CH2 = CH1 + cookie, message_seq 1, next record sequence numbers", () => {
  const c = new ScriptedClient({ protocol: "dtls1.2", random: seededRandom("hvr"), mtu: 120 });
  const f1 = c.firstFlight();
  const m1 = dtlsMessageFromDatagrams(f1);
  const cookie = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  const r = c.handleReply(dtlsHs(3, "feff" + "20" + cookie, 0, 0, "feff"));
  assert.deepEqual(
    r,
    {
      kind: "hello-verify-request",
      cookie: hex(cookie),
      serverVersion: 0xfeff,
      recordVersion: 0xfeff,
      recordSequence: 0,
      epoch: 0,
      messageSeq: 0,
    },
  );
  const f2 = c.secondFlight();
  assert.ok(f2.every((d) => d.length <= 120));
  const m2 = dtlsMessageFromDatagrams(f2);
  assert.ok(m2.fragments.every((f) => f.messageSeq === 1));
  assert.deepEqual(m2.records.map((x) => x.sequence), m2.records.map((_, i) => m1.records.length + i));
  assert.ok(m2.records.every((x) => x.version === 0xfeff && x.epoch === 0));
  const ch1 = parseClientHello(m1.body, { dtls: true });
  const ch2 = parseClientHello(m2.body, { dtls: true });
  assert.equal(toHex(ch2.legacyCookie!), cookie);
  assert.deepEqual(ch2.random, ch1.random);
  assert.deepEqual(ch2.legacySessionId, ch1.legacySessionId);
  assert.deepEqual(ch2.cipherSuites, ch1.cipherSuites);
  // Byte-exact: CH2 is CH1 with the cookie field filled in, nothing else.
  const at = ch1.offsets.cookie;
  assert.deepEqual(m2.body, concat(m1.body.subarray(0, at), hex("20" + cookie), m1.body.subarray(at + 1)));
  // Transcript (RFC 6347 §4.2.1/§4.2.6): CH2 alone, with its DTLS header, message_seq 1.
  assert.deepEqual(
    c.transcriptBytes(),
    concat(hex("01" + h3(m2.body.length) + "0001000000" + h3(m2.body.length)), m2.body),
  );
});

test("DTLS 1.0: a HVR cookie over 32 bytes is an error (RFC 4347)", () => {
  const c = new ScriptedClient({ protocol: "dtls1.0", random: seededRandom(3) });
  c.firstFlight();
  expectError(c.handleReply(dtlsHs(3, "feff" + "21" + "00".repeat(33))), /at most 32/);
});

test("DTLS HVR variants: malformed body, non-DTLS version, trailing byte, encrypted record, epoch 1", () => {
  const cases: [Uint8Array, RegExp][] = [
    [dtlsHs(3, "feff05aabb"), /malformed/],
    [dtlsHs(3, "030300"), /not DTLS/],
    [dtlsHs(3, "feff01aa00"), /malformed/],
    [hex("2c0001aabbccdd"), /malformed/],
    [hex("16 fefd 0001 000000000000 000f 03 000003 0000 000000 000003 feff00"), /malformed/],
  ];
  for (const [bytes, pattern] of cases) {
    const c = new ScriptedClient({ protocol: "dtls1.2", random: seededRandom(4) });
    c.firstFlight();
    expectError(c.handleReply(bytes), pattern);
  }
});

test("a second HVR after CH2 gives CH3 with message_seq 2 and the new cookie", () => {
  const c = new ScriptedClient({ protocol: "dtls1.2", random: seededRandom(5) });
  c.firstFlight();
  assert.equal(c.handleReply(dtlsHs(3, "feff01aa")).kind, "hello-verify-request");
  c.secondFlight();
  assert.equal(c.handleReply(dtlsHs(3, "feff01bb", 1)).kind, "hello-verify-request");
  const m3 = dtlsMessageFromDatagrams(c.secondFlight());
  assert.equal(m3.fragments[0].messageSeq, 2);
  assert.equal(toHex(parseClientHello(m3.body, { dtls: true }).legacyCookie!), "bb");
});

test("DTLS 1.2 client rejects an HRR; DTLS 1.3-only client rejects an HVR", () => {
  const a = new ScriptedClient({ protocol: "dtls1.2", random: seededRandom(6) });
  a.firstFlight();
  expectError(
    a.handleReply(dtlsHs(2, hrrBody({ version: "fefd", extensions: [ext(43, "fefc"), cookieExt("01")] }))),
    /1\.3 was not offered/,
  );
  const b = new ScriptedClient({ protocol: "dtls1.3", random: seededRandom(6) });
  b.firstFlight();
  expectError(b.handleReply(dtlsHs(3, "fefd01aa")), /DTLS 1.2 was not offered/);
});

test("DTLS 1.3 + 1.2 client accepts an HVR: CH2 keeps its 1.3 extensions and adds the legacy cookie", () => {
  const c = new ScriptedClient({ protocol: "dtls1.3", offerDtls13AndDtls12: true, random: seededRandom(7) });
  c.firstFlight();
  assert.equal(c.handleReply(dtlsHs(3, "fefd02abcd")).kind, "hello-verify-request");
  const m = dtlsMessageFromDatagrams(c.secondFlight());
  const ch1 = parseClientHello(c.clientHello1, { dtls: true });
  const ch2 = parseClientHello(m.body, { dtls: true });
  assert.equal(toHex(ch2.legacyCookie!), "abcd");
  assert.deepEqual(
    ch2.extensions.map((e) => [e.type, toHex(e.data)]),
    ch1.extensions.map((e) => [e.type, toHex(e.data)]),
  );
  assert.equal(m.fragments[0].messageSeq, 1);
});

// ---- DTLS 1.3: HRR (RFC 9147 §5.1, §5.3)

test("DTLS 1.3 HRR: accepted; CH2 message_seq 1, empty legacy_cookie, cookie extension; TLS-form transcript", () => {
  const c = new ScriptedClient({ protocol: "dtls1.3", mlkemShare: true, mtu: 1200, random: seededRandom(8) });
  const f1 = c.firstFlight();
  const body = hrrBody({ version: "fefd", extensions: [ext(43, "fefc"), ksExt(0x17), cookieExt("5566")] });
  const r = c.handleReply(dtlsHs(2, body, 0, 0));
  assert.equal(r.kind, "hello-retry-request");
  if (r.kind === "hello-retry-request") {
    assert.equal(r.selectedVersion, 0xfefc);
    assert.equal(r.messageSeq, 0);
    assert.equal(r.recordSequence, 0);
    assert.equal(r.changeCipherSpec, false);
  }
  const f2 = c.secondFlight();
  const m2 = dtlsMessageFromDatagrams(f2);
  assert.ok(m2.fragments.every((f) => f.messageSeq === 1));
  assert.equal(m2.records[0].sequence, f1.length);
  const ch2 = parseClientHello(m2.body, { dtls: true });
  assert.equal(ch2.legacyCookie!.length, 0);
  assert.equal(toHex(ch2.cookie!), "5566");
  assert.deepEqual(ch2.keyShares!.map((k) => k.group), [0x17]);
  const tls = (b: Uint8Array) => concat(hex("01" + h3(b.length)), b);
  const expected = concat(
    hex("fe000020"),
    sha256(tls(c.clientHello1)),
    hex("02" + h3(body.length / 2) + body),
    tls(m2.body),
  );
  assert.deepEqual(c.transcriptHash(), sha256(expected));
});

test("DTLS 1.3 HRR variants: session id echoed, legacy_version 0303, TLS 1.3 version, CCS", () => {
  const cases: [Uint8Array | Uint8Array[], RegExp][] = [
    [
      dtlsHs(
        2,
        hrrBody({ version: "fefd", sessionId: "01", extensions: [ext(43, "fefc"), cookieExt("01")] }),
      ),
      /must not echo/,
    ],
    [
      dtlsHs(2, hrrBody({ version: "0303", extensions: [ext(43, "fefc"), cookieExt("01")] })),
      /legacy_version/,
    ],
    [dtlsHs(2, hrrBody({ version: "fefd", extensions: [SV13, cookieExt("01")] })), /selected version/],
    [[
      dtlsHs(2, hrrBody({ version: "fefd", extensions: [ext(43, "fefc"), cookieExt("01")] })),
      hex("14 fefd 0000 000000000001 0001 01"),
    ], /change-cipher-spec after/],
  ];
  for (const [bytes, pattern] of cases) {
    const c = new ScriptedClient({ protocol: "dtls1.3", random: seededRandom(9) });
    c.firstFlight();
    expectError(c.handleReply(bytes), pattern);
  }
});

test("a DTLS HRR fragmented across two records (reversed) is reassembled", () => {
  const c = new ScriptedClient({ protocol: "dtls1.3", random: seededRandom(10) });
  c.firstFlight();
  const body = hrrBody({ version: "fefd", extensions: [ext(43, "fefc"), cookieExt("00".repeat(40))] });
  const len = body.length / 2;
  const frag = (off: number, n: number, seq: number) => {
    const m = "02" + h3(len) + "0000" + h3(off) + h3(n) + body.slice(off * 2, (off + n) * 2);
    return hex("16fefd0000" + seq.toString(16).padStart(12, "0") + h2(m.length / 2) + m);
  };
  const r = c.handleReply([frag(30, len - 30, 1), frag(0, 30, 0)]);
  assert.equal(r.kind, "hello-retry-request");
});

test("handleReply never throws on arbitrary bytes (fast-check), TLS and DTLS", () => {
  fc.assert(
    fc.property(fc.boolean(), fc.uint8Array({ maxLength: 300 }), (dtls, bytes) => {
      const c = new ScriptedClient({
        protocol: dtls ? "dtls1.3" : "tls1.3",
        offerDtls13AndDtls12: dtls || undefined,
        random: seededRandom(1),
      });
      c.firstFlight();
      const r = c.handleReply(bytes);
      assert.ok(
        ["error", "alert", "hello-retry-request", "hello-verify-request", "server-hello"].includes(r.kind),
      );
    }),
    { numRuns: 1000 },
  );
});

test("handleReply never throws on mutated valid HRRs, and accepts only well-formed ones", () => {
  const base = tlsClient();
  const good = tlsHrr(hrrBody({ sessionId: sid(base), extensions: [SV13, ksExt(0x17), cookieExt("0102")] }));
  fc.assert(
    fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (at, v) => {
      const bad = good.slice();
      bad[at] = v;
      const c = tlsClient();
      const r = c.handleReply(bad);
      if (r.kind === "hello-retry-request") {
        // Whatever was accepted must satisfy the RFC 8446 §4.1.4 checks.
        assert.ok(c.cipherSuites.includes(r.cipherSuite));
        assert.ok(
          r.group === undefined || (c.groups.includes(r.group) && !c.keyShareGroups.includes(r.group)),
        );
        assert.ok(r.group !== undefined || r.cookie !== undefined);
      }
    }),
    { numRuns: 1000 },
  );
});
