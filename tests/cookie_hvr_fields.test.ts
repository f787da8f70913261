// readHvrFields (the decode-less front of a DTLS ClientHello) agrees with the full parser on
// every offset an HVR cookie binds, for real client captures and random hellos, never throws on
// garbage, and a cookie issued from its result verifies against the fully parsed ClientHello2.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeClientHello } from "../core/messages/client_hello_encoder.ts";
import { parseClientHello } from "../core/messages/client_hello.ts";
import { readDtlsRecord } from "../core/wire/record.ts";
import { readDtlsHandshakeFragment } from "../core/wire/handshake_header.ts";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { issueHvrCookie, verifyHvrCookie } from "../core/gate/cookie/hvr_cookie.ts";
import { readHvrFields } from "../core/gate/cookie/hvr_fields.ts";
import type { PeerAddress } from "../core/peer.ts";
import { loadHexFixture } from "./helpers/fixtures.ts";

const PEER: PeerAddress = { family: "ipv4", address: "203.0.113.9", port: 5000 };
const T0 = 1_750_000_000_000;

test("readHvrFields: same offsets as parseClientHello on real OpenSSL and GnuTLS DTLS 1.2 ClientHellos", () => {
  for (const name of ["dtls12-openssl", "dtls12-gnutls"]) {
    const [dg] = loadHexFixture(name);
    const body = readDtlsHandshakeFragment(readDtlsRecord(dg).fragment).body;
    const full = parseClientHello(body, { dtls: true });
    const f = readHvrFields(body);
    assert.ok(f, name);
    assert.deepEqual({ ...f.offsets }, { ...full.offsets }, name);
    assert.equal(f.legacyVersion, full.legacyVersion);
    assert.equal(f.cookieLength, full.legacyCookie!.length);
  }
});

test("readHvrFields: agrees with the parser on random hellos; a cookie issued from it verifies on the parsed CH2", () => {
  const kr = CookieKeyring.random();
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.uint8Array({ maxLength: 32 }),
    fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 60 }),
    fc.uint8Array({ minLength: 1, maxLength: 4 }),
    (random, sessionId, cipherSuites, compressionMethods) => {
      const common = { dtls: true, legacyVersion: 0xfefd, random, legacySessionId: sessionId, cipherSuites, compressionMethods };
      const ch1 = encodeClientHello({ ...common, legacyCookie: new Uint8Array(0), extensions: [{ type: 23, data: new Uint8Array(0) }] });
      const f = readHvrFields(ch1);
      assert.ok(f);
      assert.deepEqual({ ...f.offsets }, { ...parseClientHello(ch1, { dtls: true }).offsets });
      const cookie = issueHvrCookie(kr, PEER, f, T0);
      const ch2 = parseClientHello(encodeClientHello({ ...common, legacyCookie: cookie, extensions: [] }), { dtls: true });
      assert.equal(verifyHvrCookie(kr, cookie, PEER, ch2, T0).ok, true);
    },
  ), { numRuns: 200 });
});

test("readHvrFields: never throws; undefined for truncated or malformed fronts", () => {
  const [dg] = loadHexFixture("dtls12-openssl");
  const body = readDtlsHandshakeFragment(readDtlsRecord(dg).fragment).body;
  const f = readHvrFields(body)!;
  // Every cut before the end of compression_methods is refused.
  for (let n = 0; n < f.offsets.extensions; n++) assert.equal(readHvrFields(body.subarray(0, n)), undefined, `cut at ${n}`);
  const bad = (patch: (b: Uint8Array) => void) => {
    const b = body.slice();
    patch(b);
    return readHvrFields(b);
  };
  assert.equal(bad((b) => (b[34] = 33)), undefined, "session_id over 32 bytes");
  assert.equal(bad((b) => (b[f.offsets.cipherSuites + 1] |= 1)), undefined, "odd suite list length");
  assert.equal(bad((b) => { b[f.offsets.cipherSuites] = 0; b[f.offsets.cipherSuites + 1] = 0; }), undefined, "no suites");
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (junk) => {
    const r = readHvrFields(junk);
    if (r) assert.ok(r.offsets.extensions <= junk.length);
  }), { numRuns: 1000 });
});
