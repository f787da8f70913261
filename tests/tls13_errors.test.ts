// The engine's refusals, each with the RFC 8446 §6 alert its close reason maps to: a corrupted
// client Finished, a bad record tag, oversized records, a KeyUpdate flood, 0-RTT data, bad
// ClientHellos, peer alerts, and a fast-check property: random or mutated bytes after a valid
// prefix never throw and never end in internal_error.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  mutatedClientHelloNeverThrows,
  mutatedResumptionNeverThrows,
  mutatedSessionNeverThrows,
  randomTailNeverThrows,
} from "./helpers/tls13_properties.ts";
import { portableProvider } from "../core/crypto/portable.ts";
import { TLS13_CLOSE_ALERTS, type Tls13CloseReason } from "../core/handshake/tls13/close_reason.ts";
import type { EngineAction } from "../core/handshake/actions.ts";
import { Tls13RecordProtection } from "../core/record/tls13_protection.ts";
import { encodeTlsRecord } from "../core/wire/record.ts";
import { parseClientHello } from "../core/messages/client_hello.ts";
import { connectInMemory, pump, Tls13TestClient, type Tls13TestClientOptions } from "../testing/tls13_client.ts";
import { engine, text } from "./helpers/tls13_pair.ts";
import { concat } from "./helpers/fixtures.ts";
import type { Tls13ServerEngine } from "../core/handshake/tls13/server.ts";
import type { Tls13ServerOptions } from "../core/handshake/tls13/options.ts";

type Closed = Extract<EngineAction, { kind: "closed" }>;

function drain(server: Tls13ServerEngine): EngineAction[] {
  const out: EngineAction[] = [];
  for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) out.push(a);
  return out;
}

function closed(actions: EngineAction[]): Closed {
  const c = actions.find((a): a is Closed => a.kind === "closed");
  assert.ok(c, `no closed action in ${JSON.stringify(actions.map((a) => a.kind))}`);
  return c;
}

/** Runs CH1 → server flight → client Finished, but returns the client's Finished flight instead of delivering it. */
function untilClientFinished(opts: Partial<Tls13ServerOptions> = {}, copts: Tls13TestClientOptions = {}) {
  const server = engine(opts);
  const client = new Tls13TestClient(copts);
  server.receive(client.start(), 0);
  client.takeOutput();
  for (const a of drain(server)) if (a.kind === "send") client.receive(a.bytes);
  assert.equal(client.state, "connected");
  const out = client.takeOutput().map((o) => o.bytes);
  const finRecord = out.at(-1)!;
  return { server, client, ccs: out.length > 1 ? out[0] : undefined, finRecord };
}

function expectClose(actions: EngineAction[], reason: Tls13CloseReason, alert: number | undefined): void {
  const c = closed(actions);
  assert.equal(c.reason, reason, c.detail);
  assert.equal(c.alert?.description, alert);
  assert.equal(TLS13_CLOSE_ALERTS[reason]?.description, alert);
  if (alert !== undefined) {
    const sent = actions.filter((a) => a.kind === "send" && a.label === "alert");
    assert.equal(sent.length, 1, "the alert is sent before closing");
  }
  assert.equal(actions.some((a) => a.kind === "handshake-complete"), false, "nothing is accepted");
}

test("corrupted client Finished (well-encrypted, wrong verify_data) → decrypt_error (51)", () => {
  const { server, client, finRecord } = untilClientFinished();
  const key = client.secretsForTest.clientHandshake!;
  const p = portableProvider;
  const fin = new Tls13RecordProtection(p, 0x1301, key).open(finRecord.subarray(5));
  assert.ok(fin.ok);
  const bad = fin.content.slice();
  bad[10] ^= 0x80;
  server.receive(new Tls13RecordProtection(p, 0x1301, key).seal(22, bad), 0);
  expectClose(drain(server), "decrypt-error", 51);
});

test("a record with a bad tag → bad_record_mac (20), during the handshake and after it", () => {
  const { server, finRecord } = untilClientFinished();
  const bad = finRecord.slice();
  bad[bad.length - 1] ^= 1;
  server.receive(bad, 0);
  expectClose(drain(server), "bad-record-mac", 20);

  const s2 = engine();
  const { client } = connectInMemory(s2, {});
  client.write(text("hello"));
  const rec = client.takeBytes();
  rec[8] ^= 4;
  s2.receive(rec, 0);
  expectClose(drain(s2), "bad-record-mac", 20);
});

