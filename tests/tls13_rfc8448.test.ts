// RFC 8448 §3 (Simple 1-RTT Handshake) byte for byte: the key schedule, the record protection of
// every record in the trace, and the engine itself (with the trace's server random and x25519
// key injected through a provider wrapper) producing the trace's ServerHello and keys.
import { test } from "node:test";
import assert from "node:assert/strict";
import { x25519 } from "@noble/curves/ed25519.js";
import { portableProvider } from "../core/crypto/portable.ts";
import type { CryptoProvider } from "../core/crypto/provider.ts";
import {
  applicationSecrets,
  deriveSecret,
  finishedVerifyData,
  handshakeSecrets,
  hkdfExpandLabel,
  trafficKeys,
} from "../core/handshake/key_schedule.ts";
import { Tls13RecordProtection } from "../core/record/tls13_protection.ts";
import { encodeTlsRecord, peekTlsRecordHeader } from "../core/wire/record.ts";
import { toHex } from "./helpers/fixtures.ts";
import { certificateFor } from "./helpers/tls13_pair.ts";
import { Tls13ServerEngine } from "../core/handshake/tls13/server.ts";
import * as V from "./helpers/rfc8448_vectors.ts";

const p = portableProvider;
const hashOf = (...parts: Uint8Array[]) => {
  const r = p.runningHash("sha256");
  for (const x of parts) r.update(x);
  return r.digest();
};

test("RFC 8448 §3: the trace's x25519 keys give its shared secret", () => {
  assert.equal(toHex(x25519.getPublicKey(V.SERVER_PRIVATE)), toHex(V.SERVER_PUBLIC));
  assert.equal(toHex(x25519.getSharedSecret(V.SERVER_PRIVATE, V.CLIENT_PUBLIC)), toHex(V.SHARED_SECRET));
});

test("RFC 8448 §3: early, handshake and master secrets and the handshake traffic secrets", () => {
  const helloHash = hashOf(V.CLIENT_HELLO, V.SERVER_HELLO);
  assert.equal(toHex(helloHash), V.SECRETS.helloHash);
  const hs = handshakeSecrets(p, "sha256", V.SHARED_SECRET, helloHash);
  assert.equal(toHex(hs.earlySecret), V.SECRETS.early);
  assert.equal(toHex(hs.handshakeSecret), V.SECRETS.handshake);
  assert.equal(toHex(hs.clientHandshakeTrafficSecret), V.SECRETS.clientHandshake);
  assert.equal(toHex(hs.serverHandshakeTrafficSecret), V.SECRETS.serverHandshake);
  assert.equal(toHex(hs.masterSecret), V.SECRETS.master);
  const k = trafficKeys(p, 0x1301, hs.serverHandshakeTrafficSecret);
  assert.equal(toHex(k.key), V.SECRETS.serverHandshakeKey);
  assert.equal(toHex(k.iv), V.SECRETS.serverHandshakeIv);
  // HKDF-Expand-Label's info encoding, as the trace prints it ("key info": 00 10 09 'tls13 key' 00).
  assert.equal(
    toHex(hkdfExpandLabel(p, "sha256", hs.serverHandshakeTrafficSecret, "key", new Uint8Array(0), 16)),
    V.SECRETS.serverHandshakeKey,
  );
  assert.equal(toHex(deriveSecret(p, "sha256", hs.handshakeSecret, "c hs traffic", helloHash)), V.SECRETS.clientHandshake);
});

