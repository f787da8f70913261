// Truncation at every offset of every fixture ClientHello, and random / mutated bytes
// (fast-check): only DecodeError, never another exception.
import { test } from "node:test";
import assert from "node:assert/strict";
import { DecodeError, parseClientHello } from "../mod.ts";
import { readDtlsRecord } from "../wire.ts";
import { DTLS_FIXTURES, loadHexFixture } from "./helpers/fixtures.ts";
import {
  fixtureBodies,
  mutatedFixtureProperty,
  onlyDecodeError,
  randomBytesProperty,
} from "./helpers/properties.ts";

test("truncating every fixture ClientHello at every offset gives DecodeError (truncated)", () => {
  let checked = 0;
  for (const [name, body, dtls] of fixtureBodies()) {
    const full = parseClientHello(body, { dtls });
    for (let n = 0; n < body.length; n++) {
      const prefix = body.slice(0, n);
      if (n === full.offsets.extensions) {
        // Cut exactly before the extensions block: a valid extension-less ClientHello.
        const ch = parseClientHello(prefix, { dtls });
        assert.equal(ch.extensions.length, 0, name);
        continue;
      }
      let err: unknown;
      try {
        parseClientHello(prefix, { dtls });
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof DecodeError, `${name} cut at ${n}: ${String(err)}`);
      assert.equal(err.reason, "truncated", `${name} cut at ${n}: ${err.message}`);
      assert.ok(err.offset <= n, `${name} cut at ${n}: offset ${err.offset}`);
      checked++;
    }
  }
  assert.ok(checked > 2000, `checked ${checked}`);
});

test("truncating every DTLS fixture datagram gives a truncated DecodeError from the record layer", () => {
  for (const name of DTLS_FIXTURES) {
    for (const dg of loadHexFixture(name)) {
      for (let n = 0; n < dg.length; n++) {
        assert.throws(
          () => readDtlsRecord(dg.subarray(0, n)),
          (e: unknown) => e instanceof DecodeError && e.reason === "truncated",
        );
      }
      assert.equal(readDtlsRecord(dg).fragment.length, dg.length - 13);
    }
  }
});

test("a trailing byte after any fixture ClientHello is trailing-bytes", () => {
  for (const [name, body, dtls] of fixtureBodies()) {
    const longer = new Uint8Array(body.length + 1);
    longer.set(body);
    assert.throws(
      () => parseClientHello(longer, { dtls }),
      (e: unknown) => e instanceof DecodeError && e.reason === "trailing-bytes",
      name,
    );
  }
});

test("onlyDecodeError rethrows foreign exceptions (the harness can fail)", () => {
  assert.equal(onlyDecodeError(() => 1), "ok");
  assert.equal(onlyDecodeError(() => parseClientHello(new Uint8Array(3), { dtls: false })), "decode-error");
  assert.throws(() => onlyDecodeError(() => (undefined as unknown as { f(): void }).f()), TypeError);
});

test("random bytes: only DecodeError (fast-check, 3000 runs)", () => {
  randomBytesProperty(3000);
});

test("mutated fixture ClientHellos: only DecodeError (fast-check, 3000 runs)", () => {
  mutatedFixtureProperty(3000);
});
