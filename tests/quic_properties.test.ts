// Untrusted datagrams never throw out of QuicListener, never get a reply as large as themselves,
// and every outcome is one of the typed kinds (fast-check; a short run inside npm test).
import { test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import fc from "fast-check";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { QuicListener } from "../core/quic/listener.ts";
import { encodeCryptoFrame } from "../core/quic/frames.ts";
import { V1_INFO, V2_INFO } from "../core/quic/versions.ts";
import type { PeerAddress } from "../core/peer.ts";
import { hex } from "./helpers/fixtures.ts";
import * as V from "./helpers/quic_vectors.ts";
import { clientInitialPacket, quicClientHello } from "./helpers/quic_client.ts";

const PEER: PeerAddress = { family: "ipv4", address: "198.51.100.9", port: 5555 };
const T0 = 1_750_000_000_000;
const KINDS = new Set(["send", "accepted", "need-more-data", "dropped"]);

function check(l: QuicListener, d: Uint8Array): void {
  const o = l.receive(d, PEER, T0);
  assert.ok(KINDS.has(o.kind), o.kind);
  if (o.kind === "send") assert.ok(o.bytes.length < d.length, `${o.message} of ${o.bytes.length} for ${d.length}`);
  if (o.kind === "dropped") assert.equal(typeof o.reason, "string");
}

test("QuicListener: random long-header datagrams give typed outcomes, never exceptions or amplification", () => {
  const l = new QuicListener({ keyring: CookieKeyring.random() });
  const versions = [0, 1, 0x6b3343cf, 0x1a2a3a4a, 0xff00001d];
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(...versions),
      fc.uint8Array({ minLength: 0, maxLength: 1400 }),
      (first, version, rest) => {
        const d = new Uint8Array(5 + rest.length);
        d[0] = first | 0x80;
        d.set([version >>> 24, (version >>> 16) & 0xff, (version >>> 8) & 0xff, version & 0xff], 1);
        d.set(rest, 5);
        check(l, d);
      },
    ),
    { numRuns: 300, seed: 42 },
  );
});

test("QuicListener: valid Initials (v1, v2) with bytes flipped or cut give typed outcomes, never exceptions", () => {
  const l = new QuicListener({ keyring: CookieKeyring.random() });
  const bases = [
    hex(V.V1_PROTECTED_INITIAL),
    hex(V.V2_PROTECTED_INITIAL),
    clientInitialPacket({ info: V2_INFO, dcid: hex("0102030405060708"), scid: hex("09"), payload: encodeCryptoFrame(0, quicClientHello()), padTo: 1300 }),
    clientInitialPacket({ info: V1_INFO, dcid: hex("0102030405060708"), scid: hex("09"), token: new Uint8Array(60).fill(0xb3).fill(0, 1, 2).fill(0xb7, 0, 1), payload: encodeCryptoFrame(0, quicClientHello()), padTo: 1250 }),
  ];
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: bases.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
      fc.option(fc.nat(), { nil: undefined }),
      (which, flips, cut) => {
        const d = bases[which].slice(0, cut === undefined ? undefined : 1 + (cut % bases[which].length));
        for (const [at, x] of flips) d[at % d.length] ^= x;
        check(l, d);
      },
    ),
    { numRuns: 300, seed: 7 },
  );
});

test("QuicListener: inspection and JSON show no key material", () => {
  const l = new QuicListener({ keyring: CookieKeyring.fromSecret(new Uint8Array(32).fill(0x5a)) });
  const text = inspect(l, { depth: 8, showHidden: true }) + JSON.stringify(l) + String(l);
  assert.ok(!/5a5a5a5a/i.test(text), text);
  assert.ok(!/[0-9a-f]{32}/i.test(text), text);
});
