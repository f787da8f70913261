#!/usr/bin/env node
// `hellogate` as an npm/bun binary (`npx hellogate ...`, `bunx hellogate ...`): runs cli.ts in
// this process under Bun or Deno, or, under Node, in a child Deno or Bun (the bundled one from
// node_modules first, then PATH; HELLOGATE_RUNTIME=deno|bun picks). Exit code and signals are
// passed through; stdio is shared, so pipes behave as with `deno run cli.ts`.
import { spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cliPath = join(root, "cli.ts");
const argv = process.argv.slice(2);

if (process.versions.bun || process.versions.deno) {
  const { main } = await import(new URL("../cli.ts", import.meta.url).href);
  process.exit(await main(argv));
}

const require = createRequire(import.meta.url);

/** The runtime binary from the npm package `name` (deno, bun), or from PATH. */
function findRuntime(name) {
  try {
    const dir = dirname(require.resolve(`${name}/package.json`));
    for (const candidate of name === "deno" ? [join(dir, "deno")] : [join(dir, "bin", "bun.exe"), join(dir, "bin", "bun")]) {
      if (executable(candidate)) return candidate;
    }
  } catch { /* not installed as a package */ }
  for (const d of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(d, name);
    if (d && executable(candidate)) return candidate;
  }
  return undefined;
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK); // throws for a missing file too
    return true;
  } catch {
    return false;
  }
}

const wanted = process.env.HELLOGATE_RUNTIME;
if (wanted !== undefined && wanted !== "deno" && wanted !== "bun") {
  process.stderr.write(`hellogate: HELLOGATE_RUNTIME=${wanted}: expected deno or bun\n`);
  process.exit(2);
}
// bunx users get Bun, everyone else Deno (the bundled devDependency), unless told otherwise.
const viaBun = (process.env.npm_config_user_agent ?? "").startsWith("bun/");
const order = wanted ? [wanted] : viaBun ? ["bun", "deno"] : ["deno", "bun"];
let runtime, path;
for (const name of order) {
  path = findRuntime(name);
  if (path) {
    runtime = name;
    break;
  }
}
if (!runtime) {
  process.stderr.write(
    `hellogate: needs Deno or Bun to run (none found in node_modules or PATH): run \`npm ci\` in the hellogate ` +
      "checkout, or install one (https://deno.com, https://bun.sh)\n",
  );
  process.exit(1);
}
const args = runtime === "deno"
  ? ["run", "-A", "--quiet", "--config", join(root, "deno.json"), cliPath, ...argv]
  : [cliPath, ...argv];
const child = spawn(path, args, { stdio: "inherit" });
// A terminal's Ctrl-C reaches the whole process group; forward what only we received.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on("error", (e) => {
  process.stderr.write(`hellogate: cannot start ${path}: ${e.message}\n`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
});
