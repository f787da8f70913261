// `npm test` on a machine without some system client (issue 16 item 2): the interop harness turns
// a missing client into a loud, justified skip outside CI and a failure under CI, and the runner
// reads both runtimes' output into `N passed, M failed, K skipped` plus the install line.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { findTool, HIDE_TOOLS_ENV, installLine, isCi, requireFile, requireTool, toolSkip } from "./interop/harness.ts";
import { missingClientFailures, missingTools, parseBun, parseDeno } from "../scripts/test_summary.mjs";

/** Runs `fn` with some environment variables set (undefined = unset), then restores them. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (k: string, v: string | undefined) => v === undefined ? delete process.env[k] : (process.env[k] = v);
  try {
    for (const [k, v] of Object.entries(vars)) set(k, v);
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) set(k, v);
  }
}

/** A temp directory holding one executable shell script named `name`. */
function fakeTool(name: string): { dir: string; path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "hellogate-tool-"));
  const path = join(dir, name);
  writeFileSync(path, "#!/bin/sh\nexit 0\n");
  chmodSync(path, 0o755);
  return { dir, path, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test("harness: findTool resolves on PATH; HELLOGATE_HIDE_TOOLS hides a tool by name", () => {
  const t = fakeTool("hellogate-fake-client");
  try {
    const PATH = `${t.dir}${delimiter}${process.env.PATH ?? ""}`;
    withEnv({ PATH, [HIDE_TOOLS_ENV]: undefined }, () => {
      assert.equal(findTool("hellogate-fake-client"), t.path);
      assert.equal(requireTool("hellogate-fake-client"), t.path);
      assert.equal(findTool(t.path), t.path, "an absolute path is checked as it is");
    });
    withEnv({ PATH, [HIDE_TOOLS_ENV]: "curl, hellogate-fake-client" }, () => {
      assert.equal(findTool("hellogate-fake-client"), undefined);
      assert.equal(findTool(t.path), undefined, "hidden by its base name too");
    });
  } finally {
    t.done();
  }
});

test("harness: a missing client's error and skip reason name the Debian package to install", () => {
  assert.equal(installLine("gnutls-cli"), "sudo apt-get install gnutls-bin");
  assert.equal(installLine("gtlsclient"), "sudo apt-get install ngtcp2-client");
  assert.equal(installLine("/usr/bin/openssl"), "sudo apt-get install openssl");
  assert.equal(installLine("/repo/node_modules/.bin/deno"), "npm ci");
  withEnv({ [HIDE_TOOLS_ENV]: "gnutls-cli", CI: undefined, HELLOGATE_SKIP_LOG: undefined }, () => {
    assert.throws(() => requireTool("gnutls-cli"), (e: Error) => {
      assert.match(e.message, /"gnutls-cli" not found on PATH; install it: sudo apt-get install gnutls-bin$/);
      return true;
    });
    assert.throws(() => requireFile("/nonexistent/hellogate/ssl.h", "libmbedtls-dev"), (e: Error) => {
      assert.equal(e.message, 'interop: required client "libmbedtls-dev" not found (/nonexistent/hellogate/ssl.h is missing); install it: sudo apt-get install libmbedtls-dev');
      return true;
    });
    // Unknown tools fall back to the suite's general hint.
    assert.throws(() => requireTool("hellogate-no-such-client-xyz"), /not found on PATH; install it: apt-get install openssl gnutls-bin/);
  });
});

test("harness: toolSkip skips outside CI (recording the install line) and never skips under CI", () => {
  const dir = mkdtempSync(join(tmpdir(), "hellogate-skiplog-"));
  const log = join(dir, "missing.txt");
  try {
    withEnv({ [HIDE_TOOLS_ENV]: "gnutls-cli", HELLOGATE_SKIP_LOG: log, CI: undefined }, () => {
      assert.equal(isCi(), false);
      assert.equal(toolSkip("gnutls-cli", "node"), "missing gnutls-cli: sudo apt-get install gnutls-bin");
      assert.equal(toolSkip("node"), false, "present tools do not skip");
    });
    assert.equal(readFileSync(log, "utf8"), "gnutls-cli\tsudo apt-get install gnutls-bin\n");
    for (const ci of ["true", "1"]) {
      withEnv({ [HIDE_TOOLS_ENV]: "gnutls-cli", HELLOGATE_SKIP_LOG: log, CI: ci }, () => {
        assert.equal(isCi(), true);
        assert.equal(toolSkip("gnutls-cli"), false, `CI=${ci}: the test runs and requireTool fails it`);
        assert.throws(() => requireTool("gnutls-cli"), /apt-get install gnutls-bin/);
      });
    }
    withEnv({ CI: "false", [HIDE_TOOLS_ENV]: "gnutls-cli" }, () => assert.equal(isCi(), false));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Output captured from `deno test` 2.9.5 and `bun test` 1.4.5 (NO_COLOR) on a file with a pass,
// a `{ skip }` test and a failure.
const DENO_OUT = `running 3 tests from ./b.test.ts
passes one ... ok (2ms)
skipped one (x) ... ignored (0ms)
fails one ... FAILED (2ms)
running 2 tests from ./c.test.ts
runs ... ok (1ms)
interop dtls: gnutls-cli --udp DTLS 1.2: HVR ... ignored (0ms)

 ERRORS 

fails one => ./b.test.ts:5:1
error: AssertionError: Expected values to be strictly equal:

 FAILURES 

fails one => ./b.test.ts:5:1

FAILED | 2 passed | 1 failed | 2 ignored (457ms)

error: Test failed
`;
const BUN_OUT = `bun test v1.4.5 (a7733435c)

b.test.ts:
(pass) passes one [0.05ms]
(skip) skipped one (x)
(fail) fails one [1.75ms]

c.test.ts:
(pass) runs [0.06ms]
(skip) interop dtls: gnutls-cli --udp DTLS 1.2: HVR

 2 pass
 2 skip
 1 fail
Ran 5 tests across 2 files. [52.00ms]
`;

test("runner: Deno and Bun output read into passed/failed/skipped and the skipped names", () => {
  assert.deepEqual(parseDeno(DENO_OUT), {
    passed: 2,
    failed: 1,
    skipped: 2,
    skippedNames: ["skipped one (x)", "interop dtls: gnutls-cli --udp DTLS 1.2: HVR"],
    found: true,
  });
  assert.deepEqual(parseDeno("ok | 40 passed | 0 failed (12ms)\n"), { passed: 40, failed: 0, skipped: 0, skippedNames: [], found: true });
  assert.equal(parseDeno("error: Module not found").found, false);
  assert.deepEqual(parseBun(BUN_OUT), {
    passed: 2,
    failed: 1,
    skipped: 2,
    skippedNames: ["skipped one (x)", "interop dtls: gnutls-cli --udp DTLS 1.2: HVR"],
    found: true,
  });
  assert.equal(parseBun("error: could not load").found, false);
});

test("runner: the skip log becomes one apt-get line (plus any other commands)", () => {
  const log = "gnutls-cli\tsudo apt-get install gnutls-bin\ngtlsclient\tsudo apt-get install ngtcp2-client\n" +
    "gnutls-cli\tsudo apt-get install gnutls-bin\ndeno\tnpm ci\n";
  assert.deepEqual(missingTools(log), {
    tools: ["deno", "gnutls-cli", "gtlsclient"],
    install: ["sudo apt-get install gnutls-bin ngtcp2-client", "npm ci"],
  });
  assert.deepEqual(missingTools(""), { tools: [], install: [] });
});

// A test that calls requireTool without declaring `{ skip: toolSkip(...) }` fails with
// requireTool's error; outside CI the runner counts exactly those as skipped.
const DENO_MISSING = `gnutls case => ./tests/interop/x.test.ts:111:3
error: Error: interop: required client "gnutls-cli" not found on PATH; install it: sudo apt-get install gnutls-bin
  throw new Error(\`interop: required client "\${name}" not found on PATH; install it: \${installLine(name)}\`);
        ^
    at requireTool (file:///repo/tests/interop/harness.ts:86:9)

real failure => ./tests/interop/x.test.ts:120:3
error: AssertionError: Expected values to be strictly equal:
interop: required client "gnutls-cli" not found on PATH (quoted in a message, not requireTool's error line)

 FAILURES 

gnutls case => ./tests/interop/x.test.ts:111:3
real failure => ./tests/interop/x.test.ts:120:3
`;
const BUN_MISSING = `(pass) before [1.00ms]
86 |   throw new Error(\`interop: required client "\${name}" not found on PATH; install it: \${installLine(name)}\`);
                 ^
error: interop: required client "curl" not found on PATH; install it: sudo apt-get install curl
      at requireTool (/repo/tests/interop/harness.ts:86:13)
(fail) curl case [0.70ms]
error: AssertionError: 1 !== 2
(fail) real failure [0.14ms]

2 tests failed:
(fail) curl case [0.70ms]
(fail) real failure [0.14ms]
`;

test("runner: only failures raised by requireTool's missing-client error are recognised", () => {
  assert.deepEqual(missingClientFailures(" ERRORS \n\n" + DENO_MISSING, "deno"), [{ name: "gnutls case", tool: "gnutls-cli" }]);
  assert.deepEqual(missingClientFailures(BUN_MISSING, "bun"), [{ name: "curl case", tool: "curl" }]);
  assert.deepEqual(missingClientFailures("ok | 3 passed | 0 failed\n", "deno"), []);
  const fileError = 'x => ./t.test.ts:1:1\nerror: Error: interop: required client "libmbedtls-dev" not found (/usr/include/mbedtls/ssl.h is missing); install it: sudo apt-get install libmbedtls-dev\n';
  assert.deepEqual(missingClientFailures(" ERRORS \n\n" + fileError, "deno"), [{ name: "x", tool: "libmbedtls-dev" }]);
});
