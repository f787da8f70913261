// DatagramGate's per-datagram peer handling: a canonical IPv4 peer goes to the engine as is (no
// re-parse), every other spelling is normalised exactly as normalizePeer does, and an address
// that does not parse is dropped as io-error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizePeer, type PeerAddress } from "../core/peer.ts";
import { DatagramGate } from "../transports/datagram_gate.ts";
import { FakeDatagramEngine } from "./transport_fakes.ts";

function gateWith(engine: FakeDatagramEngine): DatagramGate {
  return new DatagramGate({
    adapter: "custom",
    local: { family: "ipv4", address: "127.0.0.1", port: 1 },
    send: () => Promise.resolve(),
    close: () => Promise.resolve(),
  }, { engine });
}

test("datagram gate: the engine sees exactly what normalizePeer gives, the same object for canonical IPv4", () => {
  const engine = new FakeDatagramEngine();
  const gate = gateWith(engine);
  const inputs: PeerAddress[] = [
    { family: "ipv4", address: "192.0.2.7", port: 5000 },
    { family: "ipv4", address: "0.0.0.0", port: 1 },
    { family: "ipv4", address: "255.255.255.255", port: 65535 },
    { family: "ipv4", address: "10.0.0.10", port: 2 },
    { family: "ipv4", address: "010.1.1.1", port: 3 }, // leading zero: rewritten
    { family: "ipv4", address: "1.2.3.04", port: 3 },
    { family: "ipv6", address: "::ffff:192.0.2.7", port: 5000 }, // mapped: becomes IPv4
    { family: "ipv6", address: "2001:db8::1", port: 443 },
  ];
  for (const p of inputs) gate.deliver(new Uint8Array([0x01, 0, 0]), p);
  assert.equal(engine.peers.length, inputs.length);
  inputs.forEach((p, i) => {
    assert.deepEqual(engine.peers[i], normalizePeer(p), p.address);
    if (p.family === "ipv4" && !/(^|\.)0\d/.test(p.address)) assert.equal(engine.peers[i], p, "no copy");
  });
  assert.deepEqual(engine.peers[4], { family: "ipv4", address: "10.1.1.1", port: 3 });
  void gate.close();
});

test("datagram gate: malformed IPv4 spellings are io-error drops, never reach the engine", () => {
  const engine = new FakeDatagramEngine();
  const gate = gateWith(engine);
  const bad = ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.4.", ".1.2.3", "1.2.3.1000", "a.b.c.d", "1.2.3.-4"];
  for (const address of bad) gate.deliver(new Uint8Array([0x01, 0, 0]), { family: "ipv4", address, port: 1 });
  assert.equal(engine.calls, 0);
  assert.equal(gate.counters.dropped["io-error"], bad.length);
  void gate.close();
});
