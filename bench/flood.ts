// Flood memory: N ClientHellos from N distinct spoofed peers through one DatagramListener, then
// N first fragments of a post-quantum-size DTLS 1.3 ClientHello (each from a distinct peer).
// Heap is measured after a full GC before and after. Usage: deno run -A --v8-flags=--expose-gc
// bench/flood.ts [N]  |  bun bench/flood.ts [N]. Prints one JSON line.
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import type { PeerAddress } from "../core/peer.ts";
import { fixture, NOW } from "./cases.ts";

type G = { gc?: () => void; Bun?: { gc(force: boolean): void }; process?: { argv: string[]; memoryUsage(): { heapUsed: number } }; Deno?: { args: string[] } };
const g = globalThis as unknown as G;
const args = g.Deno?.args ?? g.process!.argv.slice(2);
const peers = Number(args[0] ?? 1_000_000);
const gc = () => {
  if (g.Bun) g.Bun.gc(true);
  else if (g.gc) g.gc();
  else throw new Error("run Deno with --v8-flags=--expose-gc");
};
const heap = () => {
  gc();
  gc();
  return g.process!.memoryUsage().heapUsed;
};

const listener = new DatagramListener({ keyring: CookieKeyring.random() });
const [ch1] = fixture("tests/fixtures/dtls12-openssl.hex");
const [pq] = fixture("bench/fixtures/dtls13-pq-scripted.hex");
// First fragment (1000 bytes of body) of the post-quantum ClientHello.
const body = pq.subarray(25), cut = 1000;
const frag = new Uint8Array(25 + cut);
frag.set(pq.subarray(0, 25));
frag.set(body.subarray(0, cut), 25);
frag[11] = (12 + cut) >> 8;
frag[12] = (12 + cut) & 0xff;
frag[22] = 0;
frag[23] = cut >> 8;
frag[24] = cut & 0xff;

const peerOf = (i: number): PeerAddress => ({
  family: "ipv4",
  address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  port: 1024 + (i % 64000),
});

// Warm up so JIT code and lazily built tables are not counted as per-peer state.
for (let i = 0; i < 20_000; i++) listener.receive(ch1, peerOf(i), NOW);
const before = heap();
let sent = 0;
for (let i = 0; i < peers; i++) if (listener.receive(ch1, peerOf(i), NOW).kind === "send") sent++;
const afterWhole = heap();
let held = 0;
for (let i = 0; i < peers; i++) if (listener.receive(frag, peerOf(i), NOW + i / 100).kind === "need-more-data") held++;
const afterFragments = heap();
const r = listener.counters.reassembly;
console.log(JSON.stringify({
  runtime: g.Bun ? "bun" : "deno",
  peers,
  replies: sent,
  heapDeltaBytes: afterWhole - before,
  fragmentsHeld: held,
  heapDeltaWithFragmentsBytes: afterFragments - before,
  budgetPeakBytes: r.peakBytes,
  budgetEvicted: r.evicted,
  budgetExpired: r.expired,
}));
