// What a benchmark ran on (issue 17 item 3): CPU model, the flags that change the comparison
// (sha_ni: OpenSSL's SHA-256 runs on SHA extensions, JS SHA-256 cannot; aes; avx2), core count,
// and the versions of OpenSSL, Deno, Bun and Node. Used by scripts/bench.mjs for latest.json and
// the table header; `cpuKind()` names the results table a run belongs to.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";

/** The flags reported as present/absent; other flags are not recorded. */
export const FLAGS = ["sha_ni", "aes", "avx2"];

/** `{ model, flags: { sha_ni, aes, avx2 }, cores }` from /proc/cpuinfo (os.cpus() elsewhere). */
export function cpuInfo() {
  let model = cpus()[0]?.model?.trim() ?? "unknown";
  let flagSet = new Set();
  try {
    const text = readFileSync("/proc/cpuinfo", "utf8");
    const m = text.match(/^model name\s*:\s*(.+)$/m);
    if (m) model = m[1].trim();
    const f = text.match(/^(?:flags|Features)\s*:\s*(.+)$/m);
    if (f) flagSet = new Set(f[1].trim().split(/\s+/));
  } catch { /* not Linux: flags unknown */ }
  const flags = Object.fromEntries(FLAGS.map((k) => [k, flagSet.has(k)]));
  return { model, flags, cores: availableParallelism?.() ?? cpus().length };
}

function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0 || !r.stdout) return null;
  return r.stdout.split("\n")[0].trim();
}

/** `{ openssl, deno, bun, node }` version strings (null when a tool is missing). */
export function versions(root) {
  const openssl = firstLine("openssl", ["version"])?.match(/^OpenSSL (\S+)/)?.[1] ?? null;
  const deno = firstLine(join(root, "node_modules/.bin/deno"), ["--version"])?.match(/^deno (\S+)/)?.[1] ?? null;
  const bun = firstLine(join(root, "node_modules/.bin/bun"), ["--version"]);
  return { openssl, deno, bun, node: process.versions.node };
}

/** A short name for the kind of CPU: the one results table per kind is keyed by it. */
export function cpuKind(cpu) {
  return `${cpu.model}, ${cpu.flags.sha_ni ? "with" : "without"} SHA-NI`;
}

/** The header line used for a results table: date, CPU, flags, cores, versions. */
export function headerLine(date, cpu, v) {
  const flags = FLAGS.map((k) => `${k} ${cpu.flags[k] ? "yes" : "no"}`).join(", ");
  return `${date.slice(0, 10)}, ${cpu.model} (${flags}), ${cpu.cores} cores, OpenSSL ${v.openssl}, Deno ${v.deno}, Bun ${v.bun}, Node ${v.node}`;
}

/** The 1-minute load average now (0 where the OS does not report one). */
export function loadNow() {
  return Number((loadavg()[0] ?? 0).toFixed(2));
}

/**
 * A warning when the machine was busy during the run (1-minute load average above the core
 * count at the start or the end): absolute figures are then low and spread widely.
 */
export function busyNote(results) {
  const l = results.load;
  if (!l || !results.cpu) return undefined;
  const peak = Math.max(l.before ?? 0, l.after ?? 0);
  if (peak <= results.cpu.cores) return undefined;
  return `measured on a busy machine (1-minute load average ${l.before} at the start, ${l.after} at the end, on ${results.cpu.cores} cores): absolute figures are low and spread widely, and even same-run ratios are rough`;
}
