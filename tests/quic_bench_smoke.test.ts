// Keeps the QUIC benchmark runnable (not timed: no assertion on speed): every case produces its
// expected outcome (the bench throws otherwise) and the spoofed flood stays inside the budget.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawnSync } from "node:child_process";

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const root = new URL("..", import.meta.url).pathname;

test("bench/quic_bench.ts: every case and step runs; the flood stays within the reassembly budget", () => {
  const args = ["bench/quic_bench.ts", "0.005", "0.1", "3000"];
  const cmd = isBun ? args : ["run", "-A", "--no-check", ...args];
  const r = spawnSync(process.execPath, cmd, { cwd: root, encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1" } });
  assert.equal(r.status, 0, `quic_bench exited ${r.status}: ${r.stderr}`);
  const lines = r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  const cases = lines.filter((l) => l.kind === "case");
  for (const name of ["gtlsclient Initial → Retry", "Initial with Retry token → accepted", "Chromium PQ Initial pair → Retry", "unknown version → Version Negotiation"]) {
    assert.ok(cases.some((c) => c.name === name && c.opsPerSec > 0), name);
  }
  assert.ok(lines.filter((l) => l.kind === "step").length >= 8);
  const floods = lines.filter((l) => l.kind === "flood");
  assert.ok(floods.length >= 2);
  for (const f of floods) assert.ok(f.budgetPeakBytes <= 512 * 1024, JSON.stringify(f));
});
