#!/usr/bin/env node
// `npm run fuzz`: the mutation fuzzer (tests/fuzz/mutation_fuzzer.ts: real captures and CH2s with
// valid cookies, mutated, fed to both listeners and the ClientHello parser) under Deno and Bun in
// parallel, each until --execs executions (default 10,000,000) or --seconds (default 1800),
// whichever comes first (10M take ~3 min of CPU per runtime; on a busy machine much longer); then the fast-check properties in tests/fuzz/*.test.ts (skip them with
// --no-properties; HELLOGATE_FUZZ_RUNS sets their run count). Prints the execution counts.
//
//   node scripts/fuzz.mjs [--execs N] [--seconds S] [--seed X] [--runtimes deno,bun] [--no-properties]
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const execs = Number(arg("execs", "10000000"));
const seconds = Number(arg("seconds", "1800"));
const seed = Number(arg("seed", String(Date.now() & 0x7fffffff)));
const runtimes = arg("runtimes", "deno,bun").split(",");
if (!(execs >= 1) || !(seconds > 0)) {
  console.error("fuzz: --execs must be >= 1 and --seconds > 0");
  process.exit(2);
}
console.log(`fuzz: mutation fuzzer, up to ${execs.toLocaleString("en")} executions or ${seconds} s per runtime, seed ${seed}`);

const args = ["tests/fuzz/run_mutation.ts", "--execs", String(execs), "--seconds", String(seconds), "--seed", String(seed)];
const runs = runtimes.map((rt) =>
  new Promise((resolve) => {
    const cmd = rt === "deno" ? [bin("deno"), ["run", "-A", ...args]] : [bin("bun"), args];
    const p = spawn(cmd[0], cmd[1], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("exit", (code) => {
      let result;
      try {
        result = JSON.parse(out.trim().split("\n").pop());
      } catch {
        result = undefined;
      }
      resolve({ rt, code, result });
    });
  })
);
let failed = 0;
let total = 0;
for (const { rt, code, result } of await Promise.all(runs)) {
  if (!result) {
    console.log(`${rt}: no result (exit ${code})`);
    failed++;
    continue;
  }
  total += result.execs;
  const rate = Math.round(result.execs / Math.max(result.seconds, 0.001));
  console.log(
    `${rt}: ${result.execs.toLocaleString("en")} executions in ${result.seconds.toFixed(1)} s (${rate.toLocaleString("en")}/s), ` +
      `corpus ${result.corpus}; outcomes ${JSON.stringify(result.outcomes)}`,
  );
  if (result.failure) {
    failed++;
    console.log(`${rt}: FAILURE in ${result.failure.target} at execution ${result.failure.exec} (seed ${result.failure.seed}): ${result.failure.message}`);
    console.log(`  input: ${result.failure.input}`);
  } else if (result.execs < execs) {
    console.log(`${rt}: stopped by the ${seconds} s budget before ${execs.toLocaleString("en")} executions`);
  }
}
console.log(`fuzz: ${total.toLocaleString("en")} executions in all, ${failed ? `${failed} runtime(s) FAILED` : "no failure"}`);
if (!argv.includes("--no-properties")) {
  const r = spawnSync(bin("deno"), ["test", "-A", "tests/fuzz/"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
