// Interop: `openssl s_client -dtls1_2` (apt package openssl) completes DTLS 1.2 handshakes with
// hellogate's listenDtls + Dtls12Server and gets its line echoed: plain, every ECDHE_ECDSA AEAD
// suite, fragmented at MTU 256, with a client certificate (fingerprint checked against
// `openssl x509 -fingerprint`), with use_srtp (SRTP keys checked against s_client's exporter
// output), and through a lossy relay that drops, duplicates, reorders, forges and replays.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { requireTool } from "./harness.ts";
import { makeCertificate, removeCertificate } from "./tls13_support.ts";
import { recordTypes, runUntilEcho, startDtlsEchoServer, startLossyRelay } from "./dtls12_support.ts";
import { nativeProvider } from "../../transports/native_crypto.ts";

const openssl = () => requireTool("openssl");
const s_client = (port: number, ...flags: string[]) => ["s_client", "-dtls1_2", ...flags, "-connect", `127.0.0.1:${port}`];

for (
  const [name, flags, suite, group, groups] of [
    ["plain (x25519, AES-128-GCM)", [], 0xc02b, 0x1d, undefined],
    // The client must also list P-256, the curve of our certificate's key.
    ["AES-256-GCM-SHA384 over P-384", ["-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384", "-curves", "P-384:P-256"], 0xc02c, 0x18, [0x18]],
    ["ChaCha20-Poly1305 over P-256", ["-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305", "-curves", "P-256"], 0xcca9, 0x17, undefined],
  ] as const
) {
  test(`openssl s_client -dtls1_2: ${name}: handshake + echo`, async () => {
    const cert = makeCertificate("p256");
    const server = await startDtlsEchoServer(cert, groups ? { groups } : {});
    try {
      const c = await runUntilEcho(openssl(), s_client(server.port, ...flags), `hello-${suite.toString(16)}`);
      await c.kill();
      assert.equal(server.handshakes.length, 1);
      const h = server.handshakes[0];
      assert.equal(h.protocol, "dtls1.2");
      assert.equal(h.cipherSuite, suite);
      assert.equal(h.group, group);
      assert.equal(h.signatureScheme, 0x0403);
      assert.match(c.stdout, /Extended master secret: yes/);
      assert.equal(server.echoed, 1);
    } finally {
      await server.close();
      removeCertificate(cert);
    }
  });
}

test("openssl s_client -dtls1_2 with an RSA certificate (native provider): ECDHE_RSA suite, RSA-PSS signature, echo", async () => {
  const cert = makeCertificate("rsa2048");
  const server = await startDtlsEchoServer(cert, { provider: nativeProvider });
  try {
    const c = await runUntilEcho(openssl(), s_client(server.port), "hello-rsa");
    await c.kill();
    assert.match(c.stdout, /Cipher is ECDHE-RSA-AES128-GCM-SHA256/);
    assert.match(c.stdout, /Peer signature type: RSA-PSS/);
    assert.equal(server.handshakes[0].cipherSuite, 0xc02f);
    assert.equal(server.handshakes[0].signatureScheme, 0x0804);
  } finally {
    await server.close();
    removeCertificate(cert);
  }
});

test("openssl s_client -dtls1_2 over IPv6 loopback ([::1]): handshake + echo, peer reported as ipv6", async () => {
  const cert = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert, {}, "::1");
  try {
    const c = await runUntilEcho(openssl(), ["s_client", "-dtls1_2", "-connect", `[::1]:${server.port}`], "hello-ipv6");
    await c.kill();
    assert.equal(server.handshakes[0].peer.family, "ipv6");
    assert.equal(server.handshakes[0].peer.address, "::1");
  } finally {
    await server.close();
    removeCertificate(cert);
  }
});

test("openssl s_client -dtls1_2 -mtu 256: fragmented both ways, every datagram within 256 bytes", async () => {
  const cert = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert, { mtu: 256 });
  const relay = await startLossyRelay(server.port, () => "pass");
  try {
    const c = await runUntilEcho(openssl(), s_client(relay.port, "-mtu", "256"), "hello-fragmented");
    await c.kill();
    assert.equal(server.handshakes.length, 1);
    const s2c = relay.log.filter((d) => d.dir === "s2c");
    for (const d of relay.log) assert.ok(d.bytes.length <= 256, `${d.dir} datagram of ${d.bytes.length} bytes`);
    const flight4 = s2c.filter((d) => recordTypes(d.bytes).some((r) => r.type === 22 && r.epoch === 0 && r.firstByte !== 3));
    assert.ok(flight4.length >= 3, `flight 4 in ${flight4.length} datagrams`);
  } finally {
    await relay.close();
    await server.close();
    removeCertificate(cert);
  }
});

test("openssl s_client with a client certificate: required, verified, fingerprint matches openssl x509", async () => {
  const cert = makeCertificate("p256"), mine = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert, { clientAuth: "require" });
  try {
    const c = await runUntilEcho(openssl(), s_client(server.port, "-cert", mine.certPem, "-key", mine.keyPem), "hello-client-cert");
    await c.kill();
    const fp = execFileSync(openssl(), ["x509", "-in", mine.certPem, "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" });
    const expected = fp.trim().split("=")[1].toLowerCase();
    assert.equal(server.handshakes[0].peerCertificateFingerprint, expected);
    assert.equal(server.handshakes[0].peerCertificates?.length, 1);
  } finally {
    await server.close();
    removeCertificate(cert);
    removeCertificate(mine);
  }
});

