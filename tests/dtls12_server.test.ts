// Dtls12Server in memory: the datagram gate answers CH1 with an HVR, accepts CH2, and the engine
// finishes the handshake with the in-memory Dtls12TestClient (real ECDHE, signatures, PRF,
// AEAD). Fake time drives the retransmission timer. Interop with real clients is in
// tests/interop/dtls12_*.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import { type Dtls12ServerOptions, Dtls12Server } from "../core/handshake/dtls12/server.ts";
import type { EngineAction } from "../core/handshake/actions.ts";
import { Dtls12TestClient, type Dtls12TestClientOptions } from "../testing/dtls12_client.ts";
import { portableProvider } from "../core/crypto/portable.ts";
import { makeTestCertificate } from "./helpers/dtls12_certificate.ts";

const PEER = { family: "ipv4" as const, address: "192.0.2.7", port: 5000 };
const T0 = 1_700_000_000_000;
const CREDS = makeTestCertificate();

interface Setup {
  client: Dtls12TestClient;
  server: Dtls12Server;
  accepted: AcceptedOutcome;
  ch2: Uint8Array[];
}

function start(serverOpts: Partial<Dtls12ServerOptions> = {}, clientOpts: Dtls12TestClientOptions = {}): Setup {
  const listener = new DatagramListener({ keyring: CookieKeyring.fromSecret(new Uint8Array(32).fill(1)), versions: ["dtls1.2"] });
  const client = new Dtls12TestClient(clientOpts);
  let hvr: Uint8Array | undefined;
  for (const d of client.firstFlight()) {
    const o = listener.receive(d, PEER, T0);
    if (o.kind === "send") hvr = o.bytes;
  }
  assert.ok(hvr, "HVR");
  const ch2 = client.secondFlight(hvr);
  let accepted: AcceptedOutcome | undefined;
  for (const d of ch2) {
    const o = listener.receive(d, PEER, T0);
    if (o.kind === "accepted") accepted = o;
  }
  assert.ok(accepted, "accepted");
  const server = new Dtls12Server(accepted, { certificateChain: CREDS.chain, signingKey: CREDS.key, ...serverOpts }, T0);
  return { client, server, accepted, ch2 };
}

/** Drains the server; returns its actions. */
function drain(server: Dtls12Server): EngineAction[] {
  const out: EngineAction[] = [];
  for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) out.push(a);
  return out;
}

const sends = (a: EngineAction[]) => a.filter((x) => x.kind === "send").map((x) => (x as { bytes: Uint8Array }).bytes);

/** Server datagrams to the client, the client's answers to the server, until quiet. */
function pump(s: Setup, now = T0, first?: EngineAction[]): EngineAction[] {
  const all: EngineAction[] = [];
  let batch = first ?? drain(s.server);
  for (let i = 0; i < 10 && batch.length > 0; i++) {
    all.push(...batch);
    const replies = sends(batch).flatMap((d) => s.client.receive(d));
    for (const r of replies) s.server.receive(r, now);
    batch = drain(s.server);
  }
  return all;
}

const text = (s: string) => new TextEncoder().encode(s);

