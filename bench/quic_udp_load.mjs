// QUIC UDP end-to-end bench, client side (plain Node, node:dgram): K sockets on 127.0.0.1 send
// the captured gtlsclient Initial (bench/fixtures/quic-gtlsclient-initial.hex) in a closed loop,
// W in flight per socket; every Retry received (long header, Retry type bits for v1) triggers the
// next send; a socket with no reply for `stallMs` is refilled.
// Usage: node bench/quic_udp_load.mjs --port N [--seconds 3] [--warmup 0.3] [--sockets 32] [--window 2]
// Prints one JSON line: {"sent","received","bad","seconds","perSec"}.
import dgram from "node:dgram";
import { readFileSync } from "node:fs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const root = new URL("..", import.meta.url).pathname;
const port = Number(args.port);
const seconds = Number(args.seconds ?? 3);
const warmup = Number(args.warmup ?? 0.3);
const K = Number(args.sockets ?? 32);
const W = Number(args.window ?? 2);
const stallMs = Number(args["stall-ms"] ?? 100);
const initial = Buffer.from(readFileSync(root + "bench/fixtures/quic-gtlsclient-initial.hex", "utf8").trim().split("\n")[0], "hex");
const isRetry = (m) => m.length > 7 && (m[0] & 0xf0) === 0xf0 && m.readUInt32BE(1) === 1;

let counting = false, sent = 0, received = 0, bad = 0;
const socks = [];
for (let i = 0; i < K; i++) {
  const sock = dgram.createSocket({ type: "udp4" });
  const s = { sock, outstanding: 0, last: Date.now() };
  sock.on("message", (m) => {
    s.outstanding = Math.max(0, s.outstanding - 1);
    s.last = Date.now();
    if (counting) {
      if (isRetry(m)) received++;
      else bad++;
    }
    send(s);
  });
  sock.on("error", () => {});
  socks.push(s);
}
function send(s) {
  s.outstanding++;
  if (counting) sent++;
  s.sock.send(initial);
}
await Promise.all(socks.map((s) => new Promise((r) => s.sock.bind(0, "127.0.0.1", () => s.sock.connect(port, "127.0.0.1", r)))));
for (const s of socks) for (let i = 0; i < W; i++) send(s);
const refill = setInterval(() => {
  const now = Date.now();
  for (const s of socks) if (now - s.last > stallMs) {
    s.outstanding = 0;
    s.last = now;
    for (let i = 0; i < W; i++) send(s);
  }
}, stallMs);
await new Promise((r) => setTimeout(r, warmup * 1000));
counting = true;
const t0 = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
counting = false;
const elapsed = (performance.now() - t0) / 1000;
clearInterval(refill);
for (const s of socks) s.sock.close();
console.log(JSON.stringify({ sent, received, bad, seconds: Number(elapsed.toFixed(2)), perSec: Math.round(received / elapsed), sockets: K, window: W }));
