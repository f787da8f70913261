// The one test command (`npm test`): static checks, then the same suite under Deno and Bun,
// ending with "N passed, M failed" summed over both runtimes (", K skipped" when interop tests
// could not run because a system client is missing: their names and the apt-get line are printed
// first; under CI=true a skip is a failure). Exits non-zero on any failure.
import "./bootstrap.mjs"; // first run: npm ci when node_modules is missing or stale
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { missingClientFailures, missingTools, parseBun, parseDeno } from "./test_summary.mjs";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const env = { ...process.env, NO_COLOR: "1" };
delete env.FORCE_COLOR; // Deno treats any FORCE_COLOR as "force"
// Interop tests whose system client is missing are skipped outside CI (tests/interop/harness.ts
// toolSkip) and write what is missing here; under CI (CI=true) they run and fail instead.
const ci = !["", "0", "false"].includes((env.CI ?? "").toLowerCase());
const skipDir = mkdtempSync(join(tmpdir(), "hellogate-test-"));
env.HELLOGATE_SKIP_LOG = join(skipDir, "missing-tools.txt");
const only = process.argv.slice(2); // optional test file filters

function run(label, cmd, args, { capture = false } = {}) {
  process.stdout.write(`\n== ${label}: ${[cmd.split("/").pop(), ...args].join(" ")}\n`);
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: "utf8", stdio: capture ? "pipe" : "inherit", maxBuffer: 1 << 28 });
  if (capture) {
    process.stdout.write(r.stdout ?? "");
    process.stderr.write(r.stderr ?? "");
  }
  if (r.error) {
    console.error(`hellogate: could not run ${cmd}: ${r.error.message}; run npm ci`);
    process.exit(1);
  }
  return { code: r.status ?? 1, out: (r.stdout ?? "") + (r.stderr ?? "") };
}

function testFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "fuzz" && name !== "fixtures") out.push(...testFiles(p));
    } else if (name.endsWith(".test.ts")) out.push(p.slice(root.length));
  }
  return out.sort();
}

let files = testFiles(join(root, "tests"));
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
const entryPoints = ["mod.ts", "wire.ts", "quic.ts", "testing/mod.ts", ...(existsSync(join(root, "transports/mod.ts")) ? ["transports/mod.ts"] : []), ...(existsSync(join(root, "cli.ts")) ? ["cli.ts"] : [])];

const failures = [];
const staticOnly = process.env.HELLOGATE_SKIP_STATIC !== "1";
if (staticOnly && !only.length) {
  for (const [label, args] of [
    ["typecheck", ["check", ...entryPoints, ...files, ...(existsSync(join(root, "bench")) ? ["bench/"] : []), ...(existsSync(join(root, "examples")) ? ["examples/"] : [])]],
    ["lint", ["lint"]],
    ["doc lint", ["doc", "--lint", ...entryPoints.filter((e) => e !== "cli.ts")]],
    ["publish dry-run", ["publish", "--dry-run", "--allow-dirty"]],
  ]) {
    const r = run(label, bin("deno"), args);
    if (r.code !== 0) failures.push(label);
  }
}

// Deno: flat node:test tests are counted one each ("ok | N passed | M failed | K ignored").
const d = run("deno test", bin("deno"), ["test", "-A", "--unstable-net", "--no-check", ...files], { capture: true });
const dr = parseDeno(d.out);
if (d.code !== 0 && dr.failed === 0) dr.failed = 1; // a crash with no count is a failure
// Bun: " N pass" / " K skip" / " M fail".
const b = run("bun test", bin("bun"), ["test", "--timeout", "120000", ...files.map((f) => "./" + f)], { capture: true });
const br = parseBun(b.out);
if (b.code !== 0 && br.failed === 0) br.failed = 1;
// Outside CI, a test that failed only because requireTool found no client counts as skipped
// (it could not run here); under CI it stays a failure.
if (!ci) {
  for (const [r, out, rt] of [[dr, d.out, "deno"], [br, b.out, "bun"]]) {
    const missed = missingClientFailures(out, rt).slice(0, r.failed);
    r.failed -= missed.length;
    r.skipped += missed.length;
    r.skippedNames.push(...missed.map((m) => m.name));
  }
}

const skipLog = existsSync(env.HELLOGATE_SKIP_LOG) ? readFileSync(env.HELLOGATE_SKIP_LOG, "utf8") : "";
rmSync(skipDir, { recursive: true, force: true });
console.log(`\nDeno: ${dr.passed} passed, ${dr.failed} failed, ${dr.skipped} skipped; Bun: ${br.passed} passed, ${br.failed} failed, ${br.skipped} skipped`);
const skipped = dr.skipped + br.skipped;
let skipFailure = 0;
if (skipped) {
  const names = [...new Set([...dr.skippedNames, ...br.skippedNames])];
  const { tools, install } = missingTools(skipLog);
  console.log(`\nskipped (not run on this machine${tools.length ? `: ${tools.join(", ")} missing` : ""}):`);
  for (const n of names) console.log(`  - ${n}`);
  if (install.length) console.log(`install what they need, then run npm test again:\n  ${install.join("\n  ")}`);
  if (ci) {
    console.log("CI: a skipped test is a failure here (missing clients must be installed: .ci/apt-packages.txt)");
    skipFailure = 1;
  }
}
if (failures.length) console.log(`static checks failed: ${failures.join(", ")}`);
if (dr.passed === 0 || br.passed === 0) console.log("a runtime ran no tests: that is a failure");
const totalFail = dr.failed + br.failed + failures.length + (dr.passed === 0 || br.passed === 0 ? 1 : 0) + skipFailure;
console.log(`${dr.passed + br.passed} passed, ${totalFail} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(totalFail === 0 ? 0 : 1);
