// The picotls-style proof that the gate keeps nothing: CH1 → StreamListener → HRR; the listener
// is DROPPED; a FRESH listener takes CCS + CH2 → accepted; a FRESH engine continues from the
// accepted outcome, finishes the handshake and exchanges data. Also: acceptWithoutRetry → engine,
// QUIC-style handshake-messages framing through the gate, and bytes after CH2 (remainder) kept.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { StreamListener, type StreamListenerOptions } from "../core/gate/stream_listener.ts";
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";
import { connectInMemory, pump, Tls13TestClient, type Tls13TestClientOptions } from "../testing/tls13_client.ts";
import { engine, NOW, str, text } from "./helpers/tls13_pair.ts";
import { peekTlsRecordHeader } from "../core/wire/record.ts";

const KEYRING = CookieKeyring.fromSecret(new Uint8Array(32).fill(3));
const PEER: PeerAddress = { family: "ipv4", address: "127.0.0.1", port: 50000 };

function listener(extra: Partial<StreamListenerOptions> = {}): StreamListener {
  return new StreamListener({ keyring: KEYRING, framing: "tls-records", peer: PEER, ...extra });
}

/** CH1 → listener A → HRR; CH2 → brand-new listener B → accepted. */
function throughGate(options: Tls13TestClientOptions, gate: Partial<StreamListenerOptions> = {}): { client: Tls13TestClient; accepted: AcceptedOutcome } {
  const client = new Tls13TestClient(options);
  client.start();
  let a: StreamListener | undefined = listener(gate);
  const hrr = a.receive(client.takeBytes(), NOW);
  assert.equal(hrr.kind, "send");
  a = undefined; // dropped: nothing of CH1 survives but the cookie the client holds
  client.receive((hrr as { bytes: Uint8Array }).bytes);
  assert.equal(client.events[0]?.kind, "hello-retry-request");
  const b = listener(gate);
  const accepted = b.receive(client.takeBytes(), NOW + 1000);
  assert.equal(accepted.kind, "accepted", JSON.stringify(accepted));
  return { client, accepted: accepted as AcceptedOutcome };
}

for (const [name, opts] of [
  ["cookie-only HRR (x25519 share)", {}],
  ["key-share HRR (client sent no share)", { keyShareGroups: [] }],
  ["AES-256/SHA-384 suite, P-384", { cipherSuites: [0x1302], groups: [0x0018], keyShareGroups: [0x0018] }],
  ["no session id (no middlebox compat)", { middleboxCompat: false }],
] as [string, Tls13TestClientOptions][]) {
  test(`gate HRR → fresh listener → fresh engine finishes: ${name}`, () => {
    const { client, accepted } = throughGate(opts);
    const server = engine({}, accepted);
    const pair = connectInMemory(server, client);
    assert.deepEqual(client.events.filter((e) => e.kind === "error"), []);
    assert.equal(client.state, "connected");
    assert.equal(pair.serverSummary?.retried, true);
    assert.deepEqual(pair.serverSummary?.peer, PEER);
    assert.equal(pair.serverSummary?.cipherSuite, accepted.retry!.cipherSuite);
    assert.equal(pair.serverSummary?.group, accepted.retry!.group);
    // The gate sent the only CCS: the engine's flight starts with the ServerHello and has none.
    const flight = pair.serverActions.find((a) => a.kind === "send")!;
    assert.ok(flight.kind === "send");
    const shLen = peekTlsRecordHeader(flight.bytes)!.length;
    assert.equal(flight.bytes[5 + shLen], 23, "no second CCS after a gate HRR");
    client.write(text("GET / after a stateless retry"));
    const acts: ReturnType<typeof server.poll>[] = [];
    pump(client, server, acts);
    const data = acts.find((x) => x.kind === "application-data");
    assert.equal(data && str(data.data), "GET / after a stateless retry");
    server.write(text("200 OK"));
    pump(client, server, acts);
    assert.equal(str(client.receivedData()), "200 OK");
  });
}

test("bytes after CH2 in the same read (remainder) reach the engine", () => {
  // A CCS held back by the client and delivered with CH2 is consumed by the gate; an extra
  // plaintext alert after CH2 must reach the engine and close it.
  const { client, accepted } = throughGate({}, {});
  const withTail = { ...accepted, remainder: Uint8Array.of(21, 3, 3, 0, 2, 2, 40) };
  const server = engine({}, withTail);
  const acts: ReturnType<typeof server.poll>[] = [];
  for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) acts.push(a);
  const closed = acts.at(-1);
  assert.equal(closed?.kind, "closed");
  assert.equal(closed?.kind === "closed" && closed.reason, "peer-alert");
  assert.equal(closed?.kind === "closed" && closed.alert?.name, "handshake_failure");
  void client;
});

test("acceptWithoutRetry: the gate accepts CH1 at once and the engine runs the plain 1-RTT handshake", () => {
  const client = new Tls13TestClient({});
  client.start();
  const out = listener({ acceptWithoutRetry: true }).receive(client.takeBytes(), NOW);
  assert.equal(out.kind, "accepted");
  const server = engine({}, out as AcceptedOutcome);
  const pair = connectInMemory(server, client);
  assert.equal(client.state, "connected");
  assert.equal(pair.serverSummary?.retried, false);
  assert.equal(client.retried, false);
});

test("QUIC-style framing through the gate: handshake-messages HRR, then the engine in quic mode", () => {
  const params = Uint8Array.of(0x01, 0x02, 0x40, 0x64);
  const client = new Tls13TestClient({ framing: "quic", quicTransportParameters: params, keyShareGroups: [] });
  client.start();
  const a = new StreamListener({ keyring: KEYRING, framing: "handshake-messages", peer: PEER });
  const hrr = a.receive(client.takeBytes(), NOW);
  assert.equal(hrr.kind, "send");
  client.receive((hrr as { bytes: Uint8Array }).bytes, "initial");
  const b = new StreamListener({ keyring: KEYRING, framing: "handshake-messages", peer: PEER });
  const accepted = b.receive(client.takeBytes(), NOW);
  assert.equal(accepted.kind, "accepted");
  const server = engine({ framing: "quic", quicTransportParameters: Uint8Array.of(0x03, 0x02, 0x45, 0xc0) }, accepted as AcceptedOutcome);
  const pair = connectInMemory(server, client);
  assert.equal(client.state, "connected");
  assert.equal(pair.serverSummary?.retried, true);
  assert.deepEqual(client.negotiated.transportParameters, Uint8Array.of(0x03, 0x02, 0x45, 0xc0));
});
