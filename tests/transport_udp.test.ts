// UDP adapters over real loopback sockets, with a fake engine (0x01 -> reply, 0x02 -> accept).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ManualClock } from "../transports/clock.ts";
import type { TransportEvent } from "../transports/counters.ts";
import type { UdpListener } from "../transports/datagram_gate.ts";
import { autoUdpAdapter, listenUdp, type ListenUdpOptions } from "../transports/udp.ts";
import { denoUdpAvailable, listenUdpDeno } from "../transports/udp_deno.ts";
import { bindUdpBun, bunUdpAvailable, listenUdpBun, MAX_BATCH } from "../transports/udp_bun.ts";
import { FAKE_HVR, FakeDatagramEngine, runtime, udpClient, within } from "./transport_fakes.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

// node:dgram runs everywhere; the native adapter runs when this runtime has one usable here.
const nativeAdapter = runtime === "bun" ? "bun" : runtime === "deno" && denoUdpAvailable() ? "deno" : undefined;
const adapters: ("node" | "deno" | "bun")[] = nativeAdapter ? ["node", nativeAdapter] : ["node"];

async function open(adapter: "node" | "deno" | "bun", extra: Partial<ListenUdpOptions> = {}) {
  const engine = new FakeDatagramEngine();
  const events: TransportEvent[] = [];
  const udp = await listenUdp({ hostname: "127.0.0.1", port: 0, engine, adapter, onEvent: (e) => events.push(e), ...extra });
  return { engine, events, udp };
}

