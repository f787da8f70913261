/**
 * The `hellogate` command dispatcher: picks the command, parses its flags, runs it, and maps
 * errors to the exit-code rule (2 usage, 1 runtime failure) with one message line on stderr.
 *
 * @module
 */
import process from "node:process";
import { type Args, type FlagSpec, parseArgs, UsageError } from "./args.ts";
import { COMMAND_HELP, OVERVIEW } from "./help.ts";
import { VERSION } from "./version.ts";

interface Command {
  readonly flags: FlagSpec;
  readonly run: (args: Args) => number | Promise<number>;
}

// Each command's module is loaded only when it runs: `keygen` does not load the TLS engine, and
// startup stays short.
const COMMANDS: Record<string, () => Promise<Command>> = {
  listen: async () => {
    const m = await import("./listen.ts");
    return { flags: m.LISTEN_FLAGS, run: m.listen };
  },
  serve: async () => {
    const m = await import("./serve.ts");
    return { flags: m.SERVE_FLAGS, run: m.serve };
  },
  inspect: async () => {
    const m = await import("./inspect.ts");
    return { flags: m.INSPECT_FLAGS, run: m.inspect };
  },
  keygen: async () => {
    const m = await import("./keygen.ts");
    return { flags: m.KEYGEN_FLAGS, run: m.keygen };
  },
};

/** Runs the CLI with `argv` (without the runtime and script path); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  let command: string | undefined;
  try {
    const first = argv[0];
    if (first === undefined) {
      process.stderr.write(OVERVIEW);
      return 2;
    }
    if (first === "--help" || first === "-h") {
      process.stdout.write(OVERVIEW);
      return 0;
    }
    if (first === "--version" || first === "-V" || first === "version") {
      process.stdout.write(`hellogate ${VERSION}\n`);
      return 0;
    }
    if (first === "help") {
      const topic = argv[1];
      if (topic === undefined) process.stdout.write(OVERVIEW);
      else if (COMMAND_HELP[topic]) process.stdout.write(COMMAND_HELP[topic] + "\n");
      else throw new UsageError(`help: unknown command ${topic} (commands: ${Object.keys(COMMANDS).join(", ")})`);
      return 0;
    }
    if (first.startsWith("-")) throw new UsageError(`expected a command before ${first}`);
    const load = COMMANDS[first];
    if (!load) throw new UsageError(`unknown command ${first} (commands: ${Object.keys(COMMANDS).join(", ")})`);
    command = first;
    const cmd = await load();
    const args = parseArgs(argv.slice(1), cmd.flags, command);
    if (args.flags.get("help") === true) {
      process.stdout.write(COMMAND_HELP[command] + "\n");
      return 0;
    }
    return await cmd.run(args);
  } catch (e) {
    if (e instanceof UsageError) {
      const topic = e.command ?? command;
      const hint = topic ? `see: hellogate help ${topic}` : "see: hellogate --help";
      process.stderr.write(`hellogate: ${stripPrefix(e.message)}\n${hint}\n`);
      return 2;
    }
    process.stderr.write(`hellogate: ${stripPrefix(e instanceof Error ? e.message : String(e))}\n`);
    return 1;
  }
}

/** Library errors already start with "hellogate: "; print the prefix once. */
function stripPrefix(message: string): string {
  return message.replace(/^(hellogate: )+/, "");
}