test("openssl s_client without a certificate when one is required: refused with handshake_failure", async () => {
  const cert = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert, { clientAuth: "require" });
  try {
    await assert.rejects(runUntilEcho(openssl(), s_client(server.port), "never-echoed", 6_000));
    assert.equal(server.handshakes.length, 0);
    assert.equal(server.closes[0]?.reason, "certificate-required");
    assert.equal(server.closes[0]?.alert?.name, "handshake_failure");
  } finally {
    await server.close();
    removeCertificate(cert);
  }
});

test("openssl s_client -use_srtp SRTP_AES128_CM_SHA1_80: profile negotiated, SRTP keys equal s_client's exporter", async () => {
  const cert = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert);
  try {
    const c = await runUntilEcho(
      openssl(),
      s_client(server.port, "-use_srtp", "SRTP_AES128_CM_SHA1_80", "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60"),
      "hello-srtp",
    );
    await c.kill();
    assert.match(c.stdout, /SRTP Extension negotiated, profile=SRTP_AES128_CM_SHA1_80/);
    assert.equal(server.handshakes[0].srtpProfile, 0x0001);
    const printed = c.stdout.match(/Keying material: ([0-9A-F]+)/)?.[1];
    assert.ok(printed, "s_client printed keying material");
    const ours = Array.from(server.srtpKeys[0], (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
    assert.equal(ours, printed);
  } finally {
    await server.close();
    removeCertificate(cert);
  }
});

test("openssl s_client -use_srtp SRTP_AEAD_AES_128_GCM: AEAD profile negotiated, 56 bytes of SRTP keys equal s_client's", async () => {
  const cert = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert);
  try {
    const c = await runUntilEcho(
      openssl(),
      s_client(server.port, "-use_srtp", "SRTP_AEAD_AES_128_GCM", "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "56"),
      "hello-srtp-gcm",
    );
    await c.kill();
    assert.match(c.stdout, /SRTP Extension negotiated, profile=SRTP_AEAD_AES_128_GCM/);
    assert.equal(server.handshakes[0].srtpProfile, 0x0007);
    const printed = c.stdout.match(/Keying material: ([0-9A-F]+)/)?.[1];
    const ours = Array.from(server.srtpKeys[0].subarray(0, 56), (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
    assert.equal(ours, printed);
  } finally {
    await server.close();
    removeCertificate(cert);
  }
});

test("openssl s_client -alpn: the server's preferred protocol among the client's is selected; none in common -> no_application_protocol", async () => {
  const cert = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert, { alpnProtocols: ["webrtc", "coap"] });
  try {
    const c = await runUntilEcho(openssl(), s_client(server.port, "-alpn", "coap,webrtc"), "hello-alpn");
    await c.kill();
    assert.match(c.stdout, /ALPN protocol: webrtc/);
    assert.equal(server.handshakes[0].alpn, "webrtc");
    await assert.rejects(runUntilEcho(openssl(), s_client(server.port, "-alpn", "h2"), "never-echoed", 6_000), /no application protocol/);
    assert.equal(server.closes.at(-1)?.reason, "no-application-protocol");
  } finally {
    await server.close();
    removeCertificate(cert);
  }
});

test("lossy relay: flight 4 dropped/reordered/duplicated, flight 6 dropped, a forged and a replayed record: handshake completes, one echo", async () => {
  const cert = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert, { mtu: 400 });
  let flight4 = 0, flight6 = 0, appData = 0;
  const relay = await startLossyRelay(server.port, (dir, bytes) => {
    const recs = recordTypes(bytes);
    if (dir === "s2c") {
      if (recs[0]?.type === 22 && recs[0].epoch === 0 && recs[0].firstByte !== 3) {
        const n = flight4++;
        return n === 0 ? "drop" : n === 1 ? "hold" : n === 3 ? "duplicate" : "pass";
      }
      if (recs.some((r) => r.type === 20)) return flight6++ === 0 ? "drop" : "pass";
      return "pass";
    }
    if (recs[0]?.type === 23 && recs[0].epoch === 1) return appData++ === 0 ? "forge-and-replay" : "pass";
    return "pass";
  });
  try {
    const c = await runUntilEcho(openssl(), s_client(relay.port), "hello-through-loss", 15_000);
    // Give a replayed or forged record time to (wrongly) produce a second echo.
    await new Promise((r) => setTimeout(r, 300));
    await c.kill();
    assert.equal(server.handshakes.length, 1);
    assert.ok(flight4 >= 4, `flight 4 was sent again (${flight4} datagrams)`);
    assert.ok(flight6 >= 2, `flight 6 was resent after the client repeated flight 5 (${flight6})`);
    assert.equal(server.echoed, 1, "the forged copy and the replay were dropped");
    const echoes = relay.log.filter((d) => d.dir === "s2c" && recordTypes(d.bytes)[0]?.type === 23);
    assert.equal(echoes.length, 1);
    assert.equal(server.closes.filter((x) => x.established === false).length, 0, "no failed connection");
  } finally {
    await relay.close();
    await server.close();
    removeCertificate(cert);
  }
});
