/**
 * Robustness properties shared by the npm-test file (a few thousand runs) and the long fuzz
 * task in tests/fuzz/ (>= 100k runs): untrusted bytes may only ever produce a DecodeError.
 *
 * @module
 */
import fc from "fast-check";
import { DecodeError, parseClientHello } from "../../mod.ts";
import { dtlsRecords, readDtlsHandshakeFragment, readDtlsRecord } from "../../wire.ts";
import { DTLS_FIXTURES, loadHexFixture, TLS_FIXTURES } from "./fixtures.ts";
import { dtlsMessageFromDatagrams, tlsMessageFromStream } from "./reassemble.ts";

/** Every fixture ClientHello body: `[name, body, dtls]`. */
export function fixtureBodies(): [string, Uint8Array, boolean][] {
  const out: [string, Uint8Array, boolean][] = [];
  for (const n of DTLS_FIXTURES) out.push([n, dtlsMessageFromDatagrams(loadHexFixture(n)).body, true]);
  for (const n of [...TLS_FIXTURES, "rfc8448-clienthello"]) {
    out.push([n, tlsMessageFromStream(loadHexFixture(n)[0]).body, false]);
  }
  return out;
}

/** Runs `f`; returns "ok", or "decode-error"; rethrows any other exception (a bug). */
export function onlyDecodeError(f: () => unknown): "ok" | "decode-error" {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof DecodeError) return "decode-error";
    throw e;
  }
}

/** Sanity of a successful parse: every raw view lies inside the body. */
function checkParsed(body: Uint8Array, dtls: boolean): void {
  const ch = parseClientHello(body, { dtls });
  const inside = (v: Uint8Array) =>
    v.buffer === body.buffer && v.byteOffset >= body.byteOffset &&
    v.byteOffset + v.length <= body.byteOffset + body.length;
  if (!inside(ch.random) || ch.random.length !== 32) throw new Error("random view out of range");
  for (const e of ch.extensions) if (!inside(e.data)) throw new Error("extension view out of range");
  if (ch.cipherSuites.length === 0) throw new Error("empty suites accepted");
}

/** Parses a body both ways (TLS, DTLS) and also frames it as a DTLS record/handshake. */
function exercise(bytes: Uint8Array): void {
  onlyDecodeError(() => checkParsed(bytes, false));
  onlyDecodeError(() => checkParsed(bytes, true));
  onlyDecodeError(() => readDtlsRecord(bytes));
  onlyDecodeError(() => readDtlsHandshakeFragment(bytes));
  onlyDecodeError(() => {
    for (const r of dtlsRecords(bytes)) if (!("unified" in r)) readDtlsHandshakeFragment(r.fragment);
  });
}

/** Property: arbitrary bytes only ever give DecodeError. */
export function randomBytesProperty(numRuns: number, seed?: number): void {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => exercise(b)), { numRuns, seed });
}

/** Property: a fixture body with random byte overwrites, insertions and cuts only gives DecodeError. */
export function mutatedFixtureProperty(numRuns: number, seed?: number): void {
  const bodies = fixtureBodies();
  const edit = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom("set", "insert", "delete", "cut"),
    value: fc.integer({ min: 0, max: 255 }),
  });
  fc.assert(
    fc.property(fc.nat(bodies.length - 1), fc.array(edit, { minLength: 1, maxLength: 6 }), (i, edits) => {
      let b = Array.from(bodies[i][1]);
      for (const e of edits) {
        const at = b.length === 0 ? 0 : e.at % b.length;
        if (e.kind === "set") b[at] = e.value;
        else if (e.kind === "insert") b.splice(at, 0, e.value);
        else if (e.kind === "delete") b.splice(at, 1);
        else b = b.slice(0, at);
      }
      exercise(new Uint8Array(b));
    }),
    { numRuns, seed },
  );
}
