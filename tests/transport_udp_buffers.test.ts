// Every UDP adapter hands the gate datagrams it owns: the adapters receive into reused buffers
// (Deno) or runtime buffers (Bun), so datagrams queued on a connection before anyone reads them
// must each keep their own bytes, whatever arrives after them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { listenUdp } from "../transports/udp.ts";
import { denoUdpAvailable } from "../transports/udp_deno.ts";
import { FakeDatagramEngine, runtime, udpClient, within } from "./transport_fakes.ts";

const nativeAdapter = runtime === "bun" ? "bun" : runtime === "deno" && denoUdpAvailable() ? "deno" : undefined;
const adapters: ("node" | "deno" | "bun")[] = nativeAdapter ? ["node", nativeAdapter] : ["node"];

for (const adapter of adapters) {
  test(`udp ${adapter}: datagrams queued on a connection keep their own bytes (no shared receive buffer)`, async () => {
    const engine = new FakeDatagramEngine();
    const udp = await listenUdp({ hostname: "127.0.0.1", port: 0, engine, adapter });
    const client = await udpClient();
    try {
      await client.send(new Uint8Array([0x02, 0x00]), udp.addr.port);
      const conn = await within(udp.accept(), 5000, "accept");
      assert.ok(conn);
      // Different lengths and contents, all sent before the first is read.
      const sent = [300, 20, 1200, 1, 64].map((n, k) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + k * 71 + 1) & 0xff));
      for (const d of sent) await client.send(d, udp.addr.port);
      const it = conn.datagrams[Symbol.asyncIterator]();
      for (const [k, d] of sent.entries()) {
        const got = (await within(it.next(), 5000, `datagram ${k}`)).value;
        assert.deepEqual(got, d, `datagram ${k} (${d.length} bytes)`);
      }
      conn.close();
    } finally {
      await client.close();
      await udp.close();
    }
  });
}
