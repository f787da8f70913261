/**
 * A fleet behind a load balancer: two servers derive the same cookie keys from one master secret
 * (key of epoch e = HKDF(master, label || e)), so a cookie issued by one verifies on the other,
 * with no coordination. Run: `deno run examples/fleet_keyring.ts` or `bun examples/fleet_keyring.ts`.
 *
 * @module
 */
import { CookieKeyring, DatagramListener } from "../mod.ts";
import { ScriptedClient } from "../testing/mod.ts";

const master = crypto.getRandomValues(new Uint8Array(32)); // in production: from your secret store
const serverA = new DatagramListener({ keyring: CookieKeyring.derived(master, { rotateEverySeconds: 300 }) });
const serverB = new DatagramListener({ keyring: CookieKeyring.derived(master, { rotateEverySeconds: 300 }) });
const peer = { family: "ipv4", address: "198.51.100.20", port: 40000 } as const;

const client = new ScriptedClient({ protocol: "dtls1.2" });
const now = Date.now();
const hvr = serverA.receive(client.firstFlight()[0], peer, now);
if (hvr.kind !== "send") throw new Error("expected an HVR");
client.handleReply(hvr.bytes);
const accepted = serverB.receive(client.secondFlight()[0], peer, now + 50);
console.log("HVR from server A, CH2 on server B:", accepted.kind);
