/**
 * `listenTls`: a TLS 1.3 server over TCP. Each connection first meets the stateless gate (a
 * `StreamListener`: HelloRetryRequest with a cookie, or straight acceptance, as the retry policy
 * decides), then a fresh handshake engine built from the gate's `accepted` outcome finishes the
 * handshake; the caller iterates established connections with plaintext streams.
 *
 * Phases per connection, each bounded by `handshakeTimeoutMs`: the gate (until ClientHello2 or the
 * accepted ClientHello1), then the engine (until the client Finished). `maxPendingHandshakes`
 * caps each phase (the oldest handshake of a full phase makes room for a newcomer).
 *
 * @module
 */
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import type { RetryKeyShare } from "../core/gate/retry.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import type { HandshakeEngine, HandshakeSummary } from "../core/handshake/actions.ts";
import {
  type AlpnSelector,
  type CertificateSelector,
  type ServerCertificate,
  Tls13ServerEngine,
  type Tls13ServerOptions,
} from "../core/handshake/tls13/mod.ts";
import type { CryptoProvider } from "../core/crypto/provider.ts";
import type { PeerAddress } from "../core/peer.ts";
import type { BindOptions } from "./address.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { TransportCounters, TransportEvent } from "./counters.ts";
import { AsyncQueue } from "./queue.ts";
import type { TcpConnection, TcpListener } from "./stream_gate.ts";
import { listenTcp, type TcpAdapterChoice } from "./tcp.ts";
import type { StreamEngine } from "./engine.ts";
import { defaultCryptoProvider } from "./native_crypto.ts";
import { driveTlsHandshake, type TlsClosedInfo, type TlsConnection } from "./tls_connection.ts";
import { decideRetry, type TlsRetryPolicy } from "./tls_retry_policy.ts";

/**
 * Builds the handshake engine that continues from what the gate accepted. The engine processes
 * `accepted.remainder` itself (the bytes after the accepted ClientHello), as `Tls13ServerEngine`
 * does; the transport feeds it only what follows.
 */
export type TlsEngineFactory = (accepted: AcceptedOutcome, now: number) => HandshakeEngine;

/** A connection finished its handshake. */
export interface TlsHandshakeEvent {
  /** Discriminant. */
  readonly event: "handshake";
  /** Transport. */
  readonly transport: "tcp";
  /** The peer. */
  readonly peer: PeerAddress;
  /** What was negotiated (no secrets). */
  readonly summary: HandshakeSummary;
}

/** A connection that passed the gate ended before or after its handshake. */
export interface TlsEndEvent {
  /** Discriminant: `handshake-failed` before completion, `tls-closed` after. */
  readonly event: "handshake-failed" | "tls-closed";
  /** Transport. */
  readonly transport: "tcp";
  /** The peer. */
  readonly peer: PeerAddress;
  /** Why. */
  readonly info: TlsClosedInfo;
}

/** Everything a TLS listener reports: the gate's events plus handshake completions and ends. */
export type TlsServerEvent = TransportEvent | TlsHandshakeEvent | TlsEndEvent;

/** Options for {@link listenTls}. */
export interface ListenTlsOptions extends BindOptions {
  /** The crypto provider for the default engine (default: `defaultCryptoProvider()`, the fastest per runtime). */
  provider?: CryptoProvider;
  /** Certificates for the default engine: the first whose key can sign with a scheme the client offers. */
  certificates?: readonly ServerCertificate[];
  /** Or a certificate selector (SNI-based, say) for the default engine. */
  selectCertificate?: CertificateSelector;
  /** ALPN for the default engine: our protocols in preference order, or a selector. */
  alpn?: readonly string[] | AlpnSelector;
  /** More options for the default engine (record size limit, KeyUpdate cap, ...). */
  engineOptions?: Partial<Tls13ServerOptions>;
  /**
   * Makes the engine for each accepted ClientHello. Default: a `Tls13ServerEngine` with
   * `provider`, `certificates`/`selectCertificate`, `alpn`, the gate's `cipherSuites` and
   * `groups`, and `engineOptions`.
   */
  engine?: TlsEngineFactory;
  /** Cookie keys (default: `CookieKeyring.random()` for this listener; share one among a fleet with `CookieKeyring.derived`). */
  keyring?: CookieKeyring;
  /** Retry policy (default `"always"`). */
  retry?: TlsRetryPolicy;
  /** Cookie-only HRR when the client sent a usable share, or always request another group (`"always"`, for GnuTLS). */
  retryKeyShare?: RetryKeyShare;
  /** TLS 1.3 cipher suites the gate negotiates, most preferred first (the engine must support them). */
  cipherSuites?: readonly number[];
  /** Groups the gate negotiates, most preferred first. */
  groups?: readonly number[];
  /** Cookie lifetime in seconds. */
  cookieLifetimeSeconds?: number;
  /** Timeout of each handshake phase (gate, then engine) in milliseconds (default 10 000; 0 = none). */
  handshakeTimeoutMs?: number;
  /**
   * Handshakes in progress at once in each phase (default 1024): the gate's cap (see
   * `StreamGateOptions.maxPendingHandshakes`) and the same number in the engine phase. A newcomer
   * is never refused: when a phase is full its oldest handshake is closed (`evicted-idle`).
   */
  maxPendingHandshakes?: number;
  /** Gate phase: handshakes in progress from one source, an IPv4 address or IPv6 /64 (see `StreamGateOptions`). */
  maxPendingPerSource?: number;
  /** Gate phase: bytes all pending handshakes may buffer together for incomplete ClientHellos (see `StreamGateOptions`). */
  maxBufferedHandshakeBytes?: number;
  /** Gate phase: hard cap on bytes read per connection before its ClientHello is accepted (default 65 536). */
  maxHandshakeBytes?: number;
  /** Established connections buffered for the consumer (default 1024). */
  maxPendingAccepts?: number;
  /** Socket implementation (default `"auto"`, the runtime's native API; `"node"` = node:net). */
  adapter?: TcpAdapterChoice;
  /** Aborting closes the listener and every handshake in progress. */
  signal?: AbortSignal;
  /** Time source. */
  clock?: Clock;
  /** Counters to add to. */
  counters?: TransportCounters;
  /** Event sink. */
  onEvent?: (event: TlsServerEvent) => void;
}

