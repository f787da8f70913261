/**
 * Shared "untrusted bytes never throw" properties for the listeners, run briefly by `npm test`
 * (tests/listener_robustness.test.ts) and long by `npm run fuzz` (tests/fuzz/).
 *
 * Inputs: random bytes, and real captured ClientHellos (DTLS datagrams, TLS streams) with random
 * byte flips, truncations and insertions. Every call must return a well-formed outcome; a `send`
 * must never exceed what that peer sent (DTLS) and nothing may be thrown.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { CookieKeyring } from "../../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../../core/gate/datagram_listener.ts";
import { StreamListener } from "../../core/gate/stream_listener.ts";
import type { Outcome } from "../../core/gate/outcome.ts";
import { DTLS_FIXTURES, loadHexFixture, TLS_FIXTURES } from "./fixtures.ts";

const KINDS = new Set(["send", "dropped", "need-more-data", "closed", "accepted"]);
const PEER = { family: "ipv4", address: "192.0.2.44", port: 1234 } as const;
const NOW = 1_750_000_000_000;
const keyring = CookieKeyring.fromSecret(new Uint8Array(32).fill(8));

const dtlsInputs = DTLS_FIXTURES.flatMap((f) => loadHexFixture(f));
const tlsInputs = TLS_FIXTURES.map((f) => loadHexFixture(f)[0]);

function mutated(pool: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(
    fc.integer({ min: 0, max: pool.length - 1 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })), { maxLength: 8 }),
    fc.option(fc.nat()),
  ).map(([i, edits, cut]) => {
    let b = Array.from(pool[i]);
    for (const [at, v, op] of edits) {
      const p = at % (b.length + 1);
      if (op === 0 && p < b.length) b[p] = v;
      else if (op === 1) b.splice(p, 0, v);
      else b.splice(p, 1);
    }
    if (cut !== null) b = b.slice(0, cut % (b.length + 1));
    return Uint8Array.from(b);
  });
}

function check(o: Outcome): void {
  assert.ok(KINDS.has(o.kind), `bad outcome ${JSON.stringify(o)}`);
}

/** DatagramListener: random and mutated datagrams (a sequence per run, same peer) never throw. */
export function datagramListenerNeverThrows(runs: number, seed?: number): void {
  const datagram = fc.oneof(fc.uint8Array({ maxLength: 400 }), mutated(dtlsInputs));
  fc.assert(
    fc.property(fc.array(datagram, { minLength: 1, maxLength: 4 }), (datagrams) => {
      const l = new DatagramListener({ keyring, versions: ["dtls1.0", "dtls1.2", "dtls1.3"] });
      let received = 0;
      for (const d of datagrams) {
        received += d.length;
        const o = l.receive(d, PEER, NOW);
        check(o);
        if (o.kind === "send") assert.ok(o.bytes.length <= 3 * received, "reply beyond the 3x bound");
      }
    }),
    { numRuns: runs, seed },
  );
}

/** StreamListener: random and mutated streams, in random chunks, never throw. */
export function streamListenerNeverThrows(runs: number, seed?: number): void {
  const stream = fc.oneof(fc.uint8Array({ maxLength: 600 }), mutated(tlsInputs));
  fc.assert(
    fc.property(stream, fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 6 }), fc.boolean(), (bytes, sizes, quic) => {
      const l = new StreamListener({ keyring, framing: quic ? "handshake-messages" : "tls-records", peer: PEER });
      let at = 0, k = 0;
      while (at < bytes.length) {
        const n = sizes[k++ % sizes.length];
        check(l.receive(bytes.subarray(at, at + n), NOW));
        at += n;
      }
      check(l.end(NOW));
    }),
    { numRuns: runs, seed },
  );
}
