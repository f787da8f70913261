// Runs `cli.ts` as a child process under the current runtime (Deno or Bun) for the CLI tests.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { AsyncQueue } from "../../transports/queue.ts";
import { within } from "../transport_fakes.ts";

export const root = new URL("../..", import.meta.url).pathname;
export const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
/** Runtime arguments before the CLI's own (`cli.ts` under Bun, `run -A cli.ts` under Deno). */
export const cliArgs = isBun ? ["cli.ts"] : ["run", "-A", "cli.ts"];

/** A running `hellogate` child with its stdout split into lines. */
export interface CliChild {
  readonly child: ChildProcess;
  /** Next stdout line (fails after `ms`). */
  nextLine(ms?: number): Promise<string>;
  /** Next stdout line parsed as JSON. */
  nextJson(ms?: number): Promise<Record<string, unknown>>;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with [code, signal] when the child exits. */
  readonly exited: Promise<[number | null, string | null]>;
  /** SIGKILL if still running. */
  kill(): void;
}

/** Spawns `hellogate ARGS`; stdout is read line by line unless `readStdout` is false. */
export function startCli(args: string[], { readStdout = true } = {}): CliChild {
  const child = spawn(process.execPath, [...cliArgs, ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  const lines = new AsyncQueue<string>();
  if (readStdout) createInterface({ input: child.stdout! }).on("line", (l) => lines.push(l));
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  const exited = new Promise<[number | null, string | null]>((resolve) =>
    child.on("exit", (code, signal) => resolve([code, signal]))
  );
  const nextLine = async (ms = 30000) => {
    const r = await within(lines.next(), ms, "cli stdout line");
    if (r.done) throw new Error(`stdout ended; stderr: ${err}`);
    return r.value;
  };
  return {
    child,
    nextLine,
    nextJson: async (ms) => JSON.parse(await nextLine(ms)),
    stderr: () => err,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/** Resident set size of a process in KiB (Linux /proc), or undefined. */
export async function rssKiB(pid: number): Promise<number | undefined> {
  const { readFileSync } = await import("node:fs");
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