test("RFC 8448 §3: Finished values, application traffic secrets and the exporter master secret", () => {
  const hs = handshakeSecrets(p, "sha256", V.SHARED_SECRET, hashOf(V.CLIENT_HELLO, V.SERVER_HELLO));
  const beforeFinished = V.SERVER_FLIGHT.subarray(0, V.SERVER_FLIGHT.length - 36);
  const serverFin = finishedVerifyData(p, "sha256", hs.serverHandshakeTrafficSecret, hashOf(V.CLIENT_HELLO, V.SERVER_HELLO, beforeFinished));
  assert.equal(toHex(serverFin), V.SECRETS.serverFinished);
  const th = hashOf(V.CLIENT_HELLO, V.SERVER_HELLO, V.SERVER_FLIGHT);
  assert.equal(toHex(th), V.SECRETS.serverFinishedHash);
  const app = applicationSecrets(p, "sha256", hs.masterSecret, th);
  assert.equal(toHex(app.clientApplicationTrafficSecret), V.SECRETS.clientApplication);
  assert.equal(toHex(app.serverApplicationTrafficSecret), V.SECRETS.serverApplication);
  assert.equal(toHex(app.exporterMasterSecret), V.SECRETS.exporterMaster);
  const k = trafficKeys(p, 0x1301, app.serverApplicationTrafficSecret);
  assert.equal(toHex(k.key), V.SECRETS.serverApplicationKey);
  assert.equal(toHex(k.iv), V.SECRETS.serverApplicationIv);
  const clientFin = finishedVerifyData(p, "sha256", hs.clientHandshakeTrafficSecret, th);
  assert.equal(toHex(clientFin), toHex(V.CLIENT_FINISHED.subarray(4)));
});

test("RFC 8448 §3: record protection reproduces and opens every protected record of the trace", () => {
  const hs = handshakeSecrets(p, "sha256", V.SHARED_SECRET, hashOf(V.CLIENT_HELLO, V.SERVER_HELLO));
  const app = applicationSecrets(p, "sha256", hs.masterSecret, hashOf(V.CLIENT_HELLO, V.SERVER_HELLO, V.SERVER_FLIGHT));
  // Server flight: sealed byte for byte.
  const sealer = new Tls13RecordProtection(p, 0x1301, hs.serverHandshakeTrafficSecret);
  assert.equal(toHex(sealer.seal(22, V.SERVER_FLIGHT)), toHex(V.SERVER_FLIGHT_RECORD));
  // Client Finished: opened.
  const opener = new Tls13RecordProtection(p, 0x1301, hs.clientHandshakeTrafficSecret);
  const fin = opener.open(V.CLIENT_FINISHED_RECORD.subarray(5));
  assert.ok(fin.ok);
  assert.equal(fin.contentType, 22);
  assert.equal(toHex(fin.content), toHex(V.CLIENT_FINISHED));
  // Client application data (sequence 0 under the client application keys).
  const clientApp = new Tls13RecordProtection(p, 0x1301, app.clientApplicationTrafficSecret);
  const data = clientApp.open(V.CLIENT_APP_RECORD.subarray(5));
  assert.ok(data.ok);
  assert.equal(data.contentType, 23);
  assert.equal(toHex(data.content), toHex(V.APP_DATA));
  // Server application data: sequence 1 (the NewSessionTicket took 0).
  const serverApp = new Tls13RecordProtection(p, 0x1301, app.serverApplicationTrafficSecret);
  serverApp.seal(22, new Uint8Array(10));
  assert.equal(toHex(serverApp.seal(23, V.APP_DATA)), toHex(V.SERVER_APP_RECORD));
  // A flipped bit anywhere fails authentication, without advancing the sequence number.
  const bad = V.CLIENT_APP_RECORD.slice();
  bad[20] ^= 1;
  const again = new Tls13RecordProtection(p, 0x1301, app.clientApplicationTrafficSecret);
  assert.deepEqual(again.open(bad.subarray(5)), { ok: false, reason: "bad-record-mac" });
  assert.equal(again.sequence, 0);
  assert.ok(again.open(V.CLIENT_APP_RECORD.subarray(5)).ok);
});

