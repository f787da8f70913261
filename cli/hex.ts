/**
 * Hex encoding for the CLI's input and output (captured bytes, secrets).
 *
 * @module
 */
import { UsageError } from "./args.ts";

/** Lower-case hex of `bytes`. */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/**
 * Decodes hex, ignoring whitespace and colons and an optional `0x` prefix. Throws a
 * {@link UsageError} that starts with `what` (e.g. "the HEX argument") when it is not hex.
 */
export function unhex(text: string, what = "input"): Uint8Array {
  const t = text.replace(/[\s:]/g, "").replace(/^0x/i, "");
  if (t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) throw new UsageError(`${what} is not hex`);
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(i * 2, i * 2 + 2), 16);
  return out;
}
