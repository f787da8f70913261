/**
 * The gate under soak (driven by `scripts/soak.mjs`, run under Deno or Bun): a UDP and a TCP
 * listener on 127.0.0.1 with default options, accepted connections counted by source address and
 * closed at once. Control over stdin, one command per line, one JSON line back on stdout:
 * `stats` (RSS now and peak since the last reset, accepts by source, both listeners' counters),
 * `reset` (peak := now, then stats), `gc` (collect garbage when the runtime allows, then stats).
 * The first line out is `{"udp":PORT,"tcp":PORT,"runtime":...}`.
 *
 * @module
 */
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import { listenTcp } from "../transports/tcp.ts";
import { listenUdp } from "../transports/udp.ts";
import process from "node:process";
import { createInterface } from "node:readline";

const adapterArg = process.argv.indexOf("--adapter");
const adapter = (adapterArg > 0 ? process.argv[adapterArg + 1] : "auto") as "auto" | "node";
const keyring = CookieKeyring.random();
const dtls = new DatagramListener({ keyring });
const udp = await listenUdp({
  hostname: "127.0.0.1",
  port: 0,
  adapter,
  engine: dtls,
});
const tcp = await listenTcp({
  hostname: "127.0.0.1",
  port: 0,
  adapter,
  engine: (peer) => new StreamListener({ keyring, framing: "tls-records", peer }),
});

const accepted: Record<string, Record<string, number>> = { udp: {}, tcp: {} };
void (async () => {
  for await (const c of udp) {
    accepted.udp[c.peer.address] = (accepted.udp[c.peer.address] ?? 0) + 1;
    c.close();
  }
})();
void (async () => {
  for await (const c of tcp) {
    accepted.tcp[c.peer.address] = (accepted.tcp[c.peer.address] ?? 0) + 1;
    c.close();
  }
})();

const rss = () => process.memoryUsage().rss;
let peak = rss();
const sampler = setInterval(() => {
  const r = rss();
  if (r > peak) peak = r;
}, 20);

function gc(): void {
  const g = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
}

function stats(): string {
  const now = rss();
  if (now > peak) peak = now;
  return JSON.stringify({
    rss: now,
    rssPeak: peak,
    accepted,
    tcpPending: tcp.pendingHandshakes,
    tcpCounters: tcp.counters.snapshot(),
    udpCounters: udp.counters.snapshot(),
    reassemblyBytes: dtls.counters.reassembly?.bytesInUse,
  });
}

console.log(JSON.stringify({
  udp: udp.addr.port,
  tcp: tcp.addr.port,
  runtime: typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno",
  udpAdapter: udp.adapter,
  tcpAdapter: tcp.adapter,
}));

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const cmd = line.trim();
  if (cmd === "reset") peak = rss();
  if (cmd === "gc") gc();
  if (cmd === "quit") {
    clearInterval(sampler);
    void Promise.all([udp.close(), tcp.close()]).then(() => process.exit(0));
    return;
  }
  console.log(stats());
});
rl.on("close", () => process.exit(0));
