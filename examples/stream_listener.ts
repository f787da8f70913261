/**
 * A StreamListener fed by the scripted client: ClientHello1 → HelloRetryRequest, then the
 * client's change_cipher_spec + ClientHello2 go to a *brand-new* listener (nothing was kept)
 * which accepts them. Run: `deno run examples/stream_listener.ts` or `bun examples/stream_listener.ts`.
 *
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { CookieKeyring, StreamListener } from "../mod.ts";
import { ScriptedClient, seededRandom } from "../testing/mod.ts";

const keyring = CookieKeyring.random();
const peer = { family: "ipv4", address: "192.0.2.7", port: 50123 } as const;
const client = new ScriptedClient({ protocol: "tls1.3", keyShareGroups: [], random: seededRandom("example"), tlsChunkSizes: [7] });

// ClientHello1 arrives in 7-byte reads.
const first = new StreamListener({ keyring, framing: "tls-records", peer });
let out = first.receive(new Uint8Array(0), Date.now());
for (const chunk of client.firstFlight()) out = first.receive(chunk, Date.now());
console.log("after ClientHello1:", out.kind, out.kind === "send" ? `${out.message}, ${out.bytes.length} bytes` : "");
if (out.kind !== "send") throw new Error("expected a HelloRetryRequest");

const reply = client.handleReply(out.bytes);
console.log("client saw:", reply.kind, reply.kind === "hello-retry-request" ? `group 0x${reply.group?.toString(16)}` : "");

// The first listener is gone; a new one (same keyring, same peer) takes the rest of the stream.
const second = new StreamListener({ keyring, framing: "tls-records", peer });
for (const chunk of client.secondFlight()) out = second.receive(chunk, Date.now());
if (out.kind !== "accepted") throw new Error(`expected accepted, got ${out.kind}`);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
console.log("accepted:", out.protocol, "validated by", out.addressValidated, "suite", out.retry?.cipherSuite.toString(16));
// The continuation's transcript, Hash(message_hash || HRR || CH2), is what the client computed.
const mine = sha256(new Uint8Array([...out.retry!.transcriptPrefix, ...out.clientHelloMessage]));
console.log("transcript hash matches the client's:", hex(mine) === hex(client.transcriptHash()));
