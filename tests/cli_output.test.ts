// `listen --json` never blocks or dies on its own output (issue 12, item 2): a closed stdout
// (`| head -1`) ends the event stream quietly while the gate keeps answering; an unread stdout
// neither freezes UDP/TCP replies nor grows memory without bound (events are dropped, counted,
// and announced with {"event":"events-dropped","count":N} once the reader catches up).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ScriptedClient } from "../testing/scripted_client.ts";
import { seededRandom } from "../testing/random.ts";
import { tcpClient, udpClient, within } from "./transport_fakes.ts";
import { isBun, rssKiB, startCli } from "./helpers/cli_process.ts";

const [dtlsHello] = new ScriptedClient({ protocol: "dtls1.2", random: seededRandom("cli-output") }).firstFlight();
const [tlsHello] = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("cli-output-tls") }).firstFlight();

const portOf = (at: unknown) => Number(String(at).split(":").pop());

/** Sends `count` ClientHellos, `window` at a time, and returns how many HVRs came back. */
async function flood(port: number, count: number, window = 50): Promise<number> {
  const sock = await udpClient();
  let replies = 0;
  try {
    for (let sent = 0; sent < count; sent += window) {
      const n = Math.min(window, count - sent);
      for (let i = 0; i < n; i++) await sock.send(dtlsHello, port);
      for (let i = 0; i < n; i++) {
        await sock.recv();
        replies++;
      }
    }
  } finally {
    await sock.close();
  }
  return replies;
}

test("cli listen --json | head -1: the gate keeps answering after stdout closes; no crash", async () => {
  const cli = startCli(["listen", "--udp", "127.0.0.1:0", "--json", "--versions", "dtls1.2"]);
  try {
    const listening = await cli.nextJson();
    assert.equal(listening.event, "listening");
    const port = portOf(listening.udp);
    cli.child.stdout!.destroy(); // what `head -1` does after the first line
    assert.equal(await flood(port, 200), 200, "every ClientHello answered after stdout closed");
    assert.equal(cli.child.exitCode, null, `still running; stderr: ${cli.stderr()}`);
    assert.doesNotMatch(cli.stderr(), /Uncaught|EPIPE|Error/, "no stack trace");
    assert.match(cli.stderr(), /stdout closed; still serving/);
    cli.child.kill("SIGTERM");
    const [code, signal] = await within(cli.exited, 15000, "exit after SIGTERM");
    assert.ok(code === 0 || (!isBun && signal === "SIGTERM"), `exit ${code} ${signal}: ${cli.stderr()}`);
  } finally {
    cli.kill();
  }
});

test("cli listen --json --exit-on-stdout-close: exits 0 once stdout is gone", async () => {
  const cli = startCli(["listen", "--udp", "127.0.0.1:0", "--json", "--versions", "dtls1.2", "--exit-on-stdout-close"]);
  try {
    const port = portOf((await cli.nextJson()).udp);
    cli.child.stdout!.destroy();
    const sock = await udpClient();
    try {
      // The first event written after the close finds EPIPE; the process then stops on its own.
      for (let i = 0; i < 50 && cli.child.exitCode === null; i++) {
        await sock.send(dtlsHello, port);
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await sock.close();
    }
    const [code] = await within(cli.exited, 15000, "exit after stdout closed");
    assert.equal(code, 0, cli.stderr());
    assert.doesNotMatch(cli.stderr(), /Uncaught|EPIPE/);
  } finally {
    cli.kill();
  }
});

test("cli listen --json with an unread stdout: UDP and TCP keep answering, drops are counted, memory stays bounded", async () => {
  const cli = startCli(["listen", "--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--json"]);
  try {
    const listening = await cli.nextJson();
    cli.child.stdout!.pause(); // nobody reads any more: the pipe fills up
    const udpPort = portOf(listening.udp), tcpPort = portOf(listening.tcp);
    const pid = cli.child.pid!;
    assert.equal(await flood(udpPort, 1500), 1500, "UDP replies while stdout fills");
    const rssBefore = await rssKiB(pid);
    assert.equal(await flood(udpPort, 4000), 4000, "UDP replies with stdout full");
    const rssAfter = await rssKiB(pid);
    const tcp = await tcpClient(tcpPort);
    tcp.write(tlsHello);
    const hrr = await within(tcp.read(5), 5000, "TCP HRR with stdout full");
    assert.equal(hrr[0], 22, "a handshake record (the HRR) came back");
    tcp.destroy();
    if (rssBefore !== undefined && rssAfter !== undefined) {
      // 4,000 unread events are ~700 KB of JSON; the queue holds at most 256 KiB of it.
      assert.ok(rssAfter - rssBefore < 24 * 1024, `RSS grew ${rssBefore} -> ${rssAfter} KiB`);
    }
    // The reader comes back: the drops are announced once the queue has drained.
    cli.child.stdout!.resume();
    let dropped: Record<string, unknown> | undefined;
    for (let i = 0; i < 20000 && !dropped; i++) {
      const j = await cli.nextJson(10000);
      if (j.event === "events-dropped") dropped = j;
    }
    assert.ok(dropped, "an events-dropped line");
    assert.equal(typeof dropped.count, "number");
    assert.ok((dropped.count as number) > 0);
    assert.deepEqual(Object.keys(dropped), ["event", "count"]);
  } finally {
    cli.kill();
  }
});
