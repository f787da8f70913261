// Benchmark section: the QUIC front door at engine level (bench/quic_bench.ts) under Deno and
// Bun, with the portable (@noble/*) and native (node:crypto) providers: Initial → Retry,
// token → accepted, Chromium's two-datagram post-quantum flight → Retry, Version Negotiation,
// the per-step costs, and a time-bounded flood of spoofed half flights (heap delta vs budget).
// Returns `{ quic: { cases, steps, floods } }` and a markdown table.
import { spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { join } from "node:path";

/** One UDP end-to-end run: server under `cmd`, node load generator, Retries per second. */
async function udpRun(root, cmd, seconds) {
  const server = spawn(cmd[0], [...cmd.slice(1), join(root, "bench/quic_udp_server.ts"), "auto"], { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: server.stdout });
  const next = () => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("quic udp server: no output in 60 s")), 60_000);
    lines.once("line", (l) => (clearTimeout(t), resolve(JSON.parse(l))));
  });
  try {
    const ready = await next();
    const load = spawnSync("node", [join(root, "bench/quic_udp_load.mjs"), "--port", String(ready.port), "--seconds", String(seconds)], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
    });
    if (load.status !== 0) throw new Error(`quic udp load failed: ${load.stderr}`);
    const result = JSON.parse(load.stdout.trim().split("\n").pop());
    server.stdin.end();
    const stopped = await next();
    return { adapter: ready.adapter, provider: ready.provider, retriesPerSec: result.perSec, bad: result.bad, serverRetries: stopped.retries };
  } finally {
    server.kill();
  }
}

export default async function run({ quick, root }) {
  const seconds = quick ? "0.05" : "1";
  const floodSeconds = quick ? "1" : "40";
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
  const udp = [];
  for (const [rt, cmd] of runtimes) {
    const c = rt === "deno" ? [cmd[0], "run", "-A", "--no-check", "--unstable-net"] : cmd;
    udp.push({ runtime: rt, ...(await udpRun(root, c, quick ? 0.5 : 3)) });
  }
  const strip = ({ kind: _k, ...rest }) => rest;
  const cases = lines.filter((l) => l.kind === "case").map(strip);
  const steps = lines.filter((l) => l.kind === "step").map(strip);
  const floods = lines.filter((l) => l.kind === "flood").map(strip);
  const col = (list, name, key, provider, runtime) => {
    const e = list.find((o) => o.name === name && o.provider === provider && o.runtime === runtime);
    return e ? e[key].toLocaleString("en-US") : "-";
  };
  const combos = [["portable", "deno"], ["native", "deno"], ["default", "deno"], ["portable", "bun"], ["native", "bun"]];
  const header = "| | noble, Deno | node:crypto, Deno | default mix, Deno | noble, Bun | node:crypto (default), Bun |\n| --- | --- | --- | --- | --- | --- |";
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
    "",
    "QUIC over UDP end to end: Retries/s to a Node load generator (32 source ports, 2 in flight each)",
    "| runtime | adapter | provider | Retries/s |",
    "| --- | --- | --- | --- |",
    ...udp.map((u) => `| ${u.runtime} | ${u.adapter} | ${u.provider} | ${u.retriesPerSec} |`),
  ].join("\n");
  return { quic: { cases, steps, floods, udp }, markdown };
}
