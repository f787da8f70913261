// First-run set-up shared by `npm test`, `npm run demo` and `npm run bench` (imported with one line
// at the top of each script): when node_modules is missing or does not match package-lock.json,
// run `npm ci` (saying so in one line), then go on. Anything missing that we cannot install
// ourselves ends the run with a one-line error naming it and the command that installs it, never
// a stack trace.
//
// "Matches" means: every non-optional package in package-lock.json is in npm's own record of what
// it installed (node_modules/.package-lock.json) at the same version, and the deno and bun
// binaries the scripts spawn are there. Optional packages (other platforms' runtime binaries)
// are not required. HELLOGATE_NO_BOOTSTRAP=1 skips the check (the scripts then fail as they may).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

/** Prints one line to stderr and exits 1. */
export function fail(message) {
  console.error(`hellogate: ${message}`);
  process.exit(1);
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** Why node_modules does not match package-lock.json, or undefined when it does. */
export function installProblem(dir = root) {
  const lock = readJson(join(dir, "package-lock.json"));
  if (!lock?.packages) return "package-lock.json is missing or unreadable";
  if (!existsSync(join(dir, "node_modules"))) return "node_modules is missing";
  const installed = readJson(join(dir, "node_modules/.package-lock.json"))?.packages;
  if (!installed) return "node_modules was not installed by npm ci";
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith("node_modules/") || entry.optional) continue;
    if (installed[path]?.version !== entry.version) return `node_modules does not match package-lock.json (${path.slice(13)})`;
    if (!existsSync(join(dir, path))) return `node_modules is incomplete (${path.slice(13)})`;
  }
  for (const name of ["deno", "bun"]) {
    if (!existsSync(join(dir, "node_modules/.bin", name))) return `node_modules/.bin/${name} is missing`;
  }
  return undefined;
}

if (process.env.HELLOGATE_NO_BOOTSTRAP !== "1") {
  const problem = installProblem();
  if (problem) {
    console.log(`hellogate: ${problem}; running npm ci first`);
    const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: root, stdio: "inherit" });
    if (r.error) fail("npm was not found: install Node.js with npm (e.g. sudo apt-get install nodejs npm), then run npm ci");
    if (r.status !== 0) fail(`npm ci failed (exit ${r.status}); fix the error above, then run npm ci`);
    const still = installProblem();
    if (still) fail(`${still} even after npm ci; run npm ci and check its output`);
  }
}
