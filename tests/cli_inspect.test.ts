// The CLI's `keygen` and `inspect` commands, run as a subprocess under the current runtime.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScriptedClient } from "../testing/scripted_client.ts";
import { seededRandom } from "../testing/random.ts";

const root = new URL("..", import.meta.url).pathname;
const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const cliArgs = isBun ? ["cli.ts"] : ["run", "-A", "cli.ts"];

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [...cliArgs, ...args], {
    cwd: root,
    encoding: "utf8",
    input,
    env: { ...process.env, NO_COLOR: "1" },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const unhex = (s: string) => new Uint8Array(s.match(/../g)!.map((x) => parseInt(x, 16)));

const dir = mkdtempSync(join(tmpdir(), "hellogate-cli-"));
const secretFile = join(dir, "secret.hex");
writeFileSync(secretFile, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");

test("cli keygen: 32 random bytes as hex, to stdout or to a 0600 file", () => {
  const a = cli(["keygen"]), b = cli(["keygen"]);
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /^[0-9a-f]{64}\n$/);
  assert.notEqual(a.out, b.out);
  const out = join(dir, "k.hex");
  assert.equal(cli(["keygen", "--out", out]).code, 0);
  assert.match(readFileSync(out, "utf8"), /^[0-9a-f]{64}\n$/);
});

test("cli inspect: DTLS 1.2 ClientHello -> deterministic HVR; the scripted client's CH2 is accepted", () => {
  const client = new ScriptedClient({ protocol: "dtls1.2", random: seededRandom("cli-inspect") });
  const [ch1] = client.firstFlight();
  const args = ["inspect", "--transport", "udp", "--peer", "127.0.0.1:5555", "--secret-file", secretFile, "--now", "1700000000"];
  const first = cli([...args, hex(ch1)]);
  assert.equal(first.code, 0, first.err);
  assert.equal(cli([...args, hex(ch1)]).out, first.out, "deterministic for a fixed secret, time and peer");
  const j = JSON.parse(first.out);
  assert.equal(j.clientHello.legacyVersion, "dtls1.2");
  assert.ok(j.clientHello.cipherSuites.every((s: string) => typeof s === "string"));
  assert.equal(j.clientHello.legacyCookie, "");
  assert.equal(j.outcome.kind, "send");
  assert.equal(j.outcome.message, "hello_verify_request");
  const hvr = unhex(j.outcome.bytes);
  // RFC 6347 §4.2.1: handshake record, epoch 0, sequence echoed, HVR (type 3), 28 + cookie bytes.
  assert.equal(hvr[0], 22);
  assert.equal(hvr[1], 0xfe);
  assert.equal(hvr[13], 3);
  assert.equal(hvr.length, 28 + hvr[27]);
  assert.ok(hvr.length <= ch1.length, "never amplifies");
  const reply = client.handleReply([hvr]);
  assert.equal(reply.kind, "hello-verify-request", JSON.stringify(reply));
  const ch2 = client.secondFlight();
  assert.equal(ch2.length, 1);
  const second = JSON.parse(cli([...args, hex(ch2[0])]).out);
  assert.equal(second.outcome.kind, "accepted");
  assert.equal(second.outcome.protocol, "dtls1.2");
  assert.equal(second.outcome.peer, "127.0.0.1:5555");
  assert.equal(second.clientHello.legacyCookie, hex(reply.kind === "hello-verify-request" ? reply.cookie : new Uint8Array()));
  // The cookie is bound to the address: another port gets a fresh HVR instead.
  const moved = JSON.parse(cli(["inspect", "--peer", "127.0.0.1:5556", "--secret-file", secretFile, "--now", "1700000000", hex(ch2[0])]).out);
  assert.equal(moved.transport, "udp", "transport guessed from the DTLS record version");
  assert.equal(moved.outcome.message, "hello_verify_request");
});

test("cli inspect: stdin input, IPv6 peer, and usage errors exit 2", () => {
  const [ch1] = new ScriptedClient({ protocol: "dtls1.3", random: seededRandom(7) }).firstFlight();
  const r = cli(["inspect", "--peer", "[::1]:4433", "--secret-file", secretFile, "--now", "1700000000", "-"], hex(ch1));
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.peer, "[::1]:4433");
  assert.ok(j.clientHello.supportedVersions.includes("dtls1.3"));
  assert.ok(j.clientHello.keyShares.length >= 1);
  assert.equal(typeof j.clientHello.keyShares[0].group, "string");
  assert.equal(j.outcome.kind, "send");
  assert.equal(j.outcome.message, "hello_retry_request");
  assert.equal(cli(["inspect", "zz"]).code, 2);
  assert.equal(cli(["frobnicate"]).code, 2);
  assert.equal(cli(["inspect", "--now", "yesterday", "16fefd"]).code, 2);
});

test("cli inspect: TLS 1.3 stream prefix -> deterministic HRR a strict client accepts; CH2 accepted", () => {
  const client = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("cli-tls") });
  const ch1 = client.firstFlight()[0];
  const args = ["inspect", "--transport", "tcp", "--peer", "[2001:db8::1]:443", "--secret-file", secretFile, "--now", "1700000000"];
  const first = cli([...args, hex(ch1)]);
  assert.equal(first.code, 0, first.err);
  assert.equal(cli([...args, hex(ch1)]).out, first.out);
  const j = JSON.parse(first.out);
  assert.ok(j.clientHello.supportedVersions.includes("tls1.3"));
  assert.ok(j.clientHello.supportedGroups.includes("x25519"));
  assert.ok(j.clientHello.cipherSuites.includes("TLS_AES_128_GCM_SHA256"));
  assert.equal(j.outcome.kind, "send");
  assert.equal(j.outcome.message, "hello_retry_request");
  const reply = client.handleReply(unhex(j.outcome.bytes));
  assert.equal(reply.kind, "hello-retry-request", JSON.stringify(reply));
  const ch2 = client.secondFlight();
  const joined = ch2.map(hex).join("");
  const second = JSON.parse(cli([...args, joined]).out);
  assert.equal(second.outcome.kind, "accepted");
  assert.equal(second.outcome.protocol, "tls1.3");
  assert.equal(second.outcome.peer, "[2001:db8::1]:443");
  assert.equal(typeof second.outcome.retry.group, "string");
  assert.equal(second.clientHello.cookie.length > 0, true, "CH2 carries the cookie extension");
});
