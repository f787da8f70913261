/**
 * Output of long-running commands (`listen`, `serve`): events as JSON lines or text through the
 * bounded {@link EventWriter}, the live status line on a terminal, `{"event":"stats"}` lines
 * with `--stats SECONDS`, and the final `stopped` report. Also the `--stats` flag parser and
 * the run-until-SIGINT/SIGTERM loop both commands share.
 *
 * @module
 */
import process from "node:process";
import type { TransportCounters } from "../transports/counters.ts";
import { type Args, flag, has, UsageError } from "./args.ts";
import { eventsDroppedLine, EventWriter } from "./event_writer.ts";
import { counterLine } from "./events.ts";
import { LiveStats, statsJson, statsLine } from "./stats.ts";

/** Options for {@link Reporter}. */
export interface ReporterOptions {
  /** JSON lines (`--json`) or text. */
  readonly json: boolean;
  /** `--stats SECONDS`: periodic stats (JSON lines, or status lines on stderr in text mode). */
  readonly statsSeconds: number | undefined;
  /** The counters the transports update. */
  readonly counters: TransportCounters;
  /** Called once when stdout is gone (EPIPE). */
  readonly onStdoutClosed: () => void;
}

/** See the module doc. */
export class Reporter {
  /** Datagrams and handshakes in progress, for the periodic reports. */
  readonly stats: LiveStats;
  readonly #json: boolean;
  readonly #counters: TransportCounters;
  readonly #out: EventWriter;
  readonly #live: boolean;
  readonly #periodSeconds: number | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #statusShown = false;

  /** Creates the reporter; nothing periodic runs until {@link Reporter.start}. */
  constructor(options: ReporterOptions) {
    this.#json = options.json;
    this.#counters = options.counters;
    this.stats = new LiveStats(options.counters, Date.now());
    // The live status line needs a terminal to redraw on; --json never mixes it in.
    this.#live = !options.json && process.stderr.isTTY === true;
    this.#periodSeconds = options.statsSeconds ?? (this.#live ? 1 : undefined);
    this.#out = new EventWriter({
      droppedLine: eventsDroppedLine(options.json),
      onClosed: options.onStdoutClosed,
    });
  }

  /** Whether stdout is gone. */
  get stdoutClosed(): boolean {
    return this.#out.closed;
  }

  /** Reports one event: `json` with --json, else `text`. */
  event(json: Record<string, unknown>, text: string): void {
    if (this.#json) this.#out.line(JSON.stringify(json));
    else {
      this.#clearStatus();
      this.#out.line(text);
    }
  }

  /** Starts the periodic status / stats reports. */
  start(): void {
    if (this.#periodSeconds === undefined || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.#tick(), this.#periodSeconds * 1000);
  }

  /**
   * Stops the periodic reports, reports `stopped` with the counters (and `extra` fields), and
   * flushes stdout (at most 2 s).
   */
  async finish(extra: Record<string, unknown> = {}): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#json) this.#out.line(JSON.stringify({ event: "stopped", counters: this.#counters.snapshot(), ...extra }));
    else {
      this.#clearStatus();
      process.stderr.write(`${counterLine(this.#counters)}\n`);
    }
    // Bounded: an unread stdout must not keep the process alive.
    await this.#out.flush(2000);
  }

  #tick(): void {
    const sample = this.stats.sample(Date.now());
    if (this.#json) this.#out.line(JSON.stringify(statsJson(sample)));
    else if (this.#live) {
      process.stderr.write(`\r\x1b[K${statsLine(sample)}`);
      this.#statusShown = true;
    } else process.stderr.write(`${statsLine(sample)}\n`);
  }

  #clearStatus(): void {
    if (this.#statusShown) {
      process.stderr.write("\r\x1b[K");
      this.#statusShown = false;
    }
  }
}

/** Parses `--stats SECONDS` (0.1 to 86400); undefined when absent. */
export function statsSecondsFrom(args: Args, command: string): number | undefined {
  const text = flag(args, "stats");
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || n < 0.1 || n > 86400) {
    throw new UsageError(`--stats ${text}: expected a number of seconds between 0.1 and 86400`, command);
  }
  return n;
}

/**
 * Runs until SIGINT or SIGTERM (or `stopNow` is called, e.g. when stdout closes and
 * `--exit-on-stdout-close` was given), then awaits `shutdown` and resolves with exit code 0.
 */
export function runUntilStopped(shutdown: () => Promise<void>): { done: Promise<number>; stopNow: () => void } {
  let stopping = false;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));
  const stopNow = () => {
    if (stopping) return;
    stopping = true;
    process.off("SIGINT", stopNow);
    process.off("SIGTERM", stopNow);
    void shutdown().then(() => resolveDone(0), (e) => {
      process.stderr.write(`hellogate: error while stopping: ${e instanceof Error ? e.message : String(e)}\n`);
      resolveDone(1);
    });
  };
  process.on("SIGINT", stopNow);
  process.on("SIGTERM", stopNow);
  return { done, stopNow };
}

/**
 * The life of `listen` and `serve --tcp`: a {@link Reporter} whose `stopped` report follows
 * `shutdown` (close the listeners; returns extra fields for that report) on SIGINT/SIGTERM or,
 * with `--exit-on-stdout-close`, once stdout is gone. Call `run()` when listening: it starts the
 * periodic reports and resolves with the exit code.
 */
export function reportUntilStopped(
  args: Args,
  options: Omit<ReporterOptions, "onStdoutClosed">,
  shutdown: () => Promise<Record<string, unknown>>,
): { reporter: Reporter; run: () => Promise<number> } {
  const exitOnClose = exitOnStdoutClose(args);
  const { done, stopNow } = runUntilStopped(async () => {
    const extra = await shutdown();
    await reporter.finish(extra);
  });
  // stdout never blocks the gate: a bounded queue, drops counted, EPIPE ends the output only.
  const reporter = new Reporter({ ...options, onStdoutClosed: stdoutClosedHandler(exitOnClose, stopNow) });
  const run = async () => {
    reporter.start();
    if (reporter.stdoutClosed && exitOnClose) stopNow();
    return await done;
  };
  return { reporter, run };
}

/**
 * What to do when stdout closes: with `--exit-on-stdout-close` (`exitOnClose`) call `stop`, else
 * say on stderr that the server goes on without printing events.
 */
export function stdoutClosedHandler(exitOnClose: boolean, stop: () => void): () => void {
  return () => {
    if (exitOnClose) stop();
    else process.stderr.write("hellogate: stdout closed; still serving (events are no longer printed)\n");
  };
}

/** Whether `--exit-on-stdout-close` was given. */
export function exitOnStdoutClose(args: Args): boolean {
  return has(args, "exit-on-stdout-close");
}
