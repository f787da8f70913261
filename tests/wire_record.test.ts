// Record framing (TLS, DTLS, DTLS 1.3 unified header) and handshake headers, against
// hand-written bytes from RFC 8446 §5.1, RFC 6347 §4.1 / §4.2.2 and RFC 9147 §4.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DecodeError } from "../mod.ts";
import { dtlsRecords, encodeDtlsHandshake, encodeDtlsRecord, encodeTlsHandshake, encodeTlsRecord, isDtlsUnifiedHeader, peekTlsRecordHeader, readDtlsHandshakeFragment, readDtlsRecord } from "../wire.ts";
import { concat, hex } from "./helpers/fixtures.ts";

test("peekTlsRecordHeader: needs 5 bytes, reads type/version/length", () => {
  for (let n = 0; n < 5; n++) assert.equal(peekTlsRecordHeader(hex("1603010200").subarray(0, n)), undefined);
  assert.deepEqual(peekTlsRecordHeader(hex("1603010200")), {
    contentType: 22,
    version: 0x0301,
    length: 0x200,
  });
  assert.deepEqual(peekTlsRecordHeader(hex("aa 1403030001 01"), 1), {
    contentType: 20,
    version: 0x0303,
    length: 1,
  });
});

test("encodeTlsRecord writes the RFC 8446 §5.1 header; refuses > 65535 bytes", () => {
  assert.deepEqual(encodeTlsRecord(20, 0x0303, hex("01")), hex("140303000101"));
  assert.throws(() => encodeTlsRecord(22, 0x0303, new Uint8Array(65536)), RangeError);
});

test("readDtlsRecord: all 13 header bytes, 48-bit sequence", () => {
  const rec = hex("16 fefd 0001 ffffffffffff 0002 aabb");
  const r = readDtlsRecord(rec);
  assert.equal(r.contentType, 22);
  assert.equal(r.version, 0xfefd);
  assert.equal(r.epoch, 1);
  assert.equal(r.sequence, 2 ** 48 - 1);
  assert.equal(r.offset, 0);
  assert.deepEqual(r.fragment, hex("aabb"));
  assert.deepEqual(encodeDtlsRecord(22, 0xfefd, 1, 2 ** 48 - 1, hex("aabb")), rec);
  assert.equal(
    readDtlsRecord(encodeDtlsRecord(22, 0xfeff, 0, 0x0102_0304_0506, new Uint8Array(0))).sequence,
    0x0102_0304_0506,
  );
});

test("readDtlsRecord: truncated header and fragment are typed errors", () => {
  const h = assert.throws;
  h(
    () => readDtlsRecord(hex("16fefd00000000000000000000").subarray(0, 12)),
    (e: unknown) => e instanceof DecodeError && e.field === "dtls_record.header",
  );
  h(
    () => readDtlsRecord(hex("16 fefd 0000 000000000000 0003 aabb")),
    (e: unknown) =>
      e instanceof DecodeError && e.reason === "truncated" && e.field === "dtls_record.fragment" &&
      e.offset === 13,
  );
});

test("dtlsRecords iterates several records in one datagram (RFC 6347 §4.1.1)", () => {
  const a = encodeDtlsRecord(22, 0xfefd, 0, 5, hex("01"));
  const b = encodeDtlsRecord(21, 0xfefd, 0, 6, hex("0228"));
  const recs = [...dtlsRecords(concat(a, b))];
  assert.equal(recs.length, 2);
  assert.deepEqual(recs.map((r) => ("unified" in r ? -1 : r.sequence)), [5, 6]);
  assert.deepEqual(recs.map((r) => ("unified" in r ? -1 : r.offset)), [0, 14]);
  // A truncated second record stops the iteration with a DecodeError after the first.
  const it = dtlsRecords(concat(a, b.subarray(0, 10)));
  assert.equal((it.next().value as { sequence: number }).sequence, 5);
  assert.throws(() => it.next(), DecodeError);
});

test("DTLS 1.3 unified header (001CSLEE) is recognised and ends iteration", () => {
  for (let b = 0; b < 256; b++) assert.equal(isDtlsUnifiedHeader(b), b >= 0x20 && b <= 0x3f, `byte ${b}`);
  const plain = encodeDtlsRecord(22, 0xfefd, 0, 0, hex("00"));
  const recs = [...dtlsRecords(concat(plain, hex("2c 0001 aabbccdd")))];
  assert.equal(recs.length, 2);
  assert.deepEqual(recs[1], { unified: true, offset: 14 });
  // Content types 20..26 are below 0x20 and never mistaken for a unified header.
  for (const t of [20, 21, 22, 23, 25, 26]) assert.equal(isDtlsUnifiedHeader(t), false);
});

test("readDtlsHandshakeFragment reads RFC 6347 §4.2.2 fields", () => {
  const f = readDtlsHandshakeFragment(hex("01 000100 0002 000010 000003 aabbcc"));
  assert.deepEqual(
    { ...f, body: [...f.body] },
    {
      msgType: 1,
      length: 256,
      messageSeq: 2,
      fragmentOffset: 16,
      fragmentLength: 3,
      body: [0xaa, 0xbb, 0xcc],
    },
  );
  const g = readDtlsHandshakeFragment(hex("ff 01 000000 0000 000000 000000"), 1); // at an offset
  assert.equal(g.length, 0);
});

test("readDtlsHandshakeFragment: offset+length > length is illegal-value; short input is truncated", () => {
  assert.throws(
    () => readDtlsHandshakeFragment(hex("01 000010 0000 00000c 000005 0000000000")),
    (e: unknown) => e instanceof DecodeError && e.reason === "illegal-value" && e.offset === 9,
  );
  assert.throws(
    () => readDtlsHandshakeFragment(hex("01 000010 0000 000000 000005 00000000")),
    (e: unknown) =>
      e instanceof DecodeError && e.reason === "truncated" && e.field === "dtls_handshake.fragment",
  );
  for (let n = 0; n < 12; n++) {
    assert.throws(
      () => readDtlsHandshakeFragment(new Uint8Array(n)),
      (e: unknown) => e instanceof DecodeError && e.field === "dtls_handshake.header",
    );
  }
});

test("encodeDtlsHandshake / encodeTlsHandshake headers", () => {
  assert.deepEqual(encodeDtlsHandshake(3, 0, hex("fefd00")), hex("03 000003 0000 000000 000003 fefd00"));
  assert.deepEqual(encodeTlsHandshake(2, hex("0303")), hex("02 000002 0303"));
  const f = readDtlsHandshakeFragment(encodeDtlsHandshake(1, 7, new Uint8Array(300)));
  assert.equal(f.messageSeq, 7);
  assert.equal(f.fragmentLength, 300);
});