test("RFC 8448 §3: the engine, given the trace's randomness, sends the trace's ServerHello and keys its flight with the trace's keys", () => {
  const fixed: CryptoProvider = {
    ...portableProvider,
    random: (n) => {
      assert.equal(n, 32);
      return V.SERVER_RANDOM.slice();
    },
    encapsulate: (group, share) => {
      assert.equal(group, 0x001d);
      return { share: V.SERVER_PUBLIC.slice(), secret: x25519.getSharedSecret(V.SERVER_PRIVATE, share) };
    },
  };
  const engine = new Tls13ServerEngine({ provider: fixed, certificates: [certificateFor("ecdsa-p256")] });
  engine.receive(encodeTlsRecord(22, 0x0301, V.CLIENT_HELLO), 0);
  const flight = engine.poll();
  assert.equal(flight.kind, "send");
  const bytes = (flight as { bytes: Uint8Array }).bytes;
  // First record: the ServerHello, byte for byte (no session id in the trace: no CCS follows).
  assert.equal(toHex(bytes.subarray(0, 5 + V.SERVER_HELLO.length)), toHex(encodeTlsRecord(22, 0x0303, V.SERVER_HELLO)));
  // Then our own EncryptedExtensions..Finished, sealed with the trace's server handshake keys.
  const rest = bytes.subarray(5 + V.SERVER_HELLO.length);
  assert.equal(rest[0], 23);
  const hs = handshakeSecrets(p, "sha256", V.SHARED_SECRET, hashOf(V.CLIENT_HELLO, V.SERVER_HELLO));
  const open = new Tls13RecordProtection(p, 0x1301, hs.serverHandshakeTrafficSecret);
  const len = peekTlsRecordHeader(rest)!.length;
  const r = open.open(rest.subarray(5, 5 + len));
  assert.ok(r.ok);
  assert.equal(r.contentType, 22);
  // EncryptedExtensions answers the trace's server_name and record_size_limit offers.
  assert.equal(toHex(r.content.subarray(0, 16)), "0800000c000a00000000001c00024001");
});

// ---- RFC 8448 §5: the HelloRetryRequest trace ---------------------------------------------------

import { clientHelloHash } from "../core/gate/retry.ts";
import { transcriptPrefix } from "../core/messages/hello_retry_request.ts";
import { parseClientHello } from "../core/messages/client_hello.ts";
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import { UNSPECIFIED_PEER } from "../core/peer.ts";
import { p256 } from "@noble/curves/nist.js";

test("RFC 8448 §5: message_hash || HRR || CH2 || SH, the handshake keys and both Finished values", () => {
  const prefix = transcriptPrefix(clientHelloHash("sha256", V.HRR_CLIENT_HELLO_1.subarray(4)), V.HRR);
  const helloHash = hashOf(prefix, V.HRR_CLIENT_HELLO_2, V.HRR_SERVER_HELLO);
  assert.equal(toHex(helloHash), V.HRR_HELLO_HASH);
  const hs = handshakeSecrets(p, "sha256", V.HRR_SHARED_SECRET, helloHash);
  const s = trafficKeys(p, 0x1301, hs.serverHandshakeTrafficSecret);
  const c = trafficKeys(p, 0x1301, hs.clientHandshakeTrafficSecret);
  assert.equal(toHex(s.key), V.HRR_SERVER_HS_KEY);
  assert.equal(toHex(s.iv), V.HRR_SERVER_HS_IV);
  assert.equal(toHex(c.key), V.HRR_CLIENT_HS_KEY);
  assert.equal(toHex(c.iv), V.HRR_CLIENT_HS_IV);
  const upToCv = [prefix, V.HRR_CLIENT_HELLO_2, V.HRR_SERVER_HELLO, V.HRR_ENCRYPTED_EXTENSIONS, V.CERTIFICATE_MESSAGE, V.HRR_CERTIFICATE_VERIFY];
  const serverFin = finishedVerifyData(p, "sha256", hs.serverHandshakeTrafficSecret, hashOf(...upToCv));
  assert.equal(toHex(serverFin), V.HRR_SERVER_FINISHED);
  const finMsg = Uint8Array.of(20, 0, 0, 32, ...serverFin);
  const th = hashOf(...upToCv, finMsg);
  assert.equal(toHex(finishedVerifyData(p, "sha256", hs.clientHandshakeTrafficSecret, th)), V.HRR_CLIENT_FINISHED);
  const app = applicationSecrets(p, "sha256", hs.masterSecret, th);
  assert.equal(toHex(trafficKeys(p, 0x1301, app.serverApplicationTrafficSecret).key), V.HRR_SERVER_APP_KEY);
  assert.equal(toHex(trafficKeys(p, 0x1301, app.clientApplicationTrafficSecret).key), V.HRR_CLIENT_APP_KEY);
  // The protected server flight of the trace starts as our record protection seals it.
  const flight = [V.HRR_ENCRYPTED_EXTENSIONS, V.CERTIFICATE_MESSAGE, V.HRR_CERTIFICATE_VERIFY, finMsg];
  const plain = new Uint8Array(flight.reduce((n, m) => n + m.length, 0));
  let at = 0;
  for (const m of flight) {
    plain.set(m, at);
    at += m.length;
  }
  const sealed = new Tls13RecordProtection(p, 0x1301, hs.serverHandshakeTrafficSecret).seal(22, plain);
  assert.equal(toHex(sealed.subarray(0, 40)), V.HRR_SERVER_FLIGHT_RECORD_START);
});

