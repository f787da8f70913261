// Interop: a fourth independent DTLS 1.2 stack, wolfSSL 5.5 (apt packages libwolfssl-dev and
// gcc): tests/interop/dtls12_wolfssl_client.c is compiled at test time (cached by source hash)
// and completes handshakes with listenDtls + Dtls12Server, getting its message echoed, with
// AES-128-GCM and with ChaCha20-Poly1305.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeCertificate, removeCertificate } from "./tls13_support.ts";
import { compileCClient, startDtlsEchoServer } from "./dtls12_support.ts";
import { spawnClient } from "./harness.ts";

const wolfsslClient = () => compileCClient("dtls12_wolfssl_client.c", "/usr/include/wolfssl/ssl.h", ["-lwolfssl"], "libwolfssl-dev");

for (const [cipher, suite, name] of [
  [undefined, 0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256"],
  ["ECDHE-ECDSA-CHACHA20-POLY1305", 0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305"],
] as const) {
  test(`wolfSSL DTLS 1.2 client: ${name}: handshake + echo`, async () => {
    const cert = makeCertificate("p256");
    const server = await startDtlsEchoServer(cert);
    try {
      const c = spawnClient(wolfsslClient(), ["127.0.0.1", String(server.port), `hello-wolfssl-${suite}`, ...(cipher ? [cipher] : [])], 15_000);
      await c.done;
      assert.equal(c.exitCode, 0, `wolfSSL client failed:\n${c.stdout}\n${c.stderr}`);
      assert.match(c.stdout, new RegExp(`^handshake DTLSv1\\.2 ${name}$`, "m"));
      assert.match(c.stdout, new RegExp(`^echo hello-wolfssl-${suite}$`, "m"));
      assert.equal(server.handshakes[0].cipherSuite, suite);
    } finally {
      await server.close();
      removeCertificate(cert);
    }
  });
}
