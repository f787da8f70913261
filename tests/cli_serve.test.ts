// `hellogate serve`: TLS 1.3 over TCP (listenTls: gate, then Tls13ServerEngine) and DTLS 1.2
// over UDP (cli/serve_udp.ts), driven by real clients (apt packages curl and openssl): the
// listening line, the gate's events, the handshake event, echo or the --www page, clean stop.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { requireTool, spawnClient } from "./interop/harness.ts";
import { runUntilEcho } from "./interop/dtls12_support.ts";
import { makeCertificate, removeCertificate } from "./interop/tls13_support.ts";
import { within } from "./transport_fakes.ts";
import { cliArgs, isBun, root, startCli } from "./helpers/cli_process.ts";

const portOf = (at: unknown) => Number(String(at).split(":").pop());

async function stopCleanly(cli: ReturnType<typeof startCli>) {
  cli.child.kill("SIGTERM");
  let stopped: Record<string, unknown> | undefined;
  for (let i = 0; i < 50 && !stopped; i++) {
    const j = await cli.nextJson();
    if (j.event === "stopped") stopped = j;
  }
  assert.ok(stopped, "the stopped line is flushed before exit");
  const [code, signal] = await within(cli.exited, 15000, "exit after SIGTERM");
  assert.ok(code === 0 || (!isBun && signal === "SIGTERM"), `exit ${code} ${signal}: ${cli.stderr()}`);
  return stopped!;
}

test("cli serve --tcp --www --alpn: curl gets the page after a stateless retry; JSON events sent, accepted, handshake, closed", async () => {
  const curl = requireTool("curl");
  const cli = startCli(["serve", "--tcp", "127.0.0.1:0", "--json", "--www", "--alpn", "h2,http/1.1"]);
  try {
    const listening = await cli.nextJson(60000); // startup on a busy machine
    assert.deepEqual(Object.keys(listening), ["event", "tcp"]);
    assert.equal(listening.event, "listening");
    const port = portOf(listening.tcp);
    const page = execFileSync(curl, [
      "-sk", "--http1.1", "--max-time", "10", "--resolve", `localhost:${port}:127.0.0.1`, `https://localhost:${port}/`,
    ], { encoding: "utf8" });
    assert.match(page, /<td id="protocol">TLSv1\.3<\/td>/);
    assert.match(page, /<td id="alpn">http\/1\.1<\/td>/);
    assert.match(page, /<td id="sni">localhost<\/td>/);
    const events: Record<string, unknown>[] = [];
    while (!events.some((e) => e.event === "closed")) events.push(await cli.nextJson());
    assert.deepEqual(events.map((e) => e.event), ["sent", "accepted", "handshake", "closed"]);
    const [sent, accepted, handshake, closed] = events;
    assert.equal(sent.message, "hello_retry_request");
    assert.equal(accepted.protocol, "tls1.3");
    assert.equal(handshake.peer, sent.peer);
    assert.equal(handshake.protocol, "tls1.3");
    assert.match(String(handshake.cipherSuite), /^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/);
    assert.equal(typeof handshake.group, "string");
    assert.equal(handshake.signature, "ecdsa_secp256r1_sha256", "the self-signed P-256 certificate");
    assert.equal(handshake.alpn, "http/1.1");
    assert.equal(handshake.sni, "localhost");
    assert.equal(handshake.retry, true);
    assert.equal(closed.established, true);
    assert.equal(closed.peer, sent.peer);
    const stopped = await stopCleanly(cli);
    assert.deepEqual(stopped.handshakes, { completed: 1, failed: 0 });
    assert.equal((stopped.counters as Record<string, number>).hrrSent, 1);
  } finally {
    cli.kill();
  }
});

test("cli serve --tcp --retry never --cert --key: openssl s_client completes 1-RTT with our certificate and gets its line echoed", async () => {
  const openssl = requireTool("openssl");
  const cert = makeCertificate("p256");
  const cli = startCli(["serve", "--tcp", "127.0.0.1:0", "--json", "--retry", "never", "--cert", cert.certPem, "--key", cert.keyPem]);
  try {
    const port = portOf((await cli.nextJson(60000)).tcp);
    const c = await runUntilEcho(openssl, ["s_client", "-tls1_3", "-connect", `127.0.0.1:${port}`, "-servername", "localhost"], "hello-serve-echo");
    await c.kill();
    assert.match(c.stdout, /subject=CN ?= ?localhost/, "our certificate, not a generated one");
    const events: Record<string, unknown>[] = [];
    while (!events.some((e) => e.event === "handshake")) events.push(await cli.nextJson());
    assert.deepEqual(events.map((e) => e.event), ["accepted", "handshake"], "no HelloRetryRequest with --retry never");
    assert.equal(events[1].retry, false);
    assert.equal(events[1].sni, "localhost");
    assert.equal(events[1].alpn, null);
    await stopCleanly(cli);
  } finally {
    cli.kill();
    removeCertificate(cert);
  }
});

