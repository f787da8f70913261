/**
 * Command-line argument parsing shared by every `hellogate` command: `--flag VALUE`,
 * `--flag=VALUE`, boolean flags, `-h`, and positional arguments. Each command declares the
 * flags it knows; anything else is a usage error (exit code 2).
 *
 * @module
 */

/** Thrown for bad command-line usage; `main` prints it with a hint and exits with code 2. */
export class UsageError extends Error {
  /** The command the error is about (its help is suggested), when known. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/** The flags one command accepts: names (without `--`) taking a value, and boolean ones. */
export interface FlagSpec {
  /** Flags that take a value (`--name VALUE` or `--name=VALUE`). */
  readonly values: readonly string[];
  /** Flags that take no value (`--name`). */
  readonly booleans: readonly string[];
}

/** Parsed command line: positional arguments and flags by name. */
export interface Args {
  /** Arguments that are not flags, in order. */
  positional: string[];
  /** Flags by name (without `--`); booleans map to `true`. */
  flags: Map<string, string | true>;
}

/**
 * Parses `argv` against `spec`. Unknown flags, flags missing a value and values given to
 * boolean flags are {@link UsageError}s naming the flag. `--` ends flag parsing.
 */
export function parseArgs(argv: readonly string[], spec: FlagSpec, command?: string): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const values = new Set(spec.values), booleans = new Set([...spec.booleans, "help"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (a === "-h") {
      flags.set("help", true);
      continue;
    }
    if (!a.startsWith("--") || a === "--") {
      if (a.startsWith("-") && a !== "-" && !/^-\d/.test(a)) {
        throw new UsageError(`unknown flag ${a}`, command);
      }
      positional.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (booleans.has(name)) {
      if (eq > 0) throw new UsageError(`--${name} takes no value`, command);
      flags.set(name, true);
    } else if (values.has(name)) {
      let v: string | undefined;
      if (eq > 0) v = a.slice(eq + 1);
      else {
        v = argv[i + 1];
        // A following flag is not a value: `--secret-file --json` is a missing value.
        if (v !== undefined && v.startsWith("--")) v = undefined;
        else i++;
      }
      if (v === undefined) throw new UsageError(`--${name} needs a value`, command);
      if (v === "") throw new UsageError(`--${name} needs a non-empty value`, command);
      flags.set(name, v);
    } else {
      throw new UsageError(`unknown flag --${name}${suggest(name, [...values, ...booleans])}`, command);
    }
  }
  return { positional, flags };
}

/** The string value of flag `name`, or undefined when absent. */
export function flag(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === "string" ? v : undefined;
}

/**
 * The value of flag `name` when it is one of `choices` (undefined when absent); any other value
 * is a usage error `--NAME VALUE: expected a, b or c`.
 */
export function choiceFlag<T extends string>(args: Args, name: string, choices: readonly T[], command: string): T | undefined {
  const v = flag(args, name);
  if (v === undefined || (choices as readonly string[]).includes(v)) return v as T | undefined;
  const list = choices.length > 1 ? `${choices.slice(0, -1).join(", ")} or ${choices[choices.length - 1]}` : choices[0];
  throw new UsageError(`--${name} ${v}: expected ${list}`, command);
}

/** Whether boolean flag `name` was given. */
export function has(args: Args, name: string): boolean {
  return args.flags.get(name) === true;
}

/** " (did you mean --x?)" for a close known flag name, else "". */
function suggest(name: string, known: string[]): string {
  let best = "", bestDistance = 3;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best ? ` (did you mean --${best}?)` : "";
}

/** Levenshtein distance (small strings only). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}
