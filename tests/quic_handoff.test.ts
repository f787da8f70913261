// The front door's accepted result is enough for the TLS 1.3 engine in QUIC mode to continue:
// the ClientHello's CRYPTO bytes go in at the Initial level, a ServerHello comes out at the
// Initial level, then handshake secrets and EncryptedExtensions carrying our transport
// parameters, which authenticate the Retry exchange (RFC 9000 §7.3: original_destination_
// connection_id = the ODCID from the token, retry_source_connection_id = our Retry SCID).
import { test } from "node:test";
import assert from "node:assert/strict";
import { portableProvider } from "../core/crypto/portable.ts";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { Tls13ServerEngine } from "../core/handshake/tls13/mod.ts";
import { generateSelfSignedCertificate } from "../core/pki/self_signed.ts";
import { QuicListener } from "../core/quic/listener.ts";
import type { QuicAccepted } from "../core/quic/outcome.ts";
import { readInvariantLongHeader } from "../core/quic/long_header.ts";
import {
  decodeTransportParameters,
  encodeTransportParameters,
  integerParameter,
  integerValue,
  serverConnectionIdParameters,
  TransportParameterId,
} from "../core/quic/transport_parameters.ts";
import { V1_INFO } from "../core/quic/versions.ts";
import { hex, toHex } from "./helpers/fixtures.ts";
import * as V from "./helpers/quic_vectors.ts";
import { clientInitialPacket } from "./helpers/quic_client.ts";

const T0 = 1_750_000_000_000;
const PEER = { family: "ipv4", address: "192.0.2.50", port: 7000 } as const;

function acceptAfterRetry(): QuicAccepted {
  const l = new QuicListener({ keyring: CookieKeyring.random() });
  const retry = l.receive(hex(V.V1_PROTECTED_INITIAL), PEER, T0);
  assert.ok(retry.kind === "send" && retry.message === "retry");
  const h = readInvariantLongHeader(retry.bytes, 0)!;
  const second = clientInitialPacket({
    info: V1_INFO, dcid: h.scid, scid: new Uint8Array(0), token: retry.bytes.slice(h.afterScid, retry.bytes.length - 16),
    pn: 3, payload: hex(V.RFC_CLIENT_CRYPTO_FRAME), padTo: 1200,
  });
  const a = l.receive(second, PEER, T0 + 20);
  assert.equal(a.kind, "accepted");
  return a as QuicAccepted;
}

test("transport parameters: the RFC 9001 client's parameters decode; server CID parameters round-trip", () => {
  const a = acceptAfterRetry();
  const client = decodeTransportParameters(a.transportParameters);
  assert.ok(Array.isArray(client));
  // RFC 9001 A.2's ClientHello: 04 08 ff..ff, 05 04 8000ffff, ..., 01 04 80007530, ..., 0f 08 8394c8f03e515708
  assert.equal(toHex(client.find((p) => p.id === TransportParameterId.initial_source_connection_id)!.value), "8394c8f03e515708");
  assert.equal(integerParameter(client, TransportParameterId.initial_max_stream_data_bidi_local), 0xffff);
  assert.equal(integerParameter(client, TransportParameterId.max_idle_timeout), 30000);
  assert.equal(integerParameter(client, TransportParameterId.initial_max_data), undefined, "2^62 - 1 is beyond 2^53");
  const ours = encodeTransportParameters([
    ...serverConnectionIdParameters(a, hex("5300000000000001")),
    { id: TransportParameterId.initial_max_data, value: integerValue(1 << 20) },
  ]);
  const back = decodeTransportParameters(ours);
  assert.ok(Array.isArray(back));
  assert.deepEqual(back.find((p) => p.id === TransportParameterId.original_destination_connection_id)!.value, hex(V.RFC_DCID));
  assert.deepEqual(back.find((p) => p.id === TransportParameterId.retry_source_connection_id)!.value, a.retryScid);
  assert.equal(integerParameter(back, TransportParameterId.initial_max_data), 1 << 20);
  assert.equal(decodeTransportParameters(hex("0001")), "malformed");
  assert.equal(decodeTransportParameters(hex("0100" + "0100")), "duplicate");
});

test("hand-off: Tls13ServerEngine (QUIC mode) continues from the accepted CRYPTO bytes", () => {
  const a = acceptAfterRetry();
  const serverScid = hex("5300000000000001");
  const tp = encodeTransportParameters(serverConnectionIdParameters(a, serverScid));
  const certificate = generateSelfSignedCertificate(portableProvider, { now: T0 });
  const engine = new Tls13ServerEngine({
    provider: portableProvider,
    certificates: [certificate],
    framing: "quic",
    quicTransportParameters: tp,
    alpn: ["alpn"],
  });
  engine.receive(a.cryptoData, T0 + 21, "initial");
  const actions: { kind: string; level?: string; bytes?: Uint8Array }[] = [];
  for (let x = engine.poll(); x.kind !== "need-data"; x = engine.poll()) {
    actions.push(x as never);
    if (x.kind === "closed") break;
  }
  assert.ok(!actions.some((x) => x.kind === "closed"), JSON.stringify(actions.map((x) => x.kind)));
  const initial = actions.find((x) => x.kind === "send" && x.level === "initial")!;
  assert.equal(initial.bytes![0], 2, "ServerHello at the Initial level");
  assert.ok(actions.some((x) => x.kind === "quic-secrets" && x.level === "handshake"));
  const hs = actions.filter((x) => x.kind === "send" && x.level === "handshake").map((x) => x.bytes!);
  assert.ok(hs.length > 0);
  assert.equal(hs[0][0], 8, "EncryptedExtensions first at the Handshake level");
  // Our transport parameters (with the ODCID and Retry SCID) are inside EncryptedExtensions.
  const ee = hs[0];
  assert.ok(toHex(ee).includes(toHex(tp)), "EncryptedExtensions carries our transport parameters");
});
