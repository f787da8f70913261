// core/pki: the self-signed end-entity certificate checked by OpenSSL itself (parse, extensions,
// self-signature), our X.509 reader against it, PEM round trips, and certificates + PKCS#8 keys
// made by `openssl req` loaded from PEM and served by the engine to the in-memory client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { portableProvider } from "../core/crypto/portable.ts";
import type { SigningKeyKind } from "../core/crypto/provider.ts";
import { decodePem, encodePem } from "../core/pki/pem.ts";
import { generateSelfSignedCertificate, ipAddressBytes } from "../core/pki/self_signed.ts";
import { parseCertificate } from "../core/pki/x509.ts";
import { loadServerCertificate } from "../core/pki/load.ts";
import { Tls13ServerEngine } from "../core/handshake/tls13/server.ts";
import { connectInMemory } from "../testing/tls13_client.ts";
import { requireTool } from "./interop/harness.ts";
import { NOW } from "./helpers/tls13_pair.ts";

function withDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "hellogate-pki-"));
  try {
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const kind of ["ecdsa-p256", "ecdsa-p384", "ed25519"] as SigningKeyKind[]) {
  test(`self-signed ${kind}: OpenSSL parses it as an end-entity certificate and verifies its self-signature`, () => {
    const openssl = requireTool("openssl");
    const cert = generateSelfSignedCertificate(portableProvider, { now: Date.now(), kind });
    withDir((dir) => {
      const file = join(dir, "cert.pem");
      writeFileSync(file, cert.certificatePem);
      const text = execFileSync(openssl, ["x509", "-in", file, "-noout", "-text"], { encoding: "utf8" });
      assert.match(text, /Version: 3/);
      assert.match(text, /CA:FALSE/);
      assert.match(text, /Basic Constraints: critical/);
      assert.match(text, /Key Usage: critical\s+Digital Signature/);
      assert.match(text, /TLS Web Server Authentication/);
      assert.match(text, /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/);
      const verify = execFileSync(openssl, ["verify", "-check_ss_sig", "-partial_chain", "-CAfile", file, file], { encoding: "utf8" });
      assert.match(verify, /: OK/);
    });
    const info = parseCertificate(cert.chain[0]);
    assert.deepEqual(info.dnsNames, ["localhost"]);
    assert.deepEqual(info.ipAddresses, [ipAddressBytes("127.0.0.1"), ipAddressBytes("::1")]);
    assert.equal(info.isCa, false);
    assert.deepEqual(info.spki, cert.key.publicKeySpki);
    assert.ok(info.notBefore <= Date.now() && Date.now() < info.notAfter);
  });
}

test("self-signed: names, addresses and validity are the caller's; time is injected", () => {
  const cert = generateSelfSignedCertificate(portableProvider, {
    now: NOW,
    dnsNames: ["a.test", "b.test"],
    ipAddresses: ["10.0.0.1", "2001:db8::5"],
    days: 2,
  });
  const info = parseCertificate(cert.chain[0]);
  assert.deepEqual(info.dnsNames, ["a.test", "b.test"]);
  assert.equal(info.ipAddresses[1].length, 16);
  assert.equal(info.ipAddresses[1][15], 5);
  assert.equal(info.notBefore, NOW - 3600_000);
  assert.equal(info.notAfter, NOW + 2 * 86400_000);
  assert.throws(() => ipAddressBytes("1.2.3"), TypeError);
  assert.throws(() => generateSelfSignedCertificate(portableProvider, {} as never), /now/);
});

test("PEM: decode ∘ encode is the identity; several blocks in order; bad input is a SyntaxError", () => {
  const der = Uint8Array.from({ length: 200 }, (_, i) => (i * 37) & 0xff);
  for (const n of [0, 1, 2, 3, 47, 48, 49, 200]) {
    const pem = encodePem("CERTIFICATE", der.subarray(0, n));
    assert.deepEqual(decodePem(pem), [{ label: "CERTIFICATE", der: der.subarray(0, n) }]);
  }
  const two = encodePem("CERTIFICATE", der.subarray(0, 5)) + "junk\n" + encodePem("PRIVATE KEY", der.subarray(5, 9));
  assert.deepEqual(decodePem(two).map((b) => b.label), ["CERTIFICATE", "PRIVATE KEY"]);
  assert.throws(() => decodePem("-----BEGIN X-----\n@@@@\n-----END X-----"), SyntaxError);
  assert.throws(() => decodePem("-----BEGIN X-----\nAAAA\n-----END Y-----"), SyntaxError);
  assert.throws(() => decodePem("-----BEGIN X-----\nAAAA\n"), SyntaxError);
});

for (const [name, args, scheme] of [
  ["EC P-256", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], 0x0403],
  ["EC P-384", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"], 0x0503],
  ["Ed25519", ["-newkey", "ed25519"], 0x0807],
] as [string, string[], number][]) {
  test(`openssl req ${name} certificate + PKCS#8 key from PEM: the engine serves it and the client verifies CertificateVerify`, () => {
    const openssl = requireTool("openssl");
    const { certPem, keyPem } = withDir((dir) => {
      const c = join(dir, "c.pem"), k = join(dir, "k.pem");
      execFileSync(openssl, ["req", "-x509", ...args, "-nodes", "-keyout", k, "-out", c, "-days", "1", "-subj", "/CN=localhost"], {
        stdio: "pipe",
      });
      return { certPem: readFileSync(c, "utf8"), keyPem: readFileSync(k, "utf8") };
    });
    const certificate = loadServerCertificate(portableProvider, certPem, keyPem);
    const server = new Tls13ServerEngine({ provider: portableProvider, certificates: [certificate] });
    const { client, serverSummary } = connectInMemory(server, {});
    assert.deepEqual(client.events.filter((e) => e.kind === "error"), []);
    assert.equal(serverSummary?.signatureScheme, scheme);
    assert.deepEqual(client.serverCertificates, [decodePem(certPem)[0].der]);
  });
}

test("loadServerCertificate: a SEC1 'EC PRIVATE KEY' is refused with a hint, a missing certificate too", () => {
  const fake = encodePem("EC PRIVATE KEY", new Uint8Array(10));
  const cert = generateSelfSignedCertificate(portableProvider, { now: NOW });
  assert.throws(() => loadServerCertificate(portableProvider, cert.certificatePem, fake), /pkcs8 -topk8/);
  assert.throws(() => loadServerCertificate(portableProvider, "nothing", fake), /no CERTIFICATE/);
});

test("RSA through the native provider: a self-signed RSA certificate, CertificateVerify with rsa_pss_rsae_sha256, never PKCS#1", async () => {
  const { nativeProvider } = await import("../transports/native_crypto.ts");
  const cert = generateSelfSignedCertificate(nativeProvider, { now: NOW, kind: "rsa" });
  const server = new Tls13ServerEngine({ provider: nativeProvider, certificates: [cert] });
  const { client, serverSummary } = connectInMemory(server, { provider: nativeProvider });
  assert.deepEqual(client.events.filter((e) => e.kind === "error"), []);
  assert.equal(serverSummary?.signatureScheme, 0x0804);
  // A client offering only rsa_pkcs1_sha256 gets handshake_failure: PKCS#1 v1.5 is not for TLS 1.3 handshakes.
  const s2 = new Tls13ServerEngine({ provider: nativeProvider, certificates: [cert] });
  const p2 = connectInMemory(s2, { provider: nativeProvider, signatureAlgorithms: [0x0401] });
  const closed = p2.serverActions.find((a) => a.kind === "closed");
  assert.equal(closed?.kind === "closed" && closed.reason, "handshake-failure");
});
