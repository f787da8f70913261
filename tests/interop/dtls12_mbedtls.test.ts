// Interop: a third independent DTLS 1.2 stack, mbedTLS 2.28 (apt packages libmbedtls-dev and
// gcc): tests/interop/dtls12_mbedtls_client.c is compiled at test time into the temp directory
// (cached by source hash), then completes a handshake with listenDtls + Dtls12Server and gets
// its message echoed, directly and through a relay that drops our first flight 4 and flight 6.
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeCertificate, removeCertificate } from "./tls13_support.ts";
import { compileCClient, recordTypes, startDtlsEchoServer, startLossyRelay } from "./dtls12_support.ts";
import { spawnClient } from "./harness.ts";
import { listenDtls } from "../../transports/dtls_server.ts";
import { autoUdpAdapter } from "../../transports/udp.ts";
import { portableProvider } from "../../core/crypto/portable.ts";

const mbedtlsClient = () =>
  compileCClient("dtls12_mbedtls_client.c", "/usr/include/mbedtls/ssl.h", ["-lmbedtls", "-lmbedx509", "-lmbedcrypto"], "libmbedtls-dev");

async function runMbedtls(port: number, message: string) {
  const c = spawnClient(mbedtlsClient(), ["127.0.0.1", String(port), message], 15_000);
  await c.done;
  return c;
}

test("mbedTLS DTLS 1.2 client: handshake + echo", async () => {
  const cert = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert);
  try {
    const c = await runMbedtls(server.port, "hello-mbedtls");
    assert.equal(c.exitCode, 0, `mbedTLS client failed:\n${c.stdout}\n${c.stderr}`);
    assert.match(c.stdout, /^handshake DTLSv1\.2 TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256$/m);
    assert.match(c.stdout, /^echo hello-mbedtls$/m);
    assert.equal(server.handshakes.length, 1);
    assert.equal(server.handshakes[0].cipherSuite, 0xc02b);
  } finally {
    await server.close();
    removeCertificate(cert);
  }
});

test("mbedTLS DTLS 1.2 client through a relay that drops our first flight 4 and first flight 6", async () => {
  const cert = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert);
  let flight4 = 0, flight6 = 0;
  const relay = await startLossyRelay(server.port, (dir, bytes) => {
    if (dir !== "s2c") return "pass";
    const recs = recordTypes(bytes);
    if (recs[0]?.type === 22 && recs[0].epoch === 0 && recs[0].firstByte !== 3) return flight4++ === 0 ? "drop" : "pass";
    if (recs.some((r) => r.type === 20)) return flight6++ === 0 ? "drop" : "pass";
    return "pass";
  });
  try {
    const c = await runMbedtls(relay.port, "hello-mbedtls-lossy");
    assert.equal(c.exitCode, 0, `mbedTLS client failed:\n${c.stdout}\n${c.stderr}`);
    assert.match(c.stdout, /^echo hello-mbedtls-lossy$/m);
    assert.ok(flight4 >= 2 && flight6 >= 2, `flights resent (flight 4: ${flight4}, flight 6: ${flight6})`);
  } finally {
    await relay.close();
    await server.close();
    removeCertificate(cert);
  }
});

test("mbedTLS: 10 sequential handshakes (cookie exchange each) over the runtime's native UDP adapter, none waiting on a retransmission timer", async () => {
  // Regression: batching Bun's sends from every context once left handshake flights queued until
  // some other event woke the loop; each handshake then waited on mbedTLS's 1 s resend timer.
  const cert = makeCertificate("p256");
  const listener = await listenDtls({
    hostname: "127.0.0.1",
    port: 0,
    adapter: "auto",
    dtls: { certificateChain: [cert.certDer], signingKey: portableProvider.importSigningKey(cert.keyPkcs8) },
  });
  try {
    const c = spawnClient(mbedtlsClient(), ["127.0.0.1", String(listener.addr.port), "-", "10", "20"], 30_000);
    await c.done;
    assert.equal(c.exitCode, 0, `mbedTLS client failed:\n${c.stdout}\n${c.stderr}`);
    const r = JSON.parse(c.stdout.trim().split("\n").pop()!) as { completed: number; failed: number; seconds: number };
    assert.equal(r.completed, 10, c.stdout);
    assert.equal(r.failed, 0);
    // ~10-50 ms each normally; a flight held until mbedTLS resends would cost >= 1 s each.
    assert.ok(r.seconds < 5, `10 handshakes took ${r.seconds} s on ${listener.adapter} (${autoUdpAdapter()})`);
  } finally {
    await listener.close();
    removeCertificate(cert);
  }
});
