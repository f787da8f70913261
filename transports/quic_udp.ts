/**
 * A UDP adapter for the sans-I/O `QuicListener` (core/quic/listener.ts): binds a socket (node:dgram, Deno's
 * `Deno.listenDatagram` with `--unstable-net`, or `Bun.udpSocket`), feeds every datagram to the
 * listener with the peer address and the current time, sends its replies (Retry, Version
 * Negotiation, CONNECTION_CLOSE) and yields accepted connection attempts.
 *
 * The handshake itself (TLS 1.3 in QUIC mode) is not driven here: each accepted attempt becomes a
 * {@link QuicConnection} that carries what the engine needs, receives every later datagram from
 * that peer (retransmitted Initials, Handshake packets; they no longer reach the listener, so
 * nothing is accepted twice) and sends on the same socket. Before acceptance a peer costs
 * nothing here: the only per-peer map holds accepted connections (bounded, idle-timed).
 *
 * @module
 */
import type { QuicAccepted, QuicDropReason, QuicOutcome, QuicSentMessage } from "../core/quic/outcome.ts";
import type { QuicTokenRejection } from "../core/quic/token.ts";
import type { PeerAddress } from "../core/peer.ts";
import { type BindOptions, bindHost } from "./address.ts";
import { AsyncQueue } from "./queue.ts";
import { type Clock, systemClock } from "./clock.ts";
import { formatPeer, normalizePeer } from "../core/peer.ts";
import type { DatagramSocketBinding } from "./datagram_gate.ts";
import { bindUdp, type UdpAdapterChoice } from "./udp.ts";

/** Which socket implementation: `"node"` (default), `"deno"`, `"bun"`, or `"auto"` (as for `listenUdp`). */
export type QuicUdpAdapterChoice = UdpAdapterChoice;

/** What happened to one datagram, for logs and the CLI. */
export type QuicTransportEvent =
  | {
    /** A reply was sent. */
    readonly type: "sent";
    /** Which packet. */
    readonly message: QuicSentMessage;
    /** Its size. */
    readonly bytes: number;
    /** Destination. */
    readonly peer: PeerAddress;
    /** QUIC version of the reply (0 for Version Negotiation). */
    readonly version: number;
    /** Transport error code of a CONNECTION_CLOSE. */
    readonly errorCode?: number;
    /** Why a token failed, for an INVALID_TOKEN close. */
    readonly tokenRejection?: QuicTokenRejection;
  }
  | {
    /** An attempt was accepted. */
    readonly type: "accepted";
    /** The listener's result. */
    readonly accepted: QuicAccepted;
  }
  | {
    /** An accepted connection ended (closed by the consumer or idle; not reported when the listener closes). */
    readonly type: "closed";
    /** Why. */
    readonly reason: "closed" | "idle";
    /** The peer. */
    readonly peer: PeerAddress;
  }
  | {
    /** A datagram was dropped. */
    readonly type: "dropped";
    /** Why. */
    readonly reason: QuicDropReason | "send-error" | "accept-queue-full" | "connection-limit" | "queue-full";
    /** Detail. */
    readonly detail: string;
    /** From where. */
    readonly peer: PeerAddress;
  };

/** What {@link listenQuic} drives: a `QuicListener` (core/quic/listener.ts) or anything with its `receive`. */
export interface QuicEngine {
  /** One datagram from `peer` at `now` (ms) in, one outcome out. */
  receive(datagram: Uint8Array, peer: PeerAddress, now: number): QuicOutcome;
}