test("cli serve --udp: DTLS 1.2 echo server; openssl s_client -dtls1_2 completes and gets its line echoed", async () => {
  const openssl = requireTool("openssl");
  const cli = startCli(["serve", "--udp", "127.0.0.1:0", "--json"]);
  try {
    const listening = await cli.nextJson(60000); // startup on a busy machine
    assert.equal(listening.event, "listening");
    const port = portOf(listening.udp);
    const c = await runUntilEcho(openssl, ["s_client", "-dtls1_2", "-connect", `127.0.0.1:${port}`], "hello-serve-udp");
    await c.kill();
    let handshake: Record<string, unknown> | undefined;
    for (let i = 0; i < 20 && !handshake; i++) {
      const j = await cli.nextJson();
      if (j.event === "handshake") handshake = j;
    }
    assert.ok(handshake);
    assert.equal(handshake.transport, "udp");
    assert.equal(handshake.protocol, "dtls1.2");
    assert.equal(handshake.signature, "ecdsa_secp256r1_sha256");
    await stopCleanly(cli);
  } finally {
    cli.kill();
  }
});

test("cli serve: usage errors exit 2 naming the flag or file", () => {
  const run = (args: string[]) => spawnSync(process.execPath, [...cliArgs, ...args], { cwd: root, encoding: "utf8", timeout: 20000 });
  for (
    const [args, message] of [
      [["serve"], /serve needs exactly one of --tcp HOST:PORT \(TLS 1\.3\) or --udp HOST:PORT/],
      [["serve", "--tcp", "127.0.0.1:0", "--udp", "127.0.0.1:0"], /serve needs exactly one of/],
      [["serve", "--udp", "127.0.0.1:0", "--www"], /--www applies to serve --tcp only/],
      [["serve", "--tcp", "127.0.0.1:0", "--mtu", "1200"], /--mtu applies to serve --udp only/],
      [["serve", "--tcp", "127.0.0.1:0", "--retry", "sometimes"], /--retry sometimes: expected always, never or load/],
      [["serve", "--tcp", "127.0.0.1:0", "--cert", "/nonexistent/c.pem"], /--cert needs --key/],
      [["serve", "--tcp", "127.0.0.1:0", "--cert", "/nonexistent/c.pem", "--key", "/nonexistent/k.pem"], /--cert \/nonexistent\/c\.pem: cannot read: no such file/],
      [["serve", "--tcp", "127.0.0.1:0", "--alpn", "h2,,x"], /--alpn h2,,x: protocol names are 1 to 255 bytes/],
      [["serve", "--udp", "127.0.0.1:0", "--mtu", "9"], /--mtu 9: expected a datagram size/],
      [["serve", "--udp", "127.0.0.1:0", "--key", "/nonexistent/k.pem"], /--key needs --cert/],
      [["serve", "--udp", "127.0.0.1:0", "--cert", "/nonexistent/c.pem", "--key", "/nonexistent/k.pem"], /--cert \/nonexistent\/c\.pem: cannot read: no such file/],
    ] as const
  ) {
    const r = run([...args]);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /see: hellogate help serve\n$/);
  }
});

test("cli serve --udp --exit-on-stdout-close: stdout gone, the next event stops the server (exit 0, no stack trace)", async () => {
  const openssl = requireTool("openssl");
  const cli = startCli(["serve", "--udp", "127.0.0.1:0", "--json", "--exit-on-stdout-close"]);
  try {
    const port = portOf((await cli.nextJson(60000)).udp);
    cli.child.stdout!.destroy();
    // The handshake event finds stdout gone; the server stops (the client may not get its echo).
    const c = spawnClient(openssl, ["s_client", "-dtls1_2", "-connect", `127.0.0.1:${port}`], 20000);
    c.child.stdin!.write("hello-serve-epipe\n");
    const [code] = await within(cli.exited, 15000, "exit once stdout is gone").finally(() => c.kill());
    assert.equal(code, 0, cli.stderr());
    assert.doesNotMatch(cli.stderr(), /Uncaught|EPIPE/);
  } finally {
    cli.kill();
  }
});
