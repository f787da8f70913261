// The hellogate TLS 1.3 server the handshake benchmark measures (run under Deno or Bun):
//   handshake_server.ts PROVIDER RETRY CERT.pem KEY.pem [ADAPTER]
// PROVIDER: portable | native | default; RETRY: always | never. Listens on 127.0.0.1:0 with
// listenTls (ADAPTER: auto = the runtime's native sockets (default), node = node:net), group x25519 only (as `openssl s_server -groups X25519`),
// prints {"event":"listening","port":N}, serves each connection by draining it and closing. A
// line "mark" on stdin prints {"event":"mark","completed":N,"engineCpuMs":X} (X: process CPU
// spent inside the TLS 1.3 engine so far: its construction from the gate's accepted outcome and
// its receive() calls, where all its work happens); stdin EOF prints
// {"event":"done","completed":N,"failed":N} and exits.
import { readFileSync } from "node:fs";
import process from "node:process";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { portableProvider } from "../core/crypto/portable.ts";
import type { CryptoProvider } from "../core/crypto/provider.ts";
import { loadServerCertificate } from "../core/pki/load.ts";
import { defaultCryptoProvider, nativeProvider } from "../transports/native_crypto.ts";
import { listenTls } from "../transports/tls_server.ts";
import { Tls13ServerEngine } from "../core/handshake/tls13/mod.ts";

const [providerName = "portable", retry = "always", certPath, keyPath, adapterArg = "auto"] = process.argv.slice(2);
if (!certPath || !keyPath || (retry !== "always" && retry !== "never")) {
  console.error("usage: handshake_server.ts portable|native|default always|never CERT.pem KEY.pem");
  process.exit(2);
}
const provider: CryptoProvider = providerName === "native"
  ? nativeProvider
  : providerName === "default"
  ? defaultCryptoProvider()
  : portableProvider;
const certificate = loadServerCertificate(provider, readFileSync(certPath, "utf8"), readFileSync(keyPath, "utf8"));
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
let engineCpuMs = 0;
const tls = await listenTls({
  hostname: "127.0.0.1",
  port: 0,
  adapter: adapterArg as "auto" | "node" | "deno" | "bun",
  keyring: CookieKeyring.random(),
  groups: [0x001d],
  retry,
  // The default engine, with its CPU time accounted (4 cpuUsage() calls per handshake, ~5 µs each).
  engine: (accepted) => {
    const t0 = cpuMs();
    const engine = new Tls13ServerEngine({ provider, certificates: [certificate], groups: [0x001d] }, accepted);
    engineCpuMs += cpuMs() - t0;
    const receive = engine.receive.bind(engine);
    engine.receive = (bytes, now) => {
      const t = cpuMs();
      receive(bytes, now);
      engineCpuMs += cpuMs() - t;
    };
    return engine;
  },
  maxPendingHandshakes: 4096,
});
console.log(JSON.stringify({ event: "listening", port: tls.addr.port, provider: provider.name, adapter: tls.tcp.adapter }));

void (async () => {
  for await (const conn of tls) {
    void conn.readable.pipeTo(new WritableStream()).catch(() => {}).finally(() => conn.close());
  }
})();

let input = "";
process.stdin.on("data", (d: Uint8Array) => {
  input += new TextDecoder().decode(d);
  for (let i = input.indexOf("\n"); i >= 0; i = input.indexOf("\n")) {
    const line = input.slice(0, i).trim();
    input = input.slice(i + 1);
    if (line === "mark") {
      console.log(JSON.stringify({ event: "mark", completed: tls.handshakesCompleted, engineCpuMs: Number(engineCpuMs.toFixed(3)) }));
    }
  }
});
process.stdin.on("end", () => {
  console.log(JSON.stringify({ event: "done", completed: tls.handshakesCompleted, failed: tls.handshakesFailed }));
  void tls.close().finally(() => process.exit(0));
});
