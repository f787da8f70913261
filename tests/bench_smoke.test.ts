// Keeps the benchmarks runnable (not timed: no assertion on speed) and checks the amplification
// table's bound: no reply larger than its request for any fixture.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawnSync } from "node:child_process";

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const root = new URL("..", import.meta.url).pathname;

function runJson(file: string, ...args: string[]): Record<string, unknown> {
  const cmd = isBun ? [file, ...args] : ["run", "-A", "--no-check", file, ...args];
  const env = { ...process.env, NO_COLOR: "1" };
  const r = spawnSync(process.execPath, cmd, { cwd: root, encoding: "utf8", timeout: 60_000, env });
  assert.equal(r.status, 0, `${file} exited ${r.status}: ${r.stderr}`);
  const line = r.stdout.trim().split("\n").find((l) => l.startsWith("{"));
  assert.ok(line, `no JSON from ${file}: ${r.stdout}`);
  return JSON.parse(line!);
}

test("bench: every engine case runs and produces its expected outcome", () => {
  for (const name of ["dtls12-hvr", "dtls12-accept", "dtls13-hrr", "tls13-hrr", "tls13-accept"]) {
    const r = runJson("bench/engine_bench.ts", name, "0.02");
    assert.equal(r.case, name);
    assert.ok((r.opsPerSec as number) > 0);
  }
});

test("bench: amplification over every fixture is at most 1x", () => {
  const r = runJson("bench/amplification.ts");
  const rows = r.fixtures as { fixture: string; ratio: number; replyBytes: number }[];
  assert.ok(rows.length >= 12);
  for (const row of rows) {
    assert.ok(row.replyBytes > 0, `${row.fixture} got no reply`);
    assert.ok(row.ratio <= 1, `${row.fixture}: ${row.ratio}`);
  }
  assert.ok((r.maxAmplification as number) <= 1);
});
