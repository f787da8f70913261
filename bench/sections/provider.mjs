// Benchmark section: the crypto provider operation table (noble vs node:crypto, Deno vs Bun).
// Runs bench/provider_bench.ts under each runtime; returns `{ providerOps: [...] }` (one entry per
// operation, provider and runtime) and a markdown table with one row per operation.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export default function run({ quick, root }) {
  const seconds = quick ? "0.02" : "0.5";
  const runtimes = [
    ["deno", [join(root, "node_modules/.bin/deno"), "run", "-A", "--no-check"]],
    ["bun", [join(root, "node_modules/.bin/bun")]],
  ];
  const providerOps = [];
  for (const [rt, cmd] of runtimes) {
    const r = spawnSync(cmd[0], [...cmd.slice(1), join(root, "bench/provider_bench.ts"), seconds], {
      cwd: root,
      encoding: "utf8",
      timeout: 300_000,
    });
    if (r.status !== 0) throw new Error(`provider bench failed under ${rt}:\n${r.stderr}`);
    for (const line of r.stdout.split("\n")) if (line.startsWith("{")) providerOps.push(JSON.parse(line));
  }
  const ops = [...new Set(providerOps.map((o) => o.op))];
  const cell = (op, provider, runtime) => {
    const e = providerOps.find((o) => o.op === op && o.provider === provider && o.runtime === runtime);
    return e ? `${e.opsPerSec.toLocaleString("en-US")}${e.fallback ? " (noble)" : ""}` : "-";
  };
  const rows = ops.map((op) =>
    `| ${op} | ${cell(op, "portable", "deno")} | ${cell(op, "native", "deno")} | ${cell(op, "portable", "bun")} | ${cell(op, "native", "bun")} |`
  );
  const markdown = [
    "",
    "crypto provider operations (ops/s; \"(noble)\": node:crypto lacks it, the native provider fell back)",
    "| operation | noble, Deno | node:crypto, Deno | noble, Bun | node:crypto, Bun |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
  return Promise.resolve({ providerOps, markdown });
}
