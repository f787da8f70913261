// Opt-in client authentication (RFC 8446 §4.3.2, §4.4.2, §4.4.3): CertificateRequest in the
// server flight, the client's Certificate and CertificateVerify checked, the summary carrying the
// chain and its SHA-256 fingerprint; certificate_required, bad_certificate and decrypt_error.
import { test } from "node:test";
import assert from "node:assert/strict";
import { portableProvider } from "../core/crypto/portable.ts";
import { generateSelfSignedCertificate } from "../core/pki/self_signed.ts";
import type { EngineAction } from "../core/handshake/actions.ts";
import { connectInMemory, pump } from "../testing/tls13_client.ts";
import { certificateFor, engine, NOW, str, text } from "./helpers/tls13_pair.ts";

const clientCert = generateSelfSignedCertificate(portableProvider, { now: NOW, kind: "ed25519", dnsNames: ["client.test"] });
const fingerprint = (der: Uint8Array) =>
  Array.from(portableProvider.hash("sha256", der), (b) => b.toString(16).padStart(2, "0")).join(":");

function closedOf(actions: EngineAction[]) {
  return actions.find((a): a is Extract<EngineAction, { kind: "closed" }> => a.kind === "closed");
}

test("require + a client certificate: the summary names it and its fingerprint; data flows", () => {
  const server = engine({ clientAuth: { mode: "require" } });
  const { client, serverSummary } = connectInMemory(server, { clientCertificate: clientCert });
  assert.deepEqual(client.events.filter((e) => e.kind === "error"), []);
  assert.equal(client.state, "connected");
  assert.deepEqual(serverSummary?.peerCertificates, clientCert.chain);
  assert.equal(serverSummary?.peerCertificateFingerprint, fingerprint(clientCert.chain[0]));
  client.write(text("authenticated"));
  const acts: EngineAction[] = [];
  pump(client, server, acts);
  const got = acts.find((a) => a.kind === "application-data");
  assert.equal(got && str(got.data), "authenticated");
});

test("every client key kind signs its CertificateVerify (P-256, P-384, Ed25519)", () => {
  for (const kind of ["ecdsa-p256", "ecdsa-p384", "ed25519"] as const) {
    const c = certificateFor(kind);
    const server = engine({ clientAuth: { mode: "require" } });
    const { serverSummary } = connectInMemory(server, { clientCertificate: c });
    assert.equal(serverSummary?.peerCertificateFingerprint, fingerprint(c.chain[0]), kind);
  }
});

test("request without a certificate: the handshake completes with no peer certificate; require → certificate_required (116)", () => {
  const s1 = engine({ clientAuth: { mode: "request" } });
  const p1 = connectInMemory(s1, {});
  assert.equal(p1.client.state, "connected");
  assert.equal(p1.serverSummary?.peerCertificates, undefined);

  const s2 = engine({ clientAuth: { mode: "require" } });
  const p2 = connectInMemory(s2, {});
  const c = closedOf(p2.serverActions);
  assert.equal(c?.reason, "certificate-required");
  assert.equal(c?.alert?.description, 116);
  assert.equal(p2.serverActions.some((a) => a.kind === "handshake-complete"), false);
});

test("a bad client signature → decrypt_error (51); a refused chain → bad_certificate (42)", () => {
  const s1 = engine({ clientAuth: { mode: "require" } });
  const p1 = connectInMemory(s1, { clientCertificate: clientCert, corruptClientSignature: true });
  assert.equal(closedOf(p1.serverActions)?.reason, "decrypt-error");
  assert.equal(closedOf(p1.serverActions)?.alert?.description, 51);

  let seen: readonly Uint8Array[] | undefined;
  const s2 = engine({ clientAuth: { mode: "require", verify: (chain) => (seen = chain, false) } });
  const p2 = connectInMemory(s2, { clientCertificate: clientCert });
  assert.equal(closedOf(p2.serverActions)?.reason, "bad-certificate");
  assert.equal(closedOf(p2.serverActions)?.alert?.description, 42);
  assert.deepEqual(seen, clientCert.chain);
});

test("a scheme we did not offer → illegal_parameter; client auth disables resumption and tickets", () => {
  const s1 = engine({ clientAuth: { mode: "require", signatureAlgorithms: [0x0403] } });
  const p1 = connectInMemory(s1, { clientCertificate: clientCert, forceClientScheme: 0x0807 }); // Ed25519, only P-256 offered
  assert.equal(closedOf(p1.serverActions)?.reason, "illegal-parameter");
  assert.equal(closedOf(p1.serverActions)?.alert?.description, 47);

  const s2 = engine({ clientAuth: { mode: "request" }, sessionTickets: { key: new Uint8Array(32).fill(1) } });
  const p2 = connectInMemory(s2, { clientCertificate: clientCert });
  assert.equal(p2.client.state, "connected");
  assert.equal(p2.client.tickets.length, 0);
});

test("QUIC mode: the client's Certificate, CertificateVerify and Finished at the handshake level", () => {
  const tp = Uint8Array.of(1, 2);
  const server = engine({ framing: "quic", quicTransportParameters: tp, clientAuth: { mode: "require" } });
  const { client, serverSummary } = connectInMemory(server, { framing: "quic", quicTransportParameters: tp, clientCertificate: clientCert });
  assert.equal(client.state, "connected");
  assert.equal(serverSummary?.peerCertificateFingerprint, fingerprint(clientCert.chain[0]));
});
