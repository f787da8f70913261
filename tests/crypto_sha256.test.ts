// core/crypto/sha256.ts against @noble/hashes and the FIPS 180-2 "abc" vector.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { sha256 } from "@noble/hashes/sha2.js";
import { sha256Of } from "../core/crypto/sha256.ts";
import { digest } from "../core/crypto/hash.ts";
import { toHex } from "./helpers/fixtures.ts";

test("sha256Of: FIPS 180-2 'abc' and empty-string vectors", () => {
  assert.equal(toHex(sha256Of(new TextEncoder().encode("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(toHex(sha256Of()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
});

test("sha256Of equals noble for every length around the block boundaries and any split into parts", () => {
  for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000]) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff);
    assert.equal(toHex(sha256Of(data)), toHex(sha256(data)), `length ${n}`);
  }
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 5 }), (data, cuts) => {
    const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
    const parts: Uint8Array[] = [];
    let at = 0;
    for (const p of points) {
      parts.push(data.subarray(at, p));
      at = p;
    }
    parts.push(data.subarray(at));
    assert.equal(toHex(sha256Of(...parts)), toHex(sha256(data)));
    assert.equal(toHex(digest("sha256", ...parts)), toHex(sha256(data)));
  }), { numRuns: 300 });
});
