// `npm run bench`: engine micro-benchmarks under Deno and Bun interleaved with OpenSSL's own
// DTLSv1_listen / SSL_stateless (bench/openssl/listen_bench.c, built here from the system libssl),
// the UDP end-to-end run, the flood-memory run and the amplification table.
// Prints a table and writes bench/results/latest.json. Ratios are engine/OpenSSL from the same run.
//
// Options (env): BENCH_SECONDS (per run, default 1), BENCH_ROUNDS (default 5), BENCH_QUICK=1 (CI smoke:
// 0.05 s, 1 round, small flood, no UDP load), BENCH_SECTIONS=a,b (run only the section files whose
// name contains one of these; BENCH_SECTIONS_ONLY=1 also skips the built-in runs above).
//
// Sections: every `bench/sections/*.mjs` default-exports `async function run({ quick, root })`
// returning an object whose keys are merged into the results (arrays under the same key from
// different sections are concatenated, plain objects merged key by key, anything else replaced)
// and optionally a `markdown` string printed to the console. A section that throws is reported
// in `sectionErrors` and makes the script exit 1 after the results are written.
// The results record what they ran on: `cpu: {model, flags: {sha_ni, aes, avx2}, cores}` and
// `versions: {openssl, deno, bun, node}` (bench/machine.mjs).
import "./bootstrap.mjs"; // first run: npm ci when node_modules is missing or stale
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { busyNote, cpuInfo, cpuKind, headerLine, loadNow, versions } from "../bench/machine.mjs";
import { chartSvg } from "../bench/chart.mjs";
import { updateReadme } from "../bench/chart_tables.mjs";

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

/** The built-in runs (engine vs OpenSSL, flood, amplification, cookies, UDP): results + table printer. */
function builtin() {
  // ---- OpenSSL reference harness ----
  const buildDir = join(root, "bench/openssl/build");
  mkdirSync(buildDir, { recursive: true });
  const harness = join(buildDir, "listen_bench");
  try {
    execFileSync("cc", ["-O2", "-o", harness, join(root, "bench/openssl/listen_bench.c"), "-lssl", "-lcrypto"], { stdio: "inherit" });
  } catch {
    throw new Error("could not build bench/openssl/listen_bench.c: apt-get install libssl-dev (see .ci/apt-packages.txt)");
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
    cases,
    opensslOneshotHvrOpsPerSec: median(samples["dtls12-hvr|openssl-oneshot"]),
    udp,
    cookies,
    flood: { peers: flood.deno.peers, heapDeltaBytes: Math.max(flood.deno.heapDeltaBytes, flood.bun.heapDeltaBytes), budgetPeakBytes: Math.max(flood.deno.budgetPeakBytes, flood.bun.budgetPeakBytes), byRuntime: flood },
    maxAmplification: amp.maxAmplification,
    amplification: amp.fixtures,
  };
  return { result, print: () => {
    const pad = (s, n) => String(s).padEnd(n);
    console.log(`\n${pad("case", 18)}${pad("runtime", 8)}${pad("ops/s", 10)}${pad("min..max", 20)}${pad("OpenSSL", 10)}ratio   in/out bytes`);
    for (const c of cases) {
      console.log(
        `${pad(c.name, 18)}${pad(c.runtime, 8)}${pad(c.opsPerSec, 10)}${pad(`${c.min}..${c.max}`, 20)}${pad(c.opensslOpsPerSec ?? "-", 10)}${pad(c.ratio ?? "-", 8)}${meta[c.name].inBytes}/${meta[c.name].outBytes}`,
      );
    }
    console.log(`OpenSSL one-shot-HMAC HVR (s_server style): ${result.opensslOneshotHvrOpsPerSec} ops/s`);
    for (const u of udp) {
      const ossl = u.opensslUdpPerSec ? `; OpenSSL DTLSv1_listen UDP server ${u.opensslUdpPerSec}/s (hellogate/OpenSSL ${u.opensslRatio})` : "";
      console.log(`UDP ${u.runtime}: ${u.hvrPerSec} HVR/s vs raw echo ${u.echoPerSec}/s (ratio ${u.ratio})${ossl}`);
    }
    for (const [rt, f] of Object.entries(flood)) console.log(`flood ${rt}: ${f.peers} spoofed peers, heap delta ${f.heapDeltaBytes} B, budget peak ${f.budgetPeakBytes} B`);
    for (const [rt, c] of Object.entries(cookies)) {
      console.log(`cookies ${rt}: HVR issue ${c["hvr issue (random keyring, IPv4)"]}/s, verify ${c["hvr verify ok (IPv4)"]}/s; HRR issue ${c["hrr issue (SHA-256 hash, no app data)"]}/s, verify ${c["hrr verify ok"]}/s`);
    }
    console.log(`max amplification (reply/request) over all fixtures: ${result.maxAmplification}`);
  } };
}

