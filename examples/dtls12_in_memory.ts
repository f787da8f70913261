/**
 * The sans-I/O DTLS 1.2 server with no sockets: the in-memory test client sends ClientHello1
 * to a stateless DatagramListener, which answers with a HelloVerifyRequest and is then thrown
 * away; a brand-new listener accepts ClientHello2; a Dtls12Server continues from that accepted
 * outcome (flight 4), takes the client's flight 5, answers with flight 6, and both sides
 * exchange a datagram and derive the same SRTP keys. Fake time: one flight 4 is "lost" and the
 * retransmission timer resends it.
 * Run: `deno run examples/dtls12_in_memory.ts` or `bun examples/dtls12_in_memory.ts`.
 *
 * @module
 */
import { CookieKeyring, DatagramListener } from "../mod.ts";
import { portableProvider } from "../core/crypto/portable.ts";
import { generateSelfSignedCertificate } from "../core/pki/self_signed.ts";
import { Dtls12Server } from "../core/handshake/dtls12/server.ts";
import type { EngineAction } from "../core/handshake/actions.ts";
import { Dtls12TestClient } from "../testing/mod.ts";

const keyring = CookieKeyring.random();
const peer = { family: "ipv4", address: "192.0.2.9", port: 5004 } as const;
const certificate = generateSelfSignedCertificate(portableProvider, { now: Date.now() });
const client = new Dtls12TestClient({ srtpProfiles: [0x0007, 0x0001] });
let now = Date.now();

// ClientHello1 → HelloVerifyRequest. The listener keeps nothing and is dropped.
const hvr = new DatagramListener({ keyring, versions: ["dtls1.2"] }).receive(client.firstFlight()[0], peer, now);
if (hvr.kind !== "send") throw new Error(`expected a HelloVerifyRequest, got ${hvr.kind}`);
console.log(`gate: ${hvr.message}, ${hvr.bytes.length} bytes`);

// ClientHello2 (with the cookie) → a new listener → accepted → the DTLS 1.2 engine.
const accepted = new DatagramListener({ keyring, versions: ["dtls1.2"] }).receive(client.secondFlight(hvr.bytes)[0], peer, now);
if (accepted.kind !== "accepted") throw new Error(`expected accepted, got ${accepted.kind}`);
const server = new Dtls12Server(accepted, { certificateChain: certificate.chain, signingKey: certificate.key }, now);

function drain(): EngineAction[] {
  const out: EngineAction[] = [];
  for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) out.push(a);
  return out;
}
const datagrams = (actions: EngineAction[]) => actions.flatMap((a) => (a.kind === "send" ? [a.bytes] : []));

// Flight 4 is lost; the timer asks to be called back 1 s later and the flight goes out again.
const lost = drain();
const timer = lost.find((a) => a.kind === "timer");
console.log(`flight 4: ${datagrams(lost).length} datagram(s), lost; retransmit at +${timer?.kind === "timer" ? timer.at! - now : "?"} ms`);
now += 1000;
server.handleTimeout(now);
const flight4 = datagrams(drain());

// The client answers with flight 5; the server finishes with flight 6.
for (const d of flight4.flatMap((d) => client.receive(d))) server.receive(d, now);
const finished = drain();
for (const d of datagrams(finished)) client.receive(d);
const done = finished.find((a) => a.kind === "handshake-complete");
if (!done || done.kind !== "handshake-complete" || !client.established) throw new Error("handshake did not complete");
console.log(`handshake complete: suite 0x${done.summary.cipherSuite.toString(16)}, group 0x${done.summary.group.toString(16)}, srtp profile ${done.summary.srtpProfile}`);

// One datagram each way, and the same SRTP keying material on both sides.
server.receive(client.write(new TextEncoder().encode("ping")), now);
const got = drain().find((a) => a.kind === "application-data");
server.write(new TextEncoder().encode("pong"));
for (const d of datagrams(drain())) client.receive(d);
console.log(`server got "${got?.kind === "application-data" ? new TextDecoder().decode(got.data) : ""}", client got "${new TextDecoder().decode(client.received[0])}"`);
const a = server.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 56), b = client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 56);
console.log(`SRTP keys equal on both sides: ${a.every((x, i) => x === b[i])}`);
