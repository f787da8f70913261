// examples/dtls12_in_memory.ts runs under the current runtime and ends the way its comments say.
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawnSync } from "node:child_process";

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const root = new URL("..", import.meta.url).pathname;

test("examples/dtls12_in_memory.ts: HVR, lost flight 4 resent by the timer, handshake, data both ways, equal SRTP keys", () => {
  const args = isBun ? ["examples/dtls12_in_memory.ts"] : ["run", "-A", "--no-check", "examples/dtls12_in_memory.ts"];
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 30_000, env });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /gate: hello_verify_request, 60 bytes/);
  assert.match(r.stdout, /retransmit at \+1000 ms/);
  assert.match(r.stdout, /handshake complete: suite 0xc02b, group 0x1d, srtp profile 7/);
  assert.match(r.stdout, /server got "ping", client got "pong"/);
  assert.match(r.stdout, /SRTP keys equal on both sides: true/);
});
