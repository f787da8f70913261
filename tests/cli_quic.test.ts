// `hellogate listen --quic` and `inspect --transport quic` (cli/listen_quic.ts wired into the
// CLI): the RFC 9001 Appendix A client Initial gets a Retry, the client's second Initial with
// the Retry token is accepted, SIGTERM stops with the QUIC counters; inspect decodes the same
// packet (transport guessed from the long header).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readInvariantLongHeader } from "../core/quic/long_header.ts";
import { V1_INFO } from "../core/quic/versions.ts";
import { hex } from "./helpers/fixtures.ts";
import * as V from "./helpers/quic_vectors.ts";
import { clientInitialPacket } from "./helpers/quic_client.ts";
import { udpClient, within } from "./transport_fakes.ts";
import { cliArgs, isBun, root, startCli } from "./helpers/cli_process.ts";

test("cli listen --quic --json: listening line, Retry for the RFC 9001 Initial, accepted with the token, stopped with QUIC counters", async () => {
  const cli = startCli(["listen", "--quic", "127.0.0.1:0", "--json"]);
  const sock = await udpClient();
  try {
    const listening = await cli.nextJson();
    assert.deepEqual(Object.keys(listening), ["event", "quic"], "only QUIC listens");
    assert.match(String(listening.quic), /^127\.0\.0\.1:\d+$/);
    const port = Number(String(listening.quic).split(":")[1]);
    await sock.send(hex(V.V1_PROTECTED_INITIAL), port);
    const retry = await sock.recv();
    const sent = await cli.nextJson();
    assert.equal(sent.event, "sent");
    assert.equal(sent.transport, "quic");
    assert.equal(sent.message, "retry");
    assert.equal(sent.protocol, "quic-v1");
    assert.equal(sent.peer, `127.0.0.1:${sock.port}`);
    assert.equal(sent.bytesOut, retry.length);
    const h = readInvariantLongHeader(retry, 0)!;
    await sock.send(
      clientInitialPacket({
        info: V1_INFO,
        dcid: h.scid,
        scid: new Uint8Array(0),
        token: retry.subarray(h.afterScid, retry.length - 16),
        payload: hex(V.RFC_CLIENT_CRYPTO_FRAME),
        padTo: 1200,
      }),
      port,
    );
    const accepted = await cli.nextJson();
    assert.equal(accepted.event, "accepted");
    assert.equal(accepted.transport, "quic");
    assert.equal(accepted.protocol, "quic-v1");
    assert.equal(accepted.sni, "example.com");
    assert.deepEqual(accepted.alpn, ["alpn"]);
    cli.child.kill("SIGTERM");
    const stopped = await cli.nextJson();
    assert.equal(stopped.event, "stopped");
    const quic = stopped.quic as Record<string, number>;
    assert.equal(quic.retries, 1);
    assert.equal(quic.accepted, 1);
    assert.equal(quic.datagrams, 2);
    const [code, signal] = await within(cli.exited, 15000, "exit");
    assert.ok(code === 0 || (!isBun && signal === "SIGTERM"), `exit ${code} ${signal}`);
  } finally {
    await sock.close();
    cli.kill();
  }
});

test("cli inspect --transport quic: the RFC 9001 Initial decoded (ClientHello, frames) with the Retry it would get; transport guessed", () => {
  const packet = V.V1_PROTECTED_INITIAL.replace(/\s/g, ""); // hex text
  const run = (args: string[]) => spawnSync(process.execPath, [...cliArgs, "inspect", ...args], { cwd: root, encoding: "utf8", timeout: 20000 });
  const explicit = run(["--transport", "quic", "--now", "1700000000", packet]);
  assert.equal(explicit.status, 0, explicit.stderr);
  const j = JSON.parse(explicit.stdout);
  assert.equal(j.packets[0].protocol, "quic-v1");
  assert.equal(j.packets[0].dcid, V.RFC_DCID);
  assert.equal(j.clientHello.sni, "example.com");
  assert.equal(j.outcome.kind, "send");
  assert.equal(j.outcome.message, "retry");
  const guessed = JSON.parse(run(["--now", "1700000000", packet]).stdout);
  assert.equal(guessed.packets[0].protocol, "quic-v1", "a QUIC long header is recognised without --transport");
  const bad = run(["--transport", "sctp", packet]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--transport sctp: expected udp, tcp or quic/);
});
