/**
 * The socket-independent half of every UDP adapter: feeds datagrams from unknown peers to the
 * {@link DatagramEngine}, sends its replies, and once a peer is accepted routes that peer's
 * datagrams to its {@link DatagramConnection} instead (so the rest of a fragmented
 * ClientHello, OpenSSL#27640, is not lost). Before accept a peer costs nothing: the only
 * per-peer map holds accepted connections.
 *
 * Adapters (node:dgram, Deno, Bun) bind a socket and call {@link DatagramGate.deliver}; a
 * custom datagram transport can do the same.
 *
 * @module
 */
import type { AcceptedOutcome, Outcome } from "../core/gate/outcome.ts";
import { formatPeer, normalizePeer, type PeerAddress } from "../core/peer.ts";
import { type Clock, systemClock } from "./clock.ts";
import { type ConnectionEndReason, type DatagramConnection, UdpConnection } from "./connection.ts";
import { TransportCounters, type TransportDropReason, type TransportEvent } from "./counters.ts";
import type { DatagramEngine } from "./engine.ts";
import { AsyncQueue } from "./queue.ts";

/** Options shared by every UDP listener. */
export interface DatagramGateOptions {
  /** The engine every datagram from an unaccepted peer goes through (e.g. a `DatagramListener`). */
  engine: DatagramEngine;
  /** Cap on accepted connections alive at once (default 1024). When full, accepts are dropped with reason `connection-limit` while HVR/HRR replies continue. */
  maxConnections?: number;
  /** Close an accepted connection after this many quiet milliseconds (default 30 000; 0 = never). */
  idleTimeoutMs?: number;
  /** Datagrams buffered per connection for a slow consumer (default 256); extra ones are dropped (`queue-full`). */
  maxQueuedDatagrams?: number;
  /** Accepted connections buffered for a consumer that has not taken them yet (default: `maxConnections`). */
  maxPendingAccepts?: number;
  /** Aborting closes the listener. */
  signal?: AbortSignal;
  /** Time source (default: the system clock). */
  clock?: Clock;
  /** Counters to add to (default: a fresh {@link TransportCounters}). */
  counters?: TransportCounters;
  /** Called synchronously for every sent, accepted, dropped and closed event. */
  onEvent?: (event: TransportEvent) => void;
}

/** Which implementation a listener runs on. */
export type UdpAdapterName = "node:dgram" | "Deno.listenDatagram" | "Bun.udpSocket" | "custom";

/** A UDP listener: iterate it for accepted connections. */
export interface UdpListener extends AsyncIterable<DatagramConnection>, AsyncDisposable {
  /** Which socket implementation is in use. */
  readonly adapter: UdpAdapterName;
  /** The bound local address (port resolved when 0 was asked). */
  readonly addr: PeerAddress;
  /** Live counters. */
  readonly counters: TransportCounters;
  /** Accepted connections currently alive. */
  readonly connectionCount: number;
  /** True once closed. */
  readonly closed: boolean;
  /** The next accepted connection, or `undefined` once the listener is closed. */
  accept(): Promise<DatagramConnection | undefined>;
  /**
   * Stops receiving and releases the socket. The accept iterator ends; each connection's
   * datagram iterator delivers what is buffered and then ends.
   */
  close(): Promise<void>;
}

/**
 * What a binding's `send` returns for a datagram it has handed over synchronously (Bun's
 * batched sends): already resolved, so the gate attaches no handler to it (no promise and no
 * microtask per datagram).
 */
export const SENT: Promise<void> = Promise.resolve();

/** What an adapter provides to a {@link DatagramGate}. */
export interface DatagramSocketBinding {
  /** Adapter name, for diagnostics. */
  readonly adapter: UdpAdapterName;
  /** Local bound address. */
  readonly local: PeerAddress;
  /** Sends one datagram. Errors are reported through the returned promise. */
  send(bytes: Uint8Array, peer: PeerAddress): Promise<void>;
  /** Releases the socket. */
  close(): Promise<void>;
}

/**
 * What a bound UDP socket reports to whatever drives it (a {@link DatagramGate}, the QUIC front
 * door). Datagrams are handed over owned: the socket never reuses their bytes.
 */
export interface UdpSocketEvents {
  /** One datagram received from `peer`. */
  datagram(bytes: Uint8Array, peer: PeerAddress): void;
  /** A socket error (e.g. an ICMP port-unreachable for an earlier reply); receiving goes on. */
  error(): void;
}