/** Options of {@link listenQuic}. */
export interface ListenQuicOptions extends BindOptions {
  /** The listener every datagram goes through (a `QuicListener` (core/quic/listener.ts), or a wrapper around one). */
  listener: QuicEngine;
  /** Socket implementation (default `"node"`). */
  adapter?: QuicUdpAdapterChoice;
  /** Closes the server when aborted. */
  signal?: AbortSignal;
  /** Time source in ms (default `Date.now`). */
  now?: () => number;
  /** Called synchronously for every event. */
  onEvent?: (event: QuicTransportEvent) => void;
  /** Accepted attempts buffered for a consumer that has not taken them (default 1024). */
  maxPendingAccepts?: number;
  /** Accepted connections alive at once (default 1024); more accepts are dropped (`connection-limit`). */
  maxConnections?: number;
  /** Close a connection after this many quiet milliseconds (default 30 000; 0 or `Infinity` = never). */
  idleTimeoutMs?: number;
  /** Datagrams buffered per connection for a slow consumer (default 256); extra ones are dropped (`queue-full`). */
  maxQueuedDatagrams?: number;
  /** Timers for the idle timeout (default: the system clock). */
  clock?: Clock;
}

/** An accepted QUIC connection attempt and the datagrams its peer sends afterwards. */
export interface QuicConnection {
  /** What the listener accepted (ClientHello, connection IDs, version, validation). */
  readonly accepted: QuicAccepted;
  /** The peer (normalized). */
  readonly peer: PeerAddress;
  /** Every later datagram from the peer, until the connection is closed. */
  readonly datagrams: AsyncIterable<Uint8Array>;
  /** Sends a datagram to the peer from the server socket. */
  send(bytes: Uint8Array): Promise<void>;
  /** Stops routing the peer's datagrams here (they go to the listener again); ends `datagrams`. */
  close(): void;
  /** True once closed. */
  readonly closed: boolean;
}

/** A bound QUIC front door: iterate it for accepted connections. */
export interface QuicUdpServer extends AsyncIterable<QuicConnection>, AsyncDisposable {
  /** The socket implementation in use. */
  readonly adapter: "node:dgram" | "Deno.listenDatagram" | "Bun.udpSocket";
  /** Bound address (port resolved). */
  readonly addr: PeerAddress;
  /** The next accepted connection, or `undefined` once closed. */
  accept(): Promise<QuicConnection | undefined>;
  /** Accepted connections alive now. */
  readonly connectionCount: number;
  /** Sends a datagram from the server socket. */
  send(bytes: Uint8Array, peer: PeerAddress): Promise<void>;
  /** Releases the socket; the accept iterator and every connection's datagrams end. */
  close(): Promise<void>;
}

type Deliver = (bytes: Uint8Array, peer: PeerAddress) => void;

/**
 * Binds a UDP socket and drives `options.listener` with it.
 *
 * @example
 * ```ts
 * import { listenQuic, type QuicEngine } from "@hellogate/hellogate/transports";
 * declare const listener: QuicEngine; // a QuicListener
 * const server = await listenQuic({ hostname: "127.0.0.1", port: 0, listener });
 * for await (const attempt of server) console.log(attempt.versionName, attempt.sni, attempt.alpn);
 * ```
 */