for (const [suite, group] of [[0xc02b, 0x1d], [0xc02c, 0x17], [0xcca9, 0x18]] as const) {
  test(`handshake + data both ways: suite 0x${suite.toString(16)}, group 0x${group.toString(16)}`, () => {
    const s = start({}, { cipherSuites: [suite], groups: [group] });
    const actions = pump(s);
    assert.deepEqual(s.client.errors, []);
    assert.ok(s.client.established, "client verified the server Finished");
    assert.equal(s.client.result!.serverSignatureValid, true);
    const done = actions.find((a) => a.kind === "handshake-complete");
    assert.ok(done && done.kind === "handshake-complete");
    assert.equal(done.summary.protocol, "dtls1.2");
    assert.equal(done.summary.cipherSuite, suite);
    assert.equal(done.summary.group, group);
    assert.equal(done.summary.signatureScheme, 0x0403);
    assert.equal(done.summary.retried, true);
    assert.equal(s.server.state, "established");
    // The last timer action cancels the retransmission timer.
    const timers = actions.filter((a) => a.kind === "timer");
    assert.equal(timers[0].kind === "timer" && timers[0].at, T0 + 1000, "1 s initial timeout (RFC 6347 §4.2.4.1)");
    assert.equal(timers.at(-1)!.kind === "timer" && timers.at(-1)!.at, undefined);
    // Client -> server.
    s.server.receive(s.client.write(text("ping")), T0);
    const got = drain(s.server);
    assert.deepEqual(got, [{ kind: "application-data", data: text("ping") }]);
    // Server -> client, one datagram per write.
    s.server.write(text("pong"));
    const out = sends(drain(s.server));
    assert.equal(out.length, 1);
    s.client.receive(out[0]);
    assert.deepEqual(s.client.received, [text("pong")]);
    // Exporter agrees on both sides (RFC 5705).
    assert.deepEqual(s.server.exportKeyingMaterial("EXPERIMENTAL-test", 32), s.client.exportKeyingMaterial("EXPERIMENTAL-test", 32));
    assert.notDeepEqual(
      s.server.exportKeyingMaterial("EXPERIMENTAL-test", 32, new Uint8Array(0)),
      s.server.exportKeyingMaterial("EXPERIMENTAL-test", 32),
      "empty context differs from no context",
    );
  });
}

test("flight 4 reuses CH2's record sequence number and message_seq 1 (RFC 6347 §4.2.1)", () => {
  const s = start();
  const first = sends(drain(s.server))[0];
  const seq = s.accepted.sequencing!.recordSequence;
  assert.ok(seq > 0);
  assert.equal(first[0], 22);
  assert.deepEqual([first[1], first[2]], [0xfe, 0xfd]);
  assert.deepEqual([...first.subarray(3, 11)], [0, 0, 0, 0, 0, 0, seq >> 8, seq & 0xff]);
  assert.equal(first[13], 2, "ServerHello");
  assert.deepEqual([first[17], first[18]], [0, 1], "message_seq 1");
});

test("fragmented flights at MTU 256: every datagram fits, the handshake completes", () => {
  const s = start({ mtu: 256 }, { mtu: 256 });
  const actions = pump(s);
  assert.ok(s.client.established);
  for (const d of sends(actions)) assert.ok(d.length <= 256, `datagram of ${d.length} bytes`);
  assert.ok(sends(actions).length >= 3, "flight 4 spans several datagrams");
});

test("retransmission timer: 1 s, doubling, capped, then handshake-timeout", () => {
  const s = start({ maxRetransmitMs: 4000, maxRetransmissions: 4 });
  const first = drain(s.server);
  const flight = sends(first);
  let now = T0;
  const dues: number[] = [];
  for (let i = 0; i < 4; i++) {
    const due = s.server.timerDue!;
    dues.push(due - now);
    s.server.handleTimeout(due - 1);
    assert.deepEqual(drain(s.server), [], "nothing before the due time");
    now = due;
    s.server.handleTimeout(now);
    const again = drain(s.server);
    const resent = sends(again);
    assert.equal(resent.length, flight.length, "whole flight resent");
    assert.notDeepEqual(resent[0].subarray(5, 11), flight[0].subarray(5, 11), "new record sequence number");
    const len = (flight[0][11] << 8) | flight[0][12];
    assert.deepEqual(resent[0].subarray(11, 13 + len), flight[0].subarray(11, 13 + len), "same first record payload");
  }
  assert.deepEqual(dues, [1000, 2000, 4000, 4000]);
  s.server.handleTimeout(s.server.timerDue!);
  const end = drain(s.server);
  const closed = end.find((a) => a.kind === "closed");
  assert.ok(closed && closed.kind === "closed");
  assert.equal(closed.reason, "handshake-timeout");
  assert.equal(s.server.stats.retransmissions, 4);
});

test("a lost flight 4 is recovered by the timer; a repeated CH2 makes the server resend at once", () => {
  const s = start();
  drain(s.server); // flight 4 lost
  for (const d of s.ch2) s.server.receive(d, T0 + 100); // the client repeats ClientHello2
  const resent = drain(s.server);
  assert.ok(sends(resent).length > 0, "flight 4 resent on the peer's retransmission");
  assert.equal(s.server.stats.retransmissions, 1);
  pump(s, T0 + 200, resent);
  assert.ok(s.client.established);
});