/**
 * Binds a socket with `bind` and wraps it in a {@link DatagramGate} that receives its datagrams
 * and counts its errors (`io-error`): the whole of a `listenUdp*` adapter once its socket half
 * is written.
 */
export async function gateSocket(
  bind: (events: UdpSocketEvents) => DatagramSocketBinding | Promise<DatagramSocketBinding>,
  options: DatagramGateOptions,
): Promise<DatagramGate> {
  let gate = undefined as DatagramGate | undefined;
  const binding = await bind({
    datagram: (bytes, peer) => gate?.deliver(bytes, peer),
    error: () => gate?.counters.drop("io-error"),
  });
  return gate = new DatagramGate(binding, options);
}

const DEFAULT_MAX_CONNECTIONS = 1024;
const DEFAULT_IDLE_MS = 30_000;
const DEFAULT_QUEUE = 256;

/**
 * Routes datagrams between a socket, an engine and accepted connections. Create one per
 * socket; call {@link DatagramGate.deliver} for each datagram received.
 *
 * @example
 * ```ts
 * import { DatagramGate } from "@hellogate/hellogate/transports";
 * import type { DatagramEngine } from "@hellogate/hellogate/transports";
 * declare const engine: DatagramEngine;
 * const gate = new DatagramGate({
 *   adapter: "custom",
 *   local: { family: "ipv4", address: "127.0.0.1", port: 4433 },
 *   send: async (_bytes, _peer) => {},
 *   close: async () => {},
 * }, { engine });
 * gate.deliver(new Uint8Array([22, 0xfe, 0xfd]), { family: "ipv4", address: "192.0.2.1", port: 5000 });
 * await gate.close();
 * ```
 */
