// StreamListener chunking properties: every chunking of ClientHello1 (and every split of it into
// records) gives the same HRR bytes; every chunking of CCS + ClientHello2 gives the same accepted
// result; bytesNeeded is a true lower bound; arbitrary and mutated input never throws and the
// bytes written back do not depend on the chunking.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { StreamListener, type StreamListenerOptions } from "../core/gate/stream_listener.ts";
import type { Outcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";
import { ScriptedClient, seededRandom } from "../testing/mod.ts";
import { concat as cat } from "./helpers/fixtures.ts";

const KEYRING = CookieKeyring.fromSecret(new Uint8Array(32).fill(21));
const PEER: PeerAddress = { family: "ipv6", address: "2001:db8::5", port: 443 };
const NOW = 1_800_000_123_456;
const CCS = Uint8Array.of(0x14, 0x03, 0x03, 0x00, 0x01, 0x01);

function listener(extra: Partial<StreamListenerOptions> = {}): StreamListener {
  return new StreamListener({ keyring: KEYRING, framing: "tls-records", peer: PEER, ...extra });
}

function handshake(type: number, body: Uint8Array): Uint8Array {
  return cat(Uint8Array.of(type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff), body);
}

/** `message` as TLS records of at most `payload` bytes each (record version as a client sends). */
function inRecords(message: Uint8Array, payload: number, version = 0x0303): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < message.length; at += payload) {
    const frag = message.subarray(at, Math.min(message.length, at + payload));
    parts.push(Uint8Array.of(22, version >> 8, version & 0xff, frag.length >> 8, frag.length & 0xff), frag);
  }
  return cat(...parts);
}

/** Splits `bytes` at the given offsets (any order, out-of-range and duplicates ignored). */
function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  return out;
}

function bytewise(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (b) => Uint8Array.of(b));
}

function feed(l: StreamListener, chunks: readonly Uint8Array[], now = NOW): Outcome[] {
  return chunks.map((c) => l.receive(c, now));
}

/** Everything written back, and the first terminal outcome (kind, reason, detail). */
function summary(outs: readonly Outcome[]): { sent: Uint8Array; end: string } {
  const sent: Uint8Array[] = [];
  let end = "open";
  for (const o of outs) {
    if (end !== "open") {
      assert.equal(o.kind, "dropped");
      continue;
    }
    if (o.kind === "send") sent.push(o.bytes);
    if (o.kind === "closed") {
      if (o.bytes) sent.push(o.bytes);
      end = `closed ${o.reason} ${o.detail}`;
    } else if (o.kind === "accepted") {
      end = `accepted ${o.protocol}`;
    } else if (o.kind === "dropped") {
      end = `dropped ${o.reason}`;
    }
  }
  return { sent: cat(...sent), end };
}

const clientArb = fc.record({
  seed: fc.integer({ min: 0, max: 1 << 30 }),
  keyShareGroups: fc.constantFrom([], [0x001d], [0x0017], [0x0017, 0x001d]),
  sessionId: fc.boolean(),
  mlkemShare: fc.boolean(),
  groups: fc.constantFrom([0x001d, 0x0017], [0x0017, 0x001d, 0x0018]),
});

type ClientArb = typeof clientArb extends fc.Arbitrary<infer T> ? T : never;

function makeClient(a: ClientArb): ScriptedClient {
  return new ScriptedClient({
    protocol: "tls1.3",
    random: seededRandom(a.seed),
    keyShareGroups: a.keyShareGroups,
    sessionId: a.sessionId,
    mlkemShare: a.mlkemShare,
    groups: a.groups,
  });
}

const cutsArb = fc.array(fc.integer({ min: 1, max: 2500 }), { maxLength: 24 });

// ------------------------------------------------------------------ ClientHello1

test("every chunking and every record split of ClientHello1 gives the same HRR bytes", () => {
  fc.assert(
    fc.property(clientArb, fc.integer({ min: 1, max: 600 }), cutsArb, (ca, payload, cuts) => {
      const c = makeClient(ca);
      const reference = listener().receive(c.firstFlight()[0], NOW);
      assert.equal(reference.kind, "send");
      if (reference.kind !== "send") return;
      const stream = inRecords(handshake(1, c.clientHello1), payload, 0x0301);
      const outs = feed(listener(), splitAt(stream, cuts));
      assert.ok(outs.slice(0, -1).every((o) => o.kind === "need-more-data"), "nothing decided early");
      assert.deepEqual(outs[outs.length - 1], reference);
      // The HRR is what a strict client accepts.
      assert.equal(c.handleReply(reference.bytes).kind, "hello-retry-request");
    }),
    { numRuns: 60 },
  );
});

