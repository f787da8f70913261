// `serve --udp --stats N` (cli/serve_udp.ts): {"event":"stats",...} lines like `listen --stats`,
// with the DTLS handshakes completed / failed / in progress; the `stopped` line is unchanged.
// The completed handshake comes from a real client (openssl s_client, apt package openssl).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ScriptedClient } from "../testing/scripted_client.ts";
import { seededRandom } from "../testing/random.ts";
import { serveUdp } from "../cli/serve_udp.ts";
import { udpClient, within } from "./transport_fakes.ts";
import { cliArgs, root, startCli } from "./helpers/cli_process.ts";
import { requireTool } from "./interop/harness.ts";
import { runUntilEcho } from "./interop/dtls12_support.ts";

const [dtlsHello] = new ScriptedClient({ protocol: "dtls1.2", random: seededRandom("cli-serve-udp-stats") }).firstFlight();

test("cli serve --udp --json --stats 0.3: stats lines count the HelloVerifyRequests; stopped keeps its shape", async () => {
  const cli = startCli(["serve", "--udp", "127.0.0.1:0", "--json", "--stats", "0.3"]);
  const sock = await udpClient();
  try {
    const listening = await cli.nextJson();
    assert.equal(listening.event, "listening");
    const port = Number(String(listening.udp).split(":").pop());
    for (let i = 0; i < 3; i++) {
      await sock.send(dtlsHello, port);
      await sock.recv();
    }
    let stats: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !stats; i++) {
      const j = await cli.nextJson(10000);
      if (j.event === "stats" && (j.counters as Record<string, number>).hvrSent === 3) stats = j;
    }
    assert.ok(stats, "a stats line with 3 HelloVerifyRequests sent");
    assert.equal(stats.handshakesCompleted, 0);
    assert.equal(stats.handshakesFailed, 0);
    assert.equal(stats.handshakesInProgress, 0);
    assert.equal(typeof stats.hvrPerSecond, "number");
    assert.ok((stats.intervalSeconds as number) > 0.1 && (stats.intervalSeconds as number) < 5);
    cli.child.kill("SIGTERM");
    let stopped: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !stopped; i++) {
      const j = await cli.nextJson(10000);
      if (j.event === "stopped") stopped = j;
    }
    assert.deepEqual(Object.keys(stopped!), ["event", "counters"]);
    assert.equal((stopped!.counters as Record<string, number>).hvrSent, 3);
  } finally {
    cli.kill();
    await sock.close();
  }
});

test("cli serve --udp --stats: a bad interval is a usage error", () => {
  const r = spawnSync(process.execPath, [...cliArgs, "serve", "--udp", "127.0.0.1:0", "--stats", "0"], {
    cwd: root,
    encoding: "utf8",
    timeout: 20000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--stats 0: expected a number of seconds/);
});

test("serveUdp statsSeconds: an openssl s_client handshake counts as completed, never in progress once established", async () => {
  const openssl = requireTool("openssl");
  const lines: Record<string, unknown>[] = [];
  const ac = new AbortController();
  const done = serveUdp({
    udp: "127.0.0.1:0",
    json: true,
    adapter: "node",
    statsSeconds: 0.2,
    signal: ac.signal,
    write: (l) => lines.push(JSON.parse(l)),
  });
  const until = async (pred: () => boolean, what: string) => {
    await within(
      (async () => {
        while (!pred()) await new Promise((r) => setTimeout(r, 20));
      })(),
      10000,
      what,
    );
  };
  try {
    await until(() => lines.length > 0, "the listening event");
    const c = await runUntilEcho(openssl, ["s_client", "-dtls1_2", "-connect", String(lines[0].udp)], "hello-stats");
    // Established and still open: completed, not in progress.
    const open = lines.length;
    await until(() => lines.slice(open).some((l) => l.event === "stats"), "a stats line while connected");
    const during = lines.slice(open).find((l) => l.event === "stats")!;
    assert.equal(during.handshakesCompleted, 1);
    assert.equal(during.handshakesInProgress, 0);
    c.child.stdin!.end(); // close_notify, then exit
    await c.done;
    await until(() => lines.some((l) => l.event === "closed"), "the closed event");
    const from = lines.length;
    await until(() => lines.slice(from).some((l) => l.event === "stats"), "a stats line after the close");
    const stats = lines.slice(from).find((l) => l.event === "stats")!;
    assert.equal(stats.handshakesCompleted, 1);
    assert.equal(stats.handshakesFailed, 0);
    assert.equal(stats.handshakesInProgress, 0);
    assert.equal((stats.counters as Record<string, number>).accepted, 1);
  } finally {
    ac.abort();
    assert.equal(await done, 0);
  }
});
