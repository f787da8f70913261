/**
 * `hellogate keygen`: a random 32-byte cookie secret as hex, on stdout or in a new 0600 file.
 *
 * @module
 */
import process from "node:process";
import { writeFileSync } from "node:fs";
import type { Args, FlagSpec } from "./args.ts";
import { flag } from "./args.ts";
import { hex } from "./hex.ts";

/** Flags `keygen` accepts. */
export const KEYGEN_FLAGS: FlagSpec = { values: ["out"], booleans: ["force"] };

/** Runs `keygen`; returns the exit code. */
export function keygen(args: Args): number {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const out = flag(args, "out");
  if (out) writeFileSync(out, hex(secret) + "\n", { mode: 0o600 });
  else process.stdout.write(hex(secret) + "\n");
  return 0;
}
