// Dtls12Server never throws on remote input: random datagrams, and genuine client datagrams
// mutated (bytes flipped, truncated, records repeated), fed in every state; every action it
// returns is well-formed. Deterministic (seeded) so a failure reproduces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import { Dtls12Server } from "../core/handshake/dtls12/server.ts";
import { Dtls12TestClient } from "../testing/dtls12_client.ts";
import { makeTestCertificate } from "./helpers/dtls12_certificate.ts";

const CREDS = makeTestCertificate();
const PEER = { family: "ipv4" as const, address: "192.0.2.9", port: 7000 };

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

/** A server that has sent flight 4, the client flight 5 it would get, and an app-data record. */
function setup(clientAuth: "off" | "require") {
  const listener = new DatagramListener({ keyring: CookieKeyring.fromSecret(new Uint8Array(32).fill(3)), versions: ["dtls1.2"] });
  const mine = makeTestCertificate("client");
  const client = new Dtls12TestClient({ certificate: { chain: mine.chain, key: mine.key } });
  const hvr = listener.receive(client.firstFlight()[0], PEER, 0);
  assert.equal(hvr.kind, "send");
  const acc = listener.receive(client.secondFlight((hvr as { bytes: Uint8Array }).bytes)[0], PEER, 0) as AcceptedOutcome;
  const server = new Dtls12Server(acc, { certificateChain: CREDS.chain, signingKey: CREDS.key, clientAuth }, 0);
  const f4: Uint8Array[] = [];
  for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) if (a.kind === "send") f4.push(a.bytes);
  const f5 = f4.flatMap((d) => client.receive(d));
  return { server, client, f5 };
}

function drainChecked(server: Dtls12Server): void {
  for (let i = 0, a = server.poll(); a.kind !== "need-data"; a = server.poll(), i++) {
    assert.ok(i < 1000, "poll terminates");
    if (a.kind === "send") assert.ok(a.bytes.length >= 13);
    if (a.kind === "closed") assert.equal(typeof a.reason, "string");
  }
}

function mutate(r: () => number, d: Uint8Array): Uint8Array {
  const out = d.slice(0, r() < 0.2 ? Math.floor(r() * d.length) : d.length);
  const flips = 1 + Math.floor(r() * 4);
  for (let i = 0; i < flips && out.length > 0; i++) out[Math.floor(r() * out.length)] ^= 1 << Math.floor(r() * 8);
  return out;
}

for (const clientAuth of ["off", "require"] as const) {
  test(`random and mutated datagrams never throw (client auth ${clientAuth}), before and after the handshake`, () => {
    const r = rng(clientAuth === "off" ? 1 : 2);
    for (let run = 0; run < 40; run++) {
      const { server, f5 } = setup(clientAuth);
      for (let i = 0; i < 20; i++) {
        const kind = r();
        const input = kind < 0.3
          ? Uint8Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256))
          : mutate(r, f5[Math.floor(r() * f5.length)]);
        server.receive(input, i * 10);
        drainChecked(server);
      }
      // The genuine flight completes the handshake unless a mutation ended it or poisoned it (an
      // altered but valid X25519 point yields other keys): then the retransmission budget ends it.
      for (const d of f5) server.receive(d, 500);
      drainChecked(server);
      for (let t = 1; t <= 20 && server.state !== "established" && server.state !== "closed"; t++) {
        server.handleTimeout(t * 120_000);
        drainChecked(server);
      }
      assert.ok(server.state === "established" || server.state === "closed", server.state);
      if (server.state === "established") {
        for (let i = 0; i < 20; i++) {
          server.receive(mutate(r, f5[Math.floor(r() * f5.length)]), 600 + i);
          drainChecked(server);
        }
      }
      server.handleTimeout(1e9);
      drainChecked(server);
    }
  });
}