/** A TLS listener: iterate it for established connections. */
export interface TlsListener extends AsyncIterable<TlsConnection>, AsyncDisposable {
  /** Bound local address. */
  readonly addr: PeerAddress;
  /** The TCP listener underneath (adapter name, gate counters). */
  readonly tcp: TcpListener;
  /** Live counters (gate). */
  readonly counters: TransportCounters;
  /** Handshakes in progress (gate and engine phases). */
  readonly handshakesInProgress: number;
  /** Handshakes completed. */
  readonly handshakesCompleted: number;
  /** Handshakes that failed after the gate. */
  readonly handshakesFailed: number;
  /** Next established connection, or `undefined` once closed. */
  accept(): Promise<TlsConnection | undefined>;
  /** Stops listening and aborts handshakes in progress; established connections stay open. */
  close(): Promise<void>;
}

/**
 * Listens for TLS 1.3 over TCP: stateless gate, then the handshake engine.
 *
 * @example
 * ```ts
 * import { listenTls, nativeProvider, type ServerCertificate } from "@hellogate/hellogate/transports";
 * import { CookieKeyring } from "@hellogate/hellogate";
 * declare const certificate: ServerCertificate; // e.g. from loadServerCertificate(provider, certPem, keyPem)
 * const tls = await listenTls({
 *   hostname: "127.0.0.1",
 *   port: 0,
 *   keyring: CookieKeyring.random(),
 *   provider: nativeProvider,
 *   certificates: [certificate],
 *   alpn: ["http/1.1"],
 *   retry: "always",
 * });
 * for await (const conn of tls) {
 *   const w = conn.writable.getWriter();
 *   await w.write(new TextEncoder().encode("hello\n"));
 *   await w.close();
 * }
 * ```
 */
