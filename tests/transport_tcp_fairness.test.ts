// Fairness of the TCP gate (issue 12 items 3-5): per-source and global caps that evict the oldest
// idle handshake instead of refusing the newcomer, slots freed the moment the peer closes, and a
// global budget for partial ClientHellos. The table is tested on its own, then over real loopback
// sockets (127.0.0.2 is a second loopback source on Linux) with every adapter of the runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { PendingHandshakes, sourceKey } from "../transports/tcp_fairness.ts";
import { listenTcp, type ListenTcpOptions } from "../transports/tcp.ts";
import type { TcpListener } from "../transports/stream_gate.ts";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import { ScriptedClient, seededRandom } from "../testing/mod.ts";
import { FAKE_HRR, FakeStreamEngine, runtime, within } from "./transport_fakes.ts";

const native = runtime === "bun" ? "bun" : runtime === "deno" ? "deno" : undefined;
const adapters: ("node" | "deno" | "bun")[] = native ? ["node", native] : ["node"];
const v4 = (address: string, port = 1000) => ({ family: "ipv4" as const, address, port });
const v6 = (address: string, port = 1000) => ({ family: "ipv6" as const, address, port });

test("sourceKey: IPv4 by address (mapped IPv6 included), IPv6 by /64", () => {
  assert.equal(sourceKey(v4("192.0.2.1", 1)), sourceKey(v4("192.0.2.1", 2)));
  assert.equal(sourceKey(v6("::ffff:192.0.2.1")), sourceKey(v4("192.0.2.1")));
  assert.notEqual(sourceKey(v4("192.0.2.1")), sourceKey(v4("192.0.2.2")));
  assert.equal(sourceKey(v6("2001:db8:1:2::1")), sourceKey(v6("2001:db8:1:2:ffff:ffff:ffff:ffff")));
  assert.notEqual(sourceKey(v6("2001:db8:1:2::1")), sourceKey(v6("2001:db8:1:3::1")));
  assert.equal(sourceKey(v6("2001:db8:1:2::1")), "6:20010db800010002");
});

test("PendingHandshakes: the per-source cap evicts that source's oldest idle, never another source's", () => {
  const t = new PendingHandshakes({ maxPendingHandshakes: 100, maxPendingPerSource: 3, minIdleBeforeEvictionMs: 5 });
  const evicted: string[] = [];
  const other = t.admit(v4("198.51.100.9"), 0, () => evicted.push("other"));
  const a = [1, 2, 3].map((i) => t.admit(v4("192.0.2.1", i), i, (r) => evicted.push(`a${i}:${r}`)));
  t.activity(a[0], 10, 0); // a1 is now the most recently active
  t.admit(v4("192.0.2.1", 4), 6, () => evicted.push("a4")); // a2 idle for 4 ms only: a burst, admitted past the cap
  assert.equal(evicted.length, 0);
  assert.equal(t.pendingFrom(v4("192.0.2.1")), 4);
  t.admit(v4("192.0.2.1", 5), 20, () => evicted.push("a5"));
  assert.deepEqual(evicted, ["a2:evicted-idle", "a3:evicted-idle"]);
  assert.equal(a[1].released, true);
  assert.equal(t.pendingFrom(v4("192.0.2.1")), 3);
  assert.equal(other.released, false);
  assert.equal(t.size, 4);
});

test("PendingHandshakes: the global cap evicts the oldest idle of the busiest source", () => {
  const t = new PendingHandshakes({ maxPendingHandshakes: 4, maxPendingPerSource: 10 });
  const evicted: string[] = [];
  t.admit(v4("198.51.100.9"), 0, () => evicted.push("lone")); // globally the oldest
  for (let i = 1; i <= 3; i++) t.admit(v4("192.0.2.1", i), i, () => evicted.push(`busy${i}`));
  t.admit(v6("2001:db8::1"), 5, () => evicted.push("v6"));
  assert.deepEqual(evicted, ["busy1"]);
  assert.equal(t.size, 4);
  assert.equal(t.sources, 3);
});