test("1-byte reads of ClientHello1 (one record and 1-byte records) give the same HRR bytes", () => {
  const c = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("bytewise"), keyShareGroups: [] });
  const stream = c.firstFlight()[0];
  const reference = listener().receive(stream, NOW);
  for (const s of [stream, inRecords(handshake(1, c.clientHello1), 1)]) {
    const outs = feed(listener(), bytewise(s));
    assert.equal(outs.filter((o) => o.kind === "need-more-data").length, s.length - 1);
    assert.deepEqual(outs[outs.length - 1], reference);
  }
});

// ------------------------------------------------------------------ CCS + ClientHello2

test("every chunking of CCS + ClientHello2 (any record split) gives the same accepted result on a fresh listener", () => {
  fc.assert(
    fc.property(clientArb, fc.integer({ min: 1, max: 600 }), fc.boolean(), cutsArb, (ca, payload, withCcs, cuts) => {
      const c = makeClient(ca);
      const hrr = listener().receive(c.firstFlight()[0], NOW);
      if (hrr.kind !== "send") throw new Error(hrr.kind);
      assert.equal(c.handleReply(hrr.bytes).kind, "hello-retry-request");
      const reference = listener().receive(c.secondFlight()[0], NOW + 2000);
      assert.equal(reference.kind, "accepted", JSON.stringify(reference));
      const stream = cat(withCcs ? CCS : new Uint8Array(0), inRecords(handshake(1, c.clientHello2!), payload));
      const outs = feed(listener(), splitAt(stream, cuts), NOW + 2000);
      assert.ok(outs.slice(0, -1).every((o) => o.kind === "need-more-data"));
      assert.deepEqual(outs[outs.length - 1], reference);
      // The transcript hash the client computed from its own messages matches.
      if (reference.kind === "accepted") {
        const r = reference.retry!;
        const H = r.hash === "sha384" ? sha384 : sha256;
        assert.deepEqual(H(cat(r.transcriptPrefix, reference.clientHelloMessage)), c.transcriptHash());
      }
    }),
    { numRuns: 50 },
  );
});

test("1-byte reads of CCS + ClientHello2 with trailing bytes: accepted at the last CH2 byte", () => {
  const c = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("bytewise-2"), keyShareGroups: [] });
  const hrr = listener().receive(c.firstFlight()[0], NOW);
  if (hrr.kind !== "send") throw new Error(hrr.kind);
  c.handleReply(hrr.bytes);
  const ch2 = c.secondFlight()[0];
  const reference = listener().receive(ch2, NOW);
  const outs = feed(listener(), bytewise(cat(ch2, Uint8Array.of(0x17, 0x03, 0x03))));
  assert.ok(outs.slice(0, ch2.length - 1).every((o) => o.kind === "need-more-data"));
  assert.deepEqual(outs[ch2.length - 1], reference);
  assert.ok(outs.slice(ch2.length).every((o) => o.kind === "dropped"));
});

// ------------------------------------------------------------------ handshake-messages framing

test("handshake-messages framing: every chunking of CH1 and of CH2 gives identical outcomes", () => {
  const opts = { keyring: KEYRING, framing: "handshake-messages" as const, peer: PEER };
  fc.assert(
    fc.property(clientArb, cutsArb, cutsArb, (ca, cuts1, cuts2) => {
      const c = makeClient({ ...ca, sessionId: false });
      c.firstFlight();
      const ch1 = handshake(1, c.clientHello1);
      const ref1 = new StreamListener(opts).receive(ch1, NOW);
      const outs1 = feed(new StreamListener(opts), splitAt(ch1, cuts1));
      assert.deepEqual(outs1[outs1.length - 1], ref1);
      if (ref1.kind !== "send") throw new Error(ref1.kind);
      assert.equal(ref1.bytes[0], 2);
      c.handleReply(inRecords(ref1.bytes, 16384));
      c.secondFlight();
      const ch2 = handshake(1, c.clientHello2!);
      const ref2 = new StreamListener(opts).receive(ch2, NOW);
      assert.equal(ref2.kind, "accepted");
      const outs2 = feed(new StreamListener(opts), splitAt(ch2, cuts2));
      assert.ok(outs2.slice(0, -1).every((o) => o.kind === "need-more-data"));
      assert.deepEqual(outs2[outs2.length - 1], ref2);
    }),
    { numRuns: 40 },
  );
});

