/**
 * Bounded, non-blocking line output for long-running commands. Events are queued (up to a byte
 * cap) and written one batch at a time; while the reader is slow, new events are dropped and
 * counted, and a summary line (e.g. `{"event":"events-dropped","count":N}`) goes out as soon as
 * the queue has drained. A closed pipe (EPIPE) ends the output quietly: the caller is told once
 * and decides whether to keep serving. The gate never waits on stdout and memory stays bounded.
 *
 * @module
 */
import process from "node:process";

/** Where the lines go: one asynchronous write at a time; rejects when the output is gone. */
export interface LineSink {
  /** Writes all of `bytes`; resolves when the operating system has taken them. */
  write(bytes: Uint8Array): Promise<void>;
}

interface DenoStdout {
  write(p: Uint8Array): Promise<number>;
}

/**
 * The process's stdout as a {@link LineSink} that never blocks the event loop: `Deno.stdout`
 * under Deno (its `process.stdout` writes synchronously and blocks on a full pipe), otherwise
 * `process.stdout` with one write in flight (Bun and Node buffer without limit otherwise).
 */
export function stdoutSink(): LineSink {
  const deno = (globalThis as { Deno?: { stdout?: DenoStdout } }).Deno;
  if (deno?.stdout) {
    const out = deno.stdout;
    return {
      async write(bytes) {
        let n = 0;
        while (n < bytes.length) n += await out.write(bytes.subarray(n));
      },
    };
  }
  return streamSink(process.stdout);
}

/** A Node-style writable as a {@link LineSink}, resolving on each write's callback. */
export function streamSink(stream: NodeJS.WritableStream): LineSink {
  let failure: Error | undefined;
  const waiting = new Set<(e: Error) => void>();
  // An 'error' event without a listener would be an uncaught exception (EPIPE).
  stream.on("error", (e: Error) => {
    failure = e;
    for (const reject of waiting) reject(e);
    waiting.clear();
  });
  return {
    write(bytes) {
      if (failure) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        waiting.add(reject);
        try {
          stream.write(bytes, (e?: Error | null) => {
            waiting.delete(reject);
            if (e) reject(e);
            else resolve();
          });
        } catch (e) {
          waiting.delete(reject);
          reject(e as Error);
        }
      });
    },
  };
}

/** Options for {@link EventWriter}. */
export interface EventWriterOptions {
  /** Where lines go (default {@link stdoutSink}). */
  readonly sink?: LineSink;
  /**
   * Most bytes (characters; events are ASCII JSON) held, the batch being written included,
   * before new lines are dropped (default 256 KiB).
   */
  readonly maxQueuedBytes?: number;
  /** The line announcing `count` dropped lines (without the newline). */
  readonly droppedLine: (count: number) => string;
  /** Called once when the output is gone (EPIPE or any write error). */
  readonly onClosed?: (error: unknown) => void;
}

/** The CLI's announcement of `count` dropped lines: `{"event":"events-dropped","count":N}` or text. */
export function eventsDroppedLine(json: boolean): (count: number) => string {
  return (count) => json ? JSON.stringify({ event: "events-dropped", count }) : `(${count} events dropped: stdout too slow)`;
}

const BATCH_BYTES = 64 * 1024;

/** A bounded queue of output lines in front of a {@link LineSink}. See the module doc. */
export class EventWriter {
  readonly #sink: LineSink;
  readonly #maxQueuedBytes: number;
  readonly #droppedLine: (count: number) => string;
  readonly #onClosed: ((error: unknown) => void) | undefined;
  readonly #encoder = new TextEncoder();
  #queue: string[] = [];
  #queuedBytes = 0;
  #pumping = false;
  #closed = false;
  #pendingDropped = 0;
  #droppedTotal = 0;
  #idle: (() => void)[] = [];

  /** Creates a writer; nothing is written until {@link EventWriter.line} is called. */
  constructor(options: EventWriterOptions) {
    this.#sink = options.sink ?? stdoutSink();
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 256 * 1024;
    this.#droppedLine = options.droppedLine;
    this.#onClosed = options.onClosed;
  }

  /** Lines dropped so far because the queue was full (not counting those after close). */
  get dropped(): number {
    return this.#droppedTotal;
  }

  /** Whether the output is gone (EPIPE or another write error). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queues one line (a newline is added); false when it was dropped or the output is gone. */
  line(text: string): boolean {
    if (this.#closed) return false;
    const size = text.length + 1;
    if (this.#queuedBytes + size > this.#maxQueuedBytes && this.#queue.length > 0) {
      this.#pendingDropped++;
      this.#droppedTotal++;
      return false;
    }
    this.#queue.push(text + "\n");
    this.#queuedBytes += size;
    if (!this.#pumping) void this.#pump();
    return true;
  }

  /**
   * Resolves true once everything queued has been written, or false after `timeoutMs` (an
   * unread pipe) or when the output is gone.
   */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (!this.#pumping && this.#queue.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve(!this.#closed);
      });
    });
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#queue.length > 0) {
        let take = 0, bytes = 0;
        while (take < this.#queue.length && (take === 0 || bytes + this.#queue[take].length <= BATCH_BYTES)) {
          bytes += this.#queue[take].length;
          take++;
        }
        const batch = this.#queue.splice(0, take).join("");
        await this.#sink.write(this.#encoder.encode(batch));
        this.#queuedBytes -= bytes;
        if (this.#queue.length === 0 && this.#pendingDropped > 0) {
          const text = this.#droppedLine(this.#pendingDropped) + "\n";
          this.#pendingDropped = 0;
          this.#queue.push(text);
          this.#queuedBytes += text.length;
        }
      }
    } catch (e) {
      this.#closed = true;
      this.#queue = [];
      this.#queuedBytes = 0;
      this.#onClosed?.(e);
    } finally {
      this.#pumping = false;
      const idle = this.#idle;
      this.#idle = [];
      for (const f of idle) f();
    }
  }
}
