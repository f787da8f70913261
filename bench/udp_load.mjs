// UDP end-to-end bench, client side (plain Node >= 20, node:dgram only): K sockets on 127.0.0.1
// (K source ports) send one datagram (the DTLS 1.2 ClientHello fixture) in a closed loop to a
// server, each keeping a bounded window of requests in flight: every reply triggers the next
// request; a socket that got no reply for `stallMs` is presumed to have lost its window and is
// refilled, so dropped datagrams never stall the loop.
//
// Usage: node bench/udp_load.mjs --port N [--expect hvr|echo] [--seconds 3] [--warmup 0.3]
//                                [--sockets 64] [--window 2] [--stall-ms 50] [--fixture PATH]
//                                [--echo-bytes N]   (echo server replies with the first N bytes)
// Prints one JSON line: {"sent","received","bad","seconds","perSec","expect","sockets","window",...}
// `bad` counts replies that are not what `--expect` asks: a 60-byte HelloVerifyRequest record
// (content type 22, handshake type byte 13 == 3) for hvr; a byte-identical copy (of the first
// --echo-bytes bytes, default all) for echo.
import dgram from "node:dgram";
import { readFileSync } from "node:fs";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const root = new URL("..", import.meta.url).pathname;
const port = Number(args.port);
if (!(port > 0)) {
  console.error("usage: node bench/udp_load.mjs --port N [--expect hvr|echo] [--seconds S] [--sockets K] [--window W]");
  process.exit(2);
}
const expect = args.expect ?? "hvr";
const seconds = Number(args.seconds ?? process.env.BENCH_UDP_SECONDS ?? 3);
const warmup = Number(args.warmup ?? 0.3);
const K = Number(args.sockets ?? 64);
const W = Number(args.window ?? 2);
const stallMs = Number(args["stall-ms"] ?? 50);
const fixturePath = args.fixture ?? "tests/fixtures/dtls12-openssl.hex";
const HOST = "127.0.0.1";

const hello = Buffer.from(
  readFileSync(fixturePath.startsWith("/") ? fixturePath : root + fixturePath, "utf8")
    .split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith("#")),
  "hex",
);

const checkHvr = (m) => m.length === 60 && m[0] === 22 && m[13] === 3;
const echoBytes = Number(args["echo-bytes"] ?? 0) || hello.length;
const echoed = hello.subarray(0, Math.min(echoBytes, hello.length));
const checkEcho = (m) => echoed.equals(m);
const check = expect === "echo" ? checkEcho : checkHvr;

let counting = false;
let sent = 0, received = 0, bad = 0, refills = 0, sendErrors = 0;
let warmReceived = 0;
const socks = [];

function send(s) {
  s.outstanding++;
  if (counting) sent++;
  // Connected socket, no callback: the cheapest send node:dgram has (errors go to "error").
  s.sock.send(hello);
}

for (let i = 0; i < K; i++) {
  const sock = dgram.createSocket({ type: "udp4" });
  const s = { sock, outstanding: 0, lastReply: 0 };
  sock.on("error", () => sendErrors++);
  sock.on("message", (msg) => {
    s.outstanding = Math.max(0, s.outstanding - 1);
    s.lastReply = performance.now();
    if (counting) {
      received++;
      if (!check(msg)) bad++;
    } else warmReceived++;
    if (running) send(s);
  });
  await new Promise((resolve) => sock.bind(0, HOST, resolve));
  await new Promise((resolve) => sock.connect(port, HOST, resolve));
  socks.push(s);
}

let running = true;
const t0 = performance.now();
for (const s of socks) {
  s.lastReply = t0;
  for (let j = 0; j < W; j++) send(s);
}
const refill = setInterval(() => {
  const now = performance.now();
  for (const s of socks) {
    if (now - s.lastReply >= stallMs) {
      // Presumed lost (nothing back for stallMs): start the window over.
      if (counting) refills++;
      s.outstanding = 0;
      s.lastReply = now;
      for (let j = 0; j < W; j++) send(s);
    }
  }
}, Math.max(5, stallMs / 2));

await new Promise((r) => setTimeout(r, warmup * 1000));
counting = true;
const tStart = performance.now();
await new Promise((r) => setTimeout(r, seconds * 1000));
counting = false;
const elapsed = (performance.now() - tStart) / 1000;
running = false;
clearInterval(refill);
const cpu = process.cpuUsage();
// Drain before closing: a reply arriving at a closed port draws an ICMP port-unreachable, which
// the server must survive but which we do not want to make part of the measurement.
let lastAny = Math.max(...socks.map((s) => s.lastReply));
const drainStart = performance.now();
while (performance.now() - lastAny < 100 && performance.now() - drainStart < 1000) {
  await new Promise((r) => setTimeout(r, 20));
  lastAny = Math.max(...socks.map((s) => s.lastReply));
}
for (const s of socks) s.sock.close();

console.log(JSON.stringify({
  expect,
  port,
  sockets: K,
  window: W,
  seconds: Number(elapsed.toFixed(3)),
  sent,
  received,
  bad,
  perSec: Math.round(received / elapsed),
  refills,
  sendErrors,
  warmReceived,
  requestBytes: hello.length,
  loadCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
  wallSeconds: Number(((performance.now() - t0) / 1000).toFixed(2)),
}));
