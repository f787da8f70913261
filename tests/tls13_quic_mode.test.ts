// The TLS 1.3 engine in QUIC mode (RFC 9001): no records, CRYPTO bytes per encryption level,
// traffic secrets handed over per level (and equal to the client's), transport parameters both
// ways, and what RFC 9001 forbids refused. Plus the QUIC packet-key labels (RFC 9001 A.1,
// RFC 9369 A.1) from key_schedule.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { portableProvider } from "../core/crypto/portable.ts";
import { quicNextSecret, quicPacketKeys } from "../core/handshake/key_schedule.ts";
import type { EngineAction, QuicSecretsAction } from "../core/handshake/actions.ts";
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import { connectInMemory, Tls13TestClient } from "../testing/tls13_client.ts";
import { hex, toHex } from "./helpers/fixtures.ts";
import { V1_KEYS, V2_KEYS } from "./helpers/quic_vectors.ts";
import { engine } from "./helpers/tls13_pair.ts";
import { Reader } from "../core/wire/reader.ts";

const CLIENT_TP = Uint8Array.of(0x04, 0x04, 0x80, 0x10, 0x00, 0x00);
const SERVER_TP = Uint8Array.of(0x01, 0x02, 0x67, 0x10);

function quicEngine(extra = {}, accepted?: AcceptedOutcome) {
  return engine({ framing: "quic", quicTransportParameters: SERVER_TP, ...extra }, accepted);
}

test("QUIC: levels, secrets per level equal to the client's, transport parameters both ways", () => {
  const server = quicEngine();
  const pair = connectInMemory(server, { framing: "quic", quicTransportParameters: CLIENT_TP });
  const { client, serverActions } = pair;
  assert.deepEqual(client.events.filter((e) => e.kind === "error"), []);
  assert.equal(client.state, "connected");
  const shape = serverActions.map((a) =>
    a.kind === "send" ? `send:${a.level}` : a.kind === "quic-secrets" ? `secrets:${a.level}` : a.kind
  );
  assert.deepEqual(shape, ["send:initial", "secrets:handshake", "send:handshake", "secrets:application", "handshake-complete"]);
  const [hsSecrets, appSecrets] = serverActions.filter((a): a is QuicSecretsAction => a.kind === "quic-secrets");
  const cs = client.secretsForTest;
  assert.equal(toHex(hsSecrets.clientSecret), toHex(cs.clientHandshake!));
  assert.equal(toHex(hsSecrets.serverSecret), toHex(cs.serverHandshake!));
  assert.equal(toHex(appSecrets.clientSecret), toHex(cs.clientApplication!));
  assert.equal(toHex(appSecrets.serverSecret), toHex(cs.serverApplication!));
  assert.equal(hsSecrets.cipherSuite, 0x1301);
  // No TLS records anywhere: the initial CRYPTO bytes start with the ServerHello message itself.
  const sh = serverActions.find((a) => a.kind === "send")!;
  assert.equal(sh.kind === "send" && sh.bytes[0], 2);
  assert.deepEqual(server.peerTransportParameters, CLIENT_TP);
  assert.deepEqual(client.negotiated.transportParameters, SERVER_TP);
  // No record_size_limit in QUIC, and no CCS.
  assert.equal(client.negotiated.recordSizeLimit, undefined);
});

test("QUIC: secrets stay out of JSON and inspection", () => {
  const server = quicEngine();
  const { serverActions } = connectInMemory(server, { framing: "quic", quicTransportParameters: CLIENT_TP });
  const s = serverActions.find((a) => a.kind === "quic-secrets")!;
  const json = JSON.stringify(s);
  assert.match(json, /redacted/);
  assert.equal(Object.keys(s).includes("clientSecret"), false);
  assert.equal(Object.values(s).some((v) => v instanceof Uint8Array), false);
  assert.ok(s.kind === "quic-secrets" && s.clientSecret instanceof Uint8Array && s.clientSecret.length === 32);
});

function closedOf(actions: EngineAction[]): Extract<EngineAction, { kind: "closed" }> | undefined {
  return actions.find((a): a is Extract<EngineAction, { kind: "closed" }> => a.kind === "closed");
}

test("QUIC: missing quic_transport_parameters → missing_extension (109), nothing sent", () => {
  const server = quicEngine();
  const { serverActions } = connectInMemory(server, { framing: "quic" });
  const c = closedOf(serverActions);
  assert.equal(c?.reason, "missing-extension");
  assert.deepEqual(c?.alert, { description: 109, name: "missing_extension", sender: "us" });
  assert.equal(serverActions.filter((a) => a.kind === "send").length, 0, "QUIC sends alerts as CONNECTION_CLOSE, not bytes");
});

