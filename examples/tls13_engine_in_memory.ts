/**
 * The sans-I/O TLS 1.3 engine with no sockets at all: the in-memory test client sends
 * ClientHello1 to a stateless StreamListener, which answers with a HelloRetryRequest and is then
 * thrown away; a brand-new listener accepts ClientHello2; a brand-new Tls13ServerEngine continues
 * from that accepted outcome, finishes the handshake and exchanges data both ways.
 * Run: `deno run examples/tls13_engine_in_memory.ts` or `bun examples/tls13_engine_in_memory.ts`.
 *
 * @module
 */
import { CookieKeyring, StreamListener } from "../mod.ts";
import { portableProvider } from "../core/crypto/portable.ts";
import { generateSelfSignedCertificate } from "../core/pki/self_signed.ts";
import { Tls13ServerEngine } from "../core/handshake/tls13/mod.ts";
import { connectInMemory, pump, Tls13TestClient } from "../testing/mod.ts";

const keyring = CookieKeyring.random();
const peer = { family: "ipv4", address: "192.0.2.9", port: 40443 } as const;
const certificate = generateSelfSignedCertificate(portableProvider, { now: Date.now() });
const client = new Tls13TestClient({ serverName: "localhost", alpn: ["h2", "http/1.1"] });

// ClientHello1 → HelloRetryRequest (+ CCS). The listener keeps nothing and is dropped.
const first = new StreamListener({ keyring, framing: "tls-records", peer });
client.start(); // queues ClientHello1
const hrr = first.receive(client.takeBytes(), Date.now());
if (hrr.kind !== "send") throw new Error(`expected a HelloRetryRequest, got ${hrr.kind}`);
client.receive(hrr.bytes);
console.log(`gate: ${hrr.message}, ${hrr.bytes.length} bytes`);

// CCS + ClientHello2 → a new listener → accepted → a new engine continues.
const accepted = new StreamListener({ keyring, framing: "tls-records", peer }).receive(client.takeBytes(), Date.now());
if (accepted.kind !== "accepted") throw new Error(`expected accepted, got ${accepted.kind}`);
const engine = new Tls13ServerEngine({ provider: portableProvider, certificates: [certificate], alpn: ["h2"] }, accepted);
const { serverSummary } = connectInMemory(engine, client);
if (!serverSummary) throw new Error("handshake did not complete");
console.log(
  `handshake: suite 0x${serverSummary.cipherSuite.toString(16)}, group 0x${serverSummary.group.toString(16)}, ` +
    `alpn ${serverSummary.alpn}, sni ${serverSummary.sni}, retried ${serverSummary.retried}`,
);

// Data both ways.
client.write(new TextEncoder().encode("ping"));
const actions: ReturnType<typeof engine.poll>[] = [];
pump(client, engine, actions);
for (const a of actions) {
  if (a.kind === "application-data") {
    console.log(`server got: ${new TextDecoder().decode(a.data)}`);
    engine.write(new TextEncoder().encode("pong"));
  }
}
pump(client, engine, actions);
console.log(`client got: ${new TextDecoder().decode(client.receivedData())}`);
