/**
 * DTLS 1.2 over UDP: {@link listenDtls} binds a UDP socket, answers ClientHellos statelessly
 * with the datagram gate (HelloVerifyRequest cookies), runs a `Dtls12Server` engine for every
 * peer that proves its address, drives its retransmission timer, and yields a
 * {@link DtlsConnection} once the handshake completes: plaintext `readable`/`writable`
 * WHATWG streams that preserve datagram boundaries (one write = one record = one datagram).
 *
 * @module
 */
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import type { PeerAddress } from "../core/peer.ts";
import type { HandshakeSummary } from "../core/handshake/actions.ts";
import { Dtls12Server, type Dtls12ServerOptions } from "../core/handshake/dtls12/server.ts";
import type { Dtls12CloseReason } from "../core/handshake/dtls12/close_reasons.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { DatagramConnection } from "./connection.ts";
import type { DatagramGateOptions, UdpAdapterName } from "./datagram_gate.ts";
import type { TransportCounters } from "./counters.ts";
import { AsyncQueue } from "./queue.ts";
import { listenUdp, type UdpAdapterChoice } from "./udp.ts";
import type { BindOptions } from "./address.ts";

/** Why a DTLS connection ended: the engine's reason, or the transport ending under it. */
export type DtlsCloseReason = Dtls12CloseReason | "idle-timeout" | "listener-closed";

/** How a DTLS connection ended (safe to log). */
export interface DtlsClosedInfo {
  /** Typed reason. */
  readonly reason: DtlsCloseReason;
  /** Human detail. */
  readonly detail: string;
  /** The alert that ended it, and who sent it. */
  readonly alert?: { readonly description: number; readonly name: string; readonly sender: "us" | "peer" };
  /** True when the handshake had completed. */
  readonly established: boolean;
}

/** Events of a DTLS listener (for logs and the CLI). */
export type DtlsEvent =
  | { readonly event: "handshake"; readonly peer: PeerAddress; readonly summary: HandshakeSummary }
  | { readonly event: "closed"; readonly peer: PeerAddress; readonly info: DtlsClosedInfo };

/** Options of {@link listenDtls}. */
export interface ListenDtlsOptions extends BindOptions, Omit<DatagramGateOptions, "engine"> {
  /** Server configuration: certificate chain, key, provider, suites, MTU, client auth, SRTP. */
  readonly dtls: Dtls12ServerOptions;
  /** Cookie keys (default: a fresh random keyring). */
  readonly keyring?: CookieKeyring;
  /** UDP adapter (default `"node"`). */
  readonly adapter?: UdpAdapterChoice;
  /** Called for every completed handshake and every ended connection. */
  readonly onDtlsEvent?: (event: DtlsEvent) => void;
}

/** One DTLS peer after its handshake. */
export interface DtlsConnection {
  /** The validated peer. */
  readonly peer: PeerAddress;
  /** What the handshake negotiated. */
  readonly summary: HandshakeSummary;
  /**
   * Plaintext datagrams from the peer; ends when the connection closes. A reader that falls
   * more than `maxQueuedDatagrams` (default 256) behind loses datagrams, as UDP would.
   */
  readonly readable: ReadableStream<Uint8Array>;
  /** Each chunk written becomes one protected datagram (at most 16 384 bytes). */
  readonly writable: WritableStream<Uint8Array>;
  /** Resolves once the connection has ended. */
  readonly closed: Promise<DtlsClosedInfo>;
  /** RFC 5705 keying material (e.g. SRTP keys, label `EXTRACTOR-dtls_srtp`). */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array;
  /** Sends close_notify and ends the connection. Idempotent. */
  close(): void;
}

/** A DTLS listener: iterate it for established connections. */
export interface DtlsListener extends AsyncIterable<DtlsConnection>, AsyncDisposable {
  /** The bound local address. */
  readonly addr: PeerAddress;
  /** Which UDP implementation is in use. */
  readonly adapter: UdpAdapterName;
  /** The underlying UDP gate's counters (HVRs sent, accepted, dropped...). */
  readonly counters: TransportCounters;
  /** Engines alive (handshaking or established). */
  readonly connectionCount: number;
  /** The next established connection, or `undefined` once closed. */
  accept(): Promise<DtlsConnection | undefined>;
  /** Closes every connection and the socket. */
  close(): Promise<void>;
}

/**
 * Binds a UDP socket and serves DTLS 1.2 on it.
 *
 * @example
 * ```ts
 * import { listenDtls } from "@hellogate/hellogate/transports";
 * import type { SigningKey } from "@hellogate/hellogate/transports";
 * declare const certificate: Uint8Array, signingKey: SigningKey;
 * const server = await listenDtls({ hostname: "127.0.0.1", port: 0, dtls: { certificateChain: [certificate], signingKey } });
 * for await (const conn of server) {
 *   const writer = conn.writable.getWriter();
 *   for await (const datagram of conn.readable) await writer.write(datagram); // echo
 * }
 * ```
 */