export async function listenTls(options: ListenTlsOptions): Promise<TlsListener> {
  if (!options) throw new TypeError("hellogate: listenTls needs options");
  const makeEngine = options.engine ?? defaultEngineFactory(options);
  if (typeof makeEngine !== "function") {
    throw new TypeError("hellogate: listenTls options.engine must be an (accepted, now) => HandshakeEngine factory");
  }
  if (typeof options.retry !== "function") {
    decideRetry(options.retry, { handshakesInProgress: 0, maxPendingHandshakes: 1, peer: { family: "unspec", address: "", port: 0 } });
  }
  const max = options.maxPendingHandshakes ?? 1024;
  if (!(max >= 1)) throw new RangeError("hellogate: maxPendingHandshakes must be >= 1");
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.handshakeTimeoutMs ?? 10_000;
  const state = { completed: 0, failed: 0 };
  const onEvent = options.onEvent;
  const gateOptions = {
    keyring: options.keyring ?? CookieKeyring.random(),
    framing: "tls-records" as const,
    ...(options.retryKeyShare ? { retryKeyShare: options.retryKeyShare } : {}),
    ...(options.cipherSuites ? { cipherSuites: options.cipherSuites } : {}),
    ...(options.groups ? { groups: options.groups } : {}),
    ...(options.cookieLifetimeSeconds ? { cookieLifetimeSeconds: options.cookieLifetimeSeconds } : {}),
  };
  const tcp: TcpListener = await listenTcp({
    ...(options.hostname !== undefined ? { hostname: options.hostname } : {}),
    ...(options.port !== undefined ? { port: options.port } : {}),
    adapter: options.adapter ?? "auto",
    maxPendingHandshakes: max,
    ...(options.maxPendingPerSource !== undefined ? { maxPendingPerSource: options.maxPendingPerSource } : {}),
    ...(options.maxBufferedHandshakeBytes !== undefined ? { maxBufferedHandshakeBytes: options.maxBufferedHandshakeBytes } : {}),
    ...(options.maxHandshakeBytes !== undefined ? { maxHandshakeBytes: options.maxHandshakeBytes } : {}),
    handshakeTimeoutMs: timeoutMs,
    clock,
    ...(options.counters ? { counters: options.counters } : {}),
    ...(onEvent ? { onEvent } : {}),
    engine: (peer): StreamEngine => {
      // The retry decision is taken when the connection's first bytes (its ClientHello) arrive,
      // with the load at that moment; tcp.pendingHandshakes already counts this connection.
      let gate: StreamListener | undefined;
      const make = (): StreamListener => {
        if (gate) return gate;
        const inProgress = Math.max(0, tcp.pendingHandshakes - 1) + slots.size;
        const retry = decideRetry(options.retry, { handshakesInProgress: inProgress, maxPendingHandshakes: max, peer });
        return gate = new StreamListener({ ...gateOptions, peer, acceptWithoutRetry: !retry });
      };
      return { receive: (chunk, now) => make().receive(chunk, now), end: (now) => make().end(now) };
    },
  });
  const queue = new AsyncQueue<TlsConnection>(options.maxPendingAccepts ?? 1024);
  const running = new Set<Promise<void>>();
  let closing: Promise<void> | undefined;

  /** Handshakes in the engine phase, oldest first; aborting one ends its handshake. */
  const slots = new Set<AbortController>();

  const runOne = async (conn: TcpConnection, slot: AbortController): Promise<void> => {
    let engine: HandshakeEngine;
    try {
      engine = makeEngine(conn.accepted, clock.now());
    } catch (e) {
      state.failed++;
      conn.close();
      onEvent?.({ event: "handshake-failed", transport: "tcp", peer: conn.peer, info: { reason: "engine-error", detail: String(e), established: false } });
      return;
    }
    const r = await driveTlsHandshake(conn, engine, { handshakeTimeoutMs: timeoutMs, signal: slot.signal, clock });
    slots.delete(slot);
    if (r.kind === "failed") {
      state.failed++;
      onEvent?.({ event: "handshake-failed", transport: "tcp", peer: conn.peer, info: r.info });
      return;
    }
    state.completed++;
    const c = r.connection;
    onEvent?.({ event: "handshake", transport: "tcp", peer: c.peer, summary: c.summary });
    if (onEvent) void c.closed.then((info) => onEvent({ event: "tls-closed", transport: "tcp", peer: c.peer, info }));
    if (!queue.push(c)) c.close();
  };

  const loop = (async () => {
    for (;;) {
      const conn = await tcp.accept();
      if (!conn) break;
      if (closing) {
        conn.close();
        continue;
      }
      // Like the gate (tcp_fairness.ts): a newcomer is never refused; when the engine phase is
      // full, its oldest handshake makes room.
      while (slots.size > 0 && slots.size >= max) {
        const oldest = slots.values().next().value!;
        slots.delete(oldest);
        tcp.counters.drop("evicted-idle");
        oldest.abort("evicted-idle");
      }
      const slot = new AbortController();
      slots.add(slot);
      const p = runOne(conn, slot).catch(() => conn.close()).finally(() => {
        slots.delete(slot);
        running.delete(p);
      });
      running.add(p);
    }
  })();

  const close = (): Promise<void> => {
    if (closing) return closing;
    for (const slot of slots) slot.abort();
    options.signal?.removeEventListener("abort", onAbort);
    closing = (async () => {
      await tcp.close();
      await loop;
      await Promise.allSettled([...running]);
      for (const c of queue.drainAndClose()) c.close();
    })();
    return closing;
  };
  const onAbort = () => void close();
  if (options.signal) {
    if (options.signal.aborted) void close();
    else options.signal.addEventListener("abort", onAbort, { once: true });
  }

  return {
    addr: tcp.addr,
    tcp,
    counters: tcp.counters,
    get handshakesInProgress() {
      return tcp.pendingHandshakes + slots.size;
    },
    get handshakesCompleted() {
      return state.completed;
    },
    get handshakesFailed() {
      return state.failed;
    },
    async accept() {
      const r = await queue.next();
      return r.done ? undefined : r.value;
    },
    [Symbol.asyncIterator]: () => queue[Symbol.asyncIterator](),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The default engine factory: `Tls13ServerEngine` from the listener's options. Throws for missing provider/certificates. */
function defaultEngineFactory(o: ListenTlsOptions): TlsEngineFactory {
  if (!o.selectCertificate && !(o.certificates && o.certificates.length > 0)) {
    throw new TypeError("hellogate: listenTls needs options.certificates or options.selectCertificate (or options.engine)");
  }
  const engineOptions: Tls13ServerOptions = {
    ...(o.cipherSuites ? { cipherSuites: o.cipherSuites } : {}),
    ...(o.groups ? { groups: o.groups } : {}),
    ...o.engineOptions,
    provider: o.provider ?? defaultCryptoProvider(),
    ...(o.certificates ? { certificates: o.certificates } : {}),
    ...(o.selectCertificate ? { selectCertificate: o.selectCertificate } : {}),
    ...(o.alpn ? { alpn: o.alpn } : {}),
    framing: "tls-records",
  };
  return (accepted) => new Tls13ServerEngine(engineOptions, accepted);
}
