// What keeps an idle pending TCP connection small (issue 12 item 4; `npm run soak` measures the
// RSS): the Deno reader's buffer starts at 512 bytes and never exceeds one TLS record (Deno's own
// `conn.readable` reads into a fresh 64 KiB buffer), and under Deno.listen a connection that has
// sent nothing has no engine yet.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { denoConnReader } from "../transports/tcp_deno.ts";
import { listenTcp } from "../transports/tcp.ts";
import { FakeStreamEngine, runtime, within } from "./transport_fakes.ts";

test("Deno reader: 512-byte first buffer, doubled when filled, capped at one TLS record; exact-size chunks", async () => {
  const sizes: number[] = [];
  const script = [512, 100, 1024, 2048, 4096, 8192, 16384, 16645, 16645, 3];
  let i = 0;
  const conn = {
    read(p: Uint8Array): Promise<number | null> {
      sizes.push(p.length);
      if (i >= script.length) return Promise.resolve(null);
      const n = Math.min(script[i++], p.length);
      p.fill(7, 0, n);
      return Promise.resolve(n);
    },
    write: (p: Uint8Array) => Promise.resolve(p.length),
  };
  const read = denoConnReader(conn);
  const got: number[] = [];
  for (;;) {
    const chunk = await read();
    if (chunk === null) break;
    assert.equal(chunk.buffer.byteLength, chunk.length, "a chunk owns exactly its bytes");
    got.push(chunk.length);
  }
  assert.deepEqual(got, [512, 100, 1024, 2048, 4096, 8192, 16384, 16645, 16645, 3]);
  assert.deepEqual(sizes, [512, 1024, 1024, 2048, 4096, 8192, 16384, 16645, 16645, 16645, 16645]);
});

if (runtime === "deno") {
  test("tcp deno: an idle pending connection has no engine until its first bytes", async () => {
    const engines: FakeStreamEngine[] = [];
    const tcp = await listenTcp({
      hostname: "127.0.0.1",
      port: 0,
      adapter: "deno",
      engine: (peer) => {
        const e = new FakeStreamEngine(peer);
        engines.push(e);
        return e;
      },
    });
    const s = net.connect({ port: tcp.addr.port, host: "127.0.0.1" });
    s.on("error", () => {});
    try {
      await within(new Promise<void>((r) => s.once("connect", () => r())), 5000, "connect");
      const t0 = Date.now();
      while (tcp.pendingHandshakes < 1 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 5));
      assert.equal(tcp.pendingHandshakes, 1);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(engines.length, 0, "no engine for a connection that sent nothing");
      s.write(Uint8Array.of(0x09));
      const t1 = Date.now();
      while (engines.length < 1 && Date.now() - t1 < 5000) await new Promise((r) => setTimeout(r, 5));
      assert.equal(engines.length, 1);
      assert.deepEqual([...engines[0].chunks[0]], [0x09]);
    } finally {
      s.destroy();
      await tcp.close();
    }
  });
}
