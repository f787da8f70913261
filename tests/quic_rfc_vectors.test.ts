import { test } from "node:test";
import assert from "node:assert/strict";
import { portableProvider as P } from "../core/crypto/portable.ts";
import { initialPacketKeys, initialSecrets, protectorOf } from "../core/quic/initial_secrets.ts";
import { openLongPacket, sealLongPacket } from "../core/quic/packet_protection.ts";
import { encodeRetry, verifyRetryIntegrity } from "../core/quic/retry_packet.ts";
import { parseInitialFrames } from "../core/quic/frames.ts";
import { readInvariantLongHeader, readLongPacketLayout } from "../core/quic/long_header.ts";
import { V1_INFO, V2_INFO } from "../core/quic/versions.ts";
import { readVarint, writeVarint } from "../core/quic/varint.ts";
import { concat, hex, toHex } from "./helpers/fixtures.ts";
import * as V from "./helpers/quic_vectors.ts";
import { clientInitialPacket } from "./helpers/quic_client.ts";

const DCID = hex(V.RFC_DCID);
const CASES = [
  { name: "v1 (RFC 9001)", info: V1_INFO, keys: V.V1_KEYS, client: V.V1_CLIENT, packet: V.V1_PROTECTED_INITIAL, server: V.V1_SERVER, retry: V.V1_RETRY },
  { name: "v2 (RFC 9369)", info: V2_INFO, keys: V.V2_KEYS, client: V.V2_CLIENT, packet: V.V2_PROTECTED_INITIAL, server: V.V2_SERVER, retry: V.V2_RETRY },
];

test("RFC vectors: hex lengths are what the RFC text says", () => {
  for (const c of CASES) {
    assert.equal(c.packet.length, 2400, c.name);
    assert.equal(c.retry.length, 72, c.name);
    assert.equal(c.server.packet.length, 270, c.name); // 135 bytes
    assert.equal(c.keys.clientSecret.length, 64);
  }
  assert.equal(V.RFC_CLIENT_CRYPTO_FRAME.length, 490); // 4-byte frame header + 241-byte ClientHello
});

test("varint: RFC 9000 §A.1 examples", () => {
  for (const [h, v] of [["c2197c5eff14e88c", 151288809941952652], ["9d7f3e7d", 494878333], ["7bbd", 15293], ["25", 37], ["4025", 37]] as const) {
    const r = readVarint(hex(h), 0)!;
    assert.equal(r.next, h.length / 2, h);
    if (v <= Number.MAX_SAFE_INTEGER) assert.equal(r.value, v, h);
    else assert.equal(r.value, -1, "values over 2^53 are flagged");
  }
  const out = new Uint8Array(4);
  assert.equal(toHex(out.subarray(0, writeVarint(out, 0, 494878333))), "9d7f3e7d");
  assert.equal(toHex(out.subarray(0, writeVarint(out, 0, 15293))), "7bbd");
  assert.equal(readVarint(hex("9d7f3e"), 0), undefined, "truncated");
});