test("RFC 8448 §5: an engine continuing from a stateless retry of the trace sends the trace's ServerHello and keys", () => {
  // The gate's accepted outcome for the trace's CH2, built from the trace (as a fresh listener would).
  const ch2 = parseClientHello(V.HRR_CLIENT_HELLO_2.subarray(4), { dtls: false });
  const ch1Hash = clientHelloHash("sha256", V.HRR_CLIENT_HELLO_1.subarray(4));
  const accepted: AcceptedOutcome = {
    kind: "accepted",
    peer: UNSPECIFIED_PEER,
    protocol: "tls1.3",
    addressValidated: "cookie",
    clientHello: ch2,
    clientHelloMessage: V.HRR_CLIENT_HELLO_2,
    remainder: new Uint8Array(0),
    retry: {
      cipherSuite: 0x1301,
      hash: "sha256",
      group: 0x0017,
      keyShare: ch2.keyShares![0],
      clientHello1Hash: ch1Hash,
      helloRetryRequest: V.HRR,
      transcriptPrefix: transcriptPrefix(ch1Hash, V.HRR),
      appData: new Uint8Array(0),
    },
  };
  const serverRandom = V.HRR_SERVER_HELLO.subarray(6, 38);
  const serverShare = V.HRR_SERVER_HELLO.subarray(V.HRR_SERVER_HELLO.length - 6 - 65, V.HRR_SERVER_HELLO.length - 6);
  const fixed: CryptoProvider = {
    ...portableProvider,
    random: () => serverRandom.slice(),
    encapsulate: (group, share) => {
      assert.equal(group, 0x0017);
      assert.equal(toHex(share), toHex(ch2.keyShares![0].keyExchange));
      return { share: serverShare.slice(), secret: V.HRR_SHARED_SECRET.slice() };
    },
  };
  assert.equal(serverShare[0], 4);
  assert.ok(p256.Point.fromHex(toHex(serverShare)));
  const engine = new Tls13ServerEngine({ provider: fixed, certificates: [certificateFor("ecdsa-p256")] }, accepted);
  engine.receive(new Uint8Array(0), 0);
  const flight = engine.poll();
  assert.equal(flight.kind, "send");
  const bytes = (flight as { bytes: Uint8Array }).bytes;
  assert.equal(toHex(bytes.subarray(0, 5 + V.HRR_SERVER_HELLO.length)), toHex(encodeTlsRecord(22, 0x0303, V.HRR_SERVER_HELLO)));
  const rest = bytes.subarray(5 + V.HRR_SERVER_HELLO.length);
  const prefix = transcriptPrefix(ch1Hash, V.HRR);
  const hs = handshakeSecrets(p, "sha256", V.HRR_SHARED_SECRET, hashOf(prefix, V.HRR_CLIENT_HELLO_2, V.HRR_SERVER_HELLO));
  const len = peekTlsRecordHeader(rest)!.length;
  const r = new Tls13RecordProtection(p, 0x1301, hs.serverHandshakeTrafficSecret).open(rest.subarray(5, 5 + len));
  assert.ok(r.ok, "the engine's flight opens with the trace's server handshake keys");
  assert.equal(r.content[0], 8);
});
