// TCP adapters over real loopback sockets, with a fake per-connection stream engine.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { PeerAddress } from "../core/peer.ts";
import { ManualClock } from "../transports/clock.ts";
import type { TransportEvent } from "../transports/counters.ts";
import { autoTcpAdapter, listenTcp, type ListenTcpOptions } from "../transports/tcp.ts";
import { listenTcpDeno } from "../transports/tcp_deno.ts";
import { listenTcpBun } from "../transports/tcp_bun.ts";
import { FAKE_ALERT, FAKE_HRR, FakeStreamEngine, readBytes, runtime, tcpClient, within } from "./transport_fakes.ts";

const bytes = (...b: number[]) => new Uint8Array(b);
const native = runtime === "bun" ? "bun" : runtime === "deno" ? "deno" : undefined;
const adapters: ("node" | "deno" | "bun")[] = native ? ["node", native] : ["node"];

async function open(adapter: "node" | "deno" | "bun", extra: Partial<ListenTcpOptions> = {}) {
  const engines: FakeStreamEngine[] = [];
  const events: TransportEvent[] = [];
  const tcp = await listenTcp({
    hostname: "127.0.0.1",
    port: 0,
    adapter,
    engine: (peer) => {
      const e = new FakeStreamEngine(peer);
      engines.push(e);
      return e;
    },
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { tcp, engines, events };
}

for (const adapter of adapters) {
  test(`tcp ${adapter}: HRR out, accept, streams continue after the consumed bytes`, async () => {
    const { tcp, engines, events } = await open(adapter);
    const client = await tcpClient(tcp.addr.port);
    try {
      client.write(bytes(0x01, 0xee));
      assert.deepEqual(await client.read(FAKE_HRR.length), FAKE_HRR);
      client.write(bytes(0x02, 0x68, 0x69)); // accept; "hi" follows the ClientHello
      const conn = await within(tcp.accept(), 5000, "accept");
      assert.ok(conn);
      assert.equal(conn.peer.port, client.port);
      assert.equal(conn.peer.address, "127.0.0.1");
      assert.equal(engines[0].peer.port, client.port, "the factory got the peer");
      client.write(bytes(0x6d, 0x6f));
      assert.deepEqual(await readBytes(conn.readable, 4), bytes(0x68, 0x69, 0x6d, 0x6f));
      const w = conn.writable.getWriter();
      await w.write(bytes(0x70, 0x71));
      assert.deepEqual(await client.read(2), bytes(0x70, 0x71));
      w.releaseLock();
      assert.equal(tcp.counters.hrrSent, 1);
      assert.equal(tcp.counters.accepted, 1);
      assert.equal(tcp.counters.bytesIn, 5);
      assert.equal(tcp.counters.bytesOut, FAKE_HRR.length);
      const acc = events.find((e) => e.event === "accepted");
      assert.equal(acc?.transport, "tcp");
      assert.equal(acc?.bytesIn, 5);
      conn.close();
      await within(client.untilEnd(), 5000, "client sees close");
    } finally {
      client.destroy();
      await tcp.close();
    }
  });

  test(`tcp ${adapter}: a closed outcome writes the alert then closes`, async () => {
    const { tcp, events } = await open(adapter);
    const client = await tcpClient(tcp.addr.port);
    try {
      client.write(bytes(0x03, 0x00));
      assert.deepEqual(await client.untilEnd(), FAKE_ALERT);
      assert.equal(tcp.counters.alertsSent, 1);
      assert.equal(tcp.counters.dropped["malformed-client-hello"], 1);
      const closed = events.find((e) => e.event === "closed");
      assert.equal(closed?.event === "closed" && closed.reason, "malformed-client-hello");
    } finally {
      client.destroy();
      await tcp.close();
    }
  });

  test(`tcp ${adapter}: handshake timeout (fake clock) and the hard byte cap close the socket`, async () => {
    const clock = new ManualClock(5_000_000);
    const { tcp } = await open(adapter, { clock, handshakeTimeoutMs: 2000, maxHandshakeBytes: 8 });
    const slow = await tcpClient(tcp.addr.port);
    let flood: Awaited<ReturnType<typeof tcpClient>> | undefined;
    try {
      slow.write(bytes(0x01));
      assert.deepEqual(await slow.read(FAKE_HRR.length), FAKE_HRR); // gate is now waiting for CH2
      clock.advance(1999);
      assert.equal(tcp.pendingHandshakes >= 1, true);
      clock.advance(1);
      assert.deepEqual(await slow.untilEnd(), new Uint8Array(0));
      flood = await tcpClient(tcp.addr.port); // connects after the clock moved: its timer is fresh
      flood.write(new Uint8Array(20)); // need-more-data forever, past the 8-byte cap
      await flood.untilEnd();
      assert.equal(tcp.counters.dropped["handshake-timeout"], 1);
      assert.equal(tcp.counters.dropped["handshake-bytes-limit"], 1);
    } finally {
      slow.destroy();
      flood?.destroy();
      await tcp.close();
    }
  });

  test(`tcp ${adapter}: IPv6 loopback accept`, async () => {
    const { tcp } = await open(adapter, { hostname: "::1" });
    const client = await tcpClient(tcp.addr.port, "::1");
    try {
      assert.equal(tcp.addr.family, "ipv6");
      client.write(bytes(0x02, 0x41));
      const conn = await within(tcp.accept());
      assert.ok(conn);
      assert.equal(conn.peer.family, "ipv6");
      assert.equal(conn.peer.address, "::1");
      assert.deepEqual(await readBytes(conn.readable, 1), bytes(0x41));
      conn.close();
    } finally {
      client.destroy();
      await tcp.close();
    }
  });

  test(`tcp ${adapter}: at the cap on handshakes in progress the oldest idle one makes room (never the newcomer)`, async () => {
    const { tcp, events } = await open(adapter, { maxPendingHandshakes: 1 });
    const first = await tcpClient(tcp.addr.port);
    try {
      first.write(bytes(0x01));
      assert.deepEqual(await first.read(FAKE_HRR.length), FAKE_HRR);
      const second = await tcpClient(tcp.addr.port);
      assert.deepEqual(await first.untilEnd(), new Uint8Array(0), "the idle first connection is closed");
      assert.equal(tcp.counters.dropped["evicted-idle"], 1);
      assert.equal(tcp.counters.dropped["connection-limit"], undefined);
      assert.ok(events.some((e) => e.event === "closed" && e.reason === "evicted-idle"));
      second.write(bytes(0x02));
      const conn = await within(tcp.accept());
      assert.ok(conn);
      conn.close();
      second.destroy();
    } finally {
      first.destroy();
      await tcp.close();
    }
  });

  test(`tcp ${adapter}: abort closes pending handshakes and ends the iterator`, async () => {
    const ac = new AbortController();
    const { tcp } = await open(adapter, { signal: ac.signal });
    const client = await tcpClient(tcp.addr.port);
    try {
      client.write(bytes(0x01));
      assert.deepEqual(await client.read(FAKE_HRR.length), FAKE_HRR);
      const loop = (async () => {
        let n = 0;
        for await (const _ of tcp) n++;
        return n;
      })();
      ac.abort();
      assert.equal(await within(loop), 0);
      await within(client.untilEnd(), 5000, "pending handshake closed");
      assert.equal(tcp.closed, true);
      assert.equal(tcp.counters.dropped["local-close"], 1);
    } finally {
      client.destroy();
      await tcp.close();
    }
  });
}

test("tcp: native adapter for this runtime (Deno.listen under Deno, Bun.listen under Bun)", async () => {
  const engine = (peer: PeerAddress) => new FakeStreamEngine(peer);
  if (runtime === "node") {
    assert.equal(autoTcpAdapter(), "node");
    return;
  }
  assert.equal(autoTcpAdapter(), runtime);
  const tcp = runtime === "deno" ? await listenTcpDeno({ port: 0, engine }) : await listenTcpBun({ port: 0, engine });
  const client = await tcpClient(tcp.addr.port);
  try {
    assert.equal(tcp.adapter, runtime === "deno" ? "Deno.listen" : "Bun.listen");
    client.write(bytes(0x01));
    assert.deepEqual(await client.read(FAKE_HRR.length), FAKE_HRR);
    await assert.rejects(runtime === "deno" ? listenTcpBun({ port: 0, engine }) : listenTcpDeno({ port: 0, engine }));
  } finally {
    client.destroy();
    await tcp.close();
  }
});