test("PendingHandshakes: among equally busy sources the global cap evicts the longest idle (a source rotator evicts itself)", () => {
  const t = new PendingHandshakes({ maxPendingHandshakes: 3 });
  const evicted: string[] = [];
  const real = t.admit(v6("2001:db8:1:1::1"), 0, () => evicted.push("real"));
  t.admit(v6("2001:db8:2:1::1"), 1, () => evicted.push("rot1"));
  t.admit(v6("2001:db8:2:2::1"), 2, () => evicted.push("rot2"));
  t.activity(real, 3, 0); // the real client answered the HRR: now the most recently active
  t.admit(v6("2001:db8:2:3::1"), 4, () => evicted.push("rot3"));
  t.admit(v6("2001:db8:2:4::1"), 5, () => evicted.push("rot4"));
  assert.deepEqual(evicted, ["rot1", "rot2"]);
  assert.equal(real.released, false);
});

test("PendingHandshakes: over the byte budget the biggest buffer goes; release is idempotent", () => {
  const t = new PendingHandshakes({ maxBufferedHandshakeBytes: 1000 });
  const evicted: string[] = [];
  const small = t.admit(v4("192.0.2.1"), 0, (r) => evicted.push(`small:${r}`));
  const big = t.admit(v4("192.0.2.2"), 0, (r) => evicted.push(`big:${r}`));
  t.activity(big, 1, 700);
  t.activity(small, 2, 200);
  assert.equal(t.bufferedBytes, 900);
  t.activity(small, 3, 400); // 1100 > 1000: big holds the most
  assert.deepEqual(evicted, ["big:handshake-budget"]);
  assert.equal(t.bufferedBytes, 400);
  t.release(small);
  t.release(small);
  assert.equal(t.size, 0);
  assert.equal(t.bufferedBytes, 0);
  assert.throws(() => new PendingHandshakes({ maxPendingPerSource: 0 }), RangeError);
});

/** A raw client socket from `localAddress`, recording what it receives and when it is closed. */
async function rawClient(port: number, localAddress = "127.0.0.1") {
  const s = net.connect({ port, host: "127.0.0.1", localAddress });
  await within(
    new Promise<void>((resolve, reject) => {
      s.once("connect", () => resolve());
      s.once("error", reject);
    }),
    5000,
    `connect from ${localAddress}`,
  );
  s.on("error", () => {});
  const state = { received: 0, closed: false, data: [] as Uint8Array[], socket: s };
  s.on("data", (d: Uint8Array) => {
    state.received += d.length;
    state.data.push(new Uint8Array(d));
  });
  s.on("close", () => (state.closed = true));
  s.on("end", () => (state.closed = true));
  return state;
}

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function fakeGate(adapter: "node" | "deno" | "bun", extra: Partial<ListenTcpOptions>): Promise<TcpListener> {
  return await listenTcp({
    hostname: "127.0.0.1",
    port: 0,
    adapter,
    engine: (peer) => new FakeStreamEngine(peer),
    ...extra,
  });
}

