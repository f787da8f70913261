// `npm run bench`: engine micro-benchmarks under Deno and Bun interleaved with OpenSSL's own
// DTLSv1_listen / SSL_stateless (bench/openssl/listen_bench.c, built here from the system libssl),
// the UDP end-to-end run, the flood-memory run and the amplification table.
// Prints a table and writes bench/results/latest.json. Ratios are engine/OpenSSL from the same run.
//
// Options (env): BENCH_SECONDS (per run, default 1), BENCH_ROUNDS (default 5), BENCH_QUICK=1 (CI smoke:
// 0.05 s, 1 round, small flood, no UDP load).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const quick = process.env.BENCH_QUICK === "1";
const seconds = Number(process.env.BENCH_SECONDS ?? (quick ? 0.05 : 1));
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 5));
const deno = join(root, "node_modules/.bin/deno"), bun = join(root, "node_modules/.bin/bun");
const runtimes = [["deno", [deno, "run", "-A", "--no-check"]], ["bun", [bun]]];

function json(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}):\n${r.stderr}\n${r.stdout}`);
  return r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---- OpenSSL reference harness ----
const buildDir = join(root, "bench/openssl/build");
mkdirSync(buildDir, { recursive: true });
const harness = join(buildDir, "listen_bench");
try {
  execFileSync("cc", ["-O2", "-o", harness, join(root, "bench/openssl/listen_bench.c"), "-lssl", "-lcrypto"], { stdio: "inherit" });
} catch {
  console.error("could not build bench/openssl/listen_bench.c: apt-get install libssl-dev (see .ci/apt-packages.txt)");
  process.exit(1);
}
const openssl = {
  "dtls12-hvr": ["dtls12-hvr", "tests/fixtures/dtls12-openssl.hex"],
  "dtls12-accept": ["dtls12-accept", "tests/fixtures/dtls12-openssl.hex"],
  "tls13-hrr": ["tls13-hrr", "tests/fixtures/tls13-openssl.hex"],
};
const opensslOneshot = ["dtls12-hvr-oneshot", "tests/fixtures/dtls12-openssl.hex"];

const listed = spawnSync(deno, ["run", "-A", "--no-check", "bench/engine_bench.ts", "list"], { cwd: root, encoding: "utf8" });
if (listed.status !== 0) throw new Error(`bench/engine_bench.ts list failed:\n${listed.stderr}`);
const caseNames = listed.stdout.trim().split("\n");

// ---- interleaved runs: for each round, every case under each runtime, then OpenSSL ----
const samples = {}; // key -> [ops/s]
const meta = {};
const add = (key, v) => (samples[key] ??= []).push(v);
for (let r = 0; r < rounds; r++) {
  for (const name of caseNames) {
    for (const [rt, cmd] of runtimes) {
      const [res] = json(cmd[0], [...cmd.slice(1), "bench/engine_bench.ts", name, String(seconds)]);
      add(`${name}|${rt}`, res.opsPerSec);
      meta[name] = { inBytes: res.inBytes, outBytes: res.outBytes };
    }
    if (openssl[name]) {
      const [c, f] = openssl[name];
      const [res] = json(harness, [c, join(root, f), String(seconds)]);
      add(`${name}|openssl`, res.opsPerSec);
      meta[name].opensslOutBytes = res.outBytes;
    }
  }
  const [one] = json(harness, [opensslOneshot[0], join(root, opensslOneshot[1]), String(seconds)]);
  add("dtls12-hvr|openssl-oneshot", one.opsPerSec);
  process.stderr.write(`round ${r + 1}/${rounds} done\n`);
}

const cases = [];
for (const name of caseNames) {
  for (const [rt] of runtimes) {
    const xs = samples[`${name}|${rt}`];
    const os = samples[`${name}|openssl`];
    const entry = { name, runtime: rt, opsPerSec: median(xs), min: Math.min(...xs), max: Math.max(...xs), runs: xs.length };
    if (os) {
      entry.opensslOpsPerSec = median(os);
      entry.ratio = Number((entry.opsPerSec / entry.opensslOpsPerSec).toFixed(2));
    }
    cases.push(entry);
  }
}

// ---- flood memory and amplification (each runtime) ----
const flood = {};
for (const [rt, cmd] of runtimes) {
  const args = rt === "deno" ? [...cmd.slice(1), "--v8-flags=--expose-gc", "bench/flood.ts"] : [...cmd.slice(1), "bench/flood.ts"];
  const [res] = json(cmd[0], [...args, quick ? "20000" : "1000000"]);
  flood[rt] = res;
}
const [amp] = json(deno, ["run", "-A", "--no-check", "bench/amplification.ts"]);

// ---- cookie issue/verify rates (bench/cookie_bench.ts prints "name   N ops/s" lines) ----
const cookies = {};
for (const [rt, cmd] of runtimes) {
  const r = spawnSync(cmd[0], [...cmd.slice(1), "bench/cookie_bench.ts"], { cwd: root, encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`cookie bench failed under ${rt}:\n${r.stderr}`);
  let section = "";
  cookies[rt] = {};
  for (const line of r.stdout.split("\n")) {
    const h = line.match(/^-- (.+) --$/);
    if (h) section = h[1].startsWith("HVR") ? "hvr" : h[1].startsWith("HRR") ? "hrr" : h[1];
    const m = line.match(/^(.+?)\s{2,}([\d,]+) ops\/s/);
    if (m) cookies[rt][`${section ? section + " " : ""}${m[1].trim()}`] = Number(m[2].replaceAll(",", ""));
  }
}

// ---- UDP end to end ----
const udp = [];
if (!quick && existsSync(join(root, "bench/udp_bench.mjs"))) {
  udp.push(...json(process.execPath, [join(root, "bench/udp_bench.mjs")]));
}

const result = {
  date: new Date().toISOString(),
  command: "npm run bench",
  seconds,
  rounds,
  cases,
  opensslOneshotHvrOpsPerSec: median(samples["dtls12-hvr|openssl-oneshot"]),
  udp,
  cookies,
  flood: { peers: flood.deno.peers, heapDeltaBytes: Math.max(flood.deno.heapDeltaBytes, flood.bun.heapDeltaBytes), budgetPeakBytes: Math.max(flood.deno.budgetPeakBytes, flood.bun.budgetPeakBytes), byRuntime: flood },
  maxAmplification: amp.maxAmplification,
  amplification: amp.fixtures,
};
mkdirSync(join(root, "bench/results"), { recursive: true });
writeFileSync(join(root, quick ? "bench/results/quick.json" : "bench/results/latest.json"), JSON.stringify(result, null, 2) + "\n");

// ---- table ----
const pad = (s, n) => String(s).padEnd(n);
console.log(`\n${pad("case", 18)}${pad("runtime", 8)}${pad("ops/s", 10)}${pad("min..max", 20)}${pad("OpenSSL", 10)}ratio   in/out bytes`);
for (const c of cases) {
  console.log(
    `${pad(c.name, 18)}${pad(c.runtime, 8)}${pad(c.opsPerSec, 10)}${pad(`${c.min}..${c.max}`, 20)}${pad(c.opensslOpsPerSec ?? "-", 10)}${pad(c.ratio ?? "-", 8)}${meta[c.name].inBytes}/${meta[c.name].outBytes}`,
  );
}
console.log(`OpenSSL one-shot-HMAC HVR (s_server style): ${result.opensslOneshotHvrOpsPerSec} ops/s`);
for (const u of udp) console.log(`UDP ${u.runtime}: ${u.hvrPerSec} HVR/s vs raw echo ${u.echoPerSec}/s (ratio ${u.ratio})`);
for (const [rt, f] of Object.entries(flood)) console.log(`flood ${rt}: ${f.peers} spoofed peers, heap delta ${f.heapDeltaBytes} B, budget peak ${f.budgetPeakBytes} B`);
for (const [rt, c] of Object.entries(cookies)) {
  console.log(`cookies ${rt}: HVR issue ${c["hvr issue (random keyring, IPv4)"]}/s, verify ${c["hvr verify ok (IPv4)"]}/s; HRR issue ${c["hrr issue (SHA-256 hash, no app data)"]}/s, verify ${c["hrr verify ok"]}/s`);
}
console.log(`max amplification (reply/request) over all fixtures: ${result.maxAmplification}`);
