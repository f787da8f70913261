// Opt-in session tickets and resumption (RFC 8446 §4.6.1, §4.2.11, §2.2): stateless tickets sealed
// under the server's key, psk_dhe_ke only, binders verified (decrypt_error otherwise), expiry,
// other keys and other hashes fall back to a full handshake; after a stateless (gate) or stateful
// HRR the binder covers message_hash || HRR; QUIC sends tickets at the application level.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import type { EngineAction } from "../core/handshake/actions.ts";
import { connectInMemory, pump, Tls13TestClient, type Tls13TestClientOptions } from "../testing/tls13_client.ts";
import { engine, NOW, str, text } from "./helpers/tls13_pair.ts";
import type { Tls13ServerOptions } from "../core/handshake/tls13/options.ts";

const KEY = new Uint8Array(32).fill(0x42);

function firstSession(options: Partial<Tls13ServerOptions> = {}, client: Tls13TestClientOptions = {}) {
  const server = engine({ sessionTickets: { key: KEY }, ...options });
  const c = new Tls13TestClient(client);
  c.start();
  const actions: EngineAction[] = [];
  pump(c, server, actions, NOW);
  assert.equal(c.state, "connected");
  return { server, client: c, actions };
}

function resume(ticketClient: Tls13TestClient, now: number, options: Partial<Tls13ServerOptions> = {}, client: Tls13TestClientOptions = {}) {
  const server = engine({ sessionTickets: { key: KEY }, ...options });
  const c = new Tls13TestClient({ resumeWith: ticketClient.tickets[0], ...client });
  c.start();
  const actions: EngineAction[] = [];
  pump(c, server, actions, now);
  return { server, client: c, actions };
}

test("a ticket after the handshake; the next connection resumes: no certificate, data both ways, original scheme", () => {
  const first = firstSession();
  assert.equal(first.client.tickets.length, 1);
  assert.equal(first.actions.filter((a) => a.kind === "send" && a.label === "new_session_ticket").length, 1);
  assert.equal(first.server.resumed, false);
  const original = first.server.summary!.signatureScheme;

  const second = resume(first.client, NOW + 60_000);
  assert.deepEqual(second.client.events.filter((e) => e.kind === "error"), []);
  assert.equal(second.client.state, "connected");
  assert.equal(second.client.negotiated.resumed, true);
  assert.equal(second.server.resumed, true);
  assert.equal(second.client.serverCertificates.length, 0, "a PSK handshake sends no Certificate");
  assert.equal(second.server.summary?.signatureScheme, original);
  assert.equal(second.client.tickets.length, 1, "a resumed connection gets a fresh ticket too");
  second.client.write(text("resumed ping"));
  const acts: EngineAction[] = [];
  pump(second.client, second.server, acts, NOW + 60_000);
  const got = acts.find((a) => a.kind === "application-data");
  assert.equal(got && str(got.data), "resumed ping");
  second.server.write(text("resumed pong"));
  pump(second.client, second.server, acts, NOW + 60_000);
  assert.equal(str(second.client.receivedData()), "resumed pong");
  // The new ticket resumes as well.
  const third = resume(second.client, NOW + 120_000);
  assert.equal(third.server.resumed, true);
});

test("a bad binder → decrypt_error (51), nothing accepted", () => {
  const first = firstSession();
  const bad = resume(first.client, NOW + 1000, {}, { corruptBinder: true });
  const closed = bad.actions.find((a) => a.kind === "closed");
  assert.equal(closed?.kind === "closed" && closed.reason, "decrypt-error");
  assert.equal(closed?.kind === "closed" && closed.alert?.description, 51);
  assert.equal(bad.actions.some((a) => a.kind === "handshake-complete"), false);
});

test("expired tickets, tickets under another key, another hash, or no tickets configured: a full handshake instead", () => {
  const first = firstSession({ sessionTickets: { key: KEY, lifetimeSeconds: 60 } });
  const expired = resume(first.client, NOW + 61_000);
  assert.equal(expired.client.state, "connected");
  assert.equal(expired.server.resumed, false);
  assert.equal(expired.client.serverCertificates.length, 1);

  const otherKey = resume(first.client, NOW + 1000, { sessionTickets: { key: new Uint8Array(32).fill(7) } });
  assert.equal(otherKey.client.state, "connected");
  assert.equal(otherKey.server.resumed, false);

  const otherHash = resume(first.client, NOW + 1000, {}, { cipherSuites: [0x1302] });
  assert.equal(otherHash.client.state, "connected");
  assert.equal(otherHash.server.resumed, false);

  const off = resume(first.client, NOW + 1000, { sessionTickets: undefined });
  assert.equal(off.client.state, "connected");
  assert.equal(off.server.resumed, false);
  assert.equal(off.actions.some((a) => a.kind === "send" && a.label === "new_session_ticket"), false);
});