test("QUIC: a legacy_session_id → illegal_parameter (RFC 9001 §8.4)", () => {
  const server = quicEngine();
  const client = new Tls13TestClient({ framing: "quic", quicTransportParameters: CLIENT_TP });
  const ch = client.start();
  // Re-encode with a session id: patch the session id length byte (offset 4 + 34) and insert 32 bytes.
  const body = ch.subarray(4);
  const patched = new Uint8Array(ch.length + 32);
  patched.set(ch.subarray(0, 4 + 34));
  patched[4 + 34] = 32;
  patched.set(body.subarray(35), 4 + 35 + 32);
  const len = patched.length - 4;
  patched[1] = len >> 16;
  patched[2] = len >> 8;
  patched[3] = len & 0xff;
  server.receive(patched, 0, "initial");
  const acts: EngineAction[] = [];
  for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) acts.push(a);
  assert.equal(closedOf(acts)?.reason, "illegal-parameter");
});

test("QUIC: CRYPTO data at the wrong level, and post-handshake messages, are unexpected_message", () => {
  const server = quicEngine();
  const client = new Tls13TestClient({ framing: "quic", quicTransportParameters: CLIENT_TP });
  server.receive(client.start(), 0, "handshake");
  assert.equal(closedOf([server.poll()])?.reason, "unexpected-message");

  const s2 = quicEngine();
  connectInMemory(s2, { framing: "quic", quicTransportParameters: CLIENT_TP });
  s2.receive(Uint8Array.of(24, 0, 0, 1, 0), 0, "application"); // KeyUpdate is forbidden in QUIC
  assert.equal(closedOf([s2.poll()])?.reason, "unexpected-message");
});

test("QUIC: misuse throws (no level, write, KeyUpdate)", () => {
  const server = quicEngine();
  assert.throws(() => server.receive(new Uint8Array(1), 0), /level/);
  assert.throws(() => server.write(new Uint8Array(1)), /QUIC/);
  assert.throws(() => server.updateKeys(), /QUIC/);
  const tls = engine();
  assert.throws(() => tls.receive(new Uint8Array(1), 0, "initial"), /no level/);
});

test("QUIC packet keys: RFC 9001 A.1 (v1) and RFC 9369 A.1 (v2) labels", () => {
  for (const [version, v] of [[1, V1_KEYS], [2, V2_KEYS]] as const) {
    for (const side of ["client", "server"] as const) {
      const k = quicPacketKeys(portableProvider, 0x1301, hex(v[`${side}Secret`]), version);
      assert.equal(toHex(k.key), v[`${side}Key`]);
      assert.equal(toHex(k.iv), v[`${side}Iv`]);
      assert.equal(toHex(k.hp), v[`${side}Hp`]);
    }
  }
  // RFC 9001 A.5 (ChaCha20-Poly1305): the "quic ku" update of its secret.
  const secret = hex("9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b");
  assert.equal(toHex(quicNextSecret(portableProvider, 0x1303, secret)), "1223504755036d556342ee9361d253421a826c9ecdf3c7148684b36b714881f9");
  const k = quicPacketKeys(portableProvider, 0x1303, secret);
  assert.equal(toHex(k.key), "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8");
  assert.equal(toHex(k.iv), "e0459b3474bdd0e44a41c144");
  assert.equal(toHex(k.hp), "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4");
});

test("QUIC: an accepted outcome with a remainder (more Initial CRYPTO bytes) is taken at the initial level", async () => {
  const { StreamListener } = await import("../core/gate/stream_listener.ts");
  const { CookieKeyring } = await import("../core/gate/cookie/keyring.ts");
  const listener = new StreamListener({ keyring: CookieKeyring.random(), framing: "handshake-messages", acceptWithoutRetry: true, peer: { family: "ipv4", address: "127.0.0.1", port: 1 } });
  const client = new Tls13TestClient({ framing: "quic", quicTransportParameters: CLIENT_TP });
  const ch = client.start();
  client.takeOutput();
  // A second ClientHello right behind the first: the engine must see it (at the initial level) and refuse it.
  const out = listener.receive(new Uint8Array([...ch, ...ch]), 0);
  assert.equal(out.kind, "accepted");
  const server = quicEngine({}, out as AcceptedOutcome);
  const acts: EngineAction[] = [];
  for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) acts.push(a);
  assert.equal(closedOf(acts)?.reason, "unexpected-message");
});

test("QUIC: the engine's own HelloRetryRequest goes out at the initial level, without CCS, and the handshake completes", () => {
  const server = quicEngine({ groups: [0x001d] });
  const { client, serverActions, serverSummary } = connectInMemory(server, {
    framing: "quic",
    quicTransportParameters: CLIENT_TP,
    groups: [0x0017, 0x001d],
    keyShareGroups: [0x0017],
  });
  assert.equal(client.state, "connected");
  assert.equal(client.retried, true);
  assert.equal(serverSummary?.group, 0x001d);
  const hrr = serverActions[0];
  assert.ok(hrr.kind === "send" && hrr.label === "hello_retry_request" && hrr.level === "initial");
  assert.equal(hrr.bytes[0], 2, "a bare ServerHello-format message, no record, no CCS");
  assert.equal(hrr.bytes.length, 4 + new Reader(hrr.bytes, 1).u24("length"));
});
