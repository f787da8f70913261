// First run (issue 16 item 1): scripts/bootstrap.mjs decides whether node_modules matches
// package-lock.json (then `npm test`/`demo`/`bench` go straight on) or `npm ci` must run first.
// Checked here on throw-away directories; the real `npm ci` path was run on a fresh clone.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

// Importing the module runs its check against the repository: keep that a no-op here.
const saved = process.env.HELLOGATE_NO_BOOTSTRAP;
process.env.HELLOGATE_NO_BOOTSTRAP = "1";
const { installProblem } = await import("../scripts/bootstrap.mjs");
if (saved === undefined) delete process.env.HELLOGATE_NO_BOOTSTRAP;
else process.env.HELLOGATE_NO_BOOTSTRAP = saved;

const lock = {
  name: "x",
  lockfileVersion: 3,
  packages: {
    "": { name: "x" },
    "node_modules/a": { version: "1.0.0" },
    "node_modules/@s/b": { version: "2.0.0", dev: true },
    "node_modules/@s/other-platform": { version: "2.0.0", optional: true },
  },
};

function layout(installed: Record<string, { version: string }> | undefined, dirs: string[], bins = ["deno", "bun"]): string {
  const dir = mkdtempSync(join(tmpdir(), "hellogate-bootstrap-"));
  writeFileSync(join(dir, "package-lock.json"), JSON.stringify(lock));
  if (installed) {
    mkdirSync(join(dir, "node_modules/.bin"), { recursive: true });
    writeFileSync(join(dir, "node_modules/.package-lock.json"), JSON.stringify({ packages: installed }));
    for (const d of dirs) mkdirSync(join(dir, "node_modules", d), { recursive: true });
    for (const b of bins) writeFileSync(join(dir, "node_modules/.bin", b), "");
  }
  return dir;
}

test("bootstrap: node_modules that matches package-lock.json needs nothing (optional packages may be absent)", () => {
  const dir = layout({ "node_modules/a": { version: "1.0.0" }, "node_modules/@s/b": { version: "2.0.0" } }, ["a", "@s/b"]);
  try {
    assert.equal(installProblem(dir), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bootstrap: missing, stale, incomplete or binary-less node_modules each name the reason", () => {
  const cases: [string, string | undefined][] = [];
  const dirs = [
    layout(undefined, []),
    layout({ "node_modules/a": { version: "0.9.0" }, "node_modules/@s/b": { version: "2.0.0" } }, ["a", "@s/b"]),
    layout({ "node_modules/a": { version: "1.0.0" }, "node_modules/@s/b": { version: "2.0.0" } }, ["a"]),
    layout({ "node_modules/a": { version: "1.0.0" }, "node_modules/@s/b": { version: "2.0.0" } }, ["a", "@s/b"], ["deno"]),
  ];
  try {
    for (const d of dirs) cases.push([d, installProblem(d)]);
    assert.equal(cases[0][1], "node_modules is missing");
    assert.equal(cases[1][1], "node_modules does not match package-lock.json (a)");
    assert.equal(cases[2][1], "node_modules is incomplete (@s/b)");
    assert.equal(cases[3][1], "node_modules/.bin/bun is missing");
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});

test("bootstrap: this checkout's node_modules matches its package-lock.json", () => {
  assert.equal(installProblem(root), undefined);
});
