// The ways to run the CLI (issue 16 item 3): the npm/bun binary `bin/hellogate.mjs` (through
// `npx hellogate` and `bunx hellogate` after `npm ci`), and the `./cli` export of deno.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { root } from "./helpers/cli_process.ts";

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const denoJson = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, {
    cwd: root,
    encoding: "utf8",
    timeout: 60000,
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  return { code: r.status, out: r.stdout ?? "", err: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

test("cli bin: package.json bin and deno.json ./cli point at the CLI; one version everywhere", () => {
  assert.equal(pkg.bin.hellogate, "bin/hellogate.mjs");
  const bin = join(root, pkg.bin.hellogate);
  assert.ok(statSync(bin).mode & 0o111, "executable");
  assert.match(readFileSync(bin, "utf8"), /^#!\/usr\/bin\/env node\n/);
  assert.equal(denoJson.exports["./cli"], "./cli.ts");
  assert.ok(denoJson.publish.include.includes("cli/"), "cli/ is published with cli.ts");
  assert.equal(denoJson.version, pkg.version);
});

test("cli bin: bin/hellogate.mjs under node (spawning Deno or Bun) and in-process under this runtime", () => {
  const expected = `hellogate ${pkg.version}\n`;
  for (const runtime of ["deno", "bun"]) {
    const r = run("node", ["bin/hellogate.mjs", "--version"], { HELLOGATE_RUNTIME: runtime });
    assert.equal(r.code, 0, `node launcher with ${runtime}: ${r.err}`);
    assert.equal(r.out, expected);
  }
  const self = run(process.execPath, [...(process.versions.bun ? [] : ["run", "-A"]), "bin/hellogate.mjs", "--version"]);
  assert.equal(self.code, 0, self.err);
  assert.equal(self.out, expected);
  // Arguments and exit codes pass through the launcher.
  const inspect = run("node", ["bin/hellogate.mjs", "inspect", "--now", "1700000000", "16fefd"]);
  assert.equal(inspect.code, 0, inspect.err);
  assert.equal(JSON.parse(inspect.out).now, 1700000000);
  const bad = run("node", ["bin/hellogate.mjs", "inspect", "--nope"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^hellogate: unknown flag --nope/);
  const badRuntime = run("node", ["bin/hellogate.mjs", "--version"], { HELLOGATE_RUNTIME: "java" });
  assert.equal(badRuntime.code, 2);
  assert.match(badRuntime.err, /HELLOGATE_RUNTIME=java/);
});

test("cli bin: npx hellogate --version and bunx hellogate --version in the checkout (after npm ci)", () => {
  const expected = `hellogate ${pkg.version}\n`;
  // --offline / --no-install: never fetch a package of that name from a registry.
  const npx = run("npx", ["--offline", "hellogate", "--version"]);
  assert.equal(npx.code, 0, `npx: ${npx.err}`);
  assert.equal(npx.out, expected);
  assert.ok(
    existsSync(join(root, "node_modules", ".bin", "hellogate")),
    "node_modules/.bin/hellogate is missing: run `npm ci` (its postinstall, bin/link.mjs, links it)",
  );
  const bunx = run(join(root, "node_modules", ".bin", "bun"), ["x", "--no-install", "hellogate", "--version"]);
  assert.equal(bunx.code, 0, `bunx: ${bunx.err}`);
  assert.equal(bunx.out, expected);
});
