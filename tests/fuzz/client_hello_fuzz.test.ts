// Long fuzz run (not part of `npm test`): `deno test -A tests/fuzz/` or `npm run fuzz`.
// Set HELLOGATE_FUZZ_RUNS to change the run count (default 100000 per property) and
// HELLOGATE_FUZZ_SEED to replay a failure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mutatedFixtureProperty, randomBytesProperty } from "../helpers/properties.ts";

const runs = Number(globalThis.process?.env?.HELLOGATE_FUZZ_RUNS ?? 100_000);
const seedText = globalThis.process?.env?.HELLOGATE_FUZZ_SEED;
const seed = seedText ? Number(seedText) : undefined;

test(`fuzz: random bytes only give DecodeError (${runs} runs)`, () => {
  assert.ok(runs >= 1);
  randomBytesProperty(runs, seed);
});

test(`fuzz: mutated real ClientHellos only give DecodeError (${runs} runs)`, () => {
  assert.ok(runs >= 1);
  mutatedFixtureProperty(runs, seed);
});
