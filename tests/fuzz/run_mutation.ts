// Runs the mutation fuzzer once under this runtime and prints one JSON line (scripts/fuzz.mjs
// runs it under Deno and Bun). Arguments: --execs N --seconds S --seed X.
import process from "node:process";
import { runMutationFuzz } from "./mutation_fuzzer.ts";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const result = runMutationFuzz({
  maxExecs: arg("execs", 10_000_000),
  seconds: arg("seconds", 600),
  seed: arg("seed", Date.now() & 0x7fffffff),
});
console.log(JSON.stringify(result));
process.exit(result.failure ? 1 : 0);
