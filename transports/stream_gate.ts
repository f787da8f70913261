/**
 * The socket-independent half of every TCP adapter: one {@link acceptStream} per incoming
 * connection, a cap on handshakes in progress, and an async iterator of accepted connections.
 *
 * @module
 */
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";
import { type Clock, systemClock } from "./clock.ts";
import { TransportCounters, type TransportEvent } from "./counters.ts";
import type { StreamEngineFactory } from "./engine.ts";
import { AsyncQueue } from "./queue.ts";
import { acceptStream } from "./streams.ts";

/** Options shared by every TCP listener. */
export interface StreamGateOptions {
  /** Makes the engine for each connection (e.g. `(peer) => new StreamListener({ keyring, framing: "tls-records", peer })`). */
  engine: StreamEngineFactory;
  /** Handshakes in progress at once (default 1024); further connections are closed at once (`connection-limit`). */
  maxPendingHandshakes?: number;
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
  #maxPending: number;
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
    this.#maxPending = atLeastOne(options.maxPendingHandshakes, 1024, "maxPendingHandshakes");
    this.#accepts = new AsyncQueue(atLeastOne(options.maxPendingAccepts, 1024, "maxPendingAccepts"));
    if (options.signal) {
      if (options.signal.aborted) void this.close();
      else options.signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** Handshakes in progress. */
  get pendingHandshakes(): number {
    return this.#pending.size;
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
    if (this.#pending.size >= this.#maxPending) {
      this.counters.drop("connection-limit");
      this.#options.onEvent?.({
        event: "dropped",
        transport: "tcp",
        peer: conn.peer,
        reason: "connection-limit",
        detail: `${this.#maxPending} handshakes in progress`,
        bytesIn: 0,
        bytesOut: 0,
      });
      safeClose(conn);
      return;
    }
    const ac = new AbortController();
    this.#pending.add(ac);
    const o = this.#options;
    const run = acceptStream(conn, {
      engine: o.engine,
      signal: ac.signal,
      clock: this.#clock,
      counters: this.counters,
      transport: "tcp",
      ...(o.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: o.handshakeTimeoutMs } : {}),
      ...(o.maxHandshakeBytes !== undefined ? { maxHandshakeBytes: o.maxHandshakeBytes } : {}),
      ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    }).then((result) => {
      this.#pending.delete(ac);
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
