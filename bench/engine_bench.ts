// One engine benchmark case for a fixed time, under whichever runtime runs this file.
// Usage: deno run -A bench/engine_bench.ts CASE SECONDS   |   bun bench/engine_bench.ts CASE SECONDS
// Prints one JSON line: {"case","runtime","opsPerSec","iterations","seconds","inBytes","outBytes"}.
// `CASE` may be "list" to print the case names.
import { buildCases } from "./cases.ts";

const [name = "list", secondsText = "1"] = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const cases = buildCases();
if (name === "list") {
  console.log(cases.map((c) => c.name).join("\n"));
} else {
  const c = cases.find((x) => x.name === name);
  if (!c) throw new Error(`unknown case ${name}`);
  const seconds = Number(secondsText);
  const first = c.run();
  const outBytes = first.kind === "send" ? first.bytes.length : 0;
  for (let i = 0; i < 5000; i++) c.run(); // warm-up (JIT)
  let iterations = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 1000; i++) c.run();
    iterations += 1000;
    now = performance.now();
  }
  const elapsed = (now - start) / 1000;
  const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
  console.log(JSON.stringify({
    case: c.name,
    runtime,
    opsPerSec: Math.round(iterations / elapsed),
    iterations,
    seconds: Number(elapsed.toFixed(3)),
    inBytes: c.inBytes,
    outBytes,
  }));
}
