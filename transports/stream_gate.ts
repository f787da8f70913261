/**
 * The socket-independent half of every TCP adapter: one {@link acceptStream} per incoming
 * connection, fair caps on handshakes in progress (per source and global, see
 * `tcp_fairness.ts`: the oldest idle handshake makes room, a newcomer is never refused), a global
 * budget for buffered partial ClientHellos, and an async iterator of accepted connections.
 *
 * @module
 */
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";
import { type Clock, systemClock } from "./clock.ts";
import { TransportCounters, type TransportEvent } from "./counters.ts";
import type { StreamEngine, StreamEngineFactory } from "./engine.ts";
import { type EvictionReason, PendingHandshakes, type PendingSlot } from "./tcp_fairness.ts";
import { type LeanConnection, leanAccept, type LeanControl } from "./tcp_lean.ts";
import type { TransportDropReason } from "./counters.ts";
import { AsyncQueue } from "./queue.ts";
import { acceptStream } from "./streams.ts";

/** Options shared by every TCP listener. */
export interface StreamGateOptions {
  /**
   * Makes the engine for each connection (e.g. `(peer) => new StreamListener({ keyring, framing: "tls-records", peer })`):
   * when it connects (node:net, Bun.listen) or when its first bytes arrive (Deno.listen: an idle
   * connection costs no engine).
   */
  engine: StreamEngineFactory;
  /**
   * Handshakes in progress at once, over all sources (default 1024). When full, the oldest idle
   * handshake of the source holding the most is closed (`evicted-idle`) to admit the newcomer.
   */
  maxPendingHandshakes?: number;
  /**
   * Handshakes in progress at once from one source, an IPv4 address or an IPv6 /64 (default
   * 128). When full, that source's oldest idle handshake is closed (`evicted-idle`).
   */
  maxPendingPerSource?: number;
  /**
   * Bytes all pending handshakes may buffer together for incomplete ClientHellos (default
   * 8 MiB); beyond it the handshake buffering the most is closed (`handshake-budget`).
   */
  maxBufferedHandshakeBytes?: number;
  /**
   * The per-source cap closes a source's oldest handshake only after it has been idle this long
   * (default 1000 ms; 0 = at once): a burst of short connections from one address is not cut.
   */
  minIdleBeforeEvictionMs?: number;
  /** Accepted connections buffered for the consumer (default 1024); when full, new accepts are closed. */
  maxPendingAccepts?: number;
  /** Per-connection handshake timeout in milliseconds (default 10 000; 0 = none). */
  handshakeTimeoutMs?: number;
  /** Hard cap on bytes read per connection before accept (default 65 536). */
  maxHandshakeBytes?: number;
  /** Aborting closes the listener and every handshake in progress. */
  signal?: AbortSignal;
  /** Time source. */
  clock?: Clock;
  /** Counters to add to. */
  counters?: TransportCounters;
  /** Event sink. */
  onEvent?: (event: TransportEvent) => void;
}

/** Which implementation a TCP listener runs on. */
export type TcpAdapterName = "node:net" | "Deno.listen" | "Bun.listen" | "custom";

/** One accepted TCP connection. */
export interface TcpConnection {
  /** The peer (normalised). */
  readonly peer: PeerAddress;
  /** Everything the engine learned. */
  readonly accepted: AcceptedOutcome;
  /** The rest of the connection's bytes: `accepted.remainder` first. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the peer. */
  readonly writable: WritableStream<Uint8Array>;
  /** Closes the socket at once. */
  close(): void;
}

/** A TCP listener: iterate it for accepted connections. */
export interface TcpListener extends AsyncIterable<TcpConnection>, AsyncDisposable {
  /** Socket implementation. */
  readonly adapter: TcpAdapterName;
  /** Bound local address. */
  readonly addr: PeerAddress;
  /** Live counters. */
  readonly counters: TransportCounters;
  /** Handshakes in progress. */
  readonly pendingHandshakes: number;
  /** True once closed. */
  readonly closed: boolean;
  /** Next accepted connection, or `undefined` once closed. */
  accept(): Promise<TcpConnection | undefined>;
  /** Stops listening and closes handshakes in progress; accepted connections stay open (they are the caller's). */
  close(): Promise<void>;
}

