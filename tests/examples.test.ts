// The runnable examples run under the current runtime and end the way their comments say.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawnSync } from "node:child_process";

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const root = new URL("..", import.meta.url).pathname;

function run(file: string): string {
  const args = isBun ? [file] : ["run", "-A", "--no-check", file];
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env.FORCE_COLOR; // Deno treats any FORCE_COLOR as "force"
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 30_000, env });
  assert.equal(r.status, 0, `${file} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

test("examples/datagram_listener.ts: fragmented PQ DTLS 1.3 CH1 -> HRR, CH2 accepted by a new listener", () => {
  const out = run("examples/datagram_listener.ts");
  assert.match(out, /hello_retry_request: \d+ bytes/);
  assert.match(out, /accepted dtls1\.3 from \[2001:db8::1\]:5684/);
});

test("examples/fleet_keyring.ts: a cookie from server A verifies on server B", () => {
  assert.match(run("examples/fleet_keyring.ts"), /CH2 on server B: accepted/);
});

test("examples/stream_listener.ts: HRR, then a brand-new listener accepts, transcript matches", () => {
  const out = run("examples/stream_listener.ts");
  assert.match(out, /accepted: tls1\.3/);
  assert.match(out, /transcript hash matches the client's: true/);
});