export class DatagramGate implements UdpListener {
  /** Adapter name. */
  readonly adapter: UdpAdapterName;
  /** Bound local address. */
  readonly addr: PeerAddress;
  /** Live counters. */
  readonly counters: TransportCounters;
  #binding: DatagramSocketBinding;
  #engine: DatagramEngine;
  #clock: Clock;
  #onEvent: ((event: TransportEvent) => void) | undefined;
  #maxConnections: number;
  #idleTimeoutMs: number;
  #maxQueued: number;
  #connections = new Map<string, UdpConnection>();
  #accepts: AsyncQueue<DatagramConnection>;
  #closed = false;
  #closing: Promise<void> | undefined;
  #signal: AbortSignal | undefined;
  #onAbort = (): void => {
    void this.close();
  };
  /** One handler for every failed send (no closure per datagram). */
  #onSendError = (): void => {
    this.counters.drop("io-error");
  };

  /** Wraps a bound socket. Throws `RangeError` on invalid options. */
  constructor(binding: DatagramSocketBinding, options: DatagramGateOptions) {
    if (!options || typeof options.engine?.receive !== "function") {
      throw new TypeError("hellogate: options.engine must have a receive(datagram, peer, now) method");
    }
    this.#maxConnections = positive(options.maxConnections, DEFAULT_MAX_CONNECTIONS, "maxConnections");
    this.#maxQueued = positive(options.maxQueuedDatagrams, DEFAULT_QUEUE, "maxQueuedDatagrams");
    const idle = options.idleTimeoutMs ?? DEFAULT_IDLE_MS;
    if (!(idle >= 0)) throw new RangeError("hellogate: idleTimeoutMs must be >= 0");
    this.#idleTimeoutMs = idle;
    this.adapter = binding.adapter;
    this.addr = binding.local;
    this.#binding = binding;
    this.#engine = options.engine;
    this.#clock = options.clock ?? systemClock;
    this.#onEvent = options.onEvent;
    this.counters = options.counters ?? new TransportCounters();
    this.#accepts = new AsyncQueue(
      positive(options.maxPendingAccepts, this.#maxConnections, "maxPendingAccepts"),
    );
    this.#signal = options.signal;
    if (this.#signal) {
      if (this.#signal.aborted) void this.close();
      else this.#signal.addEventListener("abort", this.#onAbort, { once: true });
    }
  }

  /** Accepted connections alive. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Handles one received datagram. Never throws: a peer address that does not parse is a
   * drop (`io-error`), an engine that throws is a drop (`engine-error`).
   */
  deliver(datagram: Uint8Array, from: PeerAddress): void {
    if (this.#closed) return;
    let peer: PeerAddress;
    try {
      peer = normalizePeer(from); // a canonical IPv4 peer (what sockets report) comes back as is, unparsed
    } catch {
      this.counters.drop("io-error");
      return;
    }
    if (this.#connections.size > 0) {
      const conn = this.#connections.get(formatPeer(peer));
      if (conn) {
        if (!conn.deliver(datagram)) {
          this.counters.drop("queue-full");
          this.#emitDrop(peer, "queue-full", "connection queue full", datagram.length, conn.accepted);
        }
        return;
      }
    }
    this.counters.bytesIn += datagram.length;
    let out: Outcome;
    try {
      out = this.#engine.receive(datagram, peer, this.#clock.now());
    } catch (e) {
      this.counters.drop("engine-error");
      this.#emitDrop(peer, "engine-error", String(e), datagram.length);
      return;
    }
    switch (out.kind) {
      case "send": {
        this.counters.sent(out.message, out.bytes.length);
        const sending = this.#binding.send(out.bytes, peer);
        if (sending !== SENT) sending.catch(this.#onSendError);
        this.#onEvent?.({
          event: "sent",
          transport: "udp",
          peer,
          message: out.message,
          protocol: out.protocol,
          ...(out.reason ? { reason: out.reason } : {}),
          bytesIn: datagram.length,
          bytesOut: out.bytes.length,
        });
        return;
      }
      case "dropped":
        this.counters.drop(out.reason);
        this.#emitDrop(peer, out.reason, out.detail, datagram.length);
        return;
      case "need-more-data":
        return;
      case "accepted":
        this.#accept(peer, out, datagram.length);
        return;
    }
  }

  #accept(peer: PeerAddress, accepted: AcceptedOutcome, bytesIn: number): void {
    if (this.#connections.size >= this.#maxConnections) {
      this.counters.drop("connection-limit");
      this.#emitDrop(peer, "connection-limit", `${this.#maxConnections} connections open`, bytesIn, accepted);
      return;
    }
    const key = formatPeer(peer);
    const conn = new UdpConnection(peer, accepted, {
      send: (bytes, to) => this.#closed ? Promise.reject(new Error("hellogate: listener is closed")) : this.#binding.send(bytes, to),
      onEnd: (c, reason) => this.#ended(key, c, reason),
      clock: this.#clock,
      idleTimeoutMs: this.#idleTimeoutMs,
      maxQueuedDatagrams: this.#maxQueued,
    });
    if (!this.#accepts.push(conn)) {
      this.counters.drop("connection-limit");
      this.#emitDrop(peer, "connection-limit", "accept queue full", bytesIn, accepted);
      conn.end("local-close", true);
      return;
    }
    this.#connections.set(key, conn);
    this.counters.accepted++;
    this.#onEvent?.({
      event: "accepted",
      transport: "udp",
      peer,
      protocol: accepted.protocol,
      outcome: accepted,
      bytesIn,
      bytesOut: 0,
    });
  }

  #ended(key: string, conn: UdpConnection, reason: ConnectionEndReason): void {
    if (this.#connections.get(key) === conn) this.#connections.delete(key);
    this.#onEvent?.({
      event: "closed",
      transport: "udp",
      peer: conn.peer,
      protocol: conn.accepted.protocol,
      reason,
      detail: reason === "idle-timeout" ? `no traffic for ${this.#idleTimeoutMs} ms` : "connection closed",
      bytesIn: 0,
      bytesOut: 0,
    });
  }

  #emitDrop(
    peer: PeerAddress,
    reason: TransportDropReason,
    detail: string,
    bytesIn: number,
    accepted?: AcceptedOutcome,
  ): void {
    this.#onEvent?.({
      event: "dropped",
      transport: "udp",
      peer,
      reason,
      detail,
      ...(accepted ? { protocol: accepted.protocol } : {}),
      bytesIn,
      bytesOut: 0,
    });
  }

  /** The next accepted connection, or `undefined` once closed. */
  async accept(): Promise<DatagramConnection | undefined> {
    const r = await this.#accepts.next();
    return r.done ? undefined : r.value;
  }

  /** Iterates accepted connections until the listener closes. */
  [Symbol.asyncIterator](): AsyncIterator<DatagramConnection> {
    return this.#accepts[Symbol.asyncIterator]();
  }

  /** Stops receiving, ends every connection and releases the socket. Idempotent. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    // Connections nobody took yet are closed; taken ones end after their buffered datagrams.
    for (const c of this.#accepts.drainAndClose()) (c as UdpConnection).end("local-close", true);
    for (const c of [...this.#connections.values()]) c.end("local-close", false);
    this.#closing = this.#binding.close().catch(() => {});
    return this.#closing;
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 1)) throw new RangeError(`hellogate: ${name} must be >= 1`);
  return value;
}
