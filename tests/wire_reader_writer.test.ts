// Reader / Writer: integer round trips (u48 near 2^48), vector bounds, typed errors naming
// field and offset.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { DecodeError } from "../mod.ts";
import { Reader, Writer } from "../wire.ts";
import { hex } from "./helpers/fixtures.ts";

function decodeError(f: () => unknown): DecodeError {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw e;
  }
  throw new Error("no error");
}

test("Reader reads big-endian u8/u16/u24/u32/u48 from known bytes", () => {
  const r = new Reader(hex("ff 0102 030405 fffffffe 010203040506"));
  assert.equal(r.u8("a"), 0xff);
  assert.equal(r.u16("b"), 0x0102);
  assert.equal(r.u24("c"), 0x030405);
  assert.equal(r.u32("d"), 0xfffffffe);
  assert.equal(r.u48("e"), 0x010203040506);
  assert.equal(r.remaining, 0);
  r.expectEnd("end");
});

test("u48 round trip near 2^48 and around 2^32", () => {
  for (const v of [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 2 ** 47, 2 ** 48 - 2, 2 ** 48 - 1]) {
    const b = new Writer().u48(v).finish();
    assert.equal(b.length, 6);
    assert.equal(new Reader(b).u48("x"), v, `value ${v}`);
  }
  assert.deepEqual(new Writer().u48(2 ** 48 - 1).finish(), hex("ffffffffffff"));
  assert.deepEqual(new Writer().u48(2 ** 32).finish(), hex("000100000000"));
});

test("integer round trips (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 0xff }),
      fc.integer({ min: 0, max: 0xffff }),
      fc.integer({ min: 0, max: 0xffffff }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: 0, max: 2 ** 48 - 1 }),
      (a, b, c, d, e) => {
        const bytes = new Writer(1).u8(a).u16(b).u24(c).u32(d).u48(e).finish();
        assert.equal(bytes.length, 16);
        const r = new Reader(bytes);
        assert.deepEqual([r.u8("a"), r.u16("b"), r.u24("c"), r.u32("d"), r.u48("e")], [a, b, c, d, e]);
      },
    ),
    { numRuns: 500 },
  );
});

test("every short read is a truncated DecodeError naming the field and the offset", () => {
  const cases: [number, (r: Reader) => unknown][] = [
    [0, (r) => r.u8("f")],
    [1, (r) => r.u16("f")],
    [2, (r) => r.u24("f")],
    [3, (r) => r.u32("f")],
    [5, (r) => r.u48("f")],
    [3, (r) => r.bytesN(4, "f")],
    [3, (r) => r.skip(4, "f")],
  ];
  for (const [len, read] of cases) {
    const r = new Reader(new Uint8Array(len + 2), 2);
    const e = decodeError(() => read(r));
    assert.equal(e.reason, "truncated");
    assert.equal(e.field, "f");
    assert.equal(e.offset, 2);
    assert.equal(r.pos, 2, "a failed read does not move the cursor");
  }
});

test("Reader respects an explicit [start, end) window", () => {
  const bytes = hex("aa bb cc dd ee");
  const r = new Reader(bytes, 1, 3);
  assert.equal(r.remaining, 2);
  assert.equal(r.u16("x"), 0xbbcc);
  assert.equal(decodeError(() => r.u8("y")).offset, 3);
});

test("vector: 1/2/3-byte prefixes, zero-copy bodies, min/max bounds", () => {
  const bytes = hex("02 aabb 0003 010203 000001 ff");
  const r = new Reader(bytes);
  const a = r.vectorBytes(1, "a");
  assert.deepEqual(a, hex("aabb"));
  assert.equal(a.buffer, bytes.buffer, "zero-copy");
  assert.deepEqual(r.vector(2, "b"), [5, 8]);
  assert.deepEqual(r.vectorBytes(3, "c"), hex("ff"));
  r.expectEnd("all");

  const tooShort = decodeError(() => new Reader(hex("01 aa")).vector(1, "v", 2));
  assert.equal(tooShort.reason, "bad-length");
  assert.equal(tooShort.offset, 0);
  const tooLong = decodeError(() => new Reader(hex("0003 aabbcc")).vector(2, "v", 0, 2));
  assert.equal(tooLong.reason, "bad-length");
  assert.match(tooLong.message, /length 3 outside 0\.\.2/);
  assert.deepEqual(new Reader(hex("0002 aabb")).vector(2, "v", 2, 2), [2, 4]);
  const past = decodeError(() => new Reader(hex("0005 aabb")).vector(2, "v"));
  assert.equal(past.reason, "truncated");
  assert.equal(past.offset, 2);
});

test("expectEnd reports trailing bytes with their offset", () => {
  const r = new Reader(hex("01 02 03"));
  r.u8("a");
  const e = decodeError(() => r.expectEnd("msg"));
  assert.equal(e.reason, "trailing-bytes");
  assert.equal(e.offset, 1);
  assert.match(e.message, /2 bytes left/);
});

test("Writer: vectors with prefixes, nested length patching, growth", () => {
  const w = new Writer(1);
  w.vector(1, hex("aa")).vector(2, hex("bbcc")).vector(3, hex("")).nested(
    2,
    (w) => w.u8(1).nested(1, (w) => w.u16(0x0203)),
  );
  assert.deepEqual(w.finish(), hex("01aa 0002bbcc 000000 0004 01 02 0203"));
  assert.equal(w.length, 15);
  const big = new Writer(2).bytes(new Uint8Array(1000).fill(7)).finish();
  assert.equal(big.length, 1000);
  assert.ok(big.every((b) => b === 7));
});

test("Writer: vector bounds are RangeErrors (caller mistakes, not decode errors)", () => {
  assert.throws(() => new Writer().vector(1, new Uint8Array(256)), RangeError);
  assert.throws(() => new Writer().vector(2, new Uint8Array(65536)), RangeError);
  assert.throws(() => new Writer().nested(1, (w) => w.bytes(new Uint8Array(256))), RangeError);
  assert.equal(new Writer().vector(1, new Uint8Array(255)).finish().length, 256);
  assert.equal(new Writer().vector(2, new Uint8Array(65535)).finish().length, 65537);
});

test("Writer output round-trips through Reader for random vectors (fast-check)", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(fc.constantFrom(1, 2, 3) as fc.Arbitrary<1 | 2 | 3>, fc.uint8Array({ maxLength: 300 })),
      ),
      (vs) => {
        const w = new Writer();
        const ok = vs.filter(([p, d]) => p !== 1 || d.length <= 255);
        for (const [p, d] of ok) w.vector(p, d);
        const r = new Reader(w.finish());
        for (const [p, d] of ok) assert.deepEqual(r.vectorBytes(p, "v"), d);
        r.expectEnd("end");
      },
    ),
    { numRuns: 300 },
  );
});
