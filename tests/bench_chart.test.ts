// The bench chart (bench/results/latest.svg) and the per-CPU results tables of bench/README.md:
// one bar per case and runtime with an OpenSSL figure, drawn to scale against the 1.0 line; one
// README block per CPU kind, rewritten in place. No timing is asserted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chartRows, chartSvg } from "../bench/chart.mjs";
import { resultsMarkdown, updateReadme } from "../bench/chart_tables.mjs";

const cpu = (sha: boolean) => ({ model: "Test CPU <x>", flags: { sha_ni: sha, aes: true, avx2: false }, cores: 2 });
const versions = { openssl: "3.0.22", deno: "2.9.5", bun: "1.4.5", node: "20.20.2" };
const results = (sha: boolean, hvr: number) => ({
  date: "2026-11-29T10:00:00.000Z",
  cpu: cpu(sha),
  versions,
  cases: [
    { name: "dtls12-hvr", runtime: "deno", opsPerSec: hvr, min: 1, max: 2, opensslOpsPerSec: 100_000, ratio: hvr / 100_000 },
    { name: "dtls12-hvr", runtime: "bun", opsPerSec: 300_000, min: 1, max: 2, opensslOpsPerSec: 100_000, ratio: 3 },
    { name: "dtls13-hrr", runtime: "deno", opsPerSec: 90_000, min: 1, max: 2 },
  ],
  udp: [{ runtime: "bun", adapter: "Bun.udpSocket", hvrPerSec: 50_000, echoPerSec: 60_000, ratio: 0.83, opensslUdpPerSec: 100_000, opensslRatio: 0.5 }],
});

test("chart: one bar per case/runtime with an OpenSSL figure, to scale, with the 1.0 line", () => {
  const r = results(true, 150_000);
  assert.deepEqual(chartRows(r).map((x) => `${x.label}|${x.runtime}|${x.ratio}`), [
    "dtls12-hvr|deno|1.5",
    "dtls12-hvr|bun|3",
    "UDP server, DTLS 1.2 HVR|bun|0.5",
  ]);
  const svg = chartSvg(r);
  assert.ok(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  const bars = [...svg.matchAll(/<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="16" fill="#[0-9a-f]+"><title>/g)]
    .map((m) => Number(m[2]));
  assert.equal(bars.length, 3);
  // widths proportional to the ratios 1.5 : 3 : 0.5
  assert.ok(Math.abs(bars[1] / bars[0] - 2) < 0.01, String(bars));
  assert.ok(Math.abs(bars[0] / bars[2] - 3) < 0.01, String(bars));
  // the dashed 1.0 line sits at a third of the 3x bar (scale 0..3)
  const line = svg.match(/<line x1="([\d.]+)"[^>]*stroke-dasharray/);
  const x0 = Number(svg.match(/<rect x="([\d.]+)" y="[\d.]+" width="[\d.]+" height="16"/)![1]);
  assert.ok(line);
  assert.ok(Math.abs((Number(line[1]) - x0) - bars[1] / 3) < 0.5);
  // text is escaped and the CPU line is in the header
  assert.ok(svg.includes("Test CPU &lt;x&gt; (sha_ni yes, aes yes, avx2 no), 2 cores, OpenSSL 3.0.22"));
  assert.ok(!svg.includes("<x>"));
});

test("chart tables: one README block per CPU kind, rewritten in place, others kept", () => {
  const readme = "# Benchmarks\n\n<!-- bench:results:insert -->\n\n## Where the time goes\n";
  const a1 = updateReadme(readme, results(true, 150_000));
  const both = updateReadme(a1, results(false, 120_000));
  const again = updateReadme(both, results(true, 160_000));
  assert.equal(again.match(/<!-- bench:results Test CPU <x>, with SHA-NI -->/g)?.length, 1);
  assert.equal(again.match(/<!-- bench:results Test CPU <x>, without SHA-NI -->/g)?.length, 1);
  assert.ok(again.includes("| dtls12-hvr | deno | 160,000 |"), again);
  assert.ok(!again.includes("| dtls12-hvr | deno | 150,000 |"));
  assert.ok(again.includes("| dtls12-hvr | deno | 120,000 |"), "the other CPU's table stays");
  assert.ok(again.endsWith("<!-- bench:results:insert -->\n\n## Where the time goes\n"));
  const md = resultsMarkdown(results(true, 150_000));
  assert.ok(!md.includes("busy machine"), "no load recorded: no warning");
  const busy = { ...results(true, 150_000), load: { before: 0.5, after: 9.3 } };
  assert.ok(resultsMarkdown(busy).includes("**Note: measured on a busy machine (1-minute load average 0.5 at the start, 9.3 at the end, on 2 cores)"));
  assert.ok(chartSvg(busy).includes("busy machine (load 9.3)"));
  assert.ok(!resultsMarkdown({ ...busy, load: { before: 1, after: 2 } }).includes("busy machine"), "load within the core count");
  assert.ok(md.includes("Ran on: 2026-11-29, Test CPU <x> (sha_ni yes, aes yes, avx2 no), 2 cores, OpenSSL 3.0.22, Deno 2.9.5, Bun 1.4.5, Node 20.20.2."));
  assert.ok(md.includes("| bun | Bun.udpSocket | 50,000 | 60,000 | 0.83 | 100,000 | **0.50** |"));
  assert.ok(md.includes("| dtls13-hrr | deno | 90,000 | 1..2 | - | - |"));
});
