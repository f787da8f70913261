// Amplification: reply bytes / request bytes for every fixture (real captures and scripted ones),
// through the listener a server would use. Prints one JSON line with the per-fixture table.
import { readdirSync } from "node:fs";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import { QuicListener } from "../core/quic/listener.ts";
import { fixture, NOW, PEER } from "./cases.ts";

const keyring = CookieKeyring.random();
const rows: { fixture: string; requestBytes: number; replyBytes: number; ratio: number; reply: string }[] = [];
const files = [
  ...readdirSync(new URL("../tests/fixtures/", import.meta.url)).filter((f) => f.endsWith(".hex") && !f.startsWith("rfc")).map((f) => `tests/fixtures/${f}`),
  ...readdirSync(new URL("./fixtures/", import.meta.url)).filter((f) => f.endsWith(".hex")).map((f) => `bench/fixtures/${f}`),
];
for (const f of files.sort()) {
  const units = fixture(f);
  const quic = f.includes("/quic-");
  const dtls = !quic && units[0][1] === 0xfe;
  let request = 0, reply = 0, what = "none";
  if (quic) {
    // Client Initial datagrams (one per line): the QUIC front door's Retry (RFC 9000 §8.1).
    const l = new QuicListener({ keyring });
    for (const d of units) {
      request += d.length;
      const o = l.receive(d, PEER, NOW);
      if (o.kind === "send") {
        reply += o.bytes.length;
        what = o.message;
      }
    }
  } else if (dtls) {
    const l = new DatagramListener({ keyring, versions: ["dtls1.0", "dtls1.2", "dtls1.3"] });
    for (const d of units) {
      request += d.length;
      const o = l.receive(d, PEER, NOW);
      if (o.kind === "send") {
        reply += o.bytes.length;
        what = o.message;
      }
    }
  } else {
    for (const groups of [undefined, [0x0017]]) {
      const l = new StreamListener({ keyring, framing: "tls-records", peer: PEER, groups });
      const o = l.receive(units[0], NOW);
      request = units[0].length;
      if (o.kind === "send" && o.bytes.length > reply) {
        reply = o.bytes.length;
        what = o.message + (groups ? " (key_share requested)" : "");
      }
    }
  }
  rows.push({ fixture: f, requestBytes: request, replyBytes: reply, ratio: Number((reply / request).toFixed(3)), reply: what });
}
console.log(JSON.stringify({ maxAmplification: Math.max(...rows.map((r) => r.ratio)), fixtures: rows }));
