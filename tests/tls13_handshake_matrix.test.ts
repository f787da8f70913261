// The TLS 1.3 engine against the in-memory client: every suite × group × signature key, data
// both ways, the exporter agreeing on both sides, and the summary the engine reports.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { connectInMemory, pump } from "../testing/tls13_client.ts";
import { certificateFor, engine, str, text } from "./helpers/tls13_pair.ts";
import type { SigningKeyKind } from "../core/crypto/provider.ts";
import { peekTlsRecordHeader } from "../core/wire/record.ts";

const SUITES = [0x1301, 0x1302, 0x1303];
const GROUPS = [0x001d, 0x0017, 0x0018, 0x11ec];
const KEYS: [SigningKeyKind, number][] = [["ecdsa-p256", 0x0403], ["ecdsa-p384", 0x0503], ["ed25519", 0x0807]];

for (const suite of SUITES) {
  for (const group of GROUPS) {
    for (const [kind, scheme] of KEYS) {
      test(`suite 0x${suite.toString(16)} group 0x${group.toString(16)} ${kind}: handshake and data both ways`, () => {
        const server = engine({ certificates: [certificateFor(kind)] });
        const pair = connectInMemory(server, { cipherSuites: [suite], groups: [group], keyShareGroups: [group] });
        const { client, serverSummary } = pair;
        assert.deepEqual(client.events.filter((e) => e.kind === "error"), []);
        assert.equal(client.state, "connected");
        assert.equal(server.state, "connected");
        assert.equal(serverSummary?.cipherSuite, suite);
        assert.equal(serverSummary?.group, group);
        assert.equal(serverSummary?.signatureScheme, scheme);
        assert.equal(serverSummary?.retried, false);
        assert.equal(client.negotiated.signatureScheme, scheme);
        client.write(text("ping from client"));
        const actions: ReturnType<typeof server.poll>[] = [];
        pump(client, server, actions);
        const got = actions.find((a) => a.kind === "application-data");
        assert.equal(got && str(got.data), "ping from client");
        server.write(text("pong from server"));
        pump(client, server, actions);
        assert.equal(str(client.receivedData()), "pong from server");
        const ctx = text("ctx");
        assert.deepEqual(server.exportKeyingMaterial("EXPERIMENTAL test", ctx, 32), client.exportKeyingMaterial("EXPERIMENTAL test", ctx, 32));
      });
    }
  }
}

test("the client's preferred share wins when the server supports it; SNI acknowledged; ALPN chosen by server preference", () => {
  const server = engine({ alpn: ["h2", "http/1.1"] });
  const { client, serverSummary } = connectInMemory(server, {
    groups: [0x0017, 0x001d],
    keyShareGroups: [0x0017],
    serverName: "example.test",
    alpn: ["http/1.1", "h2"],
  });
  assert.equal(client.state, "connected");
  assert.equal(serverSummary?.group, 0x0017);
  assert.equal(serverSummary?.sni, "example.test");
  assert.equal(serverSummary?.alpn, "h2");
  assert.equal(client.negotiated.alpn, "h2");
  assert.equal(client.negotiated.serverNameAck, true);
});

test("no usable share: the engine sends its own HelloRetryRequest and finishes (retried stays false)", () => {
  const server = engine({ groups: [0x001d] });
  const { client, serverSummary, serverActions } = connectInMemory(server, { groups: [0x0017, 0x001d], keyShareGroups: [0x0017] });
  assert.deepEqual(client.events[0], { kind: "hello-retry-request", cookie: false, group: 0x001d });
  assert.equal(client.state, "connected");
  assert.equal(serverSummary?.group, 0x001d);
  assert.equal(serverSummary?.retried, false);
  assert.equal(serverActions.filter((a) => a.kind === "send" && a.label === "hello_retry_request").length, 1);
});

test("middlebox compatibility: one CCS after the ServerHello when the client sent a session id, none otherwise", () => {
  for (const compat of [true, false]) {
    const server = engine();
    const { serverActions } = connectInMemory(server, { middleboxCompat: compat });
    const flight = serverActions.find((a) => a.kind === "send" && a.label === "server-flight");
    assert.ok(flight && flight.kind === "send");
    const shLen = peekTlsRecordHeader(flight.bytes)!.length;
    const after = flight.bytes.subarray(5 + shLen, 5 + shLen + 6);
    assert.equal(after[0] === 20, compat, `compat=${compat}`);
  }
});

