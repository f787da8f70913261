// Server CPU per completed TLS 1.3 handshake (and, at the end, the same engine in memory without
// sockets: bench/handshake_engine.ts): hellogate (bench/handshake_server.ts under Deno and
// Bun, portable and native crypto providers) against `openssl s_server`, same certificate
// (ECDSA P-256), same group (x25519), same client load (`openssl s_time -new`), same run.
// CPU is read from /proc/PID/stat (utime + stime, every thread of the server process) around
// the measured load; handshakes are what s_time completed in that window.
//
// Two loads:
// - no HRR: s_time's default ClientHello (an x25519 share); hellogate retry "never".
// - HRR: s_time with OPENSSL_CONF Groups = P-256:X25519, so its ClientHello carries a P-256
//   share and the x25519-only server must answer with a HelloRetryRequest every time:
//   hellogate's is the stateless one with a cookie (retry "always"), OpenSSL's is its ordinary
//   stateful HRR. (`s_server -stateless` cannot be used: OpenSSL 3.0's SSL_stateless fails on
//   the change_cipher_spec clients send before ClientHello2.)
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

/** utime + stime of a process (all threads), in milliseconds. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from #3 (state) on
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK; // #14 utime, #15 stime
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Spawns a server and resolves once `ready(line)` returns a port for one of its stdout lines. */
function startServer(cmd, args, ready, { cwd, timeoutMs = 15_000 } = {}) {
  const child = spawn(cmd, args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
  let out = "", err = "";
  child.stderr.on("data", (d) => (err += d));
  child.stdin.on("error", () => {});
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} did not start within ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    child.stdout.on("data", (d) => {
      out += d;
      for (const line of out.split("\n")) {
        const port = ready(line);
        if (port) {
          clearTimeout(timer);
          resolve({ child, port, output: () => out, errors: () => err });
          return;
        }
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}) before listening:\n${out}\n${err}`));
    });
  });
}

/**
 * Runs `openssl s_time -new` for `seconds`; resolves with the handshakes it completed. Async, so
 * this process keeps draining the servers' stdout meanwhile (a full pipe would stall them).
 */
function sTime(port, seconds, env) {
  return new Promise((resolve, reject) => {
    const child = spawn("openssl", ["s_time", "-connect", `127.0.0.1:${port}`, "-new", "-tls1_3", "-time", String(seconds)], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), (seconds + 20) * 1000);
    child.on("close", (code) => {
      clearTimeout(timer);
      const m = out.match(/(\d+) connections in [\d.]+ real seconds/) ?? out.match(/(\d+) connections in/);
      if (!m) reject(new Error(`s_time gave no count (exit ${code}):\n${out}\n${err}`));
      else resolve(Number(m[1]));
    });
  });
}

/** Ends a server: stdin EOF (hellogate exits on it), SIGTERM at once when `terminate` (s_server ignores EOF). */
async function stop(server, terminate = false) {
  const exited = new Promise((r) => server.child.once("exit", r));
  server.child.stdin.end();
  if (terminate) server.child.kill("SIGTERM");
  const t = setTimeout(() => server.child.kill("SIGTERM"), 3000);
  const k = setTimeout(() => server.child.kill("SIGKILL"), 6000);
  await exited;
  clearTimeout(t);
  clearTimeout(k);
}

/** hellogate servers only: asks for a {"event":"mark"} line (engine CPU so far) and waits for it. */
async function mark(server) {
  const count = () => server.output().split("\n").filter((l) => l.includes('"event":"mark"'));
  const seen = count().length;
  server.child.stdin.write("mark\n");
  const deadline = Date.now() + 10_000;
  while (count().length <= seen) {
    if (Date.now() > deadline) throw new Error("no mark from the server");
    await new Promise((r) => setTimeout(r, 10));
  }
  return JSON.parse(count()[seen]);
}

/** Warms up, then measures server CPU over one s_time window (and engine CPU when `engine`). */
async function measure(server, seconds, warmup, env, engine = false) {
  if (warmup > 0) await sTime(server.port, warmup, env);
  const m0 = engine ? await mark(server) : undefined;
  const before = cpuMs(server.child.pid);
  const handshakes = await sTime(server.port, seconds, env);
  const after = cpuMs(server.child.pid);
  const m1 = engine ? await mark(server) : undefined;
  if (handshakes === 0) throw new Error("no handshake completed");
  const result = { handshakes, cpuMs: after - before, cpuMsPerHandshake: Number(((after - before) / handshakes).toFixed(3)) };
  if (m0 && m1 && m1.completed > m0.completed) {
    result.engineCpuMsPerHandshake = Number(((m1.engineCpuMs - m0.engineCpuMs) / (m1.completed - m0.completed)).toFixed(3));
  }
  return result;
}

/**
 * Runs the comparison; returns `{ handshakes: [...], markdown }`. `quick`: Deno + native
 * provider only, 1 s windows, no warm-up.
 */
export async function runHandshakeBench({ quick, root }) {
  const seconds = quick ? 1 : 2;
  const warmup = quick ? 0 : 1;
  const dir = mkdtempSync(join(tmpdir(), "hellogate-hs-bench-"));
  try {
    const cert = join(dir, "cert.pem"), key = join(dir, "key.pem"), hrrConf = join(dir, "hrr.cnf");
    const made = spawnSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert,
      "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-addext", "basicConstraints=critical,CA:FALSE",
    ], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`openssl req failed (apt-get install openssl):\n${made.stderr}`);
    writeFileSync(hrrConf, [
      "openssl_conf = openssl_init",
      "[openssl_init]",
      "ssl_conf = ssl_sect",
      "[ssl_sect]",
      "system_default = system_default_sect",
      "[system_default_sect]",
      "Groups = P-256:X25519",
      "",
    ].join("\n"));
    const loads = [
      { retry: false, env: {}, hellogateRetry: "never" },
      { retry: true, env: { OPENSSL_CONF: hrrConf }, hellogateRetry: "always" },
    ];
    const runtimes = quick
      ? [["deno", [join(root, "node_modules/.bin/deno"), "run", "-A", "--no-check"]]]
      : [["deno", [join(root, "node_modules/.bin/deno"), "run", "-A", "--no-check"]], ["bun", [join(root, "node_modules/.bin/bun")]]];
    const providers = quick ? ["native"] : ["portable", "native"];

    const opensslCpu = {};
    const rows = [];
    for (const load of loads) {
      // OpenSSL first, then every hellogate configuration, for this load.
      const port = await freePort();
      const os = await startServer("openssl", [
        "s_server", "-accept", `127.0.0.1:${port}`, "-cert", cert, "-key", key, "-groups", "X25519", "-tls1_3",
        "-num_tickets", "0", "-naccept", "100000000",
      ], (line) => (line.trim() === "ACCEPT" ? port : 0));
      try {
        const m = await measure(os, seconds, warmup, load.env);
        opensslCpu[load.retry] = m;
      } finally {
        await stop(os, true);
      }
      for (const [runtime, cmd] of runtimes) {
        for (const provider of providers) {
          const server = await startServer(cmd[0], [...cmd.slice(1), join(root, "bench/handshake_server.ts"), provider, load.hellogateRetry, cert, key], (line) => {
            try {
              const e = JSON.parse(line);
              return e.event === "listening" ? e.port : 0;
            } catch {
              return 0;
            }
          }, { cwd: root });
          let m;
          try {
            m = await measure(server, seconds, warmup, load.env, true);
          } finally {
            await stop(server);
          }
          const o = opensslCpu[load.retry];
          rows.push({
            protocol: "tls1.3",
            runtime,
            provider,
            retry: load.retry,
            hellogateRetry: load.hellogateRetry,
            cpuMsPerHandshake: m.cpuMsPerHandshake,
            opensslCpuMsPerHandshake: o.cpuMsPerHandshake,
            cpuRatio: Number((m.cpuMsPerHandshake / o.cpuMsPerHandshake).toFixed(2)),
            // CPU inside Tls13ServerEngine (construction from the accepted outcome + receive()):
            // the rest of cpuMsPerHandshake is the gate, the transport and the runtime's sockets.
            engineCpuMsPerHandshake: m.engineCpuMsPerHandshake,
            handshakes: m.handshakes,
            opensslHandshakes: o.handshakes,
            seconds,
            certificate: "ecdsa-p256",
            group: "x25519",
            client: "openssl s_time -new",
          });
        }
      }
    }
    // Engine level, in memory (bench/handshake_engine.ts): server CPU only, no sockets.
    const engine = [];
    for (const [runtime, cmd] of runtimes) {
      // "default" = defaultCryptoProvider(): the per-runtime mix of the two (transports/native_crypto.ts).
      for (const provider of quick ? providers : [...providers, "default"]) {
        for (const retry of ["never", "always"]) {
          const r = spawnSync(cmd[0], [...cmd.slice(1), join(root, "bench/handshake_engine.ts"), provider, retry, quick ? "0.2" : "0.3"], {
            cwd: root,
            encoding: "utf8",
            timeout: 60_000,
          });
          if (r.status !== 0) throw new Error(`bench/handshake_engine.ts failed under ${runtime}:\n${r.stderr}`);
          const line = r.stdout.split("\n").find((l) => l.startsWith("{"));
          if (line) engine.push({ protocol: "tls1.3", ...JSON.parse(line), provider, providerDetail: JSON.parse(line).provider });
        }
      }
    }
    const markdown = [
      "",
      `TLS 1.3 server CPU per handshake (ms, /proc utime+stime; ECDSA P-256, x25519, openssl s_time -new, ${seconds} s windows)`,
      "| runtime | provider | HRR | hellogate ms | of which in the engine | OpenSSL ms | ratio | handshakes (hellogate / OpenSSL) |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
      ...rows.map((r) =>
        `| ${r.runtime} | ${r.provider} | ${r.retry ? "yes (stateless cookie)" : "no"} | ${r.cpuMsPerHandshake} | ${r.engineCpuMsPerHandshake ?? "-"} | ${r.opensslCpuMsPerHandshake} | ${r.cpuRatio} | ${r.handshakes} / ${r.opensslHandshakes} |`
      ),
      "",
      "TLS 1.3 engine in memory, server side only (gate + Tls13ServerEngine, process CPU; bench/handshake_engine.ts)",
      "| runtime | provider | retry | server CPU ms per handshake | handshakes per server CPU-second |",
      "| --- | --- | --- | --- | --- |",
      ...engine.map((e) => `| ${e.runtime} | ${e.provider} | ${e.retry} | ${e.serverMsPerHandshake} | ${e.handshakesPerServerSecond} |`),
    ].join("\n");
    return { handshakes: rows, handshakeEngine: engine, markdown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
