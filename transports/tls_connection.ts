/**
 * Drives one stateful handshake engine (`core/handshake/actions.ts`, e.g. the TLS 1.3 server)
 * over a byte stream the gate has accepted, and turns it into plaintext WHATWG streams.
 *
 * The driver is the only code that touches the socket after the gate: it feeds every chunk read
 * to `engine.receive(chunk, now)`, then calls `engine.poll()` until `need-data`, writing `send`
 * actions in order, delivering `application-data` to the plaintext `readable`, and ending the
 * connection on `closed` (after writing any alert the engine queued before it). Plaintext
 * written to `writable` goes through `engine.write()`; closing `writable` calls `engine.close()`
 * (close_notify). The socket is read only when the handshake needs bytes or the application
 * pulls from `readable`, so a slow reader pushes back on the peer.
 *
 * @module
 */
import type {
  ClosedAction,
  EngineAction,
  HandshakeEngine,
  HandshakeSummary,
} from "../core/handshake/actions.ts";
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";
import { type Clock, systemClock } from "./clock.ts";

/** Why a TLS connection ended, as the driver saw it (safe to log: no secrets). */
export interface TlsClosedInfo {
  /** The engine's typed reason (e.g. `"peer-close-notify"`, `"bad-record-mac"`), or the driver's own (`"handshake-timeout"`, `"end-of-stream"`, `"io-error"`, `"local-close"`). */
  readonly reason: string;
  /** Human detail. */
  readonly detail: string;
  /** The alert that ended it and who sent it, when there was one. */
  readonly alert?: ClosedAction["alert"];
  /** True when the handshake had completed before the end. */
  readonly established: boolean;
}

/** An established TLS connection: plaintext streams over the engine. */
export interface TlsConnection {
  /** The validated peer. */
  readonly peer: PeerAddress;
  /** What the handshake negotiated (no secrets). */
  readonly summary: HandshakeSummary;
  /** What the stateless gate accepted (ClientHello, retry context). */
  readonly accepted: AcceptedOutcome;
  /** Decrypted application data from the peer; ends on close_notify (or errors on a fatal alert). */
  readonly readable: ReadableStream<Uint8Array>;
  /** Plaintext to the peer; `close()` sends close_notify and closes our side of the socket. */
  readonly writable: WritableStream<Uint8Array>;
  /** Resolves once the connection has ended, with why. */
  readonly closed: Promise<TlsClosedInfo>;
  /** Closes the socket at once (no close_notify). */
  close(): void;
}

/** The byte stream the gate handed over (a `TcpConnection` fits). */
export interface AcceptedByteStream {
  /** The peer. */
  readonly peer: PeerAddress;
  /** What the gate accepted. */
  readonly accepted: AcceptedOutcome;
  /** The rest of the stream: `accepted.remainder` first. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the peer. */
  readonly writable: WritableStream<Uint8Array>;
  /** Force-closes the socket. */
  close(): void;
}

/** Options for {@link driveTlsHandshake}. */
export interface DriveTlsOptions {
  /** Give up when the handshake has not completed within this many milliseconds (default 10 000; 0 = never). */
  handshakeTimeoutMs?: number;
  /** Aborting before the handshake completes closes the connection (reason: the abort reason when it is a string, else `local-close`). */
  signal?: AbortSignal;
  /** Time source (default: the system clock). */
  clock?: Clock;
}

/** The handshake did not complete. */
export interface TlsHandshakeFailure {
  /** Discriminant. */
  readonly kind: "failed";
  /** Why (the engine's reason or the driver's). */
  readonly info: TlsClosedInfo;
}

/** The handshake completed. */
export interface TlsHandshakeSuccess {
  /** Discriminant. */
  readonly kind: "established";
  /** The plaintext connection. */
  readonly connection: TlsConnection;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The engine must have been built from `stream.accepted` and have consumed
 * `accepted.remainder` already (as `Tls13ServerEngine` does): the driver skips those bytes at
 * the start of `stream.readable`, which repeats them.
 *
 * Runs `engine` over `stream` until the handshake completes (resolves `established` with the
 * plaintext connection) or ends (resolves `failed`; the socket is closed, any alert written).
 * Never rejects for remote behaviour.
 *
 * @example
 * ```ts
 * import { driveTlsHandshake, type AcceptedByteStream, type HandshakeEngine } from "@hellogate/hellogate/transports";
 * declare const stream: AcceptedByteStream; // e.g. a TcpConnection from listenTcp
 * declare const engine: HandshakeEngine;    // built from stream.accepted
 * const r = await driveTlsHandshake(stream, engine, { handshakeTimeoutMs: 5000 });
 * if (r.kind === "established") console.log(r.connection.summary.cipherSuite);
 * else console.log("handshake failed:", r.info.reason);
 * ```
 */
export function driveTlsHandshake(
  stream: AcceptedByteStream,
  engine: HandshakeEngine,
  options: DriveTlsOptions = {},
): Promise<TlsHandshakeSuccess | TlsHandshakeFailure> {
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs >= 0)) throw new RangeError("hellogate: handshakeTimeoutMs must be >= 0");
  return new TlsDriver(stream, engine, options.clock ?? systemClock).handshake(timeoutMs, options.signal);
}

