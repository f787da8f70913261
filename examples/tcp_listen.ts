// A stateless TLS 1.3 gate on TCP: HelloRetryRequest with a cookie, then hand the connection on.
// Run: deno run -A examples/tcp_listen.ts   (or: bun examples/tcp_listen.ts)
import { CookieKeyring, formatPeer, StreamListener } from "../mod.ts";
import { listenTcp } from "../transports/mod.ts";

const keyring = CookieKeyring.random();
const ac = new AbortController();
const tcp = await listenTcp({
  hostname: "127.0.0.1",
  port: 0,
  adapter: "auto", // Deno.listen / Bun.listen natively, node:net elsewhere
  engine: (peer) => new StreamListener({ keyring, framing: "tls-records", peer }),
  handshakeTimeoutMs: 10_000,
  signal: ac.signal,
});
console.log(`listening on tcp ${formatPeer(tcp.addr)} (${tcp.adapter}); try: openssl s_client -tls1_3 -connect ${formatPeer(tcp.addr)}`);
setTimeout(() => ac.abort(), 30_000);

for await (const conn of tcp) {
  const retry = conn.accepted.retry;
  console.log(`accepted ${conn.accepted.protocol} from ${formatPeer(conn.peer)}, suite 0x${retry?.cipherSuite.toString(16)}`);
  // Continue with conn.readable (starts right after the ClientHello) and conn.writable.
  conn.close();
}
console.log("counters:", tcp.counters.snapshot());
