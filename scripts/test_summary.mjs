// Reads the console output of `deno test` and `bun test` (NO_COLOR) into counts and the names of
// skipped tests, for scripts/test.mjs's final `N passed, M failed, K skipped` line.
// Kept apart from the runner so tests/test_runner_summary.test.ts can check it on real output.

/**
 * Deno: the last `ok | N passed | M failed | K ignored` line, and every `NAME ... ignored` line
 * (a node:test `{ skip }` test is reported as ignored).
 * @param {string} out stdout + stderr of `deno test`
 * @returns {{ passed: number, failed: number, skipped: number, skippedNames: string[], found: boolean }}
 */
export function parseDeno(out) {
  const lines = out.split("\n");
  let passed = 0, failed = 0, skipped = 0, found = false;
  for (const line of lines) {
    const m = line.match(/^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed(?: \(\d+ steps?\))?(?: \| (\d+) ignored)?/);
    if (m) {
      passed = Number(m[1]);
      failed = Number(m[2]);
      skipped = Number(m[3] ?? 0);
      found = true;
    }
  }
  const skippedNames = lines.map((l) => l.match(/^(\S.*?) \.\.\. ignored(?: \(|$)/)?.[1]).filter((n) => n !== undefined);
  return { passed, failed, skipped, skippedNames, found };
}

/**
 * Bun: the ` N pass` / ` N skip` / ` N fail` summary lines and every `(skip) NAME` line.
 * @param {string} out stdout + stderr of `bun test`
 * @returns {{ passed: number, failed: number, skipped: number, skippedNames: string[], found: boolean }}
 */
export function parseBun(out) {
  const count = (word) => {
    const m = out.match(new RegExp(`^\\s*(\\d+) ${word}\\s*$`, "m"));
    return m ? Number(m[1]) : undefined;
  };
  const passed = count("pass"), failed = count("fail"), skipped = count("skip");
  const skippedNames = out.split("\n").map((l) => l.match(/^\(skip\) (.*?)(?: \[[\d.]+m?s\])?$/)?.[1]).filter((n) => n !== undefined);
  return { passed: passed ?? 0, failed: failed ?? 0, skipped: skipped ?? 0, skippedNames, found: passed !== undefined };
}

/**
 * The install lines recorded by the harness's `toolSkip` (one `tool<TAB>install line` per line),
 * merged: `sudo apt-get install a b` for apt packages, other commands as they are.
 * @param {string} log contents of the HELLOGATE_SKIP_LOG file
 * @returns {{ tools: string[], install: string[] }}
 */
export function missingTools(log) {
  const tools = new Set(), apt = new Set(), other = new Set();
  for (const line of log.split("\n")) {
    const [tool, how] = line.split("\t");
    if (!tool || !how) continue;
    tools.add(tool);
    const m = how.match(/^(?:sudo )?apt-get install (.+)$/);
    if (m) for (const p of m[1].split(/\s+/)) apt.add(p);
    else other.add(how);
  }
  const install = [...(apt.size ? [`sudo apt-get install ${[...apt].sort().join(" ")}`] : []), ...other];
  return { tools: [...tools].sort(), install };
}
