/**
 * Robustness properties of the TLS 1.3 server engine, shared by the npm-test file (a few hundred
 * runs) and the long fuzz task in tests/fuzz/ (100k runs): random bytes after a valid
 * ClientHello, and a real session's bytes mutated, truncated and split, never make the engine
 * throw and never end in internal_error (our own bug); every close has a reason from the table.
 *
 * The fuzz runs use a provider whose signing and key exchange are stubbed (fixed bytes), so a run
 * costs microseconds instead of an ECDSA signature: the engine's parsing and state machine are
 * what is under test; the record layer and key schedule stay real.
 *
 * @module
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { portableProvider } from "../../core/crypto/portable.ts";
import type { CryptoProvider, SigningKey } from "../../core/crypto/provider.ts";
import { TLS13_CLOSE_ALERTS } from "../../core/handshake/tls13/close_reason.ts";
import { Tls13ServerEngine } from "../../core/handshake/tls13/server.ts";
import { Tls13TestClient } from "../../testing/tls13_client.ts";
import { certificateFor } from "./tls13_pair.ts";
import { concatBytes } from "../../testing/fragment.ts";

const VALID_REASONS = new Set(Object.keys(TLS13_CLOSE_ALERTS));

/** A provider with real hashing, HKDF and AEAD but constant-time-cheap fake signing and key exchange. */
export const FAST_FUZZ_PROVIDER: CryptoProvider = {
  ...portableProvider,
  name: "fuzz",
  random: (n) => new Uint8Array(n).fill(9),
  encapsulate: (_group, share) => (share.length === 0 ? undefined : { share: new Uint8Array(32).fill(5), secret: new Uint8Array(32).fill(6) }),
};

function fastKey(): SigningKey {
  const real = certificateFor("ecdsa-p256").key;
  return { kind: real.kind, publicKeySpki: real.publicKeySpki, schemes: real.schemes, sign: () => new Uint8Array(72).fill(1) };
}

function feed(server: Tls13ServerEngine, chunks: Uint8Array[]): void {
  for (const c of chunks) {
    server.receive(c, 0);
    for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) {
      if (a.kind === "closed") {
        assert.ok(VALID_REASONS.has(a.reason), a.reason);
        assert.notEqual(a.reason, "internal-error", a.detail);
      }
    }
  }
}

/** A real client's bytes for a whole session against a real engine: CH1, then CCS + Finished + data + KeyUpdate. */
function recordedSession(clientAuth: boolean): Uint8Array {
  const server = new Tls13ServerEngine({
    provider: portableProvider,
    certificates: [certificateFor()],
    clientAuth: clientAuth ? { mode: "require" } : undefined,
  });
  const client = new Tls13TestClient({ alpn: ["h2"], serverName: "x", clientCertificate: clientAuth ? certificateFor("ed25519") : undefined });
  const ch = client.start();
  client.takeOutput();
  server.receive(ch, 0);
  for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) if (a.kind === "send") client.receive(a.bytes);
  client.write(new Uint8Array([1, 2, 3]));
  client.keyUpdate(true);
  client.write(new Uint8Array([4]));
  return concatBytes([ch, client.takeBytes()]);
}

/** Random bytes after a valid ClientHello. `fast` uses {@link FAST_FUZZ_PROVIDER}. */
export function randomTailNeverThrows(runs: number, fast: boolean, seed?: number): void {
  const ch = new Tls13TestClient({}).start();
  const make = () =>
    fast
      ? new Tls13ServerEngine({ provider: FAST_FUZZ_PROVIDER, certificates: [{ chain: certificateFor().chain, key: fastKey() }] })
      : new Tls13ServerEngine({ provider: portableProvider, certificates: [certificateFor()] });
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }), (tail) => feed(make(), [ch, ...tail])),
    { numRuns: runs, seed },
  );
}

