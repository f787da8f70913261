// UDP end to end (issue 8, item 3): for Deno and Bun, HelloVerifyRequests per second that the
// hellogate UDP adapter sends back to a load generator in a separate Node process, next to a raw
// UDP echo server in the same runtime on the same socket API (the physical limit for that
// runtime), measured interleaved in the same run. ratio = hvrPerSec / echoPerSec.
//
// Per runtime: (1) probe each candidate adapter with the HVR server (BENCH_UDP_PROBE_SECONDS,
// default 0.8 s) and keep the faster one's process running, warm (Deno: node:dgram vs
// Deno.listenDatagram with --unstable-net; Bun: Bun.udpSocket vs node:dgram); (2) start
// bench/udp_echo.ts on the same socket API and warm it as long; (3) BENCH_UDP_ROUNDS (default 3) rounds of: load on the server, load on the echo
// server, each BENCH_UDP_SECONDS (default 3) after a short warm-up; medians reported.
// Load: node bench/udp_load.mjs, BENCH_UDP_SOCKETS source ports (default 64), BENCH_UDP_WINDOW
// requests in flight per socket (default 2: 128 in flight fits the default 208 KiB receive buffer;
// more only adds kernel drops), split over BENCH_UDP_GENERATORS processes (default 2: one Node
// process cannot keep Bun's raw echo busy; a third added nothing on a 2-vCPU machine).
// (4) In the same rounds, OpenSSL's DTLSv1_listen() behind a real UDP socket
// (bench/openssl/udp_listen_server.c: recvfrom / DTLSv1_listen on a memory BIO / sendto, the
// pre-keyed HMAC-SHA256 cookie over the peer), the server users would run instead, driven by the
// same load: udp[].opensslUdpPerSec and udp[].opensslRatio = hvrPerSec / opensslUdpPerSec.
// BENCH_UDP_OPENSSL=0 leaves it out.
// Loopback only (127.0.0.1). Prints one JSON line per runtime on stdout; progress on stderr.
//
// Run: node bench/udp_bench.mjs   (scripts/bench.mjs calls it as part of `npm run bench`)
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const root = new URL("..", import.meta.url).pathname;
const env = process.env;
const seconds = Number(env.BENCH_UDP_SECONDS ?? 3);
const rounds = Math.max(1, Number(env.BENCH_UDP_ROUNDS ?? 3));
const probeSeconds = Number(env.BENCH_UDP_PROBE_SECONDS ?? 0.8);
const warmup = Number(env.BENCH_UDP_WARMUP ?? 0.3);
const sockets = Number(env.BENCH_UDP_SOCKETS ?? 64);
const windowSize = Number(env.BENCH_UDP_WINDOW ?? 2);
const generators = Math.max(1, Number(env.BENCH_UDP_GENERATORS ?? 2));
const only = env.BENCH_UDP_RUNTIMES ? env.BENCH_UDP_RUNTIMES.split(",") : ["deno", "bun"];
const fixture = "tests/fixtures/dtls12-openssl.hex";
// The echo server answers with the first 60 bytes of each datagram: the size of the HVR the gate
// sends for this ClientHello, so both servers move the same bytes (0 = echo whole datagrams).
const echoBytes = Number(env.BENCH_UDP_ECHO_BYTES ?? 60);

const deno = join(root, "node_modules/.bin/deno"), bun = join(root, "node_modules/.bin/bun");
const withOpenssl = env.BENCH_UDP_OPENSSL !== "0";
// Candidate adapters per runtime: [adapter arg, command prefix].
const runtimes = {
  deno: [
    ["node", [deno, "run", "-A", "--no-check"]],
    ["deno", [deno, "run", "-A", "--no-check", "--unstable-net"]],
  ],
  bun: [
    ["bun", [bun]],
    ["node", [bun]],
  ],
};