/** Merges a section's keys into the results: arrays concatenate, plain objects merge, else replace. */
function mergeInto(target, part) {
  for (const [k, v] of Object.entries(part)) {
    if (k === "markdown") continue;
    const old = target[k];
    if (Array.isArray(old) && Array.isArray(v)) target[k] = [...old, ...v];
    else if (old && v && typeof old === "object" && typeof v === "object" && !Array.isArray(old) && !Array.isArray(v)) target[k] = { ...old, ...v };
    else target[k] = v;
  }
}

const sectionFilter = process.env.BENCH_SECTIONS ? process.env.BENCH_SECTIONS.split(",").filter(Boolean) : null;
const sectionsOnly = process.env.BENCH_SECTIONS_ONLY === "1";
const cpu = cpuInfo();
const results = { date: new Date().toISOString(), command: "npm run bench", cpu, versions: versions(root), load: { before: loadNow(), after: undefined }, seconds, rounds };
let printBuiltin = () => {};
if (!sectionsOnly) {
  let b;
  try {
    b = builtin();
  } catch (e) {
    console.error(`npm run bench: ${String(e?.message ?? e).trim()}`);
    process.exit(1);
  }
  Object.assign(results, b.result);
  printBuiltin = b.print;
}

// ---- sections (bench/sections/*.mjs, alphabetical) ----
const sectionDir = join(root, "bench/sections");
const sectionFiles = existsSync(sectionDir)
  ? readdirSync(sectionDir).filter((f) => f.endsWith(".mjs") && (!sectionFilter || sectionFilter.some((x) => f.includes(x)))).sort()
  : [];
const markdown = [];
const sectionErrors = [];
for (const file of sectionFiles) {
  process.stderr.write(`section ${file}\n`);
  try {
    const mod = await import(pathToFileURL(join(sectionDir, file)).href);
    if (typeof mod.default !== "function") throw new Error("no default-exported run({ quick, root })");
    const part = await mod.default({ quick, root });
    if (part && typeof part === "object") {
      mergeInto(results, part);
      if (typeof part.markdown === "string") markdown.push(`### ${file}\n\n${part.markdown.trim()}`);
    }
  } catch (e) {
    const message = String(e?.message ?? e).split("\n")[0];
    console.error(`bench section ${file} failed: ${message}`);
    sectionErrors.push({ section: file, error: message });
  }
}
if (sectionErrors.length) results.sectionErrors = sectionErrors;

results.load.after = loadNow();
mkdirSync(join(root, "bench/results"), { recursive: true });
const outFile = join(root, quick ? "bench/results/quick.json" : "bench/results/latest.json");
// A full run (all built-in measurements) replaces latest.json, draws bench/results/latest.svg and
// rewrites this CPU kind's results block in bench/README.md (bench/chart_tables.mjs). A partial
// run (BENCH_SECTIONS, BENCH_SECTIONS_ONLY) replaces only the keys it produced in latest.json and
// notes them under `partialUpdates`, so the rest of the last full run is kept.
const full = !quick && !sectionsOnly && !sectionFilter && !process.env.BENCH_UDP_RUNTIMES;
let written = results;
if (!quick && !full && existsSync(outFile)) {
  let previous;
  try {
    previous = JSON.parse(readFileSync(outFile, "utf8"));
  } catch { /* unreadable: write this run alone */ }
  if (previous) {
    const own = ["date", "command", "cpu", "versions", "load", "seconds", "rounds"];
    const keys = Object.keys(results).filter((k) => !own.includes(k));
    written = { ...previous };
    for (const k of keys) written[k] = results[k];
    written.partialUpdates = [...(previous.partialUpdates ?? []), { date: results.date, keys, cpu: results.cpu, versions: results.versions, load: results.load }];
  }
}
writeFileSync(outFile, JSON.stringify(written, null, 2) + "\n");
if (full) {
  writeFileSync(join(root, "bench/results/latest.svg"), chartSvg(results));
  const readme = join(root, "bench/README.md");
  writeFileSync(readme, updateReadme(readFileSync(readme, "utf8"), results));
}

console.log(`\nran on: ${headerLine(results.date, cpu, results.versions)} [${cpuKind(cpu)}]`);
if (busyNote(results)) console.log(`warning: ${busyNote(results)}`);
printBuiltin();
for (const m of markdown) console.log(`\n${m}`);
console.log(`\nresults: ${outFile.slice(root.length)}${full ? ", bench/results/latest.svg, bench/README.md (this CPU's table)" : ""}`);
if (sectionErrors.length) process.exit(1);
