// Benchmark section: the QUIC front door at engine level (bench/quic_bench.ts) under Deno and
// Bun, with the portable (@noble/*) and native (node:crypto) providers: Initial → Retry,
// token → accepted, Chromium's two-datagram post-quantum flight → Retry, Version Negotiation,
// the per-step costs, and a time-bounded flood of spoofed half flights (heap delta vs budget).
// Returns `{ quic: { cases, steps, floods } }` and a markdown table.
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export default function run({ quick, root }) {
  const seconds = quick ? "0.05" : "1";
  const floodSeconds = quick ? "1" : "20";
  const runtimes = [
    ["deno", [join(root, "node_modules/.bin/deno"), "run", "-A", "--no-check", "--v8-flags=--expose-gc"]],
    ["bun", [join(root, "node_modules/.bin/bun")]],
  ];
  const lines = [];
  for (const [rt, cmd] of runtimes) {
    const r = spawnSync(cmd[0], [...cmd.slice(1), join(root, "bench/quic_bench.ts"), seconds, floodSeconds, "1000000"], {
      cwd: root,
      encoding: "utf8",
      timeout: 600_000,
    });
    if (r.status !== 0) throw new Error(`quic bench failed under ${rt}:\n${r.stderr}`);
    for (const line of r.stdout.split("\n")) if (line.startsWith("{")) lines.push(JSON.parse(line));
  }
  const strip = ({ kind: _k, ...rest }) => rest;
  const cases = lines.filter((l) => l.kind === "case").map(strip);
  const steps = lines.filter((l) => l.kind === "step").map(strip);
  const floods = lines.filter((l) => l.kind === "flood").map(strip);
  const col = (list, name, key, provider, runtime) => {
    const e = list.find((o) => o.name === name && o.provider === provider && o.runtime === runtime);
    return e ? e[key].toLocaleString("en-US") : "-";
  };
  const combos = [["portable", "deno"], ["native", "deno"], ["portable", "bun"], ["native", "bun"]];
  const header = "| | noble, Deno | node:crypto, Deno | noble, Bun | node:crypto, Bun |\n| --- | --- | --- | --- | --- |";
  const table = (list, key) =>
    [...new Set(list.map((o) => o.name))].map((n) => `| ${n} | ${combos.map(([p, r]) => col(list, n, key, p, r)).join(" | ")} |`);
  const markdown = [
    "QUIC front door, ops/s (engine level, captured Initials)",
    header,
    ...table(cases, "opsPerSec"),
    "",
    "QUIC per-step cost, µs per operation",
    header,
    ...table(steps, "usPerOp"),
    "",
    "QUIC flood of spoofed half flights (distinct peers, time-bounded)",
    "| provider | runtime | datagrams | datagrams/s | heap delta | budget in use | evicted |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...floods.map((f) =>
      `| ${f.provider} | ${f.runtime} | ${f.datagrams} | ${f.datagramsPerSec} | ${(f.heapDeltaBytes / 1024).toFixed(0)} KiB | ${
        (f.budgetBytes / 1024).toFixed(0)
      } KiB | ${f.evicted} |`
    ),
  ].join("\n");
  return { quic: { cases, steps, floods }, markdown };
}
