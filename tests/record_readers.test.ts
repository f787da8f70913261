// core/record: the TLS record reader and handshake assembler give the same units for every
// chunking of the same stream, enforce their caps from the header alone, and never alias a
// pushed chunk across a need-data.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { TlsRecordReader } from "../core/record/tls_record_reader.ts";
import { TlsHandshakeAssembler } from "../core/record/tls_handshake_assembler.ts";
import { concatBytes } from "../testing/fragment.ts";

const record = (type: number, body: Uint8Array) => concatBytes([new Uint8Array([type, 3, 3, body.length >> 8, body.length & 0xff]), body]);
const message = (type: number, body: Uint8Array) =>
  concatBytes([new Uint8Array([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);

/** Splits `bytes` at the given cut points (sorted, deduplicated, inside the range). */
function chunksOf(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  return out;
}

test("record reader: RFC 8446 §5.1 header fields, a whole record from one chunk", () => {
  const r = new TlsRecordReader();
  r.push(new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x02, 0x01, 0x00, 0x15]));
  assert.deepEqual(r.next(), { kind: "record", contentType: 22, version: 0x0301, fragment: new Uint8Array([1, 0]) });
  assert.deepEqual(r.next(), { kind: "need-data", bytesNeeded: 4 });
  assert.equal(r.buffered, 1);
  assert.deepEqual(r.peekBytes(4), new Uint8Array([0x15]));
});

test("record reader: the same records for every chunking (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 20, max: 24 }), fc.uint8Array({ maxLength: 300 })), { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (records, cuts) => {
        const stream = concatBytes(records.map(([t, b]) => record(t, b)));
        const r = new TlsRecordReader();
        const got: [number, Uint8Array][] = [];
        for (const chunk of chunksOf(stream, cuts)) {
          r.push(chunk);
          for (let s = r.next(); s.kind === "record"; s = r.next()) got.push([s.contentType, s.fragment.slice()]);
          chunk.fill(0xee); // the caller reuses its buffer: nothing held may alias it
        }
        assert.equal(r.buffered, 0);
        assert.deepEqual(got, records.map(([t, b]) => [t, b]));
      },
    ),
    { numRuns: 300 },
  );
});

test("record reader: the cap is enforced from the header, before the body arrives, and sticks", () => {
  const r = new TlsRecordReader({ maxFragmentBytes: 100 });
  r.push(new Uint8Array([23, 3, 3, 0, 101]));
  const s = r.next();
  assert.equal(s.kind, "error");
  assert.equal(s.kind === "error" && s.reason, "bad-record-length");
  r.push(new Uint8Array(101));
  assert.equal(r.next().kind, "error");
  assert.throws(() => new TlsRecordReader({ maxFragmentBytes: 70000 }), RangeError);
});

test("record reader: a one-byte dribble of a 16 KiB record is linear and exact", () => {
  const body = Uint8Array.from({ length: 16384 }, (_, i) => i & 0xff);
  const stream = record(23, body);
  const r = new TlsRecordReader();
  let out: Uint8Array | undefined;
  const t0 = performance.now();
  for (let i = 0; i < stream.length; i++) {
    r.push(stream.subarray(i, i + 1));
    const s = r.next();
    if (s.kind === "record") out = s.fragment;
    else assert.equal(s.kind === "need-data" && s.bytesNeeded, i < 5 ? 5 - (i + 1) || 16384 : stream.length - (i + 1));
  }
  assert.deepEqual(out, body);
  assert.ok(performance.now() - t0 < 2000, "16k one-byte pushes stay well under 2 s");
});

test("handshake assembler: messages split across pushes, several per push, pendingType early", () => {
  const a = new TlsHandshakeAssembler();
  const m1 = message(1, new Uint8Array(10).fill(1)), m2 = message(20, new Uint8Array([9, 9]));
  const both = concatBytes([m1, m2]);
  a.push(both.subarray(0, 1));
  assert.equal(a.pendingType, 1);
  assert.deepEqual(a.next(), { kind: "need-data", bytesNeeded: 3 });
  a.push(both.subarray(1, 6));
  assert.equal(a.pendingLength, 14);
  assert.deepEqual(a.next(), { kind: "need-data", bytesNeeded: 8 });
  a.push(both.subarray(6));
  const s1 = a.next(), s2 = a.next();
  assert.equal(s1.kind === "message" && s1.msgType, 1);
  assert.deepEqual(s1.kind === "message" && s1.message, m1);
  assert.deepEqual(s2.kind === "message" && s2.body, new Uint8Array([9, 9]));
  assert.equal(a.next().kind, "need-data");
});

test("handshake assembler: the same messages for every chunking (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 400 })), { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      (messages, cuts) => {
        const stream = concatBytes(messages.map(([t, b]) => message(t, b)));
        const a = new TlsHandshakeAssembler();
        const got: [number, Uint8Array][] = [];
        for (const chunk of chunksOf(stream, cuts)) {
          a.push(chunk);
          for (let s = a.next(); s.kind === "message"; s = a.next()) got.push([s.msgType, s.body.slice()]);
          chunk.fill(0xee);
        }
        assert.deepEqual(got, messages.map(([t, b]) => [t, b]));
      },
    ),
    { numRuns: 300 },
  );
});

test("handshake assembler: a message over the cap is refused from its header alone", () => {
  const a = new TlsHandshakeAssembler({ maxMessageBytes: 1000 });
  a.push(new Uint8Array([1, 0, 0x03, 0xe5])); // 997 + 4 = 1001
  const s = a.next();
  assert.deepEqual(s.kind === "error" && [s.reason, s.msgType, s.length], ["message-too-large", 1, 997]);
  const ok = new TlsHandshakeAssembler({ maxMessageBytes: 1000 });
  ok.push(new Uint8Array([1, 0, 0x03, 0xe4]));
  assert.equal(ok.next().kind, "need-data");
});
