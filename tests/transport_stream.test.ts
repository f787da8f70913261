// acceptStream over in-memory WHATWG streams (QUIC-like), and the datagram gate without sockets.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { StreamOutcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";
import { ManualClock } from "../transports/clock.ts";
import { TransportCounters } from "../transports/counters.ts";
import { DatagramGate } from "../transports/datagram_gate.ts";
import type { StreamEngine } from "../transports/engine.ts";
import { AsyncQueue } from "../transports/queue.ts";
import { acceptStream } from "../transports/streams.ts";
import { FAKE_ALERT, FAKE_HRR, FakeDatagramEngine, FakeStreamEngine, fakeAccepted, readBytes, within } from "./transport_fakes.ts";

const bytes = (...b: number[]) => new Uint8Array(b);

/** A duplex pair: the server side for acceptStream and a client side for the test. */
function pipePair() {
  const up = new TransformStream<Uint8Array, Uint8Array>();
  const down = new TransformStream<Uint8Array, Uint8Array>();
  return {
    server: { readable: up.readable, writable: down.writable },
    clientWriter: up.writable.getWriter(),
    clientReadable: down.readable,
  };
}

test("stream: HRR, then accept; readable continues with the remainder then later chunks", async () => {
  const p = pipePair();
  const counters = new TransportCounters();
  let got: PeerAddress | undefined;
  const result = acceptStream(
    { ...p.server, peer: { family: "ipv6", address: "::ffff:10.0.0.1", port: 443 } },
    {
      engine: (peer) => {
        got = peer;
        return new FakeStreamEngine(peer);
      },
      counters,
    },
  );
  const clientReader = p.clientReadable.getReader();
  await p.clientWriter.write(bytes(0x01));
  assert.deepEqual((await clientReader.read()).value, FAKE_HRR);
  await p.clientWriter.write(bytes(0x02, 0x61, 0x62));
  const r = await within(result);
  assert.equal(r.kind, "accepted");
  if (r.kind !== "accepted") return;
  assert.deepEqual(got, { family: "ipv4", address: "10.0.0.1", port: 443 }, "IPv4-mapped peer normalised");
  assert.equal(r.peer.family, "ipv4");
  void p.clientWriter.write(bytes(0x63));
  assert.deepEqual(await readBytes(r.readable, 3), bytes(0x61, 0x62, 0x63));
  const w = r.writable.getWriter();
  void w.write(bytes(0x7a));
  assert.deepEqual((await clientReader.read()).value, bytes(0x7a));
  assert.equal(counters.hrrSent, 1);
  assert.equal(counters.accepted, 1);
  assert.equal(r.bytesIn, 4);
  assert.equal(r.bytesOut, FAKE_HRR.length);
});

test("stream: closed outcome writes the alert and closes; EOF before accept is end-of-stream", async () => {
  const p = pipePair();
  const counters = new TransportCounters();
  const result = acceptStream(p.server, { engine: (peer) => new FakeStreamEngine(peer), counters });
  void p.clientWriter.write(bytes(0x03));
  const received = readBytes(p.clientReadable, 100); // read concurrently: the pipe has no buffer
  const r = await within(result);
  assert.equal(r.kind, "rejected");
  assert.equal(r.kind === "rejected" && r.reason, "malformed-client-hello");
  assert.deepEqual(await received, FAKE_ALERT);
  assert.equal(counters.alertsSent, 1);

  const q = pipePair();
  const engine = new FakeStreamEngine({ family: "unspec", address: "", port: 0 });
  const r2 = acceptStream(q.server, { engine });
  await q.clientWriter.write(bytes(0x00));
  await q.clientWriter.close();
  const out = await within(r2);
  assert.equal(out.kind === "rejected" && out.reason, "end-of-stream");
  assert.equal(engine.ended, 1);
});

test("stream: dropped, engine errors, the byte cap, timeout and abort all close with a typed reason", async () => {
  const reasons: string[] = [];
  for (const [chunk, extra] of [
    [bytes(0x05), {}],
    [new Uint8Array(40), { maxHandshakeBytes: 16 }],
  ] as const) {
    const p = pipePair();
    const r = acceptStream(p.server, { engine: (peer) => new FakeStreamEngine(peer), ...extra });
    void p.clientWriter.write(chunk).catch(() => {});
    const out = await within(r);
    if (out.kind === "rejected") reasons.push(out.reason);
  }
  const thrower: StreamEngine = {
    receive(): StreamOutcome {
      throw new Error("bug");
    },
    end: (): StreamOutcome => ({ kind: "need-more-data" }),
  };
  const p3 = pipePair();
  const r3 = acceptStream(p3.server, { engine: thrower });
  void p3.clientWriter.write(bytes(1)).catch(() => {});
  const o3 = await within(r3);
  if (o3.kind === "rejected") reasons.push(o3.reason);

  const clock = new ManualClock(0);
  const p4 = pipePair();
  const r4 = acceptStream(p4.server, { engine: (peer) => new FakeStreamEngine(peer), clock, handshakeTimeoutMs: 50 });
  clock.advance(50);
  const o4 = await within(r4);
  if (o4.kind === "rejected") reasons.push(o4.reason);

  const ac = new AbortController();
  const p5 = pipePair();
  const r5 = acceptStream(p5.server, { engine: (peer) => new FakeStreamEngine(peer), signal: ac.signal });
  ac.abort();
  const o5 = await within(r5);
  if (o5.kind === "rejected") reasons.push(o5.reason);
  assert.deepEqual(reasons, ["not-tls", "handshake-bytes-limit", "engine-error", "handshake-timeout", "local-close"]);
  assert.equal(clock.pendingTimers, 0, "timer cancelled");
});

