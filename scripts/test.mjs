// The one test command (`npm test`): static checks, then the same suite under Deno and Bun,
// ending with "N passed, N failed" summed over both runtimes. Exits non-zero on any failure.
import "./bootstrap.mjs"; // first run: npm ci when node_modules is missing or stale
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);
const env = { ...process.env, NO_COLOR: "1" };
delete env.FORCE_COLOR; // Deno treats any FORCE_COLOR as "force"
const only = process.argv.slice(2); // optional test file filters

function run(label, cmd, args, { capture = false } = {}) {
  process.stdout.write(`\n== ${label}: ${[cmd.split("/").pop(), ...args].join(" ")}\n`);
  const r = spawnSync(cmd, args, { cwd: root, env, encoding: "utf8", stdio: capture ? "pipe" : "inherit", maxBuffer: 1 << 28 });
  if (capture) {
    process.stdout.write(r.stdout ?? "");
    process.stderr.write(r.stderr ?? "");
  }
  if (r.error) throw r.error;
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
const entryPoints = ["mod.ts", "testing/mod.ts", ...(existsSync(join(root, "transports/mod.ts")) ? ["transports/mod.ts"] : []), ...(existsSync(join(root, "cli.ts")) ? ["cli.ts"] : [])];

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

// Deno: flat node:test tests are counted one each ("ok | N passed | M failed").
const d = run("deno test", bin("deno"), ["test", "-A", "--unstable-net", "--no-check", ...files], { capture: true });
const dm = d.out.match(/(\d+) passed[^|\n]*\|\s*(\d+) failed/g);
let dPass = 0, dFail = 0;
if (dm) {
  const last = dm[dm.length - 1].match(/(\d+) passed[^|\n]*\|\s*(\d+) failed/);
  dPass = Number(last[1]);
  dFail = Number(last[2]);
}
if (d.code !== 0 && dFail === 0) dFail = 1; // a crash with no count is a failure
// Bun: " N pass" / " M fail".
const b = run("bun test", bin("bun"), ["test", "--timeout", "120000", ...files.map((f) => "./" + f)], { capture: true });
const bp = b.out.match(/^\s*(\d+) pass\s*$/m), bf = b.out.match(/^\s*(\d+) fail\s*$/m);
const bPass = bp ? Number(bp[1]) : 0;
let bFail = bf ? Number(bf[1]) : 0;
if (b.code !== 0 && bFail === 0) bFail = 1;

console.log(`\nDeno: ${dPass} passed, ${dFail} failed; Bun: ${bPass} passed, ${bFail} failed`);
if (failures.length) console.log(`static checks failed: ${failures.join(", ")}`);
if (dPass === 0 || bPass === 0) console.log("a runtime ran no tests: that is a failure");
const totalFail = dFail + bFail + failures.length + (dPass === 0 || bPass === 0 ? 1 : 0);
console.log(`${dPass + bPass} passed, ${totalFail} failed`);
process.exit(totalFail === 0 ? 0 : 1);
