// listenQuic: replies go out on the socket, an accepted attempt becomes a QuicConnection that
// receives its peer's later datagrams (so retransmitted Initials are not accepted twice), sends
// to the peer, and hands the peer back to the listener when closed or idle. Every adapter this
// runtime has: node:dgram, and Deno.listenDatagram / Bun.udpSocket.
import { test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { QuicListener } from "../core/quic/listener.ts";
import { readInvariantLongHeader } from "../core/quic/long_header.ts";
import { V1_INFO } from "../core/quic/versions.ts";
import type { QuicAccepted } from "../core/quic/outcome.ts";
import { listenQuic, type QuicEngine, type QuicTransportEvent } from "../transports/quic_udp.ts";
import { ManualClock } from "../transports/clock.ts";
import { hex } from "./helpers/fixtures.ts";
import * as V from "./helpers/quic_vectors.ts";
import { clientInitialPacket } from "./helpers/quic_client.ts";

/** `p`, or a rejection after 5 s naming `what` (a lost datagram must fail the test, not hang it). */
async function within<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), 5000)))]);
  } finally {
    clearTimeout(timer);
  }
}

const native = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";

for (const adapter of ["node", native] as const) {
  test(`listenQuic (${adapter}): Retry, accepted connection gets later datagrams and sends; close hands the peer back`, async () => {
    const listener = new QuicListener({ keyring: CookieKeyring.random() });
    const events: QuicTransportEvent[] = [];
    const clock = new ManualClock(Date.now());
    const server = await listenQuic({ hostname: "127.0.0.1", port: 0, adapter, listener, onEvent: (e) => events.push(e), clock, idleTimeoutMs: 5000 });
    const sock = dgram.createSocket("udp4");
    const replies: Uint8Array[] = [];
    sock.on("message", (m: Uint8Array) => replies.push(new Uint8Array(m)));
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
    const until = async (what: string, ok: () => boolean) => {
      const deadline = Date.now() + 5000;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      assert.ok(adapter === "node" ? server.adapter === "node:dgram" : server.adapter !== "node:dgram", server.adapter);
      sock.send(hex(V.V1_PROTECTED_INITIAL), server.addr.port, "127.0.0.1");
      await until("the Retry", () => replies.length === 1);
      const h = readInvariantLongHeader(replies[0], 0)!;
      const second = clientInitialPacket({
        info: V1_INFO, dcid: h.scid, scid: new Uint8Array(0), token: replies[0].slice(h.afterScid, replies[0].length - 16),
        pn: 3, payload: hex(V.RFC_CLIENT_CRYPTO_FRAME), padTo: 1200,
      });
      sock.send(second, server.addr.port, "127.0.0.1");
      const conn = (await within(server.accept(), "accept"))!;
      assert.equal(conn.accepted.sni, "example.com");
      assert.equal(conn.accepted.validatedBy, "retry");
      assert.equal(server.connectionCount, 1);
      // A retransmission goes to the connection, not to the listener.
      sock.send(second, server.addr.port, "127.0.0.1");
      const it = conn.datagrams[Symbol.asyncIterator]();
      const next = await within(it.next(), "the retransmission");
      assert.deepEqual(next.value, second);
      assert.equal(listener.counters.accepted, 1);
      await conn.send(new Uint8Array([1, 2, 3]));
      await until("the connection's datagram", () => replies.length === 2);
      assert.deepEqual(replies[1], new Uint8Array([1, 2, 3]));
      // Idle timeout ends the connection; the peer is the listener's again.
      clock.advance(5001);
      assert.equal(conn.closed, true);
      assert.equal((await it.next()).done, true);
      assert.ok(events.some((e) => e.type === "closed" && e.reason === "idle"));
      sock.send(second, server.addr.port, "127.0.0.1");
      await until("a second accept", () => listener.counters.accepted === 2);
      const again = (await within(server.accept(), "second accept"))!;
      again.close();
      assert.equal(server.connectionCount, 0);
      assert.deepEqual(events.filter((e) => e.type === "sent").map((e) => e.type === "sent" && e.message), ["retry"]);
    } finally {
      sock.close();
      await server.close();
    }
  });
}

test("listenQuic: a datagram from the peer postpones the idle timeout; idleTimeoutMs Infinity never closes", async () => {
  // An engine that accepts every datagram: only the connection's idle timer is under test.
  const engine: QuicEngine = { receive: (_d, peer) => ({ kind: "accepted", peer }) as unknown as QuicAccepted };
  const clock = new ManualClock(1_000_000);
  const server = await listenQuic({ hostname: "127.0.0.1", port: 0, listener: engine, clock, idleTimeoutMs: 5000 });
  // The system clock here: setTimeout(fn, Infinity) would fire at once.
  const forever = await listenQuic({ hostname: "127.0.0.1", port: 0, listener: engine, idleTimeoutMs: Infinity });
  const sock = dgram.createSocket("udp4");
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  try {
    sock.send(new Uint8Array([1]), server.addr.port, "127.0.0.1");
    sock.send(new Uint8Array([1]), forever.addr.port, "127.0.0.1");
    const conn = (await within(server.accept(), "accept"))!;
    const kept = (await within(forever.accept(), "accept (no idle timeout)"))!;
    clock.advance(3000);
    sock.send(new Uint8Array([2]), server.addr.port, "127.0.0.1");
    const it = conn.datagrams[Symbol.asyncIterator]();
    assert.deepEqual((await within(it.next(), "the second datagram")).value, new Uint8Array([2]));
    clock.advance(2500); // 5500 ms after accept, 2500 after the last datagram
    assert.equal(conn.closed, false);
    clock.advance(2500); // 5000 ms after the last datagram
    assert.equal(conn.closed, true);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(kept.closed, false);
  } finally {
    sock.close();
    await server.close();
    await forever.close();
  }
});