/** An incoming connection as an adapter reports it. */
export interface RawStreamConnection {
  /** Bytes from the peer. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the peer. */
  readonly writable: WritableStream<Uint8Array>;
  /** The peer. */
  readonly peer: PeerAddress;
  /** Force-closes the socket. */
  close(): void;
  /**
   * Direct I/O, when the adapter has it: the gate then runs the exchange without WHATWG streams
   * (`tcp_lean.ts`) and touches `readable` never, `writable` only after accept.
   */
  readonly lean?: LeanConnection;
}

/** What an adapter provides to a {@link StreamGate}. */
export interface StreamServerBinding {
  /** Adapter name. */
  readonly adapter: TcpAdapterName;
  /** Bound address. */
  readonly local: PeerAddress;
  /** Stops listening. */
  close(): Promise<void>;
}

/**
 * Runs the gate for each connection an adapter reports through {@link StreamGate.handle}.
 */
export class StreamGate implements TcpListener {
  /** Adapter name. */
  readonly adapter: TcpAdapterName;
  /** Bound address. */
  readonly addr: PeerAddress;
  /** Live counters. */
  readonly counters: TransportCounters;
  #binding: StreamServerBinding;
  #options: StreamGateOptions;
  #clock: Clock;
  #table: PendingHandshakes;
  /** How to stop each handshake in progress (for close()). */
  #pending = new Set<(reason: TransportDropReason) => void>();
  /** Lean handshakes by start time (= deadline order): one timer for all, armed for the oldest. */
  #deadlines = new Set<Deadline>();
  #timerDue = Infinity;
  #cancelTimer: (() => void) | undefined;
  #running = new Set<Promise<void>>();
  #accepts: AsyncQueue<TcpConnection>;
  #closed = false;
  #closing: Promise<void> | undefined;
  #onAbort = (): void => {
    void this.close();
  };

  /** Wraps a listening server. */
  constructor(binding: StreamServerBinding, options: StreamGateOptions) {
    if (!options || typeof options.engine !== "function") {
      throw new TypeError("hellogate: options.engine must be a (peer) => StreamEngine factory");
    }
    this.adapter = binding.adapter;
    this.addr = binding.local;
    this.#binding = binding;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.counters = options.counters ?? new TransportCounters();
    this.#table = new PendingHandshakes(options);
    this.#accepts = new AsyncQueue(atLeastOne(options.maxPendingAccepts, 1024, "maxPendingAccepts"));
    if (options.signal) {
      if (options.signal.aborted) void this.close();
      else options.signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** Handshakes in progress. */
  get pendingHandshakes(): number {
    return this.#table.size;
  }

  /** Bytes buffered by handshakes in progress (counted against `maxBufferedHandshakeBytes`). */
  get bufferedHandshakeBytes(): number {
    return this.#table.bufferedBytes;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Runs the gate on one new connection. Never throws. */
  handle(conn: RawStreamConnection): void {
    if (this.#closed) {
      safeClose(conn);
      return;
    }
    const table = this.#table;
    const o = this.#options;
    const now = this.#clock.now();
    let stopFn: (reason: TransportDropReason) => void = () => {};
    const stop = (reason: TransportDropReason): void => stopFn(reason);
    const slot = table.admit(conn.peer, now, (reason: EvictionReason) => stop(reason));
    this.#pending.add(stop);
    const engine = (peer: PeerAddress) => fairEngine(o.engine(peer), table, slot);
    let deadline: Deadline | undefined;
    let started;
    if (conn.lean) {
      const control: LeanControl = {};
      stopFn = (reason) => control.interrupt?.(reason);
      const timeoutMs = o.handshakeTimeoutMs ?? 10_000;
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        deadline = { due: now + timeoutMs, stop };
        this.#deadlines.add(deadline);
        this.#arm();
      }
      started = leanAccept(conn.lean, {
        engine,
        handshakeTimeoutMs: timeoutMs,
        maxHandshakeBytes: o.maxHandshakeBytes ?? 65_536,
        control,
        clock: this.#clock,
        counters: this.counters,
        ...(o.onEvent ? { onEvent: o.onEvent } : {}),
      });
    } else {
      const ac = new AbortController();
      stopFn = (reason) => ac.abort(reason);
      started = acceptStream(conn, {
        engine,
        signal: ac.signal,
        clock: this.#clock,
        counters: this.counters,
        transport: "tcp",
        ...(o.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: o.handshakeTimeoutMs } : {}),
        ...(o.maxHandshakeBytes !== undefined ? { maxHandshakeBytes: o.maxHandshakeBytes } : {}),
        ...(o.onEvent ? { onEvent: o.onEvent } : {}),
      });
    }
    const finished = (): void => {
      this.#pending.delete(stop);
      if (deadline) this.#deadlines.delete(deadline);
      table.release(slot);
    };
    const run = started.then((result) => {
      finished();
      if (result.kind !== "accepted") return;
      const accepted: TcpConnection = {
        peer: result.peer,
        accepted: result.accepted,
        readable: result.readable,
        writable: result.writable,
        close: () => safeClose(conn),
      };
      if (!this.#accepts.push(accepted)) {
        this.counters.drop("connection-limit");
        safeClose(conn);
      }
    }, () => {
      finished();
      safeClose(conn);
    });
    this.#running.add(run);
    void run.then(() => this.#running.delete(run));
  }

  /** Next accepted connection, or `undefined` once closed. */
  async accept(): Promise<TcpConnection | undefined> {
    const r = await this.#accepts.next();
    return r.done ? undefined : r.value;
  }

  /** Iterates accepted connections until the listener closes. */
  [Symbol.asyncIterator](): AsyncIterator<TcpConnection> {
    return this.#accepts[Symbol.asyncIterator]();
  }

  /** Stops listening; aborts handshakes in progress; closes accepted connections nobody took. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    for (const stop of [...this.#pending]) stop("local-close");
    this.#cancelTimer?.();
    for (const c of this.#accepts.drainAndClose()) c.close();
    this.#closing = Promise.all([
      this.#binding.close().catch(() => {}),
      Promise.allSettled([...this.#running]),
    ]).then(() => {});
    return this.#closing;
  }

  /** Arms the one timeout timer for the oldest lean handshake; expires every handshake that is due. */
  #arm(): void {
    const first = this.#deadlines.values().next().value as Deadline | undefined;
    if (!first || first.due >= this.#timerDue) return;
    this.#cancelTimer?.();
    this.#timerDue = first.due;
    this.#cancelTimer = this.#clock.setTimer(Math.max(0, first.due - this.#clock.now()), () => {
      this.#timerDue = Infinity;
      this.#cancelTimer = undefined;
      const now = this.#clock.now();
      for (const d of this.#deadlines) {
        if (d.due > now) break;
        this.#deadlines.delete(d);
        d.stop("handshake-timeout");
      }
      this.#arm();
    });
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** When a lean handshake times out. */
interface Deadline {
  readonly due: number;
  readonly stop: (reason: TransportDropReason) => void;
}

/**
 * Wraps a connection's engine to keep its slot current: each chunk refreshes its idle order and
 * buffered bytes (the engine's `bufferedBytes` when it has one, like `StreamListener`, else every
 * byte received so far); the slot is freed as soon as the engine finishes or the peer closes.
 */
function fairEngine(inner: StreamEngine, table: PendingHandshakes, slot: PendingSlot): StreamEngine {
  let received = 0;
  const held = inner as { readonly bufferedBytes?: unknown };
  return {
    receive(chunk: Uint8Array, now: number) {
      const out = inner.receive(chunk, now);
      received += chunk.length;
      if (out.kind === "need-more-data" || out.kind === "send") {
        const buffered = held.bufferedBytes;
        table.activity(slot, now, typeof buffered === "number" ? buffered : received);
      } else {
        table.release(slot);
      }
      return out;
    },
    end(now: number) {
      table.release(slot);
      return inner.end(now);
    },
  };
}

function safeClose(conn: { close(): void }): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

function atLeastOne(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 1)) throw new RangeError(`hellogate: ${name} must be >= 1`);
  return value;
}