export async function listenQuic(options: ListenQuicOptions): Promise<QuicUdpServer> {
  const host = bindHost(options);
  const now = options.now ?? Date.now;
  const emit = options.onEvent ?? (() => {});
  const queue = new AsyncQueue<QuicConnection>(options.maxPendingAccepts ?? 1024);
  const clock = options.clock ?? systemClock;
  const maxConnections = options.maxConnections ?? 1024;
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const maxQueued = options.maxQueuedDatagrams ?? 256;
  const connections = new Map<string, Conn>();
  interface Conn extends QuicConnection {
    readonly q: AsyncQueue<Uint8Array>;
    touch(): void;
    end(reason: "closed" | "idle" | "listener-closed"): void;
  }
  function openConnection(accepted: QuicAccepted, key: string): Conn {
    const q = new AsyncQueue<Uint8Array>(maxQueued);
    let cancel: (() => void) | undefined;
    let closed = false;
    let lastActivity = clock.now();
    // One timer per idle period, not one per datagram: when it fires early (the peer was heard
    // from meanwhile) it is armed again for the rest.
    const arm = (ms: number) => {
      cancel = clock.setTimer(ms, () => {
        cancel = undefined;
        const quiet = clock.now() - lastActivity;
        if (quiet >= idleMs) c.end("idle");
        else arm(idleMs - quiet);
      });
    };
    const c: Conn = {
      accepted,
      peer: accepted.peer,
      q,
      datagrams: q,
      get closed() {
        return closed;
      },
      send: (bytes) => state.binding!.send(bytes, accepted.peer),
      close: () => c.end("closed"),
      touch: () => {
        lastActivity = clock.now();
      },
      end(reason) {
        if (closed) return;
        closed = true;
        cancel?.();
        if (connections.get(key) === c) connections.delete(key);
        q.close();
        // Closing the listener ends every connection; that is not reported per connection.
        if (reason !== "listener-closed") emit({ type: "closed", reason, peer: accepted.peer });
      },
    };
    if (idleMs > 0 && Number.isFinite(idleMs)) arm(idleMs);
    return c;
  }
  const state: { binding?: DatagramSocketBinding } = {};
  const pending: [Uint8Array, PeerAddress][] = [];
  const deliver: Deliver = (bytes, peer) => {
    if (!state.binding) {
      pending.push([bytes, peer]);
      return;
    }
    handle(bytes, peer);
  };
  function handle(bytes: Uint8Array, peerIn: PeerAddress): void {
    const peer = normalizePeer(peerIn);
    const key = formatPeer(peer);
    const routed = connections.get(key);
    if (routed) {
      routed.touch();
      // The socket hands datagrams over owned (UdpSocketEvents): queue them without a copy.
      if (!routed.q.push(bytes)) emit({ type: "dropped", reason: "queue-full", detail: "consumer too slow", peer });
      return;
    }
    const out = options.listener.receive(bytes, peer, now());
    switch (out.kind) {
      case "send": {
        const ev: QuicTransportEvent = {
          type: "sent",
          message: out.message,
          bytes: out.bytes.length,
          peer: out.peer,
          version: out.version,
          ...(out.errorCode !== undefined ? { errorCode: out.errorCode } : {}),
          ...(out.tokenRejection ? { tokenRejection: out.tokenRejection } : {}),
        };
        state.binding!.send(out.bytes, out.peer).then(
          () => emit(ev),
          (e) => emit({ type: "dropped", reason: "send-error", detail: String(e?.message ?? e), peer }),
        );
        break;
      }
      case "accepted": {
        if (connections.size >= maxConnections) {
          emit({ type: "dropped", reason: "connection-limit", detail: `${maxConnections} connections alive`, peer });
          break;
        }
        const conn = openConnection(out, key);
        if (!queue.push(conn)) {
          conn.end("closed");
          emit({ type: "dropped", reason: "accept-queue-full", detail: "consumer too slow", peer });
          break;
        }
        connections.set(key, conn);
        emit({ type: "accepted", accepted: out });
        break;
      }
      case "dropped":
        emit({ type: "dropped", reason: out.reason, detail: out.detail, peer });
        break;
      case "need-more-data":
        break;
    }
  }
  // Socket errors (an ICMP port-unreachable for an earlier reply) are not this front door's to count.
  const b = state.binding = await bindUdp(options.adapter ?? "node", host, options.port ?? 0, { datagram: deliver, error: () => {} });
  for (const [d, p] of pending.splice(0)) handle(d, p);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    queue.close();
    for (const c of [...connections.values()]) c.end("listener-closed");
    await b.close();
  };
  options.signal?.addEventListener("abort", () => void close(), { once: true });
  if (options.signal?.aborted) await close();
  return {
    adapter: b.adapter as QuicUdpServer["adapter"], // bindUdp binds a real socket, never "custom"
    addr: b.local,
    accept: async () => (await queue.next()).value,
    get connectionCount() {
      return connections.size;
    },
    send: (bytes, peer) => b.send(bytes, peer),
    close,
    [Symbol.asyncDispose]: close,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        const r = await queue.next();
        if (r.done) return;
        yield r.value;
      }
    },
  };
}
