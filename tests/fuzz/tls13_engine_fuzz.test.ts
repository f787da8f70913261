// Long fuzz run of the TLS 1.3 server engine (not part of `npm test`): `npm run fuzz`.
// HELLOGATE_FUZZ_RUNS sets the runs per property (default 100000); HELLOGATE_FUZZ_SEED replays.
// The session-mutation property runs a real handshake per case, so it gets a tenth of the runs.
import { test } from "node:test";
import {
  mutatedClientHelloNeverThrows,
  mutatedResumptionNeverThrows,
  mutatedSessionNeverThrows,
  randomTailNeverThrows,
} from "../helpers/tls13_properties.ts";

const runs = Number(globalThis.process?.env?.HELLOGATE_FUZZ_RUNS ?? 100_000);
const seedText = globalThis.process?.env?.HELLOGATE_FUZZ_SEED;
const seed = seedText ? Number(seedText) : undefined;

test(`fuzz: Tls13ServerEngine, random bytes after a ClientHello (${runs} runs)`, () => randomTailNeverThrows(runs, true, seed));
test(`fuzz: Tls13ServerEngine, mutated ClientHello (${runs} runs)`, () => mutatedClientHelloNeverThrows(runs, seed));
test(`fuzz: Tls13ServerEngine, mutated real session (${Math.ceil(runs / 10)} runs)`, () =>
  mutatedSessionNeverThrows(Math.ceil(runs / 10), seed));
test(`fuzz: Tls13ServerEngine, mutated resumption ClientHello (${runs} runs)`, () => mutatedResumptionNeverThrows(runs, seed));
test(`fuzz: Tls13ServerEngine, mutated real session with client auth (${Math.ceil(runs / 10)} runs)`, () =>
  mutatedSessionNeverThrows(Math.ceil(runs / 10), seed, true));