test("a lost flight 6: the client repeats flight 5, the server resends flight 6", () => {
  const s = start();
  const f4 = sends(drain(s.server));
  const f5 = f4.flatMap((d) => s.client.receive(d));
  for (const d of f5) s.server.receive(d, T0);
  const f6 = drain(s.server);
  assert.ok(f6.some((a) => a.kind === "handshake-complete"));
  // f6 lost; the client retransmits flight 5 with new record numbers.
  for (const d of s.client.retransmit()) s.server.receive(d, T0 + 1000);
  const again = sends(drain(s.server));
  assert.ok(again.length >= 1, "flight 6 resent");
  for (const d of again) s.client.receive(d);
  assert.ok(s.client.established);
});

test("bad Finished: decrypt_error alert, closed with bad-finished", () => {
  const s = start({}, { corruptFinished: true });
  const actions = pump(s);
  const closed = actions.find((a) => a.kind === "closed");
  assert.ok(closed && closed.kind === "closed");
  assert.equal(closed.reason, "bad-finished");
  assert.deepEqual(closed.alert, { description: 51, name: "decrypt_error", sender: "us" });
  assert.ok(!actions.some((a) => a.kind === "handshake-complete"));
  assert.deepEqual(s.client.alerts, [[2, 51]]);
});

test("ClientKeyExchange with an invalid point: illegal_parameter alert", () => {
  const bad = new Uint8Array(65);
  bad[0] = 4;
  bad[1] = 1; // not on P-256
  const s = start({}, { groups: [0x17], keyExchangePoint: bad });
  const actions = pump(s);
  const closed = actions.find((a) => a.kind === "closed");
  assert.ok(closed && closed.kind === "closed");
  assert.equal(closed.reason, "invalid-key-share");
  assert.equal(closed.alert?.description, 47);
});

test("a record with a bad tag is dropped (not fatal); a replayed record is dropped", () => {
  const s = start();
  pump(s);
  const rec = s.client.write(text("one"));
  const forged = rec.slice();
  forged[forged.length - 2] ^= 0x40;
  s.server.receive(forged, T0);
  assert.deepEqual(drain(s.server), []);
  assert.equal(s.server.stats.badRecords, 1);
  s.server.receive(rec, T0);
  assert.deepEqual(drain(s.server), [{ kind: "application-data", data: text("one") }], "the genuine record still gets through");
  s.server.receive(rec, T0);
  assert.deepEqual(drain(s.server), [], "replay dropped");
  assert.equal(s.server.stats.replayedRecords, 1);
  assert.equal(s.server.state, "established");
});

test("close_notify from the peer is answered; close() sends ours; write after close throws", () => {
  const s = start();
  pump(s);
  s.server.receive(s.client.alert(1, 0), T0);
  const a = drain(s.server);
  assert.equal(a.length, 2);
  s.client.receive(sends(a)[0]);
  assert.deepEqual(s.client.alerts, [[1, 0]], "our close_notify, protected");
  assert.equal(a[1].kind === "closed" && a[1].reason, "peer-closed");
  assert.throws(() => s.server.write(text("x")), /cannot write/);

  const t = start();
  pump(t);
  t.server.close();
  const b = drain(t.server);
  assert.equal(b[1].kind === "closed" && b[1].reason, "local-close");
  t.client.receive(sends(b)[0]);
  assert.deepEqual(t.client.alerts, [[1, 0]]);
});

test("client certificates: required and missing -> alert; sent -> verified, fingerprint exposed", () => {
  const none = start({ clientAuth: "require" });
  const a = pump(none);
  const closed = a.find((x) => x.kind === "closed");
  assert.equal(closed?.kind === "closed" && closed.reason, "certificate-required");

  const mine = makeTestCertificate("client");
  const ok = start({ clientAuth: "require" }, { certificate: { chain: mine.chain, key: mine.key } });
  const b = pump(ok);
  assert.ok(ok.client.established);
  const done = b.find((x) => x.kind === "handshake-complete");
  assert.ok(done && done.kind === "handshake-complete");
  const digest = portableProvider.hash("sha256", mine.chain[0]);
  assert.equal(done.summary.peerCertificateFingerprint, Array.from(digest, (x) => x.toString(16).padStart(2, "0")).join(":"));
  assert.deepEqual(done.summary.peerCertificates, mine.chain);

  const other = makeTestCertificate("impostor");
  const bad = start({ clientAuth: "request" }, { certificate: { chain: mine.chain, key: other.key } });
  const c = pump(bad);
  const e = c.find((x) => x.kind === "closed");
  assert.equal(e?.kind === "closed" && e.reason, "bad-certificate-verify", "signature by a key that is not the certificate's");
});