test("stream: for any chunking, consumed bytes + continued readable == what the peer sent", async () => {
  // Engine: accepts once it has seen `k` bytes; remainder = the rest of that chunk.
  class CountingEngine implements StreamEngine {
    seen = 0;
    k: number;
    constructor(k: number) {
      this.k = k;
    }
    receive(chunk: Uint8Array): StreamOutcome {
      const before = this.seen;
      this.seen += chunk.length;
      if (this.seen < this.k) return { kind: "need-more-data" };
      return fakeAccepted({ family: "unspec", address: "", port: 0 }, chunk.slice(this.k - before), "tls1.3");
    }
    end(): StreamOutcome {
      return { kind: "closed", reason: "end-of-stream", detail: "" };
    }
  }
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
      fc.integer({ min: 1, max: 300 }),
      async (data, cuts, kRaw) => {
        const k = Math.min(kRaw, data.length);
        const p = pipePair();
        const result = acceptStream(p.server, { engine: new CountingEngine(k) });
        const writing = (async () => {
          let at = 0, i = 0;
          while (at < data.length) {
            const n = cuts[i++ % cuts.length];
            await p.clientWriter.write(data.slice(at, at + n));
            at += n;
          }
          await p.clientWriter.close();
        })();
        const r = await result;
        assert.equal(r.kind, "accepted");
        if (r.kind !== "accepted") return;
        const rest = await readBytes(r.readable, Infinity);
        await writing;
        assert.deepEqual(rest, data.slice(k));
      },
    ),
    { numRuns: 60 },
  );
});

test("datagram gate: a flood of unverified peers leaves no per-peer state", () => {
  const engine = new FakeDatagramEngine();
  let sent = 0;
  const gate = new DatagramGate({
    adapter: "custom",
    local: { family: "ipv4", address: "127.0.0.1", port: 1 },
    send: () => {
      sent++;
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  }, { engine });
  for (let i = 0; i < 20_000; i++) {
    gate.deliver(bytes(0x01, 0, 0, 0), { family: "ipv4", address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1000 + (i % 50000) });
  }
  gate.deliver(bytes(0x04), { family: "ipv4", address: "10.9.9.9", port: 1 });
  gate.deliver(bytes(0x01), { family: "ipv4", address: "not-an-ip", port: 1 });
  assert.equal(sent, 20_000);
  assert.equal(gate.connectionCount, 0);
  assert.equal(gate.counters.hvrSent, 20_000);
  assert.equal(gate.counters.dropped["engine-error"], 1);
  assert.equal(gate.counters.dropped["io-error"], 1);
  assert.equal(gate.counters.amplification, 3 / 4 * 20_000 / (20_000 + 0.25));
  void gate.close();
});

test("datagram gate: IPv4-mapped and plain IPv4 spellings of a peer route to the same connection", async () => {
  const engine = new FakeDatagramEngine();
  const gate = new DatagramGate({
    adapter: "custom",
    local: { family: "ipv6", address: "::", port: 1 },
    send: () => Promise.resolve(),
    close: () => Promise.resolve(),
  }, { engine });
  gate.deliver(bytes(0x02, 0), { family: "ipv6", address: "::ffff:192.0.2.7", port: 5000 });
  const conn = await gate.accept();
  assert.ok(conn);
  assert.deepEqual(conn.peer, { family: "ipv4", address: "192.0.2.7", port: 5000 });
  assert.deepEqual(engine.peers[0], conn.peer, "the engine saw the normalised peer");
  gate.deliver(bytes(0x01, 1, 1), { family: "ipv4", address: "192.0.2.7", port: 5000 });
  gate.deliver(bytes(0x01, 2, 2), { family: "ipv6", address: "::ffff:c000:207", port: 5000 });
  assert.equal(engine.calls, 1);
  const it = conn.datagrams[Symbol.asyncIterator]();
  assert.deepEqual((await it.next()).value, bytes(0x01, 1, 1));
  assert.deepEqual((await it.next()).value, bytes(0x01, 2, 2));
  await gate.close();
  assert.equal((await it.next()).done, true);
});

test("async queue: bounded, FIFO, drains after close; manual clock fires in order", async () => {
  const q = new AsyncQueue<number>(2);
  assert.equal(q.push(1), true);
  assert.equal(q.push(2), true);
  assert.equal(q.push(3), false);
  q.close();
  assert.equal(q.push(4), false);
  const seen: number[] = [];
  for await (const v of q) seen.push(v);
  assert.deepEqual(seen, [1, 2]);
  const clock = new ManualClock(100);
  const order: string[] = [];
  clock.setTimer(20, () => order.push("b"));
  const cancel = clock.setTimer(5, () => order.push("x"));
  clock.setTimer(10, () => {
    order.push("a");
    clock.setTimer(5, () => order.push("a2"));
  });
  cancel();
  clock.advance(19);
  assert.deepEqual(order, ["a", "a2"]);
  clock.advance(1);
  assert.deepEqual(order, ["a", "a2", "b"]);
  assert.equal(clock.now(), 120);
});
