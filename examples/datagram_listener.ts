/**
 * Unit-testing a DTLS server without sockets: the scripted client's fragmented post-quantum-size
 * DTLS 1.3 ClientHello goes through a DatagramListener, the HRR goes back, and CH2 is accepted by
 * a brand-new listener with the same keyring (nothing was kept between the two).
 * Run: `deno run examples/datagram_listener.ts` or `bun examples/datagram_listener.ts`.
 *
 * @module
 */
import { CookieKeyring, DatagramListener, formatPeer, groupName, type Outcome } from "../mod.ts";
import { ScriptedClient } from "../testing/mod.ts";

const keyring = CookieKeyring.random();
const peer = { family: "ipv6", address: "2001:db8::1", port: 5684 } as const;
const client = new ScriptedClient({ protocol: "dtls1.3", mlkemShare: true, mtu: 1200 });

let now = Date.now();
let out: Outcome = { kind: "need-more-data" };
const first = new DatagramListener({ keyring });
for (const datagram of client.firstFlight()) {
  out = first.receive(datagram, peer, now);
  console.log(`CH1 datagram of ${datagram.length} bytes ->`, out.kind);
}
if (out.kind !== "send") throw new Error("expected a HelloRetryRequest");
console.log(`${out.message}: ${out.bytes.length} bytes to ${formatPeer(peer)}`);
const reply = client.handleReply(out.bytes);
if (reply.kind !== "hello-retry-request") throw new Error(`client rejected the HRR: ${JSON.stringify(reply)}`);

now += 80;
const second = new DatagramListener({ keyring });
for (const datagram of client.secondFlight()) out = second.receive(datagram, peer, now);
if (out.kind !== "accepted") throw new Error(`expected accepted, got ${out.kind}`);
console.log(
  `accepted ${out.protocol} from ${formatPeer(out.peer)}: group ${groupName(out.retry!.group)},`,
  `server's first record sequence ${out.sequencing!.recordSequence}, message_seq ${out.sequencing!.nextServerMessageSeq}`,
);