test("oversized records → record_overflow (22): header over 2^14+256, plaintext over 2^14, inner plaintext over our record_size_limit", () => {
  const s1 = engine();
  connectInMemory(s1, {});
  s1.receive(Uint8Array.of(23, 3, 3, (16384 + 257) >> 8, (16384 + 257) & 0xff), 0);
  expectClose(drain(s1), "record-overflow", 22);

  const s2 = engine();
  s2.receive(Uint8Array.of(22, 3, 1, 0x40, 0x01), 0);
  s2.receive(new Uint8Array(16385), 0);
  expectClose(drain(s2), "record-overflow", 22);

  const s3 = engine({ recordSizeLimit: 1000 });
  const { client } = connectInMemory(s3, { recordSizeLimit: 16385 });
  client.writeRecord(23, new Uint8Array(999)); // inner plaintext 1000: allowed
  client.writeRecord(23, new Uint8Array(1000)); // 1001: over the limit we advertised
  const acts: EngineAction[] = [];
  pump(client, s3, acts);
  assert.equal(acts.filter((a) => a.kind === "application-data").length, 1);
  expectClose(acts, "record-overflow", 22);
});

test("KeyUpdate: each update_requested answered with one update_not_requested; keys move both ways; a flood → unexpected_message (10)", () => {
  const server = engine({ maxKeyUpdates: 8 });
  const { client } = connectInMemory(server, {});
  client.keyUpdate(true);
  client.keyUpdate(true);
  client.keyUpdate(false);
  const acts: EngineAction[] = [];
  pump(client, server, acts);
  assert.equal(acts.filter((a) => a.kind === "send" && a.label === "key_update").length, 2);
  assert.deepEqual(client.events.filter((e) => e.kind === "key-update"), [
    { kind: "key-update", requested: false },
    { kind: "key-update", requested: false },
  ]);
  client.write(text("after update"));
  server.write(text("server after update"));
  pump(client, server, acts);
  const got = acts.find((a) => a.kind === "application-data");
  assert.equal(got && new TextDecoder().decode(got.data), "after update");
  assert.equal(new TextDecoder().decode(client.receivedData()), "server after update");
  // Our own KeyUpdate with a request: the client answers, data still flows.
  server.updateKeys(true);
  pump(client, server, acts);
  server.write(text("x"));
  pump(client, server, acts);
  assert.equal(new TextDecoder().decode(client.receivedData()), "server after updatex");
  // Application data resets the count: 8 updates, data, 8 updates is fine; 9 in a row is not.
  client.write(text(",")); // (the client's answer to our request counted as one)
  for (let i = 0; i < 8; i++) client.keyUpdate(false);
  client.write(text("."));
  for (let i = 0; i < 8; i++) client.keyUpdate(false);
  pump(client, server, acts);
  assert.equal(server.state, "connected");
  client.keyUpdate(false);
  const more: EngineAction[] = [];
  pump(client, server, more);
  expectClose(more, "key-update-flood", 10);
});

test("0-RTT offered: undecryptable early records are skipped up to the bound, then the handshake completes", () => {
  const server = engine({ maxEarlyDataBytes: 1000 });
  const client = new Tls13TestClient({ earlyData: true });
  const ch = client.start();
  client.takeOutput();
  const early = encodeTlsRecord(23, 0x0303, new Uint8Array(300).fill(0xee));
  server.receive(concat(ch, early, early), 0);
  const flight = drain(server);
  assert.equal(flight.some((a) => a.kind === "closed"), false);
  for (const a of flight) if (a.kind === "send") client.receive(a.bytes);
  server.receive(concat(early, client.takeBytes()), 0);
  const acts = drain(server);
  assert.ok(acts.some((a) => a.kind === "handshake-complete"));
  // Beyond the bound: early-data-limit (unexpected_message, RFC 8446 §4.2.10).
  const s2 = engine({ maxEarlyDataBytes: 500 });
  const c2 = new Tls13TestClient({ earlyData: true });
  s2.receive(concat(c2.start(), early, early), 0);
  expectClose(drain(s2).filter((a) => a.kind !== "send" || a.label === "alert"), "early-data-limit", 10);
  // Not offered: the same record is a bad_record_mac.
  const s3 = engine();
  const c3 = new Tls13TestClient({});
  s3.receive(concat(c3.start(), early), 0);
  expectClose(drain(s3).filter((a) => a.kind !== "send" || a.label === "alert"), "bad-record-mac", 20);
});

