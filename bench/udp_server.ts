/**
 * UDP end-to-end bench, server side: a hellogate DatagramListener behind the UDP adapter on
 * 127.0.0.1 (port 0). Prints `{"event":"ready","port":N,"adapter":"..."}` on stdout, answers
 * until stdin closes, then prints `{"event":"stopped", ...counters}` and exits.
 *
 * Usage: `deno run -A --no-check [--unstable-net] bench/udp_server.ts [node|deno|bun|auto]`
 * or `bun bench/udp_server.ts [auto]`. Driven by bench/udp_bench.mjs.
 *
 * @module
 */
import process from "node:process";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import { listenUdp } from "../transports/mod.ts";
import { adapterArg, serveUntilStdinEnds } from "./udp_common.ts";

const adapter = adapterArg(process.argv[2]);
const engine = new DatagramListener({ keyring: CookieKeyring.random(), versions: ["dtls1.2", "dtls1.3"] });
const udp = await listenUdp({ hostname: "127.0.0.1", port: 0, adapter, engine });

serveUntilStdinEnds({ port: udp.addr.port, adapter: udp.adapter }, async () => {
  const c = udp.counters.snapshot();
  await udp.close();
  return { hvrSent: c.hvrSent, bytesIn: c.bytesIn, bytesOut: c.bytesOut, engineDatagrams: engine.counters.datagrams, dropped: c.dropped };
});