for (const adapter of adapters) {
  test(`udp ${adapter}: a send outcome goes back to the peer, counted, never amplified`, async () => {
    const { udp, events } = await open(adapter);
    const client = await udpClient();
    try {
      assert.ok(udp.addr.port > 0);
      await client.send(bytes(0x01, 9, 9, 9, 9), udp.addr.port);
      assert.deepEqual(await client.recv(), FAKE_HVR);
      await client.send(bytes(0x09, 9), udp.addr.port); // dropped by the engine
      await client.send(bytes(0x01, 8, 8), udp.addr.port);
      assert.deepEqual(await client.recv(), FAKE_HVR);
      const c = udp.counters;
      assert.equal(c.hvrSent, 2);
      assert.equal(c.dropped["not-handshake"], 1);
      assert.equal(c.bytesIn, 5 + 2 + 3);
      assert.equal(c.bytesOut, 6);
      assert.ok(c.amplification <= 1);
      assert.equal(udp.connectionCount, 0, "unverified peers leave no state");
      const sent = events.filter((e) => e.event === "sent");
      assert.equal(sent.length, 2);
      assert.equal(sent[0].peer.port, client.port);
      assert.equal(sent[0].peer.address, "127.0.0.1");
      assert.equal(sent[0].bytesIn, 5);
      assert.equal(sent[0].bytesOut, 3);
    } finally {
      await client.close();
      await udp.close();
    }
  });

  test(`udp ${adapter}: accept yields a connection; remainder first, later datagrams routed to it`, async () => {
    const { udp, engine, events } = await open(adapter);
    const client = await udpClient();
    try {
      await client.send(bytes(0x02, 0x00, 0x71, 0x72), udp.addr.port);
      const conn = await within(udp.accept(), 5000, "accept");
      assert.ok(conn);
      assert.equal(conn.peer.port, client.port);
      assert.equal(conn.accepted.protocol, "dtls1.2");
      const callsAtAccept = engine.calls;
      // 0x01 would make the engine reply: after accept it must reach the connection instead.
      await client.send(bytes(0x01, 0x02, 0x03), udp.addr.port);
      const it = conn.datagrams[Symbol.asyncIterator]();
      assert.deepEqual((await within(it.next())).value, bytes(0x71, 0x72), "remainder first");
      assert.deepEqual((await within(it.next())).value, bytes(0x01, 0x02, 0x03));
      assert.equal(engine.calls, callsAtAccept, "the engine never saw the routed datagram");
      await conn.send(bytes(0x55, 0x66));
      assert.deepEqual(await client.recv(), bytes(0x55, 0x66));
      assert.equal(udp.counters.accepted, 1);
      assert.equal(udp.counters.hvrSent, 0);
      assert.equal(events.filter((e) => e.event === "accepted").length, 1);
      conn.close();
      assert.equal(await conn.closed, "closed");
      assert.equal(udp.connectionCount, 0);
      // After close the peer goes through the gate again.
      await client.send(bytes(0x01, 7, 7), udp.addr.port);
      assert.deepEqual(await client.recv(), FAKE_HVR);
      assert.equal(engine.calls, callsAtAccept + 1);
    } finally {
      await client.close();
      await udp.close();
    }
  });

  test(`udp ${adapter}: a reply to a port that closed (ICMP unreachable) does not kill the listener`, async () => {
    const { udp } = await open(adapter);
    const gone = await udpClient();
    const client = await udpClient();
    try {
      // Two requests, then the port closes before the replies go out: the second reply draws an
      // ICMP port-unreachable, which Bun reports as ECONNREFUSED on the socket.
      await gone.send(bytes(0x01, 0, 0), udp.addr.port);
      await gone.send(bytes(0x01, 0, 1), udp.addr.port);
      await gone.close();
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 3; i++) {
        await client.send(bytes(0x01, 0, 2), udp.addr.port);
        assert.deepEqual(await client.recv(), FAKE_HVR);
      }
    } finally {
      await client.close();
      await udp.close();
    }
  });

  test(`udp ${adapter}: a burst from many peers in one turn gets every reply, each to its sender`, async () => {
    const { udp } = await open(adapter);
    const clients = await Promise.all(Array.from({ length: 16 }, () => udpClient()));
    try {
      // 16 peers x 8 datagrams, sent without waiting: under Bun the replies leave in batches.
      await Promise.all(clients.flatMap((c) => Array.from({ length: 8 }, (_, i) => c.send(bytes(0x01, i, i), udp.addr.port))));
      for (const c of clients) {
        for (let i = 0; i < 8; i++) assert.deepEqual(await c.recv(), FAKE_HVR);
      }
      assert.equal(udp.counters.hvrSent, 128);
      assert.equal(udp.counters.dropped["io-error"] ?? 0, 0);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await udp.close();
    }
  });

  test(`udp ${adapter}: IPv6 loopback accept and reply`, async () => {
    const { udp } = await open(adapter, { hostname: "::1" });
    const client = await udpClient("::1");
    try {
      assert.equal(udp.addr.family, "ipv6");
      await client.send(bytes(0x01, 1, 1), udp.addr.port);
      assert.deepEqual(await client.recv(), FAKE_HVR);
      await client.send(bytes(0x02, 0, 0x42), udp.addr.port);
      const conn = await within(udp.accept());
      assert.ok(conn);
      assert.equal(conn.peer.family, "ipv6");
      assert.equal(conn.peer.address, "::1");
      assert.equal(conn.peer.port, client.port);
      await conn.send(bytes(0x43));
      assert.deepEqual(await client.recv(), bytes(0x43));
    } finally {
      await client.close();
      await udp.close();
    }
  });

  test(`udp ${adapter}: idle timeout closes a quiet connection (fake clock)`, async () => {
    const clock = new ManualClock(1_000_000);
    const { udp, events } = await open(adapter, { clock, idleTimeoutMs: 1000 });
    const client = await udpClient();
    try {
      await client.send(bytes(0x02, 0), udp.addr.port);
      const conn = await within(udp.accept());
      assert.ok(conn);
      clock.advance(600);
      await client.send(bytes(0x33), udp.addr.port); // activity re-arms the idle window
      const it = conn.datagrams[Symbol.asyncIterator]();
      assert.deepEqual((await within(it.next())).value, bytes(0x33));
      clock.advance(600);
      assert.equal(udp.connectionCount, 1, "still alive: activity 600 ms ago");
      clock.advance(400);
      assert.equal(await within(conn.closed), "idle-timeout");
      assert.equal(udp.connectionCount, 0);
      assert.equal((await it.next()).done, true);
      assert.ok(events.some((e) => e.event === "closed" && e.reason === "idle-timeout"));
      await assert.rejects(conn.send(bytes(1)));
    } finally {
      await client.close();
      await udp.close();
    }
  });

  test(`udp ${adapter}: connection cap drops further accepts but keeps answering statelessly`, async () => {
    const { udp } = await open(adapter, { maxConnections: 1 });
    const a = await udpClient();
    const b = await udpClient();
    try {
      await a.send(bytes(0x02, 0), udp.addr.port);
      const conn = await within(udp.accept());
      assert.ok(conn);
      await b.send(bytes(0x02, 0), udp.addr.port); // refused: cap reached
      await b.send(bytes(0x01, 0, 0), udp.addr.port); // still answered
      assert.deepEqual(await b.recv(), FAKE_HVR);
      assert.equal(udp.counters.dropped["connection-limit"], 1);
      assert.equal(udp.counters.accepted, 1);
      assert.equal(udp.connectionCount, 1);
      conn.close();
      await b.send(bytes(0x02, 0), udp.addr.port); // room again
      const second = await within(udp.accept());
      assert.equal(second?.peer.port, b.port);
    } finally {
      await a.close();
      await b.close();
      await udp.close();
    }
  });

  test(`udp ${adapter}: abort ends the accept loop and every connection`, async () => {
    const ac = new AbortController();
    const { udp } = await open(adapter, { signal: ac.signal });
    const client = await udpClient();
    try {
      await client.send(bytes(0x02, 0, 0x10), udp.addr.port);
      const seen: number[] = [];
      let conn: Awaited<ReturnType<UdpListener["accept"]>>;
      const loop = (async () => {
        for await (const c of udp) {
          conn = c;
          for await (const d of c.datagrams) {
            seen.push(d[0]);
            ac.abort();
          }
        }
      })();
      await within(loop, 5000, "loop end after abort");
      assert.deepEqual(seen, [0x10]);
      assert.equal(udp.closed, true);
      assert.equal(await conn!.closed, "local-close");
      assert.equal(await udp.accept(), undefined);
    } finally {
      await client.close();
      await udp.close();
    }
  });
}