test("bad ClientHellos: each refusal with its alert, sent in plaintext", () => {
  const cases: [string, Partial<Tls13ServerOptions>, Tls13TestClientOptions, Tls13CloseReason, number][] = [
    ["no common suite", { cipherSuites: [0x1303] }, { cipherSuites: [0x1301] }, "handshake-failure", 40],
    ["no common group", { groups: [0x0018] }, { groups: [0x001d] }, "handshake-failure", 40],
    ["no common signature scheme", {}, { signatureAlgorithms: [0x0804] }, "handshake-failure", 40],
    ["ALPN mismatch", { alpn: ["h2"] }, { alpn: ["http/1.1"] }, "no-application-protocol", 120],
    ["no signature_algorithms", {}, { signatureAlgorithms: [] }, "decode-error", 50],
  ];
  for (const [name, so, co, reason, alert] of cases) {
    const server = engine(so);
    const { serverActions } = connectInMemory(server, co);
    const c = closed(serverActions);
    assert.equal(c.reason, reason, `${name}: ${c.detail}`);
    assert.equal(c.alert?.description, alert, name);
    const sent = serverActions.find((a) => a.kind === "send");
    assert.deepEqual(sent && sent.kind === "send" && [...sent.bytes], [21, 3, 3, 0, 2, 2, alert], name);
  }
});

test("a ClientHello without TLS 1.3 → protocol_version (70); without key_share → missing_extension (109)", () => {
  const server = engine();
  const client = new Tls13TestClient({ extraExtensions: [] });
  const ch = client.start();
  // Rewrite supported_versions' 0304 to 0303 (the extension is 00 2b 00 03 02 03 04).
  const i = indexOf(ch, [0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04]);
  const tls12 = ch.slice();
  tls12[i + 6] = 3;
  server.receive(tls12, 0);
  expectClose(drain(server), "protocol-version", 70);

  const s2 = engine();
  const c2 = new Tls13TestClient({});
  const ch2 = c2.start();
  // The key_share extension's own offset (a byte search for 00 33 could hit the random bytes).
  const j = 5 + 4 + parseClientHello(ch2.subarray(9), { dtls: false }).extensions.find((e) => e.type === 0x33)!.offset;
  const noShare = ch2.slice();
  noShare[j + 1] = 0x34; // key_share → an unknown extension 0x0034
  s2.receive(noShare, 0);
  expectClose(drain(s2), "missing-extension", 109);
});

function indexOf(hay: Uint8Array, needle: number[]): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  throw new Error("not found");
}

test("peer alerts close with the peer's alert; application data before the Finished is unexpected_message", () => {
  const { server, client } = untilClientFinished();
  void client;
  server.receive(Uint8Array.of(21, 3, 3, 0, 2, 2, 48), 0);
  const c = closed(drain(server));
  assert.equal(c.reason, "peer-alert");
  assert.deepEqual(c.alert, { description: 48, name: "unknown_ca", sender: "peer" });

  const u = untilClientFinished();
  const early = new Tls13RecordProtection(portableProvider, 0x1301, u.client.secretsForTest.clientHandshake!).seal(23, text("too soon"));
  u.server.receive(early, 0);
  expectClose(drain(u.server), "unexpected-message", 10);
});

test("change_cipher_spec: one dropped, a second or a bad one is unexpected_message; none before the ClientHello; no empty alert", () => {
  const { server, finRecord } = untilClientFinished();
  const ccs = Uint8Array.of(20, 3, 3, 0, 1, 1);
  server.receive(concat(ccs, finRecord), 0);
  assert.ok(drain(server).some((a) => a.kind === "handshake-complete"));
  const s2 = untilClientFinished().server;
  s2.receive(concat(ccs, ccs), 0);
  expectClose(drain(s2), "unexpected-message", 10);
  const s5 = untilClientFinished().server;
  s5.receive(Uint8Array.of(21, 3, 3, 0, 0), 0); // RFC 8446 §5.4: an empty alert
  expectClose(drain(s5), "unexpected-message", 10);
  const s3 = engine();
  s3.receive(ccs, 0);
  expectClose(drain(s3), "unexpected-message", 10);
  const s4 = untilClientFinished().server;
  s4.receive(Uint8Array.of(20, 3, 3, 0, 1, 2), 0);
  expectClose(drain(s4), "unexpected-message", 10);
});