test("count: several tickets per connection, each usable; count 0 sends none", () => {
  const first = firstSession({ sessionTickets: { key: KEY, count: 3 } });
  assert.equal(first.client.tickets.length, 3);
  const c = new Tls13TestClient({ resumeWith: first.client.tickets[2] });
  const server = engine({ sessionTickets: { key: KEY } });
  c.start();
  pump(c, server, [], NOW);
  assert.equal(server.resumed, true);
  assert.equal(firstSession({ sessionTickets: { key: KEY, count: 0 } }).client.tickets.length, 0);
  assert.throws(() => engine({ sessionTickets: { key: new Uint8Array(16) } }), /32 bytes/);
});

test("resumption after the gate's stateless HRR: the binder covers message_hash || HRR || CH2", () => {
  const first = firstSession();
  const keyring = CookieKeyring.fromSecret(new Uint8Array(32).fill(5));
  const peer = { family: "ipv4", address: "127.0.0.1", port: 4444 } as const;
  const client = new Tls13TestClient({ resumeWith: first.client.tickets[0], keyShareGroups: [] });
  client.start();
  const hrr = new StreamListener({ keyring, framing: "tls-records", peer }).receive(client.takeBytes(), NOW + 5000);
  assert.equal(hrr.kind, "send");
  client.receive((hrr as { bytes: Uint8Array }).bytes);
  const accepted = new StreamListener({ keyring, framing: "tls-records", peer }).receive(client.takeBytes(), NOW + 5000);
  assert.equal(accepted.kind, "accepted");
  const server = engine({ sessionTickets: { key: KEY }, now: NOW + 5000 }, accepted as AcceptedOutcome);
  const pair = connectInMemory(server, client);
  assert.deepEqual(client.events.filter((e) => e.kind === "error"), []);
  assert.equal(server.resumed, true);
  assert.equal(pair.serverSummary?.retried, true);
});

test("resumption after the engine's own HRR", () => {
  const first = firstSession();
  const server = engine({ sessionTickets: { key: KEY }, groups: [0x001d] });
  const client = new Tls13TestClient({ resumeWith: first.client.tickets[0], groups: [0x0017, 0x001d], keyShareGroups: [0x0017] });
  client.start();
  pump(client, server, [], NOW + 1000);
  assert.equal(client.retried, true);
  assert.equal(client.state, "connected");
  assert.equal(server.resumed, true);
});

test("QUIC: the ticket goes out at the application level and resumes a QUIC connection", () => {
  const tp = Uint8Array.of(1, 2, 3);
  const quic = { framing: "quic" as const, quicTransportParameters: tp };
  const first = firstSession(quic, quic);
  const nst = first.actions.find((a) => a.kind === "send" && a.label === "new_session_ticket");
  assert.ok(nst && nst.kind === "send" && nst.level === "application");
  assert.equal(first.client.tickets.length, 1);
  const second = resume(first.client, NOW + 1000, quic, quic);
  assert.equal(second.client.state, "connected");
  assert.equal(second.server.resumed, true);
});

test("a ticket resumes only under the server_name it was issued for", () => {
  const first = firstSession({}, { serverName: "a.example" });
  const same = resume(first.client, NOW + 1000, {}, { serverName: "a.example" });
  assert.equal(same.server.resumed, true);
  const other = resume(first.client, NOW + 1000, {}, { serverName: "b.example" });
  assert.equal(other.client.state, "connected");
  assert.equal(other.server.resumed, false);
  const none = resume(first.client, NOW + 1000);
  assert.equal(none.server.resumed, false);
});

test("key rotation: tickets under a previous key still resume; the new key seals the new ticket", () => {
  const first = firstSession();
  const newKey = new Uint8Array(32).fill(0x77);
  const rotated = resume(first.client, NOW + 1000, { sessionTickets: { key: newKey, previousKeys: [KEY] } });
  assert.equal(rotated.server.resumed, true);
  // The ticket it issued opens under the new key alone.
  const again = resume(rotated.client, NOW + 2000, { sessionTickets: { key: newKey } });
  assert.equal(again.server.resumed, true);
  assert.throws(() => engine({ sessionTickets: { key: newKey, previousKeys: [new Uint8Array(3)] } }), /32 bytes/);
});
