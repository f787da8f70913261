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
import { AsyncQueue } from "./queue.ts";
import { acceptStream } from "./streams.ts";

/** Options shared by every TCP listener. */
export interface StreamGateOptions {
  /** Makes the engine for each connection (e.g. `(peer) => new StreamListener({ keyring, framing: "tls-records", peer })`). */
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
  #pending = new Set<AbortController>();
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
    const ac = new AbortController();
    const table = this.#table;
    const slot = table.admit(conn.peer, this.#clock.now(), (reason: EvictionReason) => ac.abort(reason));
    this.#pending.add(ac);
    const o = this.#options;
    const run = acceptStream(conn, {
      engine: (peer) => fairEngine(o.engine(peer), table, slot),
      signal: ac.signal,
      clock: this.#clock,
      counters: this.counters,
      transport: "tcp",
      ...(o.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: o.handshakeTimeoutMs } : {}),
      ...(o.maxHandshakeBytes !== undefined ? { maxHandshakeBytes: o.maxHandshakeBytes } : {}),
      ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    }).then((result) => {
      this.#pending.delete(ac);
      table.release(slot);
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
      this.#pending.delete(ac);
      table.release(slot);
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
    for (const ac of this.#pending) ac.abort();
    for (const c of this.#accepts.drainAndClose()) c.close();
    this.#closing = Promise.all([
      this.#binding.close().catch(() => {}),
      Promise.allSettled([...this.#running]),
    ]).then(() => {});
    return this.#closing;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
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