test("stateful HRR: a ClientHello2 that changes its random → illegal_parameter (47)", () => {
  const server = engine({ groups: [0x001d] });
  const c1 = new Tls13TestClient({ groups: [0x0017, 0x001d], keyShareGroups: [0x0017] });
  server.receive(c1.start(), 0);
  const hrr = drain(server);
  assert.equal(hrr[0].kind === "send" && hrr[0].label, "hello_retry_request");
  const other = new Tls13TestClient({ groups: [0x001d], keyShareGroups: [0x001d] });
  server.receive(other.start(), 0);
  expectClose(drain(server), "illegal-parameter", 47);
});

test("end(): the transport ending closes with end-of-stream and no alert; input after close is ignored", () => {
  const server = engine();
  connectInMemory(server, {});
  server.end(0);
  const acts = drain(server);
  assert.deepEqual(acts.map((a) => a.kind), ["closed"]);
  assert.equal((acts[0] as Closed).reason, "end-of-stream");
  server.receive(new Uint8Array(10), 0);
  assert.equal(server.poll().kind, "need-data");
  assert.throws(() => server.write(text("x")), /closed/);
});

// --- property: never throw, never internal_error, always a typed close ------------------------

test("property: random bytes after a valid ClientHello never throw and end typed", () => randomTailNeverThrows(100, false));
test("property: the same with stubbed signing/key exchange (fast)", () => randomTailNeverThrows(500, true));
test("property: a real session with bytes mutated, dropped or split never throws and ends typed", () => mutatedSessionNeverThrows(200));
test("property: the same with client authentication (client Certificate/CertificateVerify mutated)", () =>
  mutatedSessionNeverThrows(150, undefined, true));
test("property: a mutated ClientHello never throws and ends typed", () => mutatedClientHelloNeverThrows(500));
test("property: a mutated resumption ClientHello (ticket, binder) never throws and ends typed", () => mutatedResumptionNeverThrows(300));

// --- RFC 8446 §4 / §D.5 ClientHello rules, on hand-built ClientHellos ---------------------------

import {
  encodeClientHello,
  encodeKeyShareClient,
  encodeSupportedVersionsClient,
  encodeU16List,
  encodeU8Vector,
  type ExtensionToEncode,
} from "../core/messages/client_hello_encoder.ts";
import { encodeTlsHandshake } from "../core/wire/handshake_header.ts";

function handBuilt(o: {
  legacyVersion?: number;
  groups?: number[];
  shares?: { group: number; length: number }[];
  extra?: ExtensionToEncode[];
  skipModes?: boolean;
}): Uint8Array {
  const shares = (o.shares ?? [{ group: 0x001d, length: 32 }]).map((s) => ({
    group: s.group,
    keyExchange: s.group === 0x001d && s.length === 32 ? portableProvider.generateKeyShare(0x001d).publicKey : new Uint8Array(s.length).fill(4),
  }));
  const ext: ExtensionToEncode[] = [
    { type: 10, data: encodeU16List(o.groups ?? [0x001d, 0x0017]) },
    { type: 13, data: encodeU16List([0x0403]) },
    { type: 43, data: encodeSupportedVersionsClient([0x0304]) },
    ...(o.skipModes ? [] : [{ type: 45, data: encodeU8Vector(Uint8Array.of(1)) }]),
    { type: 51, data: encodeKeyShareClient(shares) },
    ...(o.extra ?? []),
  ];
  const body = encodeClientHello({
    dtls: false,
    legacyVersion: o.legacyVersion ?? 0x0303,
    random: new Uint8Array(32).fill(7),
    legacySessionId: new Uint8Array(0),
    cipherSuites: [0x1301],
    compressionMethods: Uint8Array.of(0),
    extensions: ext,
  });
  return encodeTlsRecord(22, 0x0301, encodeTlsHandshake(1, body));
}

const PSK = { type: 41, data: Uint8Array.of(0, 7, 0, 1, 0xaa, 0, 0, 0, 0, 0, 33, 32, ...new Array(32).fill(1)) };

