import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { CookieMacKey } from "../core/gate/cookie/mac.ts";
import { cascadeReference } from "./helpers/cascade_reference.ts";

const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

function mac(key: Uint8Array, data: Uint8Array, length = 32): Uint8Array {
  const out = new Uint8Array(length);
  new CookieMacKey(key).begin().bytes(data).finishInto(out, 0, length);
  return out;
}

test("cookie MAC: RFC 4231 HMAC-SHA256 test cases 1, 2, 4, 6 and 7", () => {
  const cases: [string, string, string][] = [
    ["0b".repeat(20), "4869205468657265", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
    [
      "4a656665",
      "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ],
    [
      "0102030405060708090a0b0c0d0e0f10111213141516171819",
      "cd".repeat(50),
      "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    ],
    [
      "aa".repeat(131),
      toHex(new TextEncoder().encode("Test Using Larger Than Block-Size Key - Hash Key First")),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ],
    [
      "aa".repeat(131),
      toHex(
        new TextEncoder().encode(
          "This is a test using a larger than block-size key and a larger than block-size data. " +
            "The key needs to be hashed before being used by the HMAC algorithm.",
        ),
      ),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ],
  ];
  for (const [key, data, expected] of cases) assert.equal(toHex(mac(fromHex(key), fromHex(data))), expected);
  // Test case 5: truncation to 128 bits.
  assert.equal(
    toHex(mac(fromHex("0c".repeat(20)), new TextEncoder().encode("Test With Truncation"), 16)),
    "a3b6167473100ee06e0c796c2955552b",
  );
});

test("cookie MAC: equals noble hmac(sha256) for any key, message and split into pieces", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 150 }),
      fc.uint8Array({ minLength: 0, maxLength: 400 }),
      fc.array(fc.nat(400), { maxLength: 6 }),
      (key, msg, cuts) => {
        const points = [0, ...cuts.map((c) => c % (msg.length + 1)).sort((a, b) => a - b), msg.length];
        const s = new CookieMacKey(key).begin();
        for (let i = 1; i < points.length; i++) s.bytes(msg, points[i - 1], points[i]);
        const out = new Uint8Array(32);
        s.finishInto(out, 0, 32);
        assert.deepEqual(out, hmac(sha256, key, msg));
      },
    ),
    { numRuns: 300 },
  );
});

test("cookie MAC: u8/u16/u32 feed big-endian bytes; finishEquals compares exactly the prefix", () => {
  const key = new Uint8Array(32).fill(3);
  const k = new CookieMacKey(key);
  const out = new Uint8Array(32);
  k.begin().u8(0xab).u16(0x0102).u32(0xdeadbeef).finishInto(out, 0, 32);
  assert.deepEqual(out, hmac(sha256, key, fromHex("ab0102deadbeef")));
  const tagged = new Uint8Array(40);
  tagged.set(out.subarray(0, 20), 7);
  assert.equal(k.begin().u8(0xab).u16(0x0102).u32(0xdeadbeef).finishEquals(tagged, 7, 20), true);
  for (let bit = 0; bit < 160; bit += 13) {
    const bad = tagged.slice();
    bad[7 + (bit >> 3)] ^= 1 << (bit & 7);
    assert.equal(k.begin().u8(0xab).u16(0x0102).u32(0xdeadbeef).finishEquals(bad, 7, 20), false);
  }
  // An interleaved MAC under another key does not disturb a later one (shared scratch state).
  const other = new CookieMacKey(new Uint8Array(32).fill(4));
  other.begin().bytes(new Uint8Array(100)).finishInto(new Uint8Array(32), 0, 32);
  assert.equal(k.begin().u8(0xab).u16(0x0102).u32(0xdeadbeef).finishEquals(tagged, 7, 20), true);
});

test("cascade MAC: equals the noble-based reference for any key, length and split, including exact block multiples", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 150 }),
      fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.constantFrom(62, 126, 63, 0).map((n) => new Uint8Array(n).fill(5))),
      fc.array(fc.nat(300), { maxLength: 5 }),
      (key, msg, cuts) => {
        const points = [0, ...cuts.map((c) => c % (msg.length + 1)).sort((a, b) => a - b), msg.length];
        const s = new CookieMacKey(key).beginCascade(msg.length);
        for (let i = 1; i < points.length; i++) s.bytes(msg, points[i - 1], points[i]);
        const out = new Uint8Array(32);
        s.finishInto(out, 0, 32);
        assert.deepEqual(out, cascadeReference(key, msg));
      },
    ),
    { numRuns: 300 },
  );
});

test("cascade MAC: a fixed vector, domain separation from HMAC, and a length that is not kept throws", () => {
  const key = new Uint8Array(32).map((_, i) => i);
  const msg = new TextEncoder().encode("hellogate");
  const k = new CookieMacKey(key);
  const out = new Uint8Array(32);
  k.beginCascade(msg.length).bytes(msg).finishInto(out, 0, 32);
  // Pinned: the noble reference and a separate pure-Python SHA-256 compression (checked on the
  // FIPS 180-4 "abc" example) both give this value for key 00..1f and "hellogate".
  assert.equal(toHex(out), "a6a664e463ed793ff1be6efbad86d57c7745989f355905f3bd2995d2dcf75004");
  assert.equal(toHex(cascadeReference(key, msg)), toHex(out));
  // Under the same key the cascade and HMAC differ, and so does the message with one more zero
  // byte (the length prefix keeps the zero padding unambiguous).
  assert.notDeepEqual(out, hmac(sha256, key, msg));
  const longer = new Uint8Array(msg.length + 1);
  longer.set(msg);
  const out2 = new Uint8Array(32);
  k.beginCascade(longer.length).bytes(longer).finishInto(out2, 0, 32);
  assert.notDeepEqual(out2, out);
  assert.equal(k.beginCascade(msg.length).bytes(msg).finishEquals(out, 0, 27), true);
  assert.throws(() => k.beginCascade(msg.length).bytes(msg).u8(0).finishInto(out2, 0, 32), RangeError);
  assert.throws(() => k.beginCascade(msg.length).bytes(msg, 1).finishInto(out2, 0, 32), RangeError);
  assert.throws(() => k.beginCascade(0x10000), RangeError);
  assert.throws(() => k.beginCascade(-1), RangeError);
  // After a throw the stream works again, in either mode.
  assert.equal(k.beginCascade(msg.length).bytes(msg).finishEquals(out, 0, 32), true);
  const h = new Uint8Array(32);
  k.begin().bytes(msg).finishInto(h, 0, 32);
  assert.deepEqual(h, hmac(sha256, key, msg));
});

test("cookie MAC: keys are redacted in JSON, toString and inspection", () => {
  const k = new CookieMacKey(new Uint8Array(32).fill(0x41));
  for (
    const text of [
      JSON.stringify({ k }),
      String(k),
      (k as unknown as Record<symbol, () => string>)[Symbol.for("Deno.customInspect")](),
      (k as unknown as Record<symbol, () => string>)[Symbol.for("nodejs.util.inspect.custom")](),
    ]
  ) {
    assert.match(text, /redacted/);
    assert.doesNotMatch(text, /AAAA|65,65|4141/);
  }
  assert.deepEqual(Object.keys(k), []);
});
