import { test } from "node:test";
import assert from "node:assert/strict";
import { TokenReplayFilter } from "../core/quic/token_replay.ts";

const tok = (n: number) => new Uint8Array(40).map((_, i) => (i >= 2 && i < 14 ? (n >> ((i % 4) * 8)) & 0xff : 0xb0));

test("TokenReplayFilter: remembers used tokens until they expire, bounded with oldest-first eviction", () => {
  const f = new TokenReplayFilter({ maxEntries: 3 });
  assert.equal(f.used(tok(1), 0), false);
  f.markUsed(tok(1), 10_000, 0);
  assert.equal(f.used(tok(1), 5_000), true);
  assert.equal(f.used(tok(1), 10_000), false, "expired");
  for (let i = 2; i <= 5; i++) f.markUsed(tok(i), 20_000, 1_000);
  assert.ok(f.counters.entries <= 3);
  assert.equal(f.used(tok(5), 2_000), true);
  assert.equal(f.used(tok(2), 2_000), false, "oldest forgotten when full");
  assert.ok(f.counters.evicted >= 1);
  assert.throws(() => new TokenReplayFilter({ maxEntries: 0 }), TypeError);
});