for (const [name, ch, reason, alert] of [
  ["baseline: a well-formed hand-built ClientHello is served", () => handBuilt({}), undefined, undefined],
  ["legacy_version 0x0300 → protocol_version (§D.5)", () => handBuilt({ legacyVersion: 0x0300 }), "protocol-version", 70],
  ["two shares for one group → illegal_parameter (§4.2.8)", () => handBuilt({ shares: [{ group: 0x001d, length: 32 }, { group: 0x001d, length: 32 }] }), "illegal-parameter", 47],
  ["a share for a group not in supported_groups → illegal_parameter", () => handBuilt({ groups: [0x0017], shares: [{ group: 0x001d, length: 32 }] }), "illegal-parameter", 47],
  ["a malformed x25519 share → illegal_parameter, never an HRR asking for x25519 again", () => handBuilt({ shares: [{ group: 0x001d, length: 31 }] }), "illegal-parameter", 47],
  ["pre_shared_key without psk_key_exchange_modes → missing_extension (§4.2.9)", () => handBuilt({ skipModes: true, extra: [PSK] }), "missing-extension", 109],
  ["pre_shared_key not last → illegal_parameter (§4.2.11)", () => handBuilt({ extra: [PSK, { type: 0x4444, data: new Uint8Array(0) }] }), "illegal-parameter", 47],
  ["a duplicated extension → illegal_parameter (§4.2)", () => handBuilt({ extra: [{ type: 43, data: encodeSupportedVersionsClient([0x0304]) }] }), "illegal-parameter", 47],
] as [string, () => Uint8Array, Tls13CloseReason | undefined, number | undefined][]) {
  test(`ClientHello rules: ${name}`, () => {
    const server = engine();
    server.receive(ch(), 0);
    const acts = drain(server);
    if (reason === undefined) {
      assert.equal(acts.some((a) => a.kind === "closed"), false);
      assert.equal(acts[0].kind === "send" && acts[0].label, "server-flight");
      return;
    }
    expectClose(acts, reason, alert);
  });
}

test("a Finished of the wrong length → decode_error (50)", () => {
  const { server, client } = untilClientFinished();
  const key = client.secretsForTest.clientHandshake!;
  const short = encodeTlsHandshake(20, new Uint8Array(31));
  server.receive(new Tls13RecordProtection(portableProvider, 0x1301, key).seal(22, short), 0);
  expectClose(drain(server), "decode-error", 50);
});

test("stateful HRR with early_data offered: 0-RTT records before ClientHello2 are skipped", () => {
  const server = engine({ groups: [0x001d] });
  const client = new Tls13TestClient({ groups: [0x0017, 0x001d], keyShareGroups: [0x0017], earlyData: true });
  const early = encodeTlsRecord(23, 0x0303, new Uint8Array(100).fill(1));
  server.receive(concat(client.start(), early), 0);
  client.takeOutput();
  for (const a of drain(server)) if (a.kind === "send") client.receive(a.bytes);
  assert.equal(client.retried, true);
  const pair = connectInMemory(server, client);
  assert.equal(client.state, "connected");
  assert.ok(pair.serverSummary);
});

test("zero-length application data: accepted, delivers nothing, does not reset the KeyUpdate bound", () => {
  assert.equal(TLS13_CLOSE_ALERTS["key-update-flood"]?.name, "unexpected_message");
  const server = engine({ maxKeyUpdates: 2 });
  const { client } = connectInMemory(server, {});
  client.writeRecord(23, new Uint8Array(0));
  client.keyUpdate(false);
  client.writeRecord(23, new Uint8Array(0));
  client.keyUpdate(false);
  client.writeRecord(23, new Uint8Array(0), 100); // padded empty record
  const acts: EngineAction[] = [];
  pump(client, server, acts);
  assert.equal(acts.some((a) => a.kind === "application-data"), false);
  assert.equal(server.state, "connected");
  client.keyUpdate(false);
  pump(client, server, acts);
  expectClose(acts, "key-update-flood", 10);
});

test("KeyUpdate: 32 update_requested in a row (tlsfuzzer's count) are each answered, then data flows", () => {
  const server = engine();
  const { client } = connectInMemory(server, {});
  for (let i = 0; i < 32; i++) client.keyUpdate(true);
  client.write(text("GET / HTTP/1.0\r\n\r\n"));
  const acts: EngineAction[] = [];
  pump(client, server, acts);
  assert.equal(acts.filter((a) => a.kind === "send" && a.label === "key_update").length, 32);
  assert.ok(acts.some((a) => a.kind === "application-data"));
  server.write(text("ok"));
  pump(client, server, acts);
  assert.equal(new TextDecoder().decode(client.receivedData()), "ok");
});
