// The hellogate TLS 1.3 server the handshake benchmark measures (run under Deno or Bun):
//   handshake_server.ts PROVIDER RETRY CERT.pem KEY.pem [ADAPTER]
// PROVIDER: portable | native | default; RETRY: always | never. Listens on 127.0.0.1:0 with
// listenTls (ADAPTER: auto = the runtime's native sockets (default), node = node:net), group x25519 only (as `openssl s_server -groups X25519`),
// prints {"event":"listening","port":N}, serves each connection by draining it and closing, and
// on stdin EOF prints {"event":"done","completed":N,"failed":N} and exits.
import { readFileSync } from "node:fs";
import process from "node:process";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { portableProvider } from "../core/crypto/portable.ts";
import type { CryptoProvider } from "../core/crypto/provider.ts";
import { loadServerCertificate } from "../core/pki/load.ts";
import { defaultCryptoProvider, nativeProvider } from "../transports/native_crypto.ts";
import { listenTls } from "../transports/tls_server.ts";

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
const tls = await listenTls({
  hostname: "127.0.0.1",
  port: 0,
  adapter: adapterArg as "auto" | "node" | "deno" | "bun",
  keyring: CookieKeyring.random(),
  provider,
  certificates: [certificate],
  groups: [0x001d],
  retry,
  maxPendingHandshakes: 4096,
});
console.log(JSON.stringify({ event: "listening", port: tls.addr.port, provider: provider.name, adapter: tls.tcp.adapter }));

void (async () => {
  for await (const conn of tls) {
    void conn.readable.pipeTo(new WritableStream()).catch(() => {}).finally(() => conn.close());
  }
})();

process.stdin.on("data", () => {});
process.stdin.on("end", () => {
  console.log(JSON.stringify({ event: "done", completed: tls.handshakesCompleted, failed: tls.handshakesFailed }));
  void tls.close().finally(() => process.exit(0));
});
