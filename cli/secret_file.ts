/**
 * `--secret-file F`: the cookie secret as hex in a file (what `hellogate keygen --out F` writes).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { CookieKeyring, MIN_SECRET_LENGTH } from "../core/gate/cookie/keyring.ts";
import { type Args, flag, UsageError } from "./args.ts";
import { unhex } from "./hex.ts";

/** The keyring from `--secret-file`, or a random one when the flag is absent. */
export function keyringFromArgs(args: Args): CookieKeyring {
  const file = flag(args, "secret-file");
  if (file === undefined) return CookieKeyring.random();
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`--secret-file ${file}: cannot read: ${reason(e)}`);
  }
  let secret: Uint8Array;
  try {
    secret = unhex(text, `--secret-file ${file}`);
  } catch (e) {
    throw new UsageError(`${reason(e)} (expected the hex that \`hellogate keygen\` prints)`);
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new UsageError(
      `--secret-file ${file}: the secret is ${secret.length} bytes, at least ${MIN_SECRET_LENGTH} are needed ` +
        "(make one with `hellogate keygen --out FILE`)",
    );
  }
  try {
    return CookieKeyring.fromSecret(secret);
  } catch (e) {
    throw new UsageError(`--secret-file ${file}: ${reason(e).replace(/^hellogate: /, "")}`);
  }
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