test("udp: native adapter for this runtime (Bun.udpSocket under Bun; Deno needs --unstable-net)", async () => {
  const engine = new FakeDatagramEngine();
  if (runtime === "bun") {
    assert.equal(bunUdpAvailable(), true);
    assert.equal(autoUdpAdapter(), "bun");
    const udp = await listenUdpBun({ port: 0, engine });
    const client = await udpClient();
    try {
      assert.equal(udp.adapter, "Bun.udpSocket");
      await client.send(bytes(0x01, 0, 0), udp.addr.port);
      assert.deepEqual(await client.recv(), FAKE_HVR);
    } finally {
      await client.close();
      await udp.close();
    }
  } else if (runtime === "deno") {
    assert.equal(bunUdpAvailable(), false);
    if (denoUdpAvailable()) {
      assert.equal(autoUdpAdapter(), "deno");
      const udp = await listenUdpDeno({ port: 0, engine });
      assert.equal(udp.adapter, "Deno.listenDatagram");
      await udp.close();
    } else {
      // `deno test -A` without --unstable-net: the native API is absent and auto falls back.
      await assert.rejects(listenUdpDeno({ port: 0, engine }), /--unstable-net/);
      assert.equal(autoUdpAdapter(), "node");
      const udp = await listenUdp({ port: 0, engine, adapter: "auto" });
      assert.equal(udp.adapter, "node:dgram");
      await udp.close();
    }
  } else {
    assert.equal(autoUdpAdapter(), "node");
    await assert.rejects(listenUdpBun({ port: 0, engine }), /Bun/);
  }
});

test("udp: the default adapter is node:dgram on every runtime", async () => {
  const udp = await listenUdp({ port: 0, engine: new FakeDatagramEngine() });
  try {
    assert.equal(udp.adapter, "node:dgram");
    assert.equal(udp.addr.address, "127.0.0.1");
  } finally {
    await udp.close();
  }
});

test("udp: Bun batches only replies sent inside a datagram's delivery: bounded per turn (MAX_BATCH), flushed by close(); other sends go out at once", async () => {
  if (runtime !== "bun") {
    await assert.rejects(bindUdpBun("127.0.0.1", 0, { datagram() {}, error() {} }), /Bun/);
    return;
  }
  let errors = 0;
  const client = await udpClient();
  const peer = { family: "ipv4" as const, address: "127.0.0.1", port: client.port };
  // Settled at once: a refused send must not surface as an unhandled rejection.
  const inside: Promise<PromiseSettledResult<void>>[] = [];
  const settle = (p: Promise<void>) =>
    inside.push(p.then((value) => ({ status: "fulfilled" as const, value }), (reason) => ({ status: "rejected" as const, reason })));
  const binding = await bindUdpBun("127.0.0.1", 0, {
    datagram(d) {
      if (d[0] === 1) for (let i = 0; i < MAX_BATCH + 3; i++) settle(binding.send(bytes(0x70, i & 0xff), peer));
      if (d[0] === 2) {
        settle(binding.send(bytes(0x71, 0x71), peer));
        void binding.close(); // before the turn ends: close() must send the queued reply first
      }
    },
    error: () => errors++,
  });
  try {
    // Outside a delivery nothing is queued, so nothing is refused.
    const outside = await Promise.allSettled(Array.from({ length: MAX_BATCH + 3 }, () => binding.send(bytes(0x6f, 0), peer)));
    assert.equal(outside.filter((r) => r.status === "fulfilled").length, MAX_BATCH + 3);
    await new Promise((r) => setTimeout(r, 300)); // let the client drain them
    await client.send(bytes(1), binding.local.port);
    let first: Uint8Array;
    do first = await client.recv(); while (first[0] === 0x6f);
    assert.deepEqual(first, bytes(0x70, 0));
    const results = await Promise.all(inside.splice(0));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, MAX_BATCH);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    assert.equal(refused.length, 3);
    assert.match(String(refused[0].reason), /queue full/);
    await new Promise((r) => setTimeout(r, 300));
    await client.send(bytes(2), binding.local.port);
    let last: Uint8Array;
    do last = await client.recv(); while (last[0] !== 0x71);
    assert.deepEqual(last, bytes(0x71, 0x71));
    assert.equal(errors, 0);
  } finally {
    await client.close();
    await binding.close();
  }
});
