// mergeByteRange (core/wire/byte_ranges.ts), the range bookkeeping under both pre-validation
// reassembly budgets (DTLS ClientHello fragments, QUIC CRYPTO frames): pieces in any order and
// overlapping, adjacent ranges coalesced, conflicting bytes refused before anything is written,
// and the range cap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mergeByteRange } from "../core/wire/byte_ranges.ts";

const MESSAGE = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
const piece = (start: number, end: number) => MESSAGE.slice(start, end);

test("mergeByteRange: out-of-order and overlapping pieces coalesce into [0, length)", () => {
  const buf = new Uint8Array(MESSAGE.length);
  let r: number[] = [];
  const add = (start: number, end: number) => {
    const out = mergeByteRange(buf, r, start, piece(start, end), 32);
    assert.ok(Array.isArray(out), `piece [${start}, ${end})`);
    r = out;
  };
  add(30, 40);
  assert.deepEqual(r, [30, 40]);
  add(0, 10);
  assert.deepEqual(r, [0, 10, 30, 40]);
  add(10, 12); // adjacent: joins the first range
  assert.deepEqual(r, [0, 12, 30, 40]);
  add(20, 25);
  assert.deepEqual(r, [0, 12, 20, 25, 30, 40]);
  add(5, 35); // overlaps three ranges with the same bytes
  assert.deepEqual(r, [0, 40]);
  assert.deepEqual(buf, MESSAGE);
});

test("mergeByteRange: an empty piece changes nothing; the input list is never modified", () => {
  const buf = new Uint8Array(8);
  const r = [0, 4];
  assert.equal(mergeByteRange(buf, r, 6, new Uint8Array(0), 32), r);
  const out = mergeByteRange(buf, r, 6, new Uint8Array([9, 9]), 32);
  assert.deepEqual(out, [0, 4, 6, 8]);
  assert.deepEqual(r, [0, 4]);
});

test("mergeByteRange: a byte that differs from one held is a conflict, and nothing is written", () => {
  const buf = new Uint8Array(MESSAGE.length);
  const r = mergeByteRange(buf, [], 0, piece(0, 10), 32) as number[];
  const forged = piece(8, 16);
  forged[1] ^= 0xff; // offset 9, already held
  assert.equal(mergeByteRange(buf, r, 8, forged, 32), "conflict");
  assert.deepEqual(buf.subarray(0, 10), piece(0, 10));
  assert.deepEqual(buf.subarray(10, 16), new Uint8Array(6)); // the non-overlapping part was not written either
});

test("mergeByteRange: more disjoint ranges than maxRanges are refused", () => {
  const buf = new Uint8Array(MESSAGE.length);
  let r: number[] = [];
  for (let i = 0; i < 3; i++) r = mergeByteRange(buf, r, i * 4, piece(i * 4, i * 4 + 1), 3) as number[];
  assert.deepEqual(r, [0, 1, 4, 5, 8, 9]);
  assert.equal(mergeByteRange(buf, r, 12, piece(12, 13), 3), "too-many-ranges");
  // Filling a gap instead stays within the cap.
  assert.deepEqual(mergeByteRange(buf, r, 1, piece(1, 4), 3), [0, 5, 8, 9]);
});
