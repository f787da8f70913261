// TCP handshake limits on the CLI (issue 12 item 3's flags): --handshake-timeout closes an idle
// handshake, --max-handshakes-per-source evicts the oldest idle handshake of a source to admit
// a newcomer (never refuses it), bad values are usage errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { spawnSync } from "node:child_process";
import { within } from "./transport_fakes.ts";
import { cliArgs, root, startCli } from "./helpers/cli_process.ts";

const portOf = (at: unknown) => Number(String(at).split(":").pop());

async function connect(port: number): Promise<{ socket: net.Socket; localPort: number; ended: Promise<string> }> {
  const socket = net.connect({ port, host: "127.0.0.1" });
  const ended = new Promise<string>((resolve) => {
    socket.on("end", () => resolve("fin"));
    socket.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    socket.on("close", () => resolve("close"));
  });
  await within(new Promise<void>((r) => socket.once("connect", () => r())), 5000, "connect");
  return { socket, localPort: socket.localPort!, ended };
}

async function nextWhere(cli: ReturnType<typeof startCli>, pred: (j: Record<string, unknown>) => boolean) {
  for (let i = 0; i < 50; i++) {
    const j = await cli.nextJson(10000);
    if (pred(j)) return j;
  }
  throw new Error("event not seen");
}

test("cli listen --tcp --handshake-timeout 0.5: an idle handshake is closed with handshake-timeout", async () => {
  const cli = startCli(["listen", "--tcp", "127.0.0.1:0", "--json", "--handshake-timeout", "0.5"]);
  try {
    const port = portOf((await cli.nextJson()).tcp);
    const t0 = Date.now();
    const c = await connect(port);
    const closed = await nextWhere(cli, (j) => j.event === "closed");
    assert.equal(closed.reason, "handshake-timeout");
    assert.equal(closed.peer, `127.0.0.1:${c.localPort}`);
    assert.ok(Date.now() - t0 < 8000);
    await within(c.ended, 5000, "client sees the close");
    c.socket.destroy();
  } finally {
    cli.kill();
  }
});

test("cli listen --tcp --max-handshakes-per-source 1: the newcomer is admitted, the idle older handshake evicted", async () => {
  const cli = startCli(["listen", "--tcp", "127.0.0.1:0", "--json", "--max-handshakes-per-source", "1"]);
  try {
    const port = portOf((await cli.nextJson()).tcp);
    const a = await connect(port);
    await new Promise((r) => setTimeout(r, 1300)); // idle past the 1 s eviction floor
    const b = await connect(port);
    const closed = await nextWhere(cli, (j) => j.event === "closed" || j.event === "dropped");
    assert.equal(closed.reason, "evicted-idle", JSON.stringify(closed));
    assert.equal(closed.peer, `127.0.0.1:${a.localPort}`, "the older one goes");
    await within(a.ended, 5000, "evicted client sees the close");
    assert.equal(b.socket.destroyed, false, "the newcomer stays");
    a.socket.destroy();
    b.socket.destroy();
  } finally {
    cli.kill();
  }
});

test("cli listen/serve: bad limit values are usage errors naming the flag", () => {
  for (
    const [args, message] of [
      [["listen", "--tcp", "127.0.0.1:0", "--max-handshakes", "0"], /--max-handshakes 0: expected a whole number/],
      [["listen", "--tcp", "127.0.0.1:0", "--max-handshakes-per-source", "1.5"], /--max-handshakes-per-source 1\.5: expected a whole number/],
      [["listen", "--tcp", "127.0.0.1:0", "--handshake-timeout", "soon"], /--handshake-timeout soon: expected seconds/],
      [["listen", "--udp", "127.0.0.1:0", "--max-handshakes", "5"], /--max-handshakes applies to --tcp only/],
      [["serve", "--udp", "127.0.0.1:0", "--handshake-timeout", "5"], /--handshake-timeout applies to serve --tcp only/],
      [["serve", "--tcp", "127.0.0.1:0", "--max-handshakes-per-source", "5"], /unknown flag --max-handshakes-per-source/],
    ] as const
  ) {
    const r = spawnSync(process.execPath, [...cliArgs, ...args], { cwd: root, encoding: "utf8", timeout: 20000 });
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