test("record_size_limit: advertised when offered; the server splits writes to the client's limit", () => {
  const server = engine({ recordSizeLimit: 1000 });
  const { client } = connectInMemory(server, { recordSizeLimit: 256 });
  assert.equal(client.negotiated.recordSizeLimit, 1000);
  server.write(new Uint8Array(1000).fill(7));
  const records: Uint8Array[] = [];
  for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) if (a.kind === "send") records.push(a.bytes);
  // 255 content bytes per record (the limit counts the content type): 4 records.
  let n = 0;
  for (let at = 0; at < records[0].length; n++) at += 5 + peekTlsRecordHeader(records[0], at)!.length;
  assert.equal(n, 4);
  client.receive(records[0]);
  assert.equal(client.receivedData().length, 1000);
});

test("close(): close_notify is sent and the engine reports local-close; after the peer's close_notify we may still write (RFC 8446 §6.1)", () => {
  const server = engine();
  const { client } = connectInMemory(server, {});
  server.close();
  const a1 = server.poll(), a2 = server.poll();
  assert.equal(a1.kind === "send" && a1.label, "alert");
  assert.equal(a2.kind === "closed" && a2.reason, "local-close");
  client.receive((a1 as { bytes: Uint8Array }).bytes);
  assert.deepEqual(client.events.at(-1), { kind: "alert", level: 1, description: 0 });

  const s2 = engine();
  const p2 = connectInMemory(s2, {});
  p2.client.close();
  const acts: ReturnType<typeof s2.poll>[] = [];
  pump(p2.client, s2, acts);
  assert.equal(acts.at(-1)?.kind === "closed" && (acts.at(-1) as { reason: string }).reason, "peer-close-notify");
  assert.equal(acts.filter((a) => a.kind === "send" && a.label === "alert").length, 0, "our write side stays open");
  assert.equal(s2.state, "half-closed");
  // The application still answers, then closes: data, then our close_notify, and nothing else.
  s2.write(text("late reply"));
  const w = s2.poll();
  assert.equal(w.kind, "send");
  p2.client.receive((w as { bytes: Uint8Array }).bytes);
  assert.deepEqual(p2.client.events.at(-1), { kind: "application-data", data: text("late reply") });
  s2.close();
  const c = s2.poll();
  assert.equal(c.kind === "send" && c.label, "alert");
  assert.equal(s2.poll().kind, "need-data", "closed was already reported");
  p2.client.receive((c as { bytes: Uint8Array }).bytes);
  assert.deepEqual(p2.client.events.at(-1), { kind: "alert", level: 1, description: 0 });
  assert.equal(s2.state, "closed");
  assert.throws(() => s2.write(text("too late")), /state closed/);
});

test("misuse throws: write before the handshake, no certificates, QUIC without transport parameters", () => {
  const server = engine();
  assert.throws(() => server.write(text("x")), /state wait-client-hello/);
  assert.throws(() => engine({ certificates: [] }), TypeError);
  assert.throws(() => engine({ framing: "quic" }), /quicTransportParameters/);
  assert.throws(() => engine({ recordSizeLimit: 10 }), RangeError);
});

test("secrets stay out of JSON and inspection: toJSON names state and summary only, inspect shows getters only", () => {
  const server = engine();
  const { client } = connectInMemory(server, {});
  const json = JSON.stringify(server);
  assert.match(json, /"state":"connected"/);
  assert.doesNotMatch(json, /secret|key/i);
  const secret = client.secretsForTest.serverApplication!;
  const shown = inspect(server, { depth: 20, showHidden: true });
  assert.equal(shown.includes(`${secret[0]}, ${secret[1]}, ${secret[2]}`), false);
  assert.equal(shown.includes(`${secret[0]},\n`), false);
  assert.doesNotMatch(shown, /Uint8Array/);
});
