// A short run of the mutation fuzzer behind `npm run fuzz` (tests/fuzz/mutation_fuzzer.ts): it
// finds nothing, and its corpus of real captures and valid-cookie CH2s reaches the deep paths
// (both listeners accept mutated CH2s whose mutation spared what the cookie binds).
import { test } from "node:test";
import assert from "node:assert/strict";
import { runMutationFuzz } from "./fuzz/mutation_fuzzer.ts";

test("mutation fuzzer: 15,000 executions, no failure, accept paths reached in both listeners", () => {
  const r = runMutationFuzz({ maxExecs: 15_000, seconds: 60, seed: 12 });
  assert.equal(r.failure, undefined, JSON.stringify(r.failure));
  assert.equal(r.execs, 15_000);
  assert.deepEqual(r.byTarget, { datagram: 5000, stream: 5000, parse: 5000 });
  assert.ok((r.outcomes["datagram:accepted"] ?? 0) > 0, JSON.stringify(r.outcomes));
  assert.ok((r.outcomes["stream:accepted"] ?? 0) > 0, JSON.stringify(r.outcomes));
  assert.ok((r.outcomes["parse:DecodeError"] ?? 0) > 0 && (r.outcomes["parse:ok"] ?? 0) > 0);
  assert.ok(r.corpus > 40, `corpus of ${r.corpus}`);
});
