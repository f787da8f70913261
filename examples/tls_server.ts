// A TLS 1.3 server: the stateless gate retries (HelloRetryRequest with a cookie) only while
// busy, then the TLS 1.3 engine finishes the handshake; each connection is an echo with
// plaintext WHATWG streams. The example connects a node:tls client to itself, prints what was
// negotiated and the echo, and exits.
// Run: deno run -A examples/tls_server.ts   (or: bun examples/tls_server.ts)
import tls from "node:tls";
import { CookieKeyring } from "../mod.ts";
import { generateSelfSignedCertificate } from "../core/pki/self_signed.ts";
import { defaultCryptoProvider, describeSummary, listenTls, retryWhenBusy } from "../transports/mod.ts";

const provider = defaultCryptoProvider(); // node:crypto where the runtime has it fast, else @noble/*
const certificate = generateSelfSignedCertificate(provider, { now: Date.now() }); // ECDSA P-256, CN/SAN localhost
const server = await listenTls({
  hostname: "127.0.0.1",
  port: 0,
  adapter: "auto",
  keyring: CookieKeyring.random(),
  provider,
  certificates: [certificate],
  alpn: ["echo/1"],
  // Stateless retry only when 0 or more handshakes are in progress, i.e. always, for the demo;
  // a real server would use a threshold such as retryWhenBusy(64).
  retry: retryWhenBusy(0),
  handshakeTimeoutMs: 5_000,
});
console.log(`listening on 127.0.0.1:${server.addr.port}`);

const served = (async () => {
  const conn = await server.accept();
  if (!conn) return;
  for (const [k, v] of describeSummary(conn.summary)) console.log(`server: ${k}: ${v}`);
  await conn.readable.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform: (chunk, c) => c.enqueue(new TextEncoder().encode(`echo: ${new TextDecoder().decode(chunk)}`)),
  })).pipeTo(conn.writable);
})();

const reply = await new Promise<string>((resolve, reject) => {
  const s = tls.connect({ host: "127.0.0.1", port: server.addr.port, servername: "localhost", ALPNProtocols: ["echo/1"], rejectUnauthorized: false });
  s.on("secureConnect", () => s.write("hello over TLS 1.3\n"));
  s.on("data", (d) => {
    s.end();
    resolve(String(d));
  });
  s.on("error", reject);
});
console.log(`client got: ${reply.trim()}`);
await served;
await server.close();
