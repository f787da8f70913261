// The hellogate DTLS 1.2 server the DTLS handshake benchmark measures (run under Deno or Bun):
//   dtls12_serve.ts PROVIDER CERT.pem KEY.pem      PROVIDER: portable | native | default
// Runs the `serve --udp` echo server (cli/serve_udp.ts) on 127.0.0.1:0 with the runtime's
// native UDP socket, prints {"event":"listening","port":N,"provider":NAME} and, on stdin EOF,
// {"event":"done","handshakes":N} and exits. Per-handshake events are counted, not printed.
import process from "node:process";
import { serveUdp } from "../cli/serve_udp.ts";
import { portableProvider } from "../core/crypto/portable.ts";
import { defaultCryptoProvider, nativeProvider } from "../transports/native_crypto.ts";

const [providerName = "default", cert, key] = process.argv.slice(2);
if (!cert || !key || !["portable", "native", "default"].includes(providerName)) {
  console.error("usage: dtls12_serve.ts portable|native|default CERT.pem KEY.pem");
  process.exit(2);
}
const provider = providerName === "portable"
  ? portableProvider
  : providerName === "native"
  ? nativeProvider
  : defaultCryptoProvider();
const ac = new AbortController();
let handshakes = 0;
process.stdin.on("data", () => {});
process.stdin.on("end", () => ac.abort());
await serveUdp({
  udp: "127.0.0.1:0",
  cert,
  key,
  json: true,
  provider,
  signal: ac.signal,
  write: (line) => {
    const e = JSON.parse(line);
    if (e.event === "handshake") handshakes++;
    else if (e.event === "listening") {
      console.log(JSON.stringify({ event: "listening", port: Number(e.udp.split(":").pop()), provider: provider.name }));
    }
  },
});
console.log(JSON.stringify({ event: "done", handshakes }));
process.exit(0);
