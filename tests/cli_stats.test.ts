// Long-running commands show what is happening (issue 16 item 4): `listen --json --stats N`
// emits {"event":"stats",...} lines with rates and counters; on a terminal (not --json) a
// one-line live status is redrawn every second.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { ScriptedClient } from "../testing/scripted_client.ts";
import { seededRandom } from "../testing/random.ts";
import { tcpClient, udpClient, within } from "./transport_fakes.ts";
import { cliArgs, root, startCli } from "./helpers/cli_process.ts";

const [dtlsHello] = new ScriptedClient({ protocol: "dtls1.2", random: seededRandom("cli-stats") }).firstFlight();
const [tlsHello] = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("cli-stats-tls") }).firstFlight();
const portOf = (at: unknown) => Number(String(at).split(":").pop());

test("cli listen --json --stats 0.5: stats lines with datagram and HVR/HRR rates, counters, handshakes in progress", async () => {
  const cli = startCli(["listen", "--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--json", "--stats", "0.5"]);
  const sock = await udpClient();
  try {
    const listening = await cli.nextJson();
    for (let i = 0; i < 10; i++) {
      await sock.send(dtlsHello, portOf(listening.udp));
      await sock.recv();
    }
    await sock.send(new Uint8Array([1, 2, 3]), portOf(listening.udp)); // dropped: too short
    // One TCP handshake left in progress (HRR sent, no CH2).
    const tcp = await tcpClient(portOf(listening.tcp));
    tcp.write(tlsHello);
    await tcp.read(5);
    let stats: Record<string, unknown> | undefined;
    for (let i = 0; i < 100; i++) {
      const j = await cli.nextJson(10000);
      if (j.event !== "stats") continue;
      const c = j.counters as Record<string, number>;
      if (c.hvrSent === 10 && c.hrrSent === 1 && c.droppedTotal === 1) {
        stats = j;
        break;
      }
    }
    tcp.destroy();
    assert.ok(stats, "a stats line with every counter");
    assert.equal(stats.datagrams, 11);
    assert.equal(stats.handshakesInProgress, 1);
    for (const k of ["intervalSeconds", "datagramsPerSecond", "hvrPerSecond", "hrrPerSecond"]) {
      assert.equal(typeof stats[k], "number", k);
    }
    assert.ok((stats.intervalSeconds as number) > 0.2 && (stats.intervalSeconds as number) < 5);
    const dropped = (stats.counters as { dropped: Record<string, number> }).dropped;
    assert.equal(Object.values(dropped).reduce((a, b) => a + b, 0), 1);
  } finally {
    await sock.close();
    cli.kill();
  }
});

test("cli listen --stats: a bad interval is a usage error", () => {
  for (const bad of ["0", "-1", "soon", "100000"]) {
    const r = spawnSync(process.execPath, [...cliArgs, "listen", "--stats", bad], { cwd: root, encoding: "utf8", timeout: 20000 });
    assert.equal(r.status, 2, `--stats ${bad}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`--stats ${bad}: expected a number of seconds`));
  }
});

test("cli listen on a terminal: a live status line every second (script(1) provides the terminal)", async () => {
  const which = spawnSync("sh", ["-c", "command -v script"], { encoding: "utf8" });
  assert.equal(which.status, 0, "script(1) is missing: apt-get install bsdutils");
  const command = [process.execPath, ...cliArgs, "listen", "--udp", "127.0.0.1:0", "--versions", "dtls1.2"]
    .map((a) => `'${a}'`).join(" ");
  const child = spawn("script", ["-q", "-e", "-c", command, "/dev/null"], {
    cwd: root,
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1", TERM: "dumb" },
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  try {
    const seen = async (re: RegExp, what: string) => {
      const t0 = Date.now();
      while (!re.test(out)) {
        if (Date.now() - t0 > 15000) throw new Error(`${what} not seen in: ${JSON.stringify(out)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await seen(/hellogate listening on udp 127\.0\.0\.1:(\d+)/, "listening line");
    const port = Number(out.match(/udp 127\.0\.0\.1:(\d+)/)![1]);
    const sock = await udpClient();
    await sock.send(dtlsHello, port);
    await sock.recv();
    await sock.close();
    await seen(/HVR sent to 127\.0\.0\.1/, "event line");
    await seen(/\r\S*\[K\d+(\.\d+)? datagrams\/s {2}HVR [\d.]+\/s {2}HRR [\d.]+\/s {2}accepted 0 {2}dropped 0 {2}in progress 0/, "status line");
    assert.ok(out.includes("\r\x1b[K"), "the status line is redrawn in place (carriage return, erase line)");
    const before = (out.match(/datagrams\/s/g) ?? []).length;
    await new Promise((r) => setTimeout(r, 2200));
    assert.ok((out.match(/datagrams\/s/g) ?? []).length >= before + 1, "redrawn every second");
  } finally {
    child.kill("SIGTERM");
    await within(exited, 10000, "script exit").catch(() => child.kill("SIGKILL"));
  }
});