for (const adapter of adapters) {
  test(`tcp ${adapter}: 30 idle connections from 127.0.0.2 do not lock out 127.0.0.1 (oldest idle evicted, nobody refused)`, async () => {
    const tcp = await fakeGate(adapter, { maxPendingHandshakes: 20, maxPendingPerSource: 10, minIdleBeforeEvictionMs: 0 });
    const idle: Awaited<ReturnType<typeof rawClient>>[] = [];
    try {
      for (let i = 0; i < 30; i++) idle.push(await rawClient(tcp.addr.port, "127.0.0.2"));
      await until(() => idle.filter((c) => c.closed).length === 20, 5000, "20 oldest idle closed");
      assert.deepEqual(idle.map((c) => c.closed), [...Array(20).fill(true), ...Array(10).fill(false)]);
      assert.equal(tcp.pendingHandshakes, 10);
      const real = await rawClient(tcp.addr.port, "127.0.0.1");
      real.socket.write(Uint8Array.of(0x01));
      await until(() => real.received >= FAKE_HRR.length, 5000, "HRR to the real client");
      real.socket.write(Uint8Array.of(0x02));
      const conn = await within(tcp.accept(), 5000, "accept of the real client");
      assert.equal(conn?.peer.address, "127.0.0.1");
      conn?.close();
      assert.equal(tcp.counters.dropped["evicted-idle"], 20);
      assert.equal(tcp.counters.dropped["connection-limit"], undefined, "nobody refused");
      real.socket.destroy();
    } finally {
      for (const c of idle) c.socket.destroy();
      await tcp.close();
    }
  });

  test(`tcp ${adapter}: at the global cap the busiest source gives way, the lone older client keeps its slot`, async () => {
    const tcp = await fakeGate(adapter, { maxPendingHandshakes: 6, maxPendingPerSource: 100 });
    const lone = await rawClient(tcp.addr.port, "127.0.0.1");
    const busy: Awaited<ReturnType<typeof rawClient>>[] = [];
    try {
      await until(() => tcp.pendingHandshakes === 1, 5000, "lone registered");
      for (let i = 0; i < 8; i++) busy.push(await rawClient(tcp.addr.port, "127.0.0.2"));
      await until(() => busy.filter((c) => c.closed).length === 3, 5000, "3 busy closed");
      assert.equal(lone.closed, false);
      lone.socket.write(Uint8Array.of(0x01));
      await until(() => lone.received >= FAKE_HRR.length, 5000, "HRR to the lone client");
      assert.equal(tcp.counters.dropped["evicted-idle"], 3);
    } finally {
      lone.socket.destroy();
      for (const c of busy) c.socket.destroy();
      await tcp.close();
    }
  });

  test(`tcp ${adapter}: a slot is freed as soon as the peer closes; a connect-send-close burst evicts and refuses nothing`, async () => {
    const tcp = await fakeGate(adapter, { maxPendingPerSource: 128 });
    try {
      const one = await rawClient(tcp.addr.port);
      await until(() => tcp.pendingHandshakes === 1, 5000, "pending 1");
      one.socket.end();
      await until(() => tcp.pendingHandshakes === 0, 2000, "slot freed on peer close");
      const n = 300;
      for (let i = 0; i < n; i++) {
        const s = net.connect({ port: tcp.addr.port, host: "127.0.0.1" });
        s.on("error", () => {});
        await new Promise<void>((resolve) => s.once("connect", () => resolve()));
        s.end(Uint8Array.of(0x01));
      }
      await until(() => tcp.pendingHandshakes === 0, 5000, "every slot freed after the burst");
      await until(() => tcp.counters.hrrSent === n, 5000, `${n} HRRs`);
      assert.equal(tcp.counters.dropped["connection-limit"], undefined);
      assert.equal(tcp.counters.dropped["evicted-idle"], undefined);
    } finally {
      await tcp.close();
    }
  });

  test(`tcp ${adapter}: partial ClientHellos beyond the global byte budget close the biggest (handshake-budget)`, async () => {
    const keyring = CookieKeyring.random();
    const tcp = await listenTcp({
      hostname: "127.0.0.1",
      port: 0,
      adapter,
      maxBufferedHandshakeBytes: 6000,
      engine: (peer) => new StreamListener({ keyring, framing: "tls-records", peer }),
    });
    const header = (n: number) => Uint8Array.of(0x16, 0x03, 0x01, n >> 8, n & 0xff, 0x01, 0, (n - 4) >> 8, (n - 4) & 0xff);
    const big = await rawClient(tcp.addr.port, "127.0.0.2");
    const small = await rawClient(tcp.addr.port, "127.0.0.1");
    try {
      big.socket.write(header(16000));
      big.socket.write(new Uint8Array(4000));
      await until(() => tcp.counters.bytesIn >= 4009, 5000, "big partial read");
      small.socket.write(header(3000));
      small.socket.write(new Uint8Array(2500)); // 4009 + 2509 > 6000: the 4 KB one goes
      await until(() => big.closed, 5000, "biggest partial closed");
      assert.equal(tcp.counters.dropped["handshake-budget"], 1);
      assert.equal(small.closed, false);
      assert.ok(tcp.pendingHandshakes === 1);
      // The survivor still completes: the rest of its (garbage) message is judged by the gate.
      const c = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("budget") });
      const real = await rawClient(tcp.addr.port, "127.0.0.1");
      real.socket.write(c.firstFlight()[0]);
      await until(() => real.received > 0, 5000, "HRR to a real ClientHello");
      assert.equal(c.handleReply(concatAll(real.data)).kind, "hello-retry-request");
      real.socket.destroy();
    } finally {
      big.socket.destroy();
      small.socket.destroy();
      await tcp.close();
    }
  });
}

function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
