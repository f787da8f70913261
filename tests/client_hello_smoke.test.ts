import { test } from "node:test";
import assert from "node:assert/strict";
import { DecodeError, parseClientHello } from "../mod.ts";
import { encodeClientHello } from "../testing/mod.ts";

test("encode/parse a minimal DTLS ClientHello", () => {
  const body = encodeClientHello({
    dtls: true, legacyVersion: 0xfefd, random: new Uint8Array(32).fill(7), legacySessionId: new Uint8Array(0),
    legacyCookie: new Uint8Array([1, 2, 3]), cipherSuites: [0xc02b], compressionMethods: new Uint8Array([0]),
    extensions: [{ type: 23, data: new Uint8Array(0) }],
  });
  const ch = parseClientHello(body, { dtls: true });
  assert.equal(ch.legacyVersion, 0xfefd);
  assert.deepEqual([...ch.legacyCookie!], [1, 2, 3]);
  assert.deepEqual(ch.cipherSuites, [0xc02b]);
  assert.equal(ch.extensions.length, 1);
  assert.throws(() => parseClientHello(body.subarray(0, body.length - 1), { dtls: true }), DecodeError);
});
