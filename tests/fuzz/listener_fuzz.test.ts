// Long fuzz run of both listeners (not part of `npm test`): `npm run fuzz`.
// HELLOGATE_FUZZ_RUNS sets the runs per property (default 100000); HELLOGATE_FUZZ_SEED replays.
import { test } from "node:test";
import { datagramListenerNeverThrows, streamListenerNeverThrows } from "../helpers/listener_properties.ts";

const runs = Number(globalThis.process?.env?.HELLOGATE_FUZZ_RUNS ?? 100_000);
const seedText = globalThis.process?.env?.HELLOGATE_FUZZ_SEED;
const seed = seedText ? Number(seedText) : undefined;

test(`fuzz: DatagramListener never throws (${runs} runs)`, () => datagramListenerNeverThrows(runs, seed));
test(`fuzz: StreamListener never throws (${runs} runs)`, () => streamListenerNeverThrows(runs, seed));
