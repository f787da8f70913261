// `hellogate listen --tcp` closes connections gracefully (FIN, not RST) under every adapter, and
// accepts `localhost` as a host.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { ScriptedClient } from "../testing/scripted_client.ts";
import { seededRandom } from "../testing/random.ts";
import { within } from "./transport_fakes.ts";
import { startCli } from "./helpers/cli_process.ts";

/** Connects, runs CH1 -> HRR -> CH2 (accepted; the CLI then closes), and reports how the connection ended. */
async function handshakeThenClose(port: number): Promise<{ how: string; hrr: Uint8Array }> {
  const client = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("cli-fin") });
  const s = net.connect({ port, host: "127.0.0.1" });
  let buf = new Uint8Array(0);
  let wake: (() => void) | undefined;
  let how = "";
  s.on("data", (d: Uint8Array) => {
    const next = new Uint8Array(buf.length + d.length);
    next.set(buf);
    next.set(d, buf.length);
    buf = next;
    wake?.();
  });
  s.on("end", () => {
    how ||= "fin";
    wake?.();
  });
  s.on("error", (e: NodeJS.ErrnoException) => {
    how ||= e.code ?? e.message;
    wake?.();
  });
  const until = async (cond: () => boolean, what: string) => {
    while (!cond()) await within(new Promise<void>((r) => (wake = r)), 10000, what);
  };
  try {
    await within(new Promise<void>((r) => s.once("connect", () => r())), 5000, "connect");
    for (const b of client.firstFlight()) s.write(b);
    await until(() => buf.length >= 5 && buf.length >= 5 + ((buf[3] << 8) | buf[4]), "HRR");
    const hrr = buf;
    const reply = client.handleReply(hrr);
    assert.equal(reply.kind, "hello-retry-request", JSON.stringify(reply));
    for (const b of client.secondFlight()) s.write(b);
    await until(() => how !== "", "close");
    return { how, hrr };
  } finally {
    s.destroy();
  }
}

const adapters = ["auto", "node"]; // auto = Deno.listen under Deno, Bun.listen under Bun
for (const adapter of adapters) {
  test(`cli listen --tcp localhost:0 --adapter ${adapter}: accepted connection ends with a FIN, not a reset`, async () => {
    const cli = startCli(["listen", "--tcp", "localhost:0", "--json", "--adapter", adapter]);
    try {
      const listening = await cli.nextJson();
      assert.equal(listening.event, "listening");
      assert.match(String(listening.tcp), /^127\.0\.0\.1:\d+$/, "localhost binds 127.0.0.1");
      const port = Number(String(listening.tcp).split(":")[1]);
      const { how } = await handshakeThenClose(port);
      assert.equal((await cli.nextJson()).event, "sent");
      const accepted = await cli.nextJson();
      assert.equal(accepted.event, "accepted");
      assert.equal(accepted.protocol, "tls1.3");
      assert.equal(how, "fin", `connection ended by ${how}`);
    } finally {
      cli.kill();
    }
  });
}
