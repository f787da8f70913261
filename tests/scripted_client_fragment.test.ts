// Fragmentation helpers of testing/: fragments tile (or deliberately overlap) the message,
// records carry consecutive sequence numbers, datagrams respect the MTU, and any reordering /
// duplication of the pieces still reassembles to the original ClientHello.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseClientHello } from "../mod.ts";
import { readDtlsHandshakeFragment, readDtlsRecord } from "../wire.ts";
import {
  concatBytes,
  dtlsHandshakeFragment,
  fragmentAtCuts,
  fragmentForMtu,
  fragmentHandshakeMessage,
  packDatagrams,
  rearrange,
  ScriptedClient,
  seededRandom,
  splitStream,
  wrapInDtlsRecords,
} from "../testing/mod.ts";
import { hex, toHex } from "./helpers/fixtures.ts";
import { dtlsMessageFromDatagrams } from "./helpers/reassemble.ts";

const body = new Uint8Array(100).map((_, i) => i);
const msg = { msgType: 1, messageSeq: 3, body };

test("dtlsHandshakeFragment writes the RFC 6347 §4.2.2 header by hand-checkable bytes", () => {
  assert.equal(
    toHex(dtlsHandshakeFragment(msg, 10, 3)),
    "01" + "000064" + "0003" + "00000a" + "000003" + "0a0b0c",
  );
  assert.throws(() => dtlsHandshakeFragment(msg, 99, 2), RangeError);
});

test("fragmentHandshakeMessage tiles the body in order", () => {
  const frags = fragmentHandshakeMessage(msg, 30).map((f) => readDtlsHandshakeFragment(f));
  assert.deepEqual(frags.map((f) => [f.fragmentOffset, f.fragmentLength]), [[0, 30], [30, 30], [60, 30], [
    90,
    10,
  ]]);
  assert.ok(frags.every((f) => f.length === 100 && f.messageSeq === 3 && f.msgType === 1));
  assert.equal(
    fragmentHandshakeMessage({ msgType: 1, messageSeq: 0, body: new Uint8Array(0) }, 10).length,
    1,
  );
});

test("fragmentAtCuts splits at given offsets (ignoring 0, the end, duplicates)", () => {
  const frags = fragmentAtCuts(msg, [50, 10, 10, 0, 100, 250]).map((f) => readDtlsHandshakeFragment(f));
  assert.deepEqual(frags.map((f) => [f.fragmentOffset, f.fragmentLength]), [[0, 10], [10, 40], [50, 50]]);
});

test("wrapInDtlsRecords numbers records; packDatagrams respects the MTU", () => {
  const recs = wrapInDtlsRecords([hex("aa"), hex("bbbb"), hex("cc")], {
    recordVersion: 0xfefd,
    epoch: 0,
    firstSequence: 7,
  });
  assert.deepEqual(recs.map((r) => readDtlsRecord(r).sequence), [7, 8, 9]);
  assert.equal(toHex(recs[0]), "16fefd0000000000000007" + "0001aa");
  const dgs = packDatagrams(recs, 30);
  assert.deepEqual(dgs.map((d) => d.length), [14 + 15, 14]);
  assert.throws(() => packDatagrams(recs, 14), RangeError);
});

test("fragmentForMtu: no datagram over the MTU; nextSequence continues", () => {
  const { datagrams, nextSequence } = fragmentForMtu(msg, {
    recordVersion: 0xfeff,
    firstSequence: 4,
    mtu: 60,
  });
  assert.ok(datagrams.every((d) => d.length <= 60));
  assert.equal(nextSequence, 4 + datagrams.length);
  assert.deepEqual(dtlsMessageFromDatagrams(datagrams).body, body);
  const whole = fragmentForMtu(msg, { recordVersion: 0xfeff });
  assert.equal(whole.datagrams.length, 1);
  assert.equal(whole.datagrams[0].length, 13 + 12 + 100);
});

test("rearrange reorders, duplicates and drops; splitStream chunks a stream", () => {
  assert.deepEqual(rearrange(["a", "b", "c"], [2, 0, 0]), ["c", "a", "a"]);
  assert.throws(() => rearrange(["a"], [1]), RangeError);
  assert.deepEqual(splitStream(hex("0102030405"), [2]).map(toHex), ["0102", "0304", "05"]);
  assert.deepEqual(splitStream(hex("0102030405"), [1, 3]).map(toHex), ["01", "020304", "05"]);
  assert.equal(toHex(concatBytes([hex("01"), hex(""), hex("0203")])), "010203");
});

test("property: any cuts, any order, any duplicates of a real ClientHello's fragments reassemble to it", () => {
  const c = new ScriptedClient({ protocol: "dtls1.3", mlkemShare: true, random: seededRandom("frag") });
  const m = { msgType: 1, messageSeq: 0, body: c.clientHello1 };
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: c.clientHello1.length - 1 }), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.integer({ min: 200, max: 1500 }),
      (cuts, extra, mtu) => {
        const frags = fragmentAtCuts(m, cuts);
        const records = wrapInDtlsRecords(frags, { recordVersion: 0xfefd });
        // Every piece at least once, in a shuffled order, plus duplicates.
        const order = frags.map((_, i) => i).sort((a, b) => ((extra[a] ?? a) % 7) - ((extra[b] ?? b) % 7));
        const withDups = [...order, ...extra.map((x) => x % frags.length)];
        const dgs = packDatagrams(
          rearrange(records, withDups),
          Math.max(mtu, Math.max(...records.map((r) => r.length))),
        );
        const got = dtlsMessageFromDatagrams(dgs).body;
        assert.deepEqual(got, c.clientHello1);
        assert.ok(parseClientHello(got, { dtls: true }).keyShares!.length === 2);
      },
    ),
    { numRuns: 200 },
  );
});

test("overlapping fragments can be built on purpose (RFC 9147 §5.5 allows them)", () => {
  const frags = [dtlsHandshakeFragment(msg, 0, 60), dtlsHandshakeFragment(msg, 40, 60)];
  const dgs = packDatagrams(wrapInDtlsRecords(frags, { recordVersion: 0xfefd }), 1500);
  assert.equal(dgs.length, 1);
  assert.deepEqual(dtlsMessageFromDatagrams(dgs).body, body);
});
