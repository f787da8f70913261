import { test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { readInvariantLongHeader } from "../core/quic/long_header.ts";
import { V1_INFO } from "../core/quic/versions.ts";
import { inspectQuic, startQuicListen } from "../cli/listen_quic.ts";
import { hex } from "./helpers/fixtures.ts";
import * as V from "./helpers/quic_vectors.ts";
import { clientInitialDatagrams, clientInitialPacket, quicClientHello } from "./helpers/quic_client.ts";

test("inspectQuic decodes the RFC 9001 and RFC 9369 client Initials and shows the Retry it would send", () => {
  for (const [packet, protocol] of [[V.V1_PROTECTED_INITIAL, "quic-v1"], [V.V2_PROTECTED_INITIAL, "quic-v2"]] as const) {
    const r = inspectQuic(packet) as {
      packets: { protocol: string; type: string; dcid: string; packetNumber: number; frames: { crypto: { offset: number; length: number }[]; padding: number } }[];
      clientHello: { sni: string; alpn: string[]; supportedVersions: string[]; quicTransportParametersLength: number };
      outcome: { kind: string; message: string };
    };
    assert.equal(r.packets.length, 1);
    assert.equal(r.packets[0].protocol, protocol);
    assert.equal(r.packets[0].type, "initial");
    assert.equal(r.packets[0].dcid, V.RFC_DCID);
    assert.equal(r.packets[0].packetNumber, 2);
    assert.deepEqual(r.packets[0].frames.crypto, [{ offset: 0, length: 241 }]);
    assert.equal(r.packets[0].frames.padding, 917);
    assert.equal(r.clientHello.sni, "example.com");
    assert.deepEqual(r.clientHello.alpn, ["alpn"]);
    assert.deepEqual(r.clientHello.supportedVersions, ["0x304"]);
    assert.equal(r.clientHello.quicTransportParametersLength, 50);
    assert.equal(r.outcome.kind, "send");
    assert.equal(r.outcome.message, "retry");
  }
  const first = clientInitialDatagrams({ info: V1_INFO, dcid: hex("0102030405060708"), scid: hex("aa"), clientHello: quicClientHello({ keySharePadding: 1216 }) })[0];
  const split = inspectQuic(first) as { clientHello: { incomplete: boolean }; outcome: { kind: string } };
  assert.equal(split.clientHello.incomplete, true);
  assert.equal(split.outcome.kind, "need-more-data");
  const junk = inspectQuic("40" + "00".repeat(30)) as { outcome: { kind: string; reason: string } };
  assert.equal(junk.outcome.reason, "short-header");
  assert.throws(() => inspectQuic("abc"), TypeError);
});

test("startQuicListen reports sent (retry, version_negotiation) and accepted (protocol, sni, alpn) as JSON lines", async () => {
  const events: Record<string, unknown>[] = [];
  let wake: () => void = () => {};
  const q = await startQuicListen({
    bind: { family: "ipv4", address: "127.0.0.1", port: 0 },
    keyring: CookieKeyring.random(),
    adapter: "node",
    onEvent: (json) => {
      events.push(json);
      wake();
    },
  });
  const port = Number(q.addr.split(":")[1]);
  const sock = dgram.createSocket("udp4");
  const replies: Uint8Array[] = [];
  sock.on("message", (m: Uint8Array) => replies.push(new Uint8Array(m)));
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  const other = dgram.createSocket("udp4");
  await new Promise<void>((r) => other.bind(0, "127.0.0.1", () => r()));
  const waitFor = async (n: number) => {
    const deadline = Date.now() + 5000;
    while (events.length < n && Date.now() < deadline) await new Promise<void>((r) => ((wake = r), setTimeout(r, 100)));
  };
  try {
    assert.match(q.addr, /^127\.0\.0\.1:\d+$/);
    sock.send(hex(V.V1_PROTECTED_INITIAL), port, "127.0.0.1");
    await waitFor(1);
    assert.deepEqual({ ...events[0], peer: undefined }, { event: "sent", transport: "quic", peer: undefined, message: "retry", protocol: "quic-v1", bytesOut: events[0].bytesOut });
    while (replies.length < 1) await new Promise((r) => setTimeout(r, 20));
    const retry = replies[0];
    const h = readInvariantLongHeader(retry, 0)!;
    const again = clientInitialPacket({
      info: V1_INFO, dcid: h.scid, scid: new Uint8Array(0), token: retry.subarray(h.afterScid, retry.length - 16), payload: hex(V.RFC_CLIENT_CRYPTO_FRAME), padTo: 1200,
    });
    sock.send(again, port, "127.0.0.1");
    await waitFor(2);
    const acc = events[1];
    assert.equal(acc.event, "accepted");
    assert.equal(acc.protocol, "quic-v1");
    assert.equal(acc.sni, "example.com");
    assert.deepEqual(acc.alpn, ["alpn"]);
    assert.equal(acc.originalDcid, V.RFC_DCID);
    // The accepted peer's later datagrams are held for its connection; a new peer gets VN / drops.
    const unknown = new Uint8Array(1200);
    unknown.set([0xc0, 0x0a, 0x0a, 0x0a, 0x0a, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0]);
    other.send(unknown, port, "127.0.0.1");
    await waitFor(3);
    assert.equal(events[2].message, "version_negotiation");
    other.send(new Uint8Array(50).fill(0x41), port, "127.0.0.1");
    await waitFor(4);
    assert.deepEqual([events[3].event, events[3].reason], ["dropped", "short-header"]);
    assert.equal(q.listener.counters.accepted, 1);
  } finally {
    sock.close();
    other.close();
    await q.close();
  }
});
