// A stateless DTLS gate on UDP: answer HelloVerifyRequests / HelloRetryRequests, hand accepted
// peers to your DTLS stack. Run: deno run -A examples/udp_listen.ts   (or: bun examples/udp_listen.ts)
import { CookieKeyring, DatagramListener, formatPeer } from "../mod.ts";
import { listenUdp } from "../transports/mod.ts";

const ac = new AbortController();
const udp = await listenUdp({
  hostname: "127.0.0.1",
  port: 0,
  adapter: "auto", // Bun.udpSocket under Bun, Deno.listenDatagram with --unstable-net, else node:dgram
  engine: new DatagramListener({ keyring: CookieKeyring.random(), versions: ["dtls1.2", "dtls1.3"] }),
  signal: ac.signal,
  onEvent: (e) => console.log(e.event, formatPeer(e.peer), "protocol" in e ? e.protocol ?? "" : ""),
});
console.log(`listening on udp ${formatPeer(udp.addr)} (${udp.adapter}); try: openssl s_client -dtls1_2 -connect ${formatPeer(udp.addr)}`);
setTimeout(() => ac.abort(), 30_000);

for await (const conn of udp) {
  console.log(`accepted ${conn.accepted.protocol} from ${formatPeer(conn.peer)}; message_seq next: ${conn.accepted.sequencing?.nextServerMessageSeq}`);
  // Continue the handshake here: conn.datagrams starts with whatever followed the ClientHello.
  void (async () => {
    for await (const d of conn.datagrams) console.log(`  ${d.length} more bytes from ${formatPeer(conn.peer)}`);
  })();
}
console.log("counters:", udp.counters.snapshot());
