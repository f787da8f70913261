// Fragment handling of the DatagramListener: order/duplication independence (property) and the
// reassembly budget under a spoofed flood.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import { ENTRY_OVERHEAD_BYTES } from "../core/gate/reassembly.ts";
import type { Outcome, PeerAddress } from "../mod.ts";
import { toHex } from "./helpers/fixtures.ts";
import { dtls13ClientHelloBody, dtlsDatagram, dtlsFragmentDatagram } from "./helpers/dtls13_flight.ts";

const PEER: PeerAddress = { family: "ipv4", address: "198.51.100.9", port: 5684 };
const NOW = 1_750_000_000_000;
const kr = CookieKeyring.fromSecret(new Uint8Array(32).fill(3));

test("property: any fragmentation, order and duplication of a ClientHello gives the same reply", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 600 }),
      fc.uniqueArray(fc.integer({ min: 1, max: 2000 }), { maxLength: 6 }),
      fc.array(fc.nat(), { minLength: 0, maxLength: 4 }),
      fc.integer(),
      fc.boolean(),
      (pad, cutsRaw, dupIdx, seed, dtls13) => {
        const body = dtls13
          ? dtls13ClientHelloBody({ padTo: pad })
          : dtls13ClientHelloBody({ padTo: pad }).slice(); // same bytes; 1.2 path chosen by listener versions
        const versions = dtls13 ? undefined : ["dtls1.2" as const];
        // A DTLS 1.2 listener ignores supported_versions and answers with an HVR.
        const ref = new DatagramListener({ keyring: kr, versions }).receive(dtlsDatagram(body, 0, 0), PEER, NOW);
        assert.equal(ref.kind, "send");
        const cuts = [...new Set(cutsRaw.map((c) => c % body.length).filter((c) => c > 0))].sort((a, b) => a - b);
        const bounds = [0, ...cuts, body.length];
        const frags = bounds.slice(0, -1).map((s, i) => ({ s, e: bounds[i + 1] }));
        // Shuffle deterministically from the seed; the record carrying offset 0 has sequence 0.
        let x = seed >>> 0;
        const order = frags.map((f, i) => ({ f, k: (x = (x * 1103515245 + 12345) >>> 0) ^ i }))
          .sort((a, b) => a.k - b.k).map((o) => o.f);
        for (const i of dupIdx) if (order.length) order.splice(i % order.length, 0, order[i % order.length]);
        const l = new DatagramListener({ keyring: kr, versions, reassembly: { expiryMs: 10_000 } });
        const sends: Outcome[] = [];
        let seq = 1;
        for (const f of order) {
          const d = dtlsFragmentDatagram(body, f.s, f.e - f.s, f.s === 0 ? 0 : seq++, 0);
          const o = l.receive(d, PEER, NOW);
          if (o.kind === "send") sends.push(o);
          else assert.equal(o.kind, "need-more-data", JSON.stringify(o));
          if (sends.length) break; // later duplicates would start a new (harmless) partial message
        }
        assert.equal(sends.length, 1);
        const s = sends[0] as Extract<Outcome, { kind: "send" }>;
        assert.equal(toHex(s.bytes), toHex((ref as Extract<Outcome, { kind: "send" }>).bytes));
      },
    ),
    { numRuns: 150 },
  );
});

test("flood: 100k spoofed fragment streams never exceed the budget, and a real client still completes", () => {
  const cap = 256 * 1024;
  const l = new DatagramListener({ keyring: kr, reassembly: { maxTotalBytes: cap, maxMessageBytes: 4096, expiryMs: 2000 } });
  const big = dtls13ClientHelloBody({ shares: [{ group: 0x11ec, length: 1216 }], groups: [0x11ec, 0x001d] });
  const spoofFirst = dtlsFragmentDatagram(big, 0, 1000, 0, 0);
  const legit = dtls13ClientHelloBody({ shares: [{ group: 0x11ec, length: 1216 }, { group: 0x001d, length: 32 }], groups: [0x11ec, 0x001d] });
  const legitA = dtlsFragmentDatagram(legit, 0, 1175, 0, 0), legitB = dtlsFragmentDatagram(legit, 1175, legit.length - 1175, 1, 0);
  let completed = false, replyBytes = 0;
  for (let i = 0; i < 100_000; i++) {
    const now = NOW + i / 50; // 50 spoofed datagrams per ms
    const peer: PeerAddress = { family: "ipv4", address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1024 + (i % 60000) };
    const o = l.receive(spoofFirst, peer, now);
    assert.equal(o.kind, "need-more-data");
    if (i === 60_000) assert.equal(l.receive(legitA, PEER, now).kind, "need-more-data");
    if (i === 60_050) {
      const done = l.receive(legitB, PEER, now);
      assert.equal(done.kind, "send", JSON.stringify(done));
      if (done.kind === "send") replyBytes = done.bytes.length;
      completed = true;
    }
  }
  assert.ok(completed);
  const c = l.counters.reassembly;
  assert.ok(c.peakBytes <= cap, `peak ${c.peakBytes} > ${cap}`);
  assert.ok(c.bytesInUse <= cap);
  assert.ok(c.entries <= Math.floor(cap / (big.length + ENTRY_OVERHEAD_BYTES)));
  assert.ok(c.evicted > 90_000, "the flood only displaced other unverified partial messages");
  assert.equal(l.counters.helloRetryRequests, 1, "only the legitimate client was answered");
  assert.equal(l.counters.bytesOut, replyBytes);
});