// ------------------------------------------------------------------ bytesNeeded

test("bytesNeeded is a lower bound: the decision never comes sooner than announced", () => {
  fc.assert(
    fc.property(clientArb, fc.integer({ min: 1, max: 700 }), fc.boolean(), (ca, payload, messages) => {
      const c = makeClient(ca);
      c.firstFlight();
      const msg = handshake(1, c.clientHello1);
      const stream = messages ? msg : inRecords(msg, payload);
      const l = messages
        ? new StreamListener({ keyring: KEYRING, framing: "handshake-messages", peer: PEER })
        : listener();
      const outs = feed(l, bytewise(stream));
      const decided = outs.findIndex((o) => o.kind !== "need-more-data");
      assert.equal(decided, stream.length - 1);
      outs.forEach((o, i) => {
        if (o.kind === "need-more-data") {
          assert.ok(o.bytesNeeded !== undefined && o.bytesNeeded >= 1);
          assert.ok(decided - i >= o.bytesNeeded!, `at ${i}: announced ${o.bytesNeeded}, decided ${decided - i} later`);
        }
      });
    }),
    { numRuns: 40 },
  );
});

// ------------------------------------------------------------------ robustness

const chunkedInput = (input: fc.Arbitrary<Uint8Array>) =>
  fc.tuple(input, cutsArb, fc.boolean()).map(([bytes, cuts, messages]) => ({ bytes, cuts, messages }));

function checkChunkingIndependent(bytes: Uint8Array, cuts: number[], messages: boolean, cap = 4096): void {
  const make = () =>
    new StreamListener({
      keyring: KEYRING,
      framing: messages ? "handshake-messages" : "tls-records",
      peer: PEER,
      maxBufferedBytes: cap,
    });
  const whole = make();
  const a = summary([whole.receive(bytes, NOW), whole.end(NOW)]);
  const split = make();
  const outs: Outcome[] = [];
  for (const chunk of splitAt(bytes, cuts)) {
    outs.push(split.receive(chunk, NOW));
    assert.ok(split.bufferedBytes <= cap, `held ${split.bufferedBytes}`);
  }
  outs.push(split.end(NOW));
  const b = summary(outs);
  assert.deepEqual(b, a);
  assert.equal(split.counters.bytesOut, a.sent.length);
  assert.ok(split.state === "closed" || split.state === "accepted");
}

test("arbitrary bytes in any chunking never throw, and what is written back does not depend on the chunking", () => {
  const tlsish = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    // Mostly-valid record headers so deeper states are reached.
    fc.array(
      fc.tuple(fc.constantFrom(20, 21, 22, 23, 24, 22, 22), fc.uint8Array({ maxLength: 80 })).map(([t, p]) =>
        cat(Uint8Array.of(t, 3, 3, p.length >> 8, p.length), p)
      ),
      { maxLength: 6 },
    ).map((rs) => cat(...rs)),
  );
  fc.assert(
    fc.property(chunkedInput(tlsish), ({ bytes, cuts, messages }) => checkChunkingIndependent(bytes, cuts, messages)),
    { numRuns: 300 },
  );
});

test("mutated real ClientHello streams never throw and answer the same way for any chunking", () => {
  const c = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("mutate"), keyShareGroups: [] });
  const ch1 = c.firstFlight()[0];
  const hrr = listener().receive(ch1, NOW);
  if (hrr.kind !== "send") throw new Error(hrr.kind);
  c.handleReply(hrr.bytes);
  const ch2 = c.secondFlight()[0];
  // (Not ch1 + ch2 in one stream: a CH2 completing in the read that produced the HRR is accepted
  // without the HRR, the one documented chunking-dependent case.)
  const base = fc.constantFrom(ch1, ch2, cat(ch1, CCS, ch2.subarray(6, 80)), cat(ch2, Uint8Array.of(23, 3, 3, 0, 1, 0)));
  const mutated = fc.tuple(base, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat())
    .map(([b, flips, cut]) => {
      const out = b.slice(0, b.length - (cut % 3 === 0 ? cut % 40 : 0));
      for (const [at, v] of flips) out[at % out.length] = v;
      return out;
    });
  fc.assert(
    fc.property(chunkedInput(mutated), ({ bytes, cuts }) => checkChunkingIndependent(bytes, cuts, false)),
    { numRuns: 300 },
  );
});