for (const c of CASES) {
  test(`${c.name} A.1: Initial secrets and keys from the DCID`, () => {
    const s = initialSecrets(P, c.info, DCID);
    assert.equal(toHex(P.hkdfExtract("sha256", c.info.initialSalt, DCID)), c.keys.initialSecret);
    assert.equal(toHex(s.client), c.keys.clientSecret);
    assert.equal(toHex(s.server), c.keys.serverSecret);
    const ck = initialPacketKeys(P, c.info, s.client), sk = initialPacketKeys(P, c.info, s.server);
    assert.deepEqual([toHex(ck.key), toHex(ck.iv), toHex(ck.hp)], [c.keys.clientKey, c.keys.clientIv, c.keys.clientHp]);
    assert.deepEqual([toHex(sk.key), toHex(sk.iv), toHex(sk.hp)], [c.keys.serverKey, c.keys.serverIv, c.keys.serverHp]);
  });

  test(`${c.name} A.2: header-protection mask and the whole protected client Initial, byte for byte`, () => {
    const keys = protectorOf(P, initialPacketKeys(P, c.info, initialSecrets(P, c.info, DCID).client));
    assert.equal(toHex(keys.mask(hex(c.client.sample))), c.client.mask);
    const frame = hex(V.RFC_CLIENT_CRYPTO_FRAME);
    const payload = concat(frame, new Uint8Array(1162 - frame.length));
    const sealed = sealLongPacket(keys, hex(c.client.header), 2, 4, payload);
    assert.equal(sealed.length, 1200);
    assert.equal(toHex(sealed.subarray(0, 22)), c.client.protectedHeader);
    assert.equal(toHex(sealed), c.packet);
    // Our scripted client produces the same bytes.
    const scripted = clientInitialPacket({ info: c.info, dcid: DCID, scid: new Uint8Array(0), pn: 2, payload: frame, padTo: 1200 });
    assert.equal(toHex(scripted), c.packet);
  });

  test(`${c.name} A.2: the listener's parser opens the RFC packet back to the CRYPTO frame`, () => {
    const pkt = hex(c.packet);
    const h = readInvariantLongHeader(pkt, 0)!;
    assert.equal(toHex(h.dcid), V.RFC_DCID);
    const l = readLongPacketLayout(pkt, h, c.info);
    assert.ok(typeof l !== "string");
    assert.equal(l.type, "initial");
    assert.equal(l.end, 1200);
    const keys = protectorOf(P, initialPacketKeys(P, c.info, initialSecrets(P, c.info, DCID).client));
    const opened = openLongPacket(keys, pkt, 0, l.pnOffset, l.end);
    assert.ok(typeof opened !== "string");
    assert.equal(opened.packetNumber, 2);
    assert.equal(toHex(opened.header), c.client.header);
    assert.equal(toHex(opened.payload.subarray(0, 245)), V.RFC_CLIENT_CRYPTO_FRAME);
    const frames = parseInitialFrames(opened.payload);
    assert.ok(typeof frames !== "string");
    assert.equal(frames.crypto.length, 1);
    assert.equal(frames.crypto[0].data.length, 241);
    assert.equal(frames.padding, 1162 - 245);
    // One flipped ciphertext bit fails authentication; the input is left untouched.
    const bad = pkt.slice();
    bad[600] ^= 1;
    assert.equal(openLongPacket(keys, bad, 0, l.pnOffset, l.end), "decrypt-failed");
    assert.equal(toHex(pkt), c.packet);
  });

  test(`${c.name} A.3: the server Initial seals byte for byte`, () => {
    const keys = protectorOf(P, initialPacketKeys(P, c.info, initialSecrets(P, c.info, DCID).server));
    const sealed = sealLongPacket(keys, hex(c.server.header), 1, 2, hex(V.SERVER_PAYLOAD));
    assert.equal(toHex(sealed), c.server.packet);
  });

  test(`${c.name} A.4: Retry packet and integrity tag byte for byte`, () => {
    const retry = encodeRetry(P, {
      info: c.info,
      dcid: new Uint8Array(0),
      scid: hex("f067a5502a4262b5"),
      token: new TextEncoder().encode("token"),
      originalDcid: DCID,
      unusedBits: 0xf,
    });
    assert.equal(toHex(retry), c.retry);
    assert.ok(verifyRetryIntegrity(P, c.info, DCID, hex(c.retry)));
    const other = DCID.slice();
    other[0] ^= 1;
    assert.equal(verifyRetryIntegrity(P, c.info, other, hex(c.retry)), false, "tag binds the ODCID");
  });
}

test("v1 and v2 Retry tags differ (distinct keys): a v1 Retry does not verify as v2", () => {
  assert.equal(verifyRetryIntegrity(P, V2_INFO, DCID, hex(V.V1_RETRY)), false);
});
