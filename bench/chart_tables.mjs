// The results tables of bench/README.md, one per kind of CPU (issue 17 item 3): each full
// `npm run bench` rewrites the block for the CPU it ran on and leaves the others, so a reader sees
// the figures from a CPU with SHA extensions next to one without.
//
// A block is delimited by `<!-- bench:results KIND -->` and `<!-- /bench:results -->`; a new kind
// is inserted before the `<!-- bench:results:insert -->` marker (or appended at the end).
import { busyNote, cpuKind, headerLine } from "./machine.mjs";

const fmt = (n) => (typeof n === "number" ? Math.round(n).toLocaleString("en-US") : "-");

/** The markdown of one results block (heading, "ran on" line, engine and UDP tables). */
export function resultsMarkdown(results) {
  const kind = cpuKind(results.cpu);
  const lines = [`### ${kind}`, "", `Ran on: ${headerLine(results.date, results.cpu, results.versions)}.`, ""];
  const busy = busyNote(results);
  if (busy) lines.push(`**Note: ${busy}.**`, "");
  lines.push("| case | runtime | ops/s | min..max | OpenSSL ops/s | hellogate / OpenSSL |", "| --- | --- | --- | --- | --- | --- |");
  for (const c of results.cases ?? []) {
    lines.push(`| ${c.name} | ${c.runtime} | ${fmt(c.opsPerSec)} | ${fmt(c.min)}..${fmt(c.max)} | ${fmt(c.opensslOpsPerSec)} | ${typeof c.ratio === "number" ? `**${c.ratio.toFixed(2)}**` : "-"} |`);
  }
  if (results.opensslOneshotHvrOpsPerSec) lines.push("", `OpenSSL with an s_server-style one-shot HMAC cookie: ${fmt(results.opensslOneshotHvrOpsPerSec)} HVR/s.`);
  if (results.udp?.length) {
    lines.push("", "| UDP end to end (DTLS 1.2 CH1 → HVR) | adapter | HVR/s | raw echo/s | vs echo | OpenSSL DTLSv1_listen server/s | hellogate / OpenSSL |", "| --- | --- | --- | --- | --- | --- | --- |");
    for (const u of results.udp) {
      lines.push(`| ${u.runtime} | ${u.adapter ?? "-"} | ${fmt(u.hvrPerSec)} | ${fmt(u.echoPerSec)} | ${u.ratio ?? "-"} | ${fmt(u.opensslUdpPerSec)} | ${typeof u.opensslRatio === "number" ? `**${u.opensslRatio.toFixed(2)}**` : "-"} |`);
    }
  }
  return `<!-- bench:results ${kind} -->\n${lines.join("\n")}\n<!-- /bench:results -->`;
}

/** `readme` with the block for `results`' CPU kind replaced (or inserted). */
export function updateReadme(readme, results) {
  const block = resultsMarkdown(results);
  const open = `<!-- bench:results ${cpuKind(results.cpu)} -->`;
  const start = readme.indexOf(open);
  if (start >= 0) {
    const endMarker = "<!-- /bench:results -->";
    const end = readme.indexOf(endMarker, start);
    if (end >= 0) return readme.slice(0, start) + block + readme.slice(end + endMarker.length);
  }
  const insert = "<!-- bench:results:insert -->";
  const at = readme.indexOf(insert);
  if (at >= 0) return readme.slice(0, at) + block + "\n\n" + readme.slice(at);
  return readme.replace(/\n*$/, "\n\n") + block + "\n";
}
