/**
 * The connection object a datagram listener hands out once a peer proved its address: the
 * later datagrams from that peer (starting with whatever followed the accepted ClientHello)
 * and a way to answer it.
 *
 * @module
 */
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";
import type { Clock } from "./clock.ts";
import { AsyncQueue } from "./queue.ts";

/** Why an accepted datagram connection ended. */
export type ConnectionEndReason = "closed" | "idle-timeout" | "local-close";

/** One accepted UDP peer. */
export interface DatagramConnection extends AsyncIterable<Uint8Array> {
  /** The validated peer (normalised). */
  readonly peer: PeerAddress;
  /** Everything the engine learned: protocol, ClientHello, sequencing, retry context, remainder. */
  readonly accepted: AcceptedOutcome;
  /**
   * Later datagrams from this peer, in arrival order; the first item is `accepted.remainder`
   * when that is non-empty (the rest of the datagram, e.g. further records or fragments).
   * Ends when the connection closes (buffered datagrams are still delivered, except after
   * {@link DatagramConnection.close}).
   */
  readonly datagrams: AsyncIterable<Uint8Array>;
  /** Resolves with the reason once the connection has ended. */
  readonly closed: Promise<ConnectionEndReason>;
  /** Sends one datagram to the peer. Rejects when the connection or listener is closed. */
  send(bytes: Uint8Array): Promise<void>;
  /** Ends the connection: later datagrams from the peer go to the gate again. Idempotent. */
  close(): void;
}

/** Hooks a gate gives each connection it creates. @internal */
export interface ConnectionHooks {
  /** Sends bytes to the peer through the listening socket. */
  send(bytes: Uint8Array, peer: PeerAddress): Promise<void>;
  /** Called once when the connection ends. */
  onEnd(connection: UdpConnection, reason: ConnectionEndReason): void;
  /** Clock for the idle timer. */
  clock: Clock;
  /** Idle timeout in milliseconds (0 or Infinity: none). */
  idleTimeoutMs: number;
  /** Cap on datagrams buffered for a slow consumer. */
  maxQueuedDatagrams: number;
}

/** The gate's implementation of {@link DatagramConnection}. @internal */
export class UdpConnection implements DatagramConnection {
  /** The validated peer. */
  readonly peer: PeerAddress;
  /** The engine's accept outcome. */
  readonly accepted: AcceptedOutcome;
  /** Later datagrams. */
  readonly datagrams: AsyncIterable<Uint8Array>;
  /** Resolves when ended. */
  readonly closed: Promise<ConnectionEndReason>;
  #queue: AsyncQueue<Uint8Array>;
  #hooks: ConnectionHooks;
  #ended = false;
  #lastActivity: number;
  #cancelTimer: (() => void) | undefined;
  #resolveClosed!: (reason: ConnectionEndReason) => void;

  /** Creates the connection and queues `accepted.remainder` first. */
  constructor(peer: PeerAddress, accepted: AcceptedOutcome, hooks: ConnectionHooks) {
    this.peer = peer;
    this.accepted = accepted;
    this.#hooks = hooks;
    this.#queue = new AsyncQueue<Uint8Array>(hooks.maxQueuedDatagrams);
    this.datagrams = this.#queue;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#lastActivity = hooks.clock.now();
    if (accepted.remainder.length > 0) this.#queue.push(accepted.remainder);
    this.#armIdle(hooks.idleTimeoutMs);
  }

  #armIdle(ms: number): void {
    const idle = this.#hooks.idleTimeoutMs;
    if (!(idle > 0 && Number.isFinite(idle))) return;
    this.#cancelTimer = this.#hooks.clock.setTimer(ms, () => {
      this.#cancelTimer = undefined;
      if (this.#ended) return;
      const quiet = this.#hooks.clock.now() - this.#lastActivity;
      if (quiet >= idle) this.end("idle-timeout", false);
      else this.#armIdle(idle - quiet);
    });
  }

  /** True once ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Datagrams buffered, not yet consumed. */
  get queued(): number {
    return this.#queue.size;
  }

  /** Gate side: a datagram from the peer. Returns false when the queue is full or ended. */
  deliver(datagram: Uint8Array): boolean {
    if (this.#ended) return false;
    this.#lastActivity = this.#hooks.clock.now();
    return this.#queue.push(datagram);
  }

  /** Sends one datagram to the peer. */
  send(bytes: Uint8Array): Promise<void> {
    if (this.#ended) return Promise.reject(new Error("hellogate: connection is closed"));
    this.#lastActivity = this.#hooks.clock.now();
    return this.#hooks.send(bytes, this.peer);
  }

  /** Ends the connection and discards datagrams not yet read. */
  close(): void {
    this.end("closed", true);
  }

  /** Async iteration over {@link datagrams}. */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this.#queue[Symbol.asyncIterator]();
  }

  /** Ends the connection with `reason`; `discard` drops buffered datagrams. */
  end(reason: ConnectionEndReason, discard: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (discard) this.#queue.drainAndClose();
    else this.#queue.close();
    this.#hooks.onEnd(this, reason);
    this.#resolveClosed(reason);
  }
}
