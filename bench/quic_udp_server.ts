/**
 * QUIC UDP end-to-end bench, server side: a QuicListener (default crypto provider of the runtime)
 * behind listenQuic on 127.0.0.1 (port 0). Prints `{"event":"ready","port":N,"adapter":"..."}`,
 * answers until stdin closes, then prints `{"event":"stopped", ...counters}`.
 *
 * Usage: `deno run -A --no-check --unstable-net bench/quic_udp_server.ts [node|deno|bun|auto]`
 * or `bun bench/quic_udp_server.ts`. Driven by bench/sections/quic.mjs.
 *
 * @module
 */
import process from "node:process";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { QuicListener } from "../core/quic/listener.ts";
import { listenQuic } from "../transports/quic_udp.ts";
import { defaultCryptoProvider } from "../transports/native_crypto.ts";
import { adapterArg, serveUntilStdinEnds } from "./udp_common.ts";

const adapter = adapterArg(process.argv[2]);
const crypto = defaultCryptoProvider();
const listener = new QuicListener({ keyring: CookieKeyring.random(), crypto });
const server = await listenQuic({ hostname: "127.0.0.1", port: 0, adapter, listener });

serveUntilStdinEnds({ port: server.addr.port, adapter: server.adapter, provider: crypto.name }, async () => {
  await server.close();
  const c = listener.counters;
  return { retries: c.retries, datagrams: c.datagrams, bytesIn: c.bytesIn, bytesOut: c.bytesOut, dropped: c.dropped };
});