/** A real session's bytes with flips, a truncation and arbitrary chunking (real engine: keys must match). */
export function mutatedSessionNeverThrows(runs: number, seed?: number, clientAuth = false): void {
  const whole = recordedSession(clientAuth);
  fc.assert(
    fc.property(
      fc.array(fc.record({ at: fc.nat(whole.length - 1), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }),
      fc.array(fc.nat(whole.length), { maxLength: 6 }),
      fc.nat(whole.length),
      (flips, cuts, truncate) => {
        const bytes = whole.slice(0, Math.max(truncate, 1));
        for (const f of flips) if (f.at < bytes.length) bytes[f.at] ^= f.xor;
        const points = [...new Set(cuts.filter((c) => c < bytes.length))].sort((a, b) => a - b);
        const chunks: Uint8Array[] = [];
        let prev = 0;
        for (const c of points) {
          chunks.push(bytes.subarray(prev, c));
          prev = c;
        }
        chunks.push(bytes.subarray(prev));
        feed(
          new Tls13ServerEngine({
            provider: portableProvider,
            certificates: [certificateFor()],
            clientAuth: clientAuth ? { mode: "require" } : undefined,
          }),
          chunks,
        );
      },
    ),
    { numRuns: runs, seed },
  );
}

/** The ClientHello alone, mutated (fast provider): the negotiation and extension checks under fire. */
export function mutatedClientHelloNeverThrows(runs: number, seed?: number): void {
  const ch = new Tls13TestClient({ alpn: ["h2", "http/1.1"], serverName: "fuzz.test", recordSizeLimit: 4000, earlyData: true }).start();
  fc.assert(
    fc.property(
      fc.array(fc.record({ at: fc.nat(ch.length - 1), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
      (edits) => {
        const bytes = ch.slice();
        for (const e of edits) bytes[e.at] = e.value;
        feed(
          new Tls13ServerEngine({
            provider: FAST_FUZZ_PROVIDER,
            certificates: [{ chain: certificateFor().chain, key: fastKey() }],
            alpn: ["h2"],
          }),
          [bytes],
        );
      },
    ),
    { numRuns: runs, seed },
  );
}

/** A resumption ClientHello (real ticket and binder) mutated: ticket opening and binder checks under fire. */
export function mutatedResumptionNeverThrows(runs: number, seed?: number): void {
  const key = new Uint8Array(32).fill(3);
  const first = new Tls13ServerEngine({ provider: portableProvider, certificates: [certificateFor()], sessionTickets: { key } });
  const c1 = new Tls13TestClient({});
  const ch1 = c1.start();
  c1.takeOutput();
  first.receive(ch1, 1000);
  for (let a = first.poll(); a.kind !== "need-data"; a = first.poll()) if (a.kind === "send") c1.receive(a.bytes);
  first.receive(c1.takeBytes(), 1000);
  for (let a = first.poll(); a.kind !== "need-data"; a = first.poll()) if (a.kind === "send") c1.receive(a.bytes);
  assert.equal(c1.tickets.length, 1);
  const ch = new Tls13TestClient({ resumeWith: c1.tickets[0] }).start();
  fc.assert(
    fc.property(
      fc.array(fc.record({ at: fc.nat(ch.length - 1), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }),
      (edits) => {
        const bytes = ch.slice();
        for (const e of edits) bytes[e.at] = e.value;
        const server = new Tls13ServerEngine({
          provider: FAST_FUZZ_PROVIDER,
          certificates: [{ chain: certificateFor().chain, key: fastKey() }],
          sessionTickets: { key },
        });
        server.receive(bytes, 2000);
        for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) {
          if (a.kind === "closed") {
            assert.ok(VALID_REASONS.has(a.reason), a.reason);
            assert.notEqual(a.reason, "internal-error", a.detail);
          }
        }
        if (edits.length === 0) assert.equal(server.resumed, true, "the unmutated ClientHello resumes");
      },
    ),
    { numRuns: runs, seed },
  );
}
