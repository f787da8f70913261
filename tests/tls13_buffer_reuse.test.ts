// The engine keeps no view of the caller's bytes past receive(): a transport may reuse its read
// buffer at once. Every chunk here goes through one small scratch buffer that is overwritten
// after each receive(), in TLS-record and QUIC framing, with chunk sizes that split headers,
// records and messages.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { EngineAction, QuicLevel } from "../core/handshake/actions.ts";
import type { Tls13ServerEngine } from "../core/handshake/tls13/server.ts";
import { Tls13TestClient } from "../testing/tls13_client.ts";
import { engine, str, text } from "./helpers/tls13_pair.ts";

/** Delivers `bytes` in `chunk`-byte pieces through one scratch buffer, clobbered after each call. */
function feedThroughScratch(server: Tls13ServerEngine, bytes: Uint8Array, chunk: number, level?: QuicLevel): void {
  const scratch = new Uint8Array(chunk);
  for (let at = 0; at < bytes.length; at += chunk) {
    const piece = bytes.subarray(at, Math.min(at + chunk, bytes.length));
    scratch.set(piece);
    server.receive(scratch.subarray(0, piece.length), 0, level);
    scratch.fill(0xee);
  }
}

/** Client output to the server through the scratch buffer, server output back; returns the server's actions. */
function exchange(client: Tls13TestClient, server: Tls13ServerEngine, chunk: number): EngineAction[] {
  const actions: EngineAction[] = [];
  for (let round = 0; round < 16; round++) {
    const out = client.takeOutput();
    for (const o of out) feedThroughScratch(server, o.bytes, chunk, o.level);
    let moved = out.length > 0;
    for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) {
      actions.push(a);
      if (a.kind === "send") {
        client.receive(a.bytes, a.level);
        moved = true;
      }
    }
    if (!moved) break;
  }
  return actions;
}

for (const chunk of [1, 3, 7, 64, 1000]) {
  test(`TLS records through a reused ${chunk}-byte buffer: handshake, data both ways, KeyUpdate`, () => {
    const server = engine();
    const client = new Tls13TestClient({});
    client.start();
    const actions = exchange(client, server, chunk);
    assert.deepEqual(client.events.filter((e) => e.kind === "error"), []);
    assert.equal(server.state, "connected");
    assert.ok(actions.some((a) => a.kind === "handshake-complete"));
    client.write(text("first record"));
    client.keyUpdate(true);
    client.write(text("after the key update"));
    const data = exchange(client, server, chunk).filter((a) => a.kind === "application-data");
    assert.deepEqual(data.map((a) => a.kind === "application-data" ? str(a.data) : ""), ["first record", "after the key update"]);
    server.write(text("pong"));
    exchange(client, server, chunk);
    assert.equal(str(client.receivedData()), "pong");
  });
}

test("QUIC CRYPTO data through a reused 5-byte buffer: handshake completes at every level", () => {
  const server = engine({ framing: "quic", quicTransportParameters: Uint8Array.of(0x01, 0x02, 0x67, 0x10) });
  const client = new Tls13TestClient({ framing: "quic", quicTransportParameters: Uint8Array.of(0x04, 0x04, 0x80, 0x10, 0x00, 0x00) });
  client.start();
  const actions = exchange(client, server, 5);
  assert.deepEqual(client.events.filter((e) => e.kind === "error"), []);
  assert.equal(client.state, "connected");
  assert.ok(actions.some((a) => a.kind === "handshake-complete"));
});
