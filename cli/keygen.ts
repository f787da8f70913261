/**
 * `hellogate keygen`: a random 32-byte cookie secret as hex, on stdout or in a file that only
 * the owner can read. `--out F` creates F exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600):
 * an existing F is refused unless `--force`, which rewrites it in place (never through a
 * symbolic link) and sets its mode back to 0600 before the secret is written.
 *
 * @module
 */
import process from "node:process";
import { closeSync, constants, fchmodSync, fsyncSync, lstatSync, openSync, writeSync } from "node:fs";
import { type Args, flag, type FlagSpec, has, UsageError } from "./args.ts";
import { hex } from "./hex.ts";

/** Flags `keygen` accepts. */
export const KEYGEN_FLAGS: FlagSpec = { values: ["out"], booleans: ["force"] };

/** A runtime failure writing the secret file (exit code 1), naming the file. */
export class SecretFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretFileError";
  }
}

/** Runs `keygen`; returns the exit code. */
export function keygen(args: Args): number {
  if (args.positional.length > 0) throw new UsageError(`keygen takes no arguments, got ${args.positional[0]}`, "keygen");
  const out = flag(args, "out");
  const force = has(args, "force");
  if (force && out === undefined) throw new UsageError("--force only applies with --out FILE", "keygen");
  const text = hex(crypto.getRandomValues(new Uint8Array(32))) + "\n";
  if (out === undefined) {
    process.stdout.write(text);
    return 0;
  }
  writeSecretFile(out, text, force);
  return 0;
}

/** Writes `text` to `path` as described in the module doc. */
export function writeSecretFile(path: string, text: string, force: boolean): void {
  const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_TRUNC } = constants;
  let fd: number;
  try {
    fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | (O_NOFOLLOW ?? 0), 0o600);
  } catch (e) {
    if (code(e) !== "EEXIST") throw new SecretFileError(`cannot create --out ${path}: ${describe(e)}`);
    let isLink = false;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch { /* raced away: the open below reports it */ }
    if (isLink) throw new UsageError(`--out ${path} is a symbolic link; refusing to write through it`, "keygen");
    if (!force) throw new UsageError(`--out ${path} already exists (add --force to replace it)`, "keygen");
    try {
      fd = openSync(path, O_WRONLY | O_TRUNC | (O_NOFOLLOW ?? 0));
    } catch (e2) {
      if (code(e2) === "ELOOP") {
        throw new UsageError(`--out ${path} is a symbolic link; refusing to write through it`, "keygen");
      }
      throw new SecretFileError(`cannot rewrite --out ${path}: ${describe(e2)}`);
    }
  }
  try {
    // The mode first: a file that was world-readable must not hold the secret even briefly.
    fchmodSync(fd, 0o600);
    const bytes = new TextEncoder().encode(text);
    let n = 0;
    while (n < bytes.length) n += writeSync(fd, bytes, n);
    fsyncSync(fd);
  } catch (e) {
    throw new SecretFileError(`cannot write --out ${path}: ${describe(e)}`);
  } finally {
    closeSync(fd);
  }
}

function code(e: unknown): string | undefined {
  const c = (e as { code?: unknown })?.code;
  return typeof c === "string" ? c : undefined;
}

function describe(e: unknown): string {
  switch (code(e)) {
    case "ENOENT":
      return "its directory does not exist";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    case "ELOOP":
      return "it is a symbolic link";
    case "ENOSPC":
      return "no space left on the device";
  }
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/^(hellogate: )+/, "");
}