export async function listenDtls(options: ListenDtlsOptions): Promise<DtlsListener> {
  if (!options?.dtls) throw new TypeError("hellogate: listenDtls needs options.dtls");
  const clock = options.clock ?? systemClock;
  const engine = new DatagramListener({ keyring: options.keyring ?? CookieKeyring.random(), versions: ["dtls1.2"] });
  const udp = await listenUdp({ ...options, engine, clock });
  const established = new AsyncQueue<DtlsConnection>(options.maxPendingAccepts ?? 1024);
  const live = new Set<Driver>();
  void (async () => {
    for await (const conn of udp) {
      const d = new Driver(conn, options, clock, (c) => {
        if (!established.push(c)) c.close();
      }, () => live.delete(d));
      live.add(d);
      d.run();
    }
    established.close();
  })();
  let closing: Promise<void> | undefined;
  const listener: DtlsListener = {
    addr: udp.addr,
    adapter: udp.adapter,
    counters: udp.counters,
    get connectionCount() {
      return live.size;
    },
    async accept() {
      const r = await established.next();
      return r.done ? undefined : r.value;
    },
    [Symbol.asyncIterator]: () => established[Symbol.asyncIterator](),
    close() {
      closing ??= (async () => {
        for (const d of [...live]) d.shutdown();
        await udp.close();
        established.close();
      })();
      return closing;
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
  return listener;
}

/** Runs one engine over one accepted UDP peer. @internal */
class Driver {
  readonly #conn: DatagramConnection;
  #engine: Dtls12Server | undefined;
  readonly #clock: Clock;
  readonly #options: ListenDtlsOptions;
  readonly #onEstablished: (c: DtlsConnection) => void;
  readonly #onGone: () => void;
  #cancelTimer: (() => void) | undefined;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #resolveClosed!: (info: DtlsClosedInfo) => void;
  readonly #closed: Promise<DtlsClosedInfo>;
  #ended = false;
  #established = false;
  /** Plaintext datagrams dropped because the reader fell behind. */
  droppedDatagrams = 0;

  constructor(
    conn: DatagramConnection,
    options: ListenDtlsOptions,
    clock: Clock,
    onEstablished: (c: DtlsConnection) => void,
    onGone: () => void,
  ) {
    this.#conn = conn;
    this.#options = options;
    this.#clock = clock;
    this.#onEstablished = onEstablished;
    this.#onGone = onGone;
    this.#closed = new Promise((r) => (this.#resolveClosed = r));
  }

  async run(): Promise<void> {
    let engine: Dtls12Server;
    try {
      engine = this.#engine = new Dtls12Server(this.#conn.accepted, this.#options.dtls, this.#clock.now());
    } catch (e) {
      this.#end({ reason: "internal-error", detail: String(e), established: false });
      return;
    }
    this.#flush();
    const remainder = this.#conn.accepted.remainder;
    let first = true;
    for await (const d of this.#conn.datagrams) {
      // The engine consumed the accepted remainder itself; the gate also queues it first.
      if (first && d === remainder) {
        first = false;
        continue;
      }
      first = false;
      if (this.#ended) break;
      engine.receive(d, this.#clock.now());
      this.#flush();
      if (this.#ended) break;
    }
    if (!this.#ended) {
      this.#end({ reason: "idle-timeout", detail: "the UDP connection ended", established: this.#established });
    }
  }

  /** Listener closing: close_notify to established peers, then end. */
  shutdown(): void {
    if (this.#ended) return;
    if (this.#engine && this.#established) {
      this.#engine.close();
      this.#flush();
    }
    if (!this.#ended) this.#end({ reason: "listener-closed", detail: "listener closed", established: this.#established });
  }

  #flush(): void {
    const engine = this.#engine!;
    for (let a = engine.poll(); a.kind !== "need-data"; a = engine.poll()) {
      switch (a.kind) {
        case "send":
          this.#conn.send(a.bytes).catch(() => {});
          break;
        case "timer":
          this.#cancelTimer?.();
          this.#cancelTimer = undefined;
          if (a.at !== undefined) {
            this.#cancelTimer = this.#clock.setTimer(Math.max(0, a.at - this.#clock.now()), () => {
              this.#cancelTimer = undefined;
              if (this.#ended) return;
              engine.handleTimeout(this.#clock.now());
              this.#flush();
            });
          }
          break;
        case "handshake-complete":
          this.#established = true;
          this.#options.onDtlsEvent?.({ event: "handshake", peer: this.#conn.peer, summary: a.summary });
          this.#onEstablished(this.#connection(a.summary));
          break;
        case "application-data":
          // UDP semantics for a reader that falls behind: past the queue's high-water mark
          // datagrams are dropped, never buffered without bound.
          if (this.#controller && (this.#controller.desiredSize ?? 0) > 0) {
            try {
              this.#controller.enqueue(a.data);
            } catch { /* reader cancelled */ }
          } else this.droppedDatagrams++;
          break;
        case "closed":
          this.#end({
            reason: a.reason,
            detail: a.detail,
            ...(a.alert ? { alert: a.alert } : {}),
            established: this.#established,
          });
          return;
        default:
          break;
      }
    }
  }

  #end(info: DtlsClosedInfo): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    try {
      this.#controller?.close();
    } catch { /* already closed */ }
    this.#conn.close();
    this.#options.onDtlsEvent?.({ event: "closed", peer: this.#conn.peer, info });
    this.#resolveClosed(info);
    this.#onGone();
  }

  #connection(summary: HandshakeSummary): DtlsConnection {
    const engine = this.#engine!;
    // deno-lint-ignore no-this-alias
    const driver = this;
    const readable = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.#controller = c;
        if (this.#ended) c.close();
      },
    }, new CountQueuingStrategy({ highWaterMark: this.#options.maxQueuedDatagrams ?? 256 }));
    const writable = new WritableStream<Uint8Array>({
      write(chunk) {
        if (driver.#ended) throw new Error("hellogate: DTLS connection is closed");
        engine.write(chunk);
        driver.#flush();
      },
      close() {
        driver.#closeLocal();
      },
    });
    return {
      peer: this.#conn.peer,
      summary,
      readable,
      writable,
      closed: this.#closed,
      exportKeyingMaterial: (label, length, context) => engine.exportKeyingMaterial(label, length, context),
      close: () => this.#closeLocal(),
    };
  }

  #closeLocal(): void {
    if (this.#ended) return;
    this.#engine!.close();
    this.#flush();
  }
}