const children = new Set();
const log = (s) => process.stderr.write(`udp: ${s}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const killAll = () => {
  for (const c of children) {
    try {
      c.kill("SIGKILL");
    } catch { /* gone */ }
  }
};
process.on("exit", killAll);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => (killAll(), process.exit(130)));

function track(child) {
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

/** CPU seconds (user + system, all threads) a process has used so far; undefined off Linux. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** Starts a bench server script under a runtime; resolves once it printed its ready line. */
function startServer(script, adapter, cmd, extra = []) {
  return startProcess(`${script} (${adapter})`, [cmd[0], ...cmd.slice(1), join(root, script), adapter, ...extra]);
}

/** Builds bench/openssl/udp_listen_server.c against the system libssl; returns the binary's path. */
function buildOpensslServer() {
  const dir = join(root, "bench/openssl/build");
  mkdirSync(dir, { recursive: true });
  const out = join(dir, "udp_listen_server");
  try {
    execFileSync("cc", ["-O2", "-o", out, join(root, "bench/openssl/udp_listen_server.c"), "-lssl", "-lcrypto"], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    throw new Error(`could not build bench/openssl/udp_listen_server.c (apt-get install gcc libssl-dev): ${String(e.stderr ?? e).split("\n")[0]}`);
  }
  return out;
}

/** Starts any bench server process (argv); resolves once it printed its ready line. */
function startProcess(label, argv) {
  return new Promise((resolve, reject) => {
    const child = track(spawn(argv[0], argv.slice(1), { cwd: root, stdio: ["pipe", "pipe", "pipe"] }));
    const server = { child, ready: undefined, stopped: undefined, stoppedPromise: undefined, stderr: "" };
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d, server.stderr = stderr.slice(-4000)));
    const lines = createInterface({ input: child.stdout });
    let onStopped;
    server.stoppedPromise = new Promise((r) => (onStopped = r));
    const timer = setTimeout(() => reject(new Error(`${label} did not start:\n${stderr}`)), 15_000);
    lines.on("line", (line) => {
      if (!line.startsWith("{")) return;
      const msg = JSON.parse(line);
      if (msg.event === "ready") {
        clearTimeout(timer);
        server.ready = msg;
        resolve(server);
      } else if (msg.event === "stopped") {
        server.stopped = msg;
        onStopped(msg);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      onStopped(server.stopped);
      if (!server.ready) reject(new Error(`${label} exited (${code}) before ready:\n${stderr}`));
    });
  });
}

/** Closes a server's stdin (it stops and prints counters); SIGKILL after 3 s. */
async function stopServer(server) {
  server.child.stdin.end();
  const t = setTimeout(() => server.child.kill("SIGKILL"), 3000);
  await Promise.race([server.stoppedPromise, new Promise((r) => server.child.on("exit", r))]);
  await new Promise((r) => (server.child.exitCode !== null || server.child.signalCode !== null ? r() : server.child.on("exit", r)));
  clearTimeout(t);
  return server.stopped;
}

function runLoadOnce(port, expect, secs, k) {
  return new Promise((resolve, reject) => {
    const args = [join(root, "bench/udp_load.mjs"), "--port", String(port), "--expect", expect, "--seconds", String(secs),
      "--warmup", String(warmup), "--sockets", String(k), "--window", String(windowSize), "--fixture", fixture, "--echo-bytes", String(echoBytes)];
    const child = track(spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] }));
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => {
      const line = out.trim().split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !line) return reject(new Error(`udp_load.mjs failed (${code}):\n${err}\n${out}`));
      resolve(JSON.parse(line));
    });
  });
}

/** One measured load run (possibly several generator processes) against one server. */
async function measure(server, expect, secs) {
  const k = Math.max(1, Math.floor(sockets / generators));
  const cpu0 = cpuSeconds(server.child.pid);
  const parts = await Promise.all(Array.from({ length: generators }, () => runLoadOnce(server.ready.port, expect, secs, k)));
  const cpu1 = cpuSeconds(server.child.pid);
  if (server.child.exitCode !== null || server.child.signalCode !== null) {
    throw new Error(`the ${server.ready.adapter} server died under load (exit ${server.child.exitCode ?? server.child.signalCode}):\n${server.stderr ?? ""}`);
  }
  const sum = (f) => parts.reduce((n, p) => n + p[f], 0);
  const s = Math.max(...parts.map((p) => p.seconds));
  const wall = Math.max(...parts.map((p) => p.wallSeconds));
  return {
    perSec: Math.round(sum("received") / s),
    sent: sum("sent"),
    received: sum("received"),
    bad: sum("bad"),
    refills: sum("refills"),
    seconds: s,
    // Fraction of one core each side used over the whole load run (warm-up included).
    serverCpu: cpu0 === undefined || cpu1 === undefined ? undefined : Number(((cpu1 - cpu0) / wall).toFixed(2)),
    // Replies per CPU-second the server spent (warm-up and drain included on both sides):
    // much less sensitive than perSec to other processes competing for the cores.
    perServerCpuSec: cpu0 === undefined || cpu1 === undefined || cpu1 <= cpu0
      ? undefined
      : Math.round((sum("received") + sum("warmReceived")) / (cpu1 - cpu0)),
    loadCpu: Number((sum("loadCpuSeconds") / wall).toFixed(2)),
    requestBytes: parts[0].requestBytes,
  };
}

async function benchRuntime(rt) {
  // (1) adapter probe with the HVR server; the winner's process stays up (warm) for the rounds
  const probe = {};
  let best;
  for (const [adapter, cmd] of runtimes[rt]) {
    let candidate;
    try {
      candidate = await startServer("bench/udp_server.ts", adapter, cmd);
    } catch (e) {
      log(`${rt}: adapter ${adapter} unavailable: ${String(e).split("\n")[0]}`);
      continue;
    }
    const m = await measure(candidate, "hvr", probeSeconds);
    probe[candidate.ready.adapter] = m.perSec;
    log(`${rt}: probe ${candidate.ready.adapter}: ${m.perSec} HVR/s (server cpu ${m.serverCpu}, load cpu ${m.loadCpu})`);
    if (!best || m.perSec > best.perSec) {
      if (best) await stopServer(best.server);
      best = { adapter, cmd, name: candidate.ready.adapter, perSec: m.perSec, server: candidate };
    } else {
      await stopServer(candidate);
    }
  }
  if (!best) throw new Error(`${rt}: no UDP adapter could start`);

  // (2) both servers up for the whole interleaved series; the echo gets the same warm-up as the
  // HVR server had in its probe (JIT, socket buffers), so round 1 is not a cold start.
  const server = best.server;
  let echo, ossl;
  try {
    echo = await startServer("bench/udp_echo.ts", best.adapter, best.cmd, [String(echoBytes)]);
    await measure(echo, "echo", probeSeconds);
    if (opensslServer) {
      ossl = await startProcess("bench/openssl/udp_listen_server", [opensslServer]);
      await measure(ossl, "hvr", probeSeconds);
    }
  } catch (e) {
    await Promise.all([server, echo, ossl].filter(Boolean).map(stopServer));
    throw e;
  }
  const hvrRuns = [], echoRuns = [], opensslRuns = [];
  const kinds = ossl ? ["hvr", "echo", "openssl"] : ["hvr", "echo"];
  try {
    for (let r = 0; r < rounds; r++) {
      // Rotate which goes first so drift within a round cancels out over the rounds.
      const order = kinds.map((_, i) => kinds[(i + r) % kinds.length]);
      for (const kind of order) {
        const target = kind === "hvr" ? server : kind === "echo" ? echo : ossl;
        const m = await measure(target, kind === "echo" ? "echo" : "hvr", seconds);
        (kind === "hvr" ? hvrRuns : kind === "echo" ? echoRuns : opensslRuns).push(m);
        log(`${rt} ${kind === "openssl" ? "openssl" : best.name} round ${r + 1}/${rounds} ${kind}: ${m.perSec}/s (sent ${m.sent}, received ${m.received}, refills ${m.refills}, server cpu ${m.serverCpu}, load cpu ${m.loadCpu}, ${m.perServerCpuSec}/server-cpu-s)`);
      }
    }
  } finally {
    const [s1, s2, s3] = await Promise.all([stopServer(server), stopServer(echo), ossl ? stopServer(ossl) : undefined]);
    log(`${rt}: server counters ${JSON.stringify(s1)}; echo ${JSON.stringify(s2)}${ossl ? `; openssl ${JSON.stringify(s3)}` : ""}`);
  }
  const hvrPerSec = Math.round(median(hvrRuns.map((m) => m.perSec)));
  const echoPerSec = Math.round(median(echoRuns.map((m) => m.perSec)));
  // sent/received/seconds of the HVR run closest to the median
  const mid = hvrRuns.reduce((a, m) => (Math.abs(m.perSec - hvrPerSec) < Math.abs(a.perSec - hvrPerSec) ? m : a));
  const bad = [...hvrRuns, ...echoRuns, ...opensslRuns].reduce((n, m) => n + m.bad, 0);
  const opensslUdpPerSec = opensslRuns.length ? Math.round(median(opensslRuns.map((m) => m.perSec))) : undefined;
  const openssl = opensslRuns.length
    ? {
      opensslUdpPerSec,
      opensslRatio: Number((hvrPerSec / opensslUdpPerSec).toFixed(2)),
      opensslRuns: opensslRuns.map((m) => m.perSec),
      // Same-round hellogate/OpenSSL ratios.
      opensslRoundRatios: hvrRuns.map((m, i) => Number((m.perSec / opensslRuns[i].perSec).toFixed(2))),
      opensslPerServerCpuSec: Math.round(median(opensslRuns.map((m) => m.perServerCpuSec ?? 0))),
      opensslCpu: Number(median(opensslRuns.map((m) => m.serverCpu ?? 0)).toFixed(2)),
      // hellogate/OpenSSL in replies per server CPU-second: the fairer figure when the load
      // generators, not the servers, are the bottleneck (server cpu well under 1.0).
      opensslCpuRatio: Number((median(hvrRuns.map((m) => m.perServerCpuSec ?? 0)) / median(opensslRuns.map((m) => m.perServerCpuSec ?? 1))).toFixed(2)),
      opensslServer: "bench/openssl/udp_listen_server.c (recvfrom / DTLSv1_listen on a memory BIO / sendto, one SSL reused)",
    }
    : {};
  return {
    runtime: rt,
    adapter: best.name,
    hvrPerSec,
    echoPerSec,
    ratio: Number((hvrPerSec / echoPerSec).toFixed(2)),
    sent: mid.sent,
    received: mid.received,
    seconds: mid.seconds,
    bad,
    hvrRuns: hvrRuns.map((m) => m.perSec),
    echoRuns: echoRuns.map((m) => m.perSec),
    // Same-round HVR/echo ratios (drift between rounds cancels within a pair).
    roundRatios: hvrRuns.map((m, i) => Number((m.perSec / echoRuns[i].perSec).toFixed(2))),
    hvrPerServerCpuSec: Math.round(median(hvrRuns.map((m) => m.perServerCpuSec ?? 0))),
    echoPerServerCpuSec: Math.round(median(echoRuns.map((m) => m.perServerCpuSec ?? 0))),
    // Cores used (all threads) during the runs: ~1.0 or more = that process was the bottleneck.
    serverCpu: Number(median(hvrRuns.map((m) => m.serverCpu ?? 0)).toFixed(2)),
    echoCpu: Number(median(echoRuns.map((m) => m.serverCpu ?? 0)).toFixed(2)),
    loadCpu: Number(median(hvrRuns.map((m) => m.loadCpu)).toFixed(2)),
    probe,
    load: { sockets, window: windowSize, generators, warmup, requestBytes: mid.requestBytes, echoReplyBytes: echoBytes || null },
    ...openssl,
  };
}

const t0 = Date.now();
let failed = false;
let opensslServer;
try {
  if (withOpenssl) opensslServer = buildOpensslServer();
  for (const rt of only) {
    const res = await benchRuntime(rt);
    console.log(JSON.stringify(res));
    if (res.received === 0 || res.bad > 0) {
      log(`${rt}: ${res.received === 0 ? "no HVR came back" : `${res.bad} replies were not the expected HVR/echo`}`);
      failed = true;
    }
  }
} catch (e) {
  log(process.env.BENCH_DEBUG === "1" ? String(e?.stack ?? e) : String(e?.message ?? e)); // BENCH_DEBUG=1: with the stack
  failed = true;
} finally {
  killAll();
}
log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
