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

const MISSING_CLIENT = /^error: (?:Error: )?interop: required client "([^"]+)" not found[ ;(]/;

/**
 * Tests that failed only because `requireTool` (tests/interop/harness.ts) found no such client:
 * outside CI the runner counts them as skipped (a test that declares `{ skip: toolSkip(...) }`
 * is skipped before it starts; this catches the ones that call requireTool without it).
 * Deno: an ERRORS-section block `NAME => ./file:line:col` whose `error:` line is requireTool's.
 * Bun: a `(fail) NAME` line whose last preceding `error:` line is requireTool's (first listing only).
 * @param {string} out stdout + stderr of the runtime's test command
 * @param {"deno" | "bun"} runtime which output format
 * @returns {{ name: string, tool: string }[]}
 */
export function missingClientFailures(out, runtime) {
  const lines = out.split("\n");
  const found = new Map();
  if (runtime === "deno") {
    const start = lines.indexOf(" ERRORS ");
    if (start < 0) return [];
    let current;
    for (const line of lines.slice(start + 1)) {
      if (line === " FAILURES ") break;
      const head = line.match(/^(\S.*?) => \.?\/?\S+:\d+:\d+$/);
      if (head) {
        current = head[1];
        continue;
      }
      const m = line.match(MISSING_CLIENT);
      if (m && current !== undefined && !found.has(current)) found.set(current, m[1]);
      if (line.startsWith("error: ")) current = undefined; // only the first error line of a block counts
    }
  } else {
    let lastError;
    for (const line of lines) {
      if (/^\d+ tests? failed:$/.test(line.trim())) break; // Bun repeats the failures at the end
      if (line.startsWith("error: ")) lastError = line;
      const fail = line.match(/^\(fail\) (.*?)(?: \[[\d.]+m?s\])?$/);
      if (fail) {
        const m = lastError?.match(MISSING_CLIENT);
        if (m && !found.has(fail[1])) found.set(fail[1], m[1]);
        lastError = undefined;
      } else if (/^\((pass|skip|todo)\) /.test(line)) lastError = undefined;
    }
  }
  return [...found].map(([name, tool]) => ({ name, tool }));
}
