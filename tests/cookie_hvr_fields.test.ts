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
import { offersVersion, readHvrFields } from "../core/gate/cookie/hvr_fields.ts";
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

test("offersVersion: agrees with the full parser's supported_versions on real DTLS 1.2/1.3 ClientHellos and random lists", () => {
  const captures = ["dtls12-openssl", "dtls12-gnutls"].map((name) => {
    const [dg] = loadHexFixture(name);
    return readDtlsHandshakeFragment(readDtlsRecord(dg).fragment).body;
  });
  fc.assert(fc.property(
    fc.array(fc.oneof(fc.constantFrom(0xfefc, 0xfefd, 0x0304), fc.integer({ min: 0, max: 0xffff })), { minLength: 1, maxLength: 8 }),
    fc.boolean(),
    (versions, withOther) => {
      const sv = new Uint8Array(1 + versions.length * 2);
      sv[0] = versions.length * 2;
      versions.forEach((v, i) => { sv[1 + 2 * i] = v >> 8; sv[2 + 2 * i] = v & 0xff; });
      const extensions = [...(withOther ? [{ type: 10, data: new Uint8Array([0, 2, 0, 0x1d]) }] : []), { type: 0x2b, data: sv }];
      captures.push(encodeClientHello({
        dtls: true,
        legacyVersion: 0xfefd,
        random: new Uint8Array(32),
        legacySessionId: new Uint8Array(0),
        legacyCookie: new Uint8Array(0),
        cipherSuites: [0x1301],
        compressionMethods: new Uint8Array([0]),
        extensions,
      }));
    },
  ), { numRuns: 100 });
  let with13 = 0;
  for (const body of captures) {
    const full = parseClientHello(body, { dtls: true });
    const f = readHvrFields(body)!;
    for (const v of [0xfefc, 0xfefd]) {
      assert.equal(offersVersion(f, v), (full.supportedVersions ?? []).includes(v));
    }
    if (offersVersion(f, 0xfefc)) with13++;
  }
  assert.ok(with13 > 0);
  // Malformed extension blocks give undefined (the listener falls back to the full parse).
  const body = captures[0];
  const f = readHvrFields(body)!;
  assert.equal(offersVersion({ ...f, body: body.subarray(0, body.length - 1) }, 0xfefc), undefined);
});
