// parse(encode(x)) == x over generated ClientHello field sets: random extension lists with
// unique types (known types carry valid typed data, unknown/GREASE types random bytes),
// pre_shared_key last or absent.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeAlpn, encodeClientHello, encodeCookieExtension, encodeKeyShareClient, encodeServerName, encodeSupportedVersionsClient, encodeU16List, encodeU8Vector } from "../testing/mod.ts";
import { parseClientHello } from "../mod.ts";
import { Writer } from "../wire.ts";

type Expect = Record<string, unknown>;
interface GenExt {
  type: number;
  data: Uint8Array;
  expect: Expect;
}

const KNOWN = new Set([0, 10, 13, 14, 16, 21, 28, 41, 42, 43, 44, 45, 51, 54]);
const u16 = fc.integer({ min: 0, max: 0xffff });
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const ascii = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0x21, max: 0x7e }), { minLength: min, maxLength: max }).map((a) =>
    String.fromCharCode(...a)
  );

const known: fc.Arbitrary<GenExt>[] = [
  ascii(1, 30).map((h) => ({ type: 0, data: encodeServerName(h), expect: { serverName: h } })),
  fc.array(u16, { minLength: 1, maxLength: 20 }).map((g) => ({
    type: 10,
    data: encodeU16List(g),
    expect: { supportedGroups: g },
  })),
  fc.array(u16, { minLength: 1, maxLength: 20 }).map((g) => ({
    type: 13,
    data: encodeU16List(g),
    expect: { signatureAlgorithms: g },
  })),
  fc.array(u16, { minLength: 1, maxLength: 10 }).map((v) => ({
    type: 43,
    data: encodeSupportedVersionsClient(v),
    expect: { supportedVersions: v },
  })),
  fc.uniqueArray(fc.record({ group: u16, keyExchange: bytes(1, 80) }), {
    selector: (s) => s.group,
    maxLength: 4,
  })
    .map((s) => s.map(({ group, keyExchange }) => ({ group, keyExchange }))) // plain objects (fc.record's have a null prototype)
    .map((s) => ({ type: 51, data: encodeKeyShareClient(s), expect: { keyShares: s } })),
  bytes(1, 300).map((c) => ({ type: 44, data: encodeCookieExtension(c), expect: { cookie: c } })),
  bytes(1, 4).map((m) => ({ type: 45, data: encodeU8Vector(m), expect: { pskKeyExchangeModes: m } })),
  fc.constant({ type: 42, data: new Uint8Array(0), expect: { earlyData: true } }),
  fc.array(ascii(1, 20), { minLength: 1, maxLength: 5 }).map((a) => ({
    type: 16,
    data: encodeAlpn(a),
    expect: { alpn: a },
  })),
  fc.nat(100).map((n) => ({ type: 21, data: new Uint8Array(n), expect: { paddingLength: n } })),
  bytes(0, 20).map((c) => ({ type: 54, data: encodeU8Vector(c), expect: { connectionId: c } })),
  fc.tuple(fc.array(u16, { minLength: 1, maxLength: 5 }), bytes(0, 5)).map(([profiles, mki]) => {
    const w = new Writer();
    w.nested(2, (w) => profiles.forEach((p) => w.u16(p))).vector(1, mki);
    return { type: 14, data: w.finish(), expect: { useSrtp: { profiles, mki } } };
  }),
  fc.integer({ min: 64, max: 0xffff }).map((n) => ({
    type: 28,
    data: new Writer().u16(n).finish(),
    expect: { recordSizeLimit: n },
  })),
];
const unknown: fc.Arbitrary<GenExt> = fc.tuple(u16.filter((t) => !KNOWN.has(t)), bytes(0, 40)).map((
  [type, data],
) => ({
  type,
  data,
  expect: {},
}));
const psk: fc.Arbitrary<GenExt> = fc.array(
  fc.record({ identity: bytes(1, 20), age: fc.integer({ min: 0, max: 0xffffffff }), binder: bytes(32, 48) }),
  { minLength: 1, maxLength: 3 },
).map((ids) => {
  const w = new Writer();
  w.nested(2, (w) => ids.forEach((i) => w.vector(2, i.identity).u32(i.age)));
  w.nested(2, (w) => ids.forEach((i) => w.vector(1, i.binder)));
  return {
    type: 41,
    data: w.finish(),
    expect: {
      preSharedKey: {
        identities: ids.map((i) => ({ identity: i.identity, obfuscatedTicketAge: i.age })),
        binders: ids.map((i) => i.binder),
      },
    },
  };
});

