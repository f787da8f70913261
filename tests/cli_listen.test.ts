// `hellogate listen --json` as a subprocess: the JSON-lines contract, driven by the scripted client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ScriptedClient } from "../testing/scripted_client.ts";
import { seededRandom } from "../testing/random.ts";
import { udpClient, within } from "./transport_fakes.ts";
import { isBun, startCli } from "./helpers/cli_process.ts";

test("cli listen --json: listening line, then sent/accepted events with peer and byte counts, stopped on SIGTERM", async () => {
  const cli = startCli(["listen", "--udp", "127.0.0.1:0", "--json", "--versions", "dtls1.2"]);
  const next = () => cli.nextJson();
  const sock = await udpClient();
  try {
    const listening = await next();
    assert.equal(listening.event, "listening");
    assert.match(String(listening.udp), /^127\.0\.0\.1:\d+$/);
    assert.equal("tcp" in listening, false);
    const port = Number(String(listening.udp).split(":")[1]);
    const client = new ScriptedClient({ protocol: "dtls1.2", random: seededRandom("cli-listen") });
    const [ch1] = client.firstFlight();
    await sock.send(ch1, port);
    const hvr = await sock.recv();
    const sent = await next();
    assert.deepEqual(sent, {
      event: "sent",
      transport: "udp",
      peer: `127.0.0.1:${sock.port}`,
      protocol: "dtls1.2",
      message: "hello_verify_request",
      bytesIn: ch1.length,
      bytesOut: hvr.length,
    });
    assert.equal(client.handleReply([hvr]).kind, "hello-verify-request");
    const [ch2] = client.secondFlight();
    await sock.send(ch2, port);
    const accepted = await next();
    assert.deepEqual(accepted, {
      event: "accepted",
      transport: "udp",
      peer: `127.0.0.1:${sock.port}`,
      protocol: "dtls1.2",
      bytesIn: ch2.length,
      bytesOut: 0,
    });
    await sock.send(new Uint8Array([1, 2, 3]), port); // routed to the held connection: no event
    cli.child.kill("SIGTERM");
    const closed = await next(); // the held connection ends with the listener
    assert.equal(closed.event, "closed");
    assert.equal(closed.peer, `127.0.0.1:${sock.port}`);
    assert.equal(closed.reason, "local-close");
    const stopped = await next();
    assert.equal(stopped.event, "stopped");
    const counters = stopped.counters as Record<string, number>;
    assert.equal(counters.hvrSent, 1);
    assert.equal(counters.accepted, 1);
    assert.equal(counters.bytesIn, ch1.length + ch2.length);
    const [code, signal] = await within(cli.exited, 15000, "exit");
    // Exit code 0; Deno's node:child_process reports a child it signalled as killed by that
    // signal even when the child handled it and exited cleanly (the "stopped" line proves it did).
    assert.ok(code === 0 || (!isBun && signal === "SIGTERM"), `exit ${code} ${signal}`);
  } finally {
    cli.kill();
    await sock.close();
  }
});

test("cli listen --json on IPv6 loopback: [addr]:port in the listening line and in events", async () => {
  const cli = startCli(["listen", "--udp", "[::1]:0", "--tcp", "[::1]:0", "--json"]);
  const next = () => cli.nextJson();
  const sock = await udpClient("::1");
  try {
    const listening = await next();
    assert.match(String(listening.udp), /^\[::1\]:\d+$/);
    assert.match(String(listening.tcp), /^\[::1\]:\d+$/);
    const [ch1] = new ScriptedClient({ protocol: "dtls1.2", random: seededRandom("cli-listen-v6") }).firstFlight();
    await sock.send(ch1, Number(String(listening.udp).split("]:")[1]));
    await sock.recv();
    const sent = await next();
    assert.equal(sent.message, "hello_verify_request");
    assert.equal(sent.peer, `[::1]:${sock.port}`);
  } finally {
    cli.kill();
    await sock.close();
  }
});
