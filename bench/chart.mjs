// bench/results/latest.svg: a horizontal bar chart of hellogate / OpenSSL per case and runtime
// (ratio of ops/s measured side by side in one run; the dashed line at 1.0 is OpenSSL), from
// the results `npm run bench` writes. Plain SVG, no dependencies.
//
// Run: node bench/chart.mjs [bench/results/latest.json] [bench/results/latest.svg]
// (scripts/bench.mjs calls chartSvg() itself after every full run.)
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { busyNote, headerLine } from "./machine.mjs";

const COLORS = { deno: "#1f6feb", bun: "#d97706" };
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * The rows the chart shows: every engine case with an OpenSSL figure, then the UDP end-to-end
 * runs against OpenSSL's DTLSv1_listen server, each `{ label, runtime, ratio, detail }`.
 */
export function chartRows(results) {
  const rows = [];
  for (const c of results.cases ?? []) {
    if (typeof c.ratio !== "number") continue;
    rows.push({ label: c.name, runtime: c.runtime, ratio: c.ratio, detail: `${fmt(c.opsPerSec)} vs ${fmt(c.opensslOpsPerSec)}/s` });
  }
  for (const u of results.udp ?? []) {
    if (typeof u.opensslRatio !== "number") continue;
    rows.push({ label: "UDP server, DTLS 1.2 HVR", runtime: u.runtime, ratio: u.opensslRatio, detail: `${fmt(u.hvrPerSec)} vs ${fmt(u.opensslUdpPerSec)}/s` });
  }
  return rows;
}

function fmt(n) {
  return typeof n === "number" ? Math.round(n).toLocaleString("en-US") : "-";
}

/** The SVG document for a results object (as written to latest.json). */
export function chartSvg(results) {
  const rows = chartRows(results);
  const labelW = 230, barW = 520, rightW = 200, rowH = 22, groupGap = 10, top = 70, left = 12;
  const maxRatio = Math.max(2, ...rows.map((r) => r.ratio));
  const scaleMax = Math.ceil(maxRatio);
  const x = (v) => left + labelW + (v / scaleMax) * barW;
  // group consecutive rows with the same label
  const groups = [];
  for (const r of rows) {
    const g = groups[groups.length - 1];
    if (g && g.label === r.label) g.rows.push(r);
    else groups.push({ label: r.label, rows: [r] });
  }
  const height = top + groups.reduce((h, g) => h + g.rows.length * rowH + groupGap, 0) + 50;
  const width = left + labelW + barW + rightW;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${left}" y="22" font-size="16" font-weight="bold">hellogate vs OpenSSL, same machine, same run (ops/s ratio; right of the dashed line = faster)</text>`);
  const head = results.cpu && results.versions ? headerLine(results.date ?? "", results.cpu, results.versions) : results.date ?? "";
  const busy = busyNote(results);
  out.push(`<text x="${left}" y="42" fill="#555">${esc(head)}${busy ? `<tspan fill="#b91c1c"> · busy machine (load ${esc(Math.max(results.load.before, results.load.after))}): rough figures</tspan>` : ""}</text>`);
  // grid and axis labels
  const bottom = height - 40;
  for (let v = 0; v <= scaleMax; v++) {
    out.push(`<line x1="${x(v)}" y1="${top - 8}" x2="${x(v)}" y2="${bottom}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${x(v)}" y="${bottom + 16}" text-anchor="middle" fill="#555">${v}x</text>`);
  }
  // the 1.0 line under the bars; value labels get a white halo where they cross it
  out.push(`<line x1="${x(1)}" y1="${top - 8}" x2="${x(1)}" y2="${bottom}" stroke="#111" stroke-width="1.5" stroke-dasharray="5 3"/>`);
  let y = top;
  for (const g of groups) {
    out.push(`<text x="${left}" y="${y + (g.rows.length * rowH) / 2 + 4}" font-weight="bold">${esc(g.label)}</text>`);
    for (const r of g.rows) {
      const color = COLORS[r.runtime] ?? "#6b7280";
      const w = Math.max(1, x(r.ratio) - x(0));
      out.push(`<text x="${x(0) - 6}" y="${y + 15}" text-anchor="end" fill="#555">${esc(r.runtime)}</text>`);
      out.push(`<rect x="${x(0)}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${color}"><title>${esc(`${r.label} ${r.runtime}: ${r.ratio}x (${r.detail})`)}</title></rect>`);
      out.push(`<text x="${(x(0) + w + 5).toFixed(1)}" y="${y + 15}" stroke="#fff" stroke-width="3" paint-order="stroke">${r.ratio.toFixed(2)}x</text>`);
      out.push(`<text x="${left + labelW + barW + 45}" y="${y + 15}" fill="#555" font-size="11">${esc(r.detail)}</text>`);
      y += rowH;
    }
    y += groupGap;
  }
  out.push(`<text x="${x(1) + 4}" y="${top - 12}" font-size="11">1.0 = OpenSSL</text>`);
  out.push(`<text x="${left + labelW + barW + 45}" y="${top - 12}" fill="#555" font-size="11">hellogate vs OpenSSL</text>`);
  if (!rows.length) out.push(`<text x="${x(0) + 10}" y="${top + 20}">no case with an OpenSSL figure in these results</text>`);
  // legend
  let lx = left + labelW;
  for (const [rt, color] of Object.entries(COLORS)) {
    out.push(`<rect x="${lx}" y="${height - 18}" width="12" height="12" fill="${color}"/><text x="${lx + 16}" y="${height - 8}">hellogate on ${rt === "deno" ? "Deno" : "Bun"}</text>`);
    lx += 140;
  }
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = new URL("..", import.meta.url).pathname;
  const input = process.argv[2] ?? `${root}bench/results/latest.json`;
  const output = process.argv[3] ?? `${root}bench/results/latest.svg`;
  writeFileSync(output, chartSvg(JSON.parse(readFileSync(input, "utf8"))));
  console.log(`wrote ${output}`);
}