const extensionList = fc.tuple(
  fc.uniqueArray(fc.oneof(...known, unknown, unknown), { selector: (e) => e.type, maxLength: 14 }),
  fc.option(psk, { nil: undefined }),
).map(([list, p]) => (p ? [...list, p] : list));

const fields = fc.record({
  dtls: fc.boolean(),
  legacyVersion: u16,
  random: bytes(32, 32),
  legacySessionId: bytes(0, 32),
  legacyCookie: bytes(0, 255),
  cipherSuites: fc.array(u16, { minLength: 1, maxLength: 40 }),
  compressionMethods: bytes(1, 4),
  extensions: fc.option(extensionList, { nil: undefined }),
});

test("parse(encode(x)) == x for generated ClientHellos (fast-check, 2000 runs)", () => {
  fc.assert(
    fc.property(fields, (f) => {
      const body = encodeClientHello(f);
      const ch = parseClientHello(body, { dtls: f.dtls });
      assert.equal(ch.dtls, f.dtls);
      assert.equal(ch.legacyVersion, f.legacyVersion);
      assert.deepEqual(ch.random, f.random);
      assert.deepEqual(ch.legacySessionId, f.legacySessionId);
      assert.deepEqual(ch.legacyCookie, f.dtls ? f.legacyCookie : undefined);
      assert.deepEqual(ch.cipherSuites, f.cipherSuites);
      assert.deepEqual(ch.compressionMethods, f.compressionMethods);
      const exts = f.extensions ?? [];
      assert.deepEqual(ch.extensions.map((e) => [e.type, e.data]), exts.map((e) => [e.type, e.data]));
      assert.equal(
        ch.offsets.extensions,
        f.extensions ? body.length - 2 - exts.reduce((n, e) => n + 4 + e.data.length, 0) : body.length,
      );
      for (const e of exts) {
        for (const [k, v] of Object.entries(e.expect)) {
          const got = (ch as unknown as Record<string, unknown>)[k];
          if (k === "preSharedKey") {
            const p = got as { identities: unknown; binders: unknown; bindersOffset: number };
            const want = v as { identities: unknown; binders: unknown };
            assert.deepEqual(p.identities, want.identities);
            assert.deepEqual(p.binders, want.binders);
            // The binders list is the tail of the body (RFC 8446 §4.2.11.2 truncation point).
            const bl = (body[p.bindersOffset] << 8) | body[p.bindersOffset + 1];
            assert.equal(p.bindersOffset + 2 + bl, body.length);
          } else {
            assert.deepEqual(got, v, `extension ${e.type} field ${k}`);
          }
        }
      }
      // Unknown extensions leave no typed field behind.
      if (!exts.some((e) => e.type === 10)) assert.equal(ch.supportedGroups, undefined);
      if (!exts.some((e) => e.type === 51)) assert.equal(ch.keyShares, undefined);
    }),
    { numRuns: 2000 },
  );
});

test("re-encoding a parsed fixture-like ClientHello from its raw fields reproduces the bytes", () => {
  fc.assert(
    fc.property(fields, (f) => {
      const body = encodeClientHello(f);
      const ch = parseClientHello(body, { dtls: f.dtls });
      const again = encodeClientHello({
        dtls: ch.dtls,
        legacyVersion: ch.legacyVersion,
        random: ch.random,
        legacySessionId: ch.legacySessionId,
        legacyCookie: ch.legacyCookie,
        cipherSuites: ch.cipherSuites,
        compressionMethods: ch.compressionMethods,
        extensions: ch.offsets.extensions === body.length ? undefined : ch.extensions,
      });
      assert.deepEqual(again, body);
    }),
    { numRuns: 500 },
  );
});