test("client flight 5 fragmented at MTU 128 and delivered in reverse order: reassembled, handshake completes", () => {
  const mine = makeTestCertificate("client");
  const s = start({ clientAuth: "require" }, { mtu: 128, certificate: { chain: mine.chain, key: mine.key } });
  const f4 = sends(drain(s.server));
  const f5 = f4.flatMap((d) => s.client.receive(d));
  assert.ok(f5.length >= 4, `flight 5 in ${f5.length} datagrams`);
  for (const d of [...f5].reverse()) s.server.receive(d, T0);
  const a = drain(s.server);
  assert.ok(a.some((x) => x.kind === "handshake-complete"), JSON.stringify(a.map((x) => x.kind)));
  for (const d of sends(a)) s.client.receive(d);
  assert.ok(s.client.established);
});

test("renegotiation refused: a ClientHello after the handshake gets a no_renegotiation warning, the connection stays up", () => {
  const s = start();
  pump(s);
  s.server.receive(s.client.handshakeMessage(1, new Uint8Array(40)), T0);
  const a = drain(s.server);
  assert.equal(a.length, 1);
  s.client.receive(sends(a)[0]);
  assert.deepEqual(s.client.alerts, [[1, 100]], "warning no_renegotiation, protected");
  assert.equal(s.server.state, "established");
  s.server.receive(s.client.write(text("still here")), T0);
  assert.deepEqual(drain(s.server), [{ kind: "application-data", data: text("still here") }]);
});

test("an unexpected handshake message ends the handshake with unexpected_message", () => {
  const s = start();
  drain(s.server);
  s.server.receive(s.client.handshakeMessage(15, new Uint8Array(8)), T0); // CertificateVerify instead of ClientKeyExchange
  const closed = drain(s.server).find((x) => x.kind === "closed");
  assert.equal(closed?.kind === "closed" && closed.reason, "unexpected-message");
  assert.equal(closed?.kind === "closed" && closed.alert?.description, 10);
});

test("use_srtp: profile negotiated, SRTP keying material from the exporter", () => {
  const s = start({}, { srtpProfiles: [0x0001, 0x0007] });
  const a = pump(s);
  const done = a.find((x) => x.kind === "handshake-complete");
  assert.ok(done && done.kind === "handshake-complete");
  assert.equal(done.summary.srtpProfile, 0x0007, "server preference: AEAD_AES_128_GCM");
  assert.equal(s.client.result!.srtpProfile, 0x0007);
  assert.deepEqual(
    s.server.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 56),
    s.client.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 56),
  );
});

test("no common suite: handshake_failure alert at once; secrets never in JSON or inspection output", () => {
  const s = start({ cipherSuites: [0xc02c] }, { cipherSuites: [0xc02b] });
  const a = drain(s.server);
  const closed = a.find((x) => x.kind === "closed");
  assert.equal(closed?.kind === "closed" && closed.reason, "no-common-cipher-suite");
  assert.equal(closed?.kind === "closed" && closed.alert?.description, 40);
  const t = start();
  pump(t);
  const json = JSON.stringify(t.server);
  assert.match(json, /"state":"established"/);
  assert.doesNotMatch(json, /master|key/i);
  const shown = inspect(t.server, { depth: 10, showHidden: true });
  assert.match(shown, /Dtls12Server/);
  assert.doesNotMatch(shown, /Uint8Array|master|key/i, "inspection shows no key material");
});

test("misuse throws: non-DTLS 1.2 outcome, no certificate", () => {
  const s = start();
  assert.throws(() => new Dtls12Server({ ...s.accepted, protocol: "dtls1.3" }, { certificateChain: CREDS.chain, signingKey: CREDS.key }, T0));
  assert.throws(() => new Dtls12Server(s.accepted, { certificateChain: [], signingKey: CREDS.key }, T0));
});