/** One connection's driver: the socket reader/writer, the engine, and the plaintext side. */
class TlsDriver {
  readonly #stream: AcceptedByteStream;
  readonly #engine: HandshakeEngine;
  readonly #clock: Clock;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  /** Socket writes, in order. */
  #writes: Promise<void> = Promise.resolve();
  /** `send` bytes of the current pump, written together when it ends. */
  #batch: Uint8Array[] = [];
  #writeError: unknown;
  #summary: HandshakeSummary | undefined;
  #end: TlsClosedInfo | undefined;
  #resolveClosed!: (info: TlsClosedInfo) => void;
  readonly closed: Promise<TlsClosedInfo> = new Promise((r) => (this.#resolveClosed = r));
  /** Plaintext received before anyone pulled it (during the handshake or between pulls). */
  #plaintext: Uint8Array[] = [];
  #socketEnded = false;
  /** Bytes of `accepted.remainder` still to skip at the start of the readable. */
  #skip: number;
  /** Set by the handshake timer or the abort signal. */
  #interrupted: { reason: string; detail: string } | undefined;
  #writableClosed = false;

  constructor(stream: AcceptedByteStream, engine: HandshakeEngine, clock: Clock) {
    this.#stream = stream;
    this.#engine = engine;
    this.#clock = clock;
    this.#reader = stream.readable.getReader();
    this.#writer = stream.writable.getWriter();
    this.#writer.closed.catch(() => {});
    this.#skip = stream.accepted.remainder.length;
  }

  async handshake(timeoutMs: number, signal?: AbortSignal): Promise<TlsHandshakeSuccess | TlsHandshakeFailure> {
    const interrupt = (why: string, detail?: string) => {
      if (this.#interrupted || this.#summary || this.#end) return;
      this.#interrupted = {
        reason: why,
        detail: detail ?? (why === "handshake-timeout" ? `no handshake within ${timeoutMs} ms` : "closed locally"),
      };
      this.#reader.cancel(why).catch(() => {});
    };
    const cancelTimer = timeoutMs > 0 && Number.isFinite(timeoutMs)
      ? this.#clock.setTimer(timeoutMs, () => interrupt("handshake-timeout"))
      : undefined;
    // A string abort reason names why (e.g. "evicted-idle" when a listener makes room).
    const onAbort = () =>
      typeof signal?.reason === "string" ? interrupt(signal.reason, `aborted: ${signal.reason}`) : interrupt("local-close");
    signal?.addEventListener("abort", onAbort, { once: true });
    if (signal?.aborted) onAbort();
    try {
      while (!this.#summary && !this.#end) {
        this.#pump();
        if (this.#summary || this.#end) break;
        if (this.#interrupted) {
          this.#finish(this.#interrupted);
          break;
        }
        await this.#readOnce();
      }
    } finally {
      cancelTimer?.();
      signal?.removeEventListener("abort", onAbort);
    }
    if (this.#summary) {
      await this.#flush();
      if (!this.#end || this.#plaintext.length > 0 || this.#end.reason === "peer-close-notify") {
        return { kind: "established", connection: this.#connection(this.#summary) };
      }
    }
    await this.closed;
    return { kind: "failed", info: this.#end! };
  }

  /** Reads one chunk from the socket into the engine; notes end of stream and errors. */
  async #readOnce(): Promise<void> {
    if (this.#socketEnded) {
      this.#finish({ reason: "end-of-stream", detail: "peer closed the connection" });
      return;
    }
    let r: ReadableStreamReadResult<Uint8Array>;
    try {
      r = await this.#reader.read();
    } catch (e) {
      this.#socketEnded = true;
      if (!this.#end) this.#finish(this.#interrupted ?? { reason: "io-error", detail: String(e) });
      return;
    }
    if (r.done) {
      this.#socketEnded = true;
      if (this.#interrupted) this.#finish(this.#interrupted);
      if (!this.#end) {
        const end = (this.#engine as { end?: (now: number) => void }).end;
        if (typeof end === "function") {
          try {
            end.call(this.#engine, this.#clock.now());
          } catch { /* engines must not throw here; treat as end of stream */ }
        }
        this.#pump();
        if (!this.#end) this.#finish({ reason: "end-of-stream", detail: "peer closed the connection without close_notify" });
      }
      return;
    }
    if (this.#end) return;
    let bytes = r.value;
    if (this.#skip > 0) {
      // The engine already consumed accepted.remainder (the readable repeats it first).
      const n = Math.min(this.#skip, bytes.length);
      this.#skip -= n;
      bytes = bytes.subarray(n);
      if (bytes.length === 0) return;
    }
    try {
      this.#engine.receive(bytes, this.#clock.now());
    } catch (e) {
      this.#finish({ reason: "engine-error", detail: String(e) });
    }
  }

  /**
   * Polls the engine until it needs data; returns whether plaintext arrived. The `send` actions
   * of one pump go out as one socket write (one TCP segment for a whole flight: no Nagle /
   * delayed-ACK stall between the ServerHello and the encrypted flight).
   */
  #pump(): boolean {
    try {
      return this.#pumpActions();
    } finally {
      this.#flushBatch();
    }
  }

  #pumpActions(): boolean {
    let got = false;
    // After the peer's close_notify our side may still write (and then send our close_notify).
    for (let i = 0; i < 100_000 && (!this.#end || this.#end.reason === "peer-close-notify"); i++) {
      let a: EngineAction;
      try {
        a = this.#engine.poll();
      } catch (e) {
        this.#finish({ reason: "engine-error", detail: String(e) });
        break;
      }
      switch (a.kind) {
        case "need-data":
          return got;
        case "send":
          this.#send(a.bytes);
          break;
        case "handshake-complete":
          this.#summary = a.summary;
          break;
        case "application-data":
          this.#plaintext.push(a.data);
          got = true;
          break;
        case "closed":
          this.#flushBatch(); // our alert goes out before the socket closes
          this.#finish({ reason: a.reason, detail: a.detail, ...(a.alert ? { alert: a.alert } : {}) });
          break;
        case "timer":
        case "quic-secrets":
          break; // stream TLS has neither
      }
    }
    return got;
  }

  #send(bytes: Uint8Array): void {
    if (bytes.length > 0) this.#batch.push(bytes);
  }

  #flushBatch(): void {
    if (this.#batch.length === 0) return;
    const parts = this.#batch;
    this.#batch = [];
    let bytes = parts[0];
    if (parts.length > 1) {
      bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let at = 0;
      for (const p of parts) {
        bytes.set(p, at);
        at += p.length;
      }
    }
    this.#writes = this.#writes.then(() => this.#writer.write(bytes)).catch((e) => {
      this.#writeError ??= e;
    });
  }

  /** Waits for queued socket writes. */
  #flush(): Promise<void> {
    return this.#writes;
  }

  /** Records the end once: flush what the engine queued (an alert), then close the socket. */
  #finish(end: Omit<TlsClosedInfo, "established">): void {
    if (this.#end) return;
    const info: TlsClosedInfo = { ...end, established: this.#summary !== undefined };
    this.#end = info;
    const graceful = end.reason === "peer-close-notify";
    void this.#writes.then(async () => {
      if (graceful && !this.#writableClosed) return this.#resolveClosed(info); // our side may still write
      try {
        await this.#writer.close();
      } catch { /* already closed */ }
      try {
        this.#stream.close();
      } catch { /* already closed */ }
      this.#reader.cancel().catch(() => {});
      this.#resolveClosed(info);
    });
  }

  #connection(summary: HandshakeSummary): TlsConnection {
    const readable = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        for (;;) {
          const chunk = this.#plaintext.shift();
          if (chunk) {
            controller.enqueue(chunk);
            return;
          }
          const end = this.#end;
          if (end) {
            if (end.reason === "peer-close-notify" || end.reason === "end-of-stream" || end.reason === "local-close") {
              controller.close();
            } else controller.error(new Error(`hellogate: TLS connection closed: ${end.reason} (${end.detail})`));
            return;
          }
          await this.#readOnce();
          this.#pump();
        }
      },
      cancel: () => {
        this.#reader.cancel().catch(() => {});
      },
    }, { highWaterMark: 0 });
    const writable = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        if (this.#end && !(this.#end.reason === "peer-close-notify" && !this.#writableClosed)) {
          throw new Error(`hellogate: TLS connection closed: ${this.#end.reason}`);
        }
        this.#engine.write(chunk);
        this.#pump();
        await this.#flush();
        if (this.#writeError) throw this.#writeError;
      },
      close: async () => {
        this.#writableClosed = true;
        try {
          this.#engine.close();
        } catch { /* already closed */ }
        this.#pump();
        await this.#flush();
        try {
          await this.#writer.close();
        } catch { /* already closed */ }
        if (this.#end) {
          try {
            this.#stream.close();
          } catch { /* closed */ }
          this.#resolveClosed(this.#end);
        }
      },
      abort: () => {
        this.#writableClosed = true;
        this.#finish({ reason: "local-close", detail: "writable aborted" });
      },
    });
    return {
      peer: this.#stream.peer,
      summary,
      accepted: this.#stream.accepted,
      readable,
      writable,
      closed: this.closed,
      close: () => {
        this.#writableClosed = true;
        this.#finish({ reason: "local-close", detail: "closed locally" });
        try {
          this.#stream.close();
        } catch { /* closed */ }
      },
    };
  }
}
