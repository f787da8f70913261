// examples/tls13_engine_in_memory.ts runs under the current runtime and prints what it promises.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawnSync } from "node:child_process";

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const root = new URL("..", import.meta.url).pathname;

test("examples/tls13_engine_in_memory.ts: gate HRR, fresh listener, fresh engine, data both ways", () => {
  const file = "examples/tls13_engine_in_memory.ts";
  const args = isBun ? [file] : ["run", "-A", "--no-check", file];
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 30_000, env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /gate: hello_retry_request, \d+ bytes/);
  assert.match(r.stdout, /handshake: suite 0x1301, group 0x1d, alpn h2, sni localhost, retried true/);
  assert.match(r.stdout, /server got: ping/);
  assert.match(r.stdout, /client got: pong/);
});
