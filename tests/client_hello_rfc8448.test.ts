// RFC 8448 §3 (Simple 1-RTT Handshake): the published ClientHello, parsed field by field.
import { test } from "node:test";
import assert from "node:assert/strict";
import { findExtension, parseClientHello } from "../mod.ts";
import { peekTlsRecordHeader } from "../wire.ts";
import { hex, loadHexFixture, toHex } from "./helpers/fixtures.ts";

const [record] = loadHexFixture("rfc8448-clienthello");
const body = record.subarray(9);

test("RFC 8448 §3: record and handshake framing (16 03 01 00 c4, 01 00 00 c0)", () => {
  assert.equal(record.length, 201);
  const h = peekTlsRecordHeader(record)!;
  assert.deepEqual(h, { contentType: 22, version: 0x0301, length: 0xc4 });
  assert.equal(record[5], 1); // client_hello
  assert.equal((record[6] << 16) | (record[7] << 8) | record[8], 0xc0);
  assert.equal(body.length, 0xc0);
});

test("RFC 8448 §3: fixed fields", () => {
  const ch = parseClientHello(body, { dtls: false });
  assert.equal(ch.dtls, false);
  assert.equal(ch.legacyVersion, 0x0303);
  assert.equal(toHex(ch.random), "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7");
  assert.equal(ch.legacySessionId.length, 0);
  assert.equal(ch.legacyCookie, undefined);
  assert.deepEqual(ch.cipherSuites, [0x1301, 0x1303, 0x1302]);
  assert.deepEqual([...ch.compressionMethods], [0]);
  assert.deepEqual(ch.offsets, {
    sessionId: 34,
    cookie: 35,
    cipherSuites: 35,
    compressionMethods: 43,
    extensions: 45,
  });
});

test("RFC 8448 §3: extension list in wire order with raw data", () => {
  const ch = parseClientHello(body, { dtls: false });
  assert.deepEqual(ch.extensions.map((e) => e.type), [0, 0xff01, 10, 35, 51, 43, 13, 45, 28]);
  assert.equal(ch.extensions.reduce((n, e) => n + 4 + e.data.length, 0), 0x91);
  // Raw offsets point at the type field inside the body.
  for (const e of ch.extensions) {
    assert.equal((body[e.offset] << 8) | body[e.offset + 1], e.type);
    assert.equal(e.data.byteOffset - body.byteOffset, e.offset + 4);
  }
  assert.equal(toHex(findExtension(ch, 0xff01)!.data), "00"); // renegotiation_info, empty
  assert.equal(findExtension(ch, 35)!.data.length, 0); // session_ticket, empty
});

test("RFC 8448 §3: typed extensions", () => {
  const ch = parseClientHello(body, { dtls: false });
  assert.equal(ch.serverName, "server");
  assert.deepEqual(ch.supportedGroups, [
    0x001d,
    0x0017,
    0x0018,
    0x0019,
    0x0100,
    0x0101,
    0x0102,
    0x0103,
    0x0104,
  ]);
  assert.equal(ch.keyShares!.length, 1);
  assert.equal(ch.keyShares![0].group, 0x001d);
  assert.deepEqual(
    ch.keyShares![0].keyExchange,
    hex("99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c"),
  );
  assert.deepEqual(ch.supportedVersions, [0x0304]);
  assert.deepEqual(ch.signatureAlgorithms, [
    0x0403,
    0x0503,
    0x0603,
    0x0203,
    0x0804,
    0x0805,
    0x0806,
    0x0401,
    0x0501,
    0x0601,
    0x0201,
    0x0402,
    0x0502,
    0x0602,
    0x0202,
  ]);
  assert.deepEqual([...ch.pskKeyExchangeModes!], [1]);
  assert.equal(ch.recordSizeLimit, 0x4001);
  assert.equal(ch.preSharedKey, undefined);
  assert.equal(ch.earlyData, undefined);
  assert.equal(ch.cookie, undefined);
  assert.equal(ch.alpn, undefined);
});

test("RFC 8448 §3: as a DTLS body it is rejected (the layouts differ), with a DecodeError", () => {
  // Read as DTLS, the first suite-length byte becomes a cookie length and the rest misaligns.
  assert.throws(() => parseClientHello(body, { dtls: true }), { name: "DecodeError" });
});
