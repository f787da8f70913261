// acceptStream over any WHATWG stream pair, e.g. a QUIC CRYPTO stream carrying bare handshake
// messages. Here the "network" is an in-memory pipe and the peer is the scripted test client.
// Run: deno run -A examples/stream_accept.ts   (or: bun examples/stream_accept.ts)
import { CookieKeyring, StreamListener } from "../mod.ts";
import { acceptStream } from "../transports/mod.ts";
import { ScriptedClient } from "../testing/mod.ts";

const up = new TransformStream<Uint8Array, Uint8Array>();
const down = new TransformStream<Uint8Array, Uint8Array>();
const keyring = CookieKeyring.random();
const result = acceptStream(
  { readable: up.readable, writable: down.writable, peer: { family: "ipv4", address: "192.0.2.10", port: 50000 } },
  { engine: (peer) => new StreamListener({ keyring, framing: "tls-records", peer }), handshakeTimeoutMs: 5000 },
);

// The client side: ClientHello1, read the HRR (+ CCS), answer with ClientHello2.
const client = new ScriptedClient({ protocol: "tls1.3" });
const writer = up.writable.getWriter();
const reader = down.readable.getReader();
for (const chunk of client.firstFlight()) void writer.write(chunk);
const parts: Uint8Array[] = [];
for (let total = 0, need = Infinity; total < need;) {
  const { value } = await reader.read();
  parts.push(value!);
  total += value!.length;
  if (need === Infinity && total >= 5) need = 5 + ((parts[0][3] << 8) | parts[0][4]) + 6; // HRR record + CCS
}
const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
console.log("client got:", client.handleReply(joined).kind);
for (const chunk of client.secondFlight()) void writer.write(chunk);

const out = await result;
if (out.kind === "accepted") console.log(`accepted ${out.accepted.protocol} from ${out.peer.address}:${out.peer.port}`);
else console.log(`closed: ${out.reason} (${out.detail})`);
