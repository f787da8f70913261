// Benchmark section: server CPU per completed DTLS 1.2 handshake, hellogate `serve --udp`
// (cli/serve_udp.ts via bench/dtls12_serve.ts) under Deno and Bun vs `openssl s_server -dtls1_2
// -listen`, same ECDSA P-256 certificate, group x25519, suite ECDHE-ECDSA-AES128-GCM-SHA256,
// same client load in the same run: the mbedTLS client of tests/interop/dtls12_mbedtls_client.c
// (compiled here, cached by source hash) doing sequential handshakes, each with a cookie
// exchange, a fresh source port and a close_notify. CPU = utime + stime from /proc/PID/stat,
// read after a warm-up and after the load. Returns `{ handshakes: [...] }` entries
// `{ protocol: "dtls1.2", runtime, provider, cpuMsPerHandshake, opensslCpuMsPerHandshake, cpuRatio }`.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import dgram from "node:dgram";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const TICKS = 100; // CLK_TCK on Linux

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
}

function compileClient(root) {
  const src = join(root, "tests/interop/dtls12_mbedtls_client.c");
  const hash = createHash("sha256").update(readFileSync(src)).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), "hellogate-build", hash);
  const bin = join(dir, "dtls12_mbedtls_client");
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  execFileSync("gcc", ["-O1", "-o", tmp, src, "-lmbedtls", "-lmbedx509", "-lmbedcrypto"], { stdio: ["ignore", "ignore", "inherit"] });
  renameSync(tmp, bin);
  return bin;
}

function load(client, port, count, seconds) {
  const r = spawnSync(client, ["127.0.0.1", String(port), "-", String(count), String(seconds)], {
    encoding: "utf8",
    timeout: (seconds + 20) * 1000,
  });
  const line = (r.stdout ?? "").trim().split("\n").pop();
  if (!line?.startsWith("{")) throw new Error(`load client failed: ${r.stderr || r.error}`);
  return JSON.parse(line);
}

async function freePort() {
  const s = dgram.createSocket("udp4");
  await new Promise((r) => s.bind(0, "127.0.0.1", r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Warm up, then measure CPU ticks of `pid` over the load. */
function measure(pid, client, port, count, seconds) {
  const warm = load(client, port, 30, 5);
  if (warm.completed < 1) throw new Error("no handshake completed during the warm-up");
  const before = cpuTicks(pid);
  const r = load(client, port, count, seconds);
  const after = cpuTicks(pid);
  if (r.completed < 1) throw new Error(`no handshake completed (${JSON.stringify(r)})`);
  return { completed: r.completed, failed: r.failed, cpuMsPerHandshake: ((after - before) * (1000 / TICKS)) / r.completed, wallSeconds: r.seconds };
}

async function withOpenssl(client, certPem, keyPem, fn) {
  const port = await freePort();
  const child = spawn("openssl", [
    "s_server", "-dtls1_2", "-listen", "-quiet", "-accept", `127.0.0.1:${port}`, "-cert", certPem, "-key", keyPem,
    "-groups", "X25519", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256",
  ], { stdio: ["ignore", "ignore", "ignore"] });
  try {
    // Ready when one handshake completes (a busy machine can take seconds to start s_server).
    const deadline = Date.now() + 20_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      if (load(client, port, 1, 2).completed === 1) break;
      if (Date.now() > deadline) throw new Error("openssl s_server did not answer within 20 s");
    }
    return fn(child.pid, port);
  } finally {
    child.kill("SIGKILL");
  }
}

async function withHellogate(root, runtime, provider, certPem, keyPem, fn) {
  const cmd = runtime === "deno"
    ? [join(root, "node_modules/.bin/deno"), ["run", "-A", "--unstable-net", "--no-check", join(root, "bench/dtls12_serve.ts")]]
    : [join(root, "node_modules/.bin/bun"), [join(root, "bench/dtls12_serve.ts")]];
  const child = spawn(cmd[0], [...cmd[1], provider, certPem, keyPem], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  try {
    const listening = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${runtime} server did not start`)), 30_000);
      lines.on("line", (l) => {
        if (l.startsWith("{") && JSON.parse(l).event === "listening") {
          clearTimeout(t);
          resolve(JSON.parse(l));
        }
      });
      child.on("exit", () => reject(new Error(`${runtime} server exited`)));
    });
    return { ...fn(child.pid, listening.port), providerName: listening.provider };
  } finally {
    child.kill("SIGKILL");
  }
}

export default async function run({ quick, root }) {
  const client = compileClient(root);
  const dir = mkdtempSync(join(tmpdir(), "hellogate-dtls-bench-"));
  const certPem = join(dir, "cert.pem"), keyPem = join(dir, "key.pem");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyPem, "-out", certPem,
    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-addext", "basicConstraints=critical,CA:FALSE",
  ], { stdio: "ignore" });
  const count = quick ? 40 : 3000;
  const seconds = quick ? 3 : 6;
  try {
    // OpenSSL is measured before and after the hellogate runs (the machine's load drifts); the mean is the reference.
    const osslBefore = await withOpenssl(client, certPem, keyPem, (pid, port) => measure(pid, client, port, count, seconds));
    const measured = [];
    // Bun's default provider is the native one; Deno's default mixes noble and node:crypto.
    const runs = [["deno", "default"], ["deno", "native"], ["deno", "portable"], ["bun", "default"], ["bun", "portable"]];
    for (const [runtime, provider] of runs) {
      measured.push([runtime, await withHellogate(root, runtime, provider, certPem, keyPem, (pid, port) => measure(pid, client, port, count, seconds))]);
    }
    const osslAfter = await withOpenssl(client, certPem, keyPem, (pid, port) => measure(pid, client, port, count, seconds));
    const openssl = {
      cpuMsPerHandshake: (osslBefore.cpuMsPerHandshake + osslAfter.cpuMsPerHandshake) / 2,
      completed: osslBefore.completed + osslAfter.completed,
    };
    const handshakes = [];
    for (const [runtime, m] of measured) {
      handshakes.push({
        protocol: "dtls1.2",
        runtime,
        provider: m.providerName,
        cpuMsPerHandshake: Number(m.cpuMsPerHandshake.toFixed(3)),
        opensslCpuMsPerHandshake: Number(openssl.cpuMsPerHandshake.toFixed(3)),
        cpuRatio: Number((m.cpuMsPerHandshake / openssl.cpuMsPerHandshake).toFixed(2)),
        handshakes: m.completed,
        failed: m.failed,
        opensslHandshakes: openssl.completed,
        opensslCpuMsBeforeAfter: [Number(osslBefore.cpuMsPerHandshake.toFixed(3)), Number(osslAfter.cpuMsPerHandshake.toFixed(3))],
        suite: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        group: "x25519",
        client: "mbedTLS 2.28 (sequential, cookie exchange each)",
      });
    }
    const markdown = [
      "",
      "DTLS 1.2 server CPU per completed handshake (ECDSA P-256, x25519, AES-128-GCM; mbedTLS client, sequential)",
      "| runtime | provider | CPU ms/handshake | OpenSSL s_server ms/handshake | ratio | handshakes |",
      "| --- | --- | --- | --- | --- | --- |",
      ...handshakes.map((h) =>
        `| ${h.runtime} | ${h.provider} | ${h.cpuMsPerHandshake} | ${h.opensslCpuMsPerHandshake} | ${h.cpuRatio}x | ${h.handshakes} |`
      ),
    ].join("\n");
    return { handshakes, markdown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
