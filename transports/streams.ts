/**
 * The stateless gate over one byte stream (a TCP connection, or a QUIC-like stream given as
 * WHATWG streams): feed chunks to a {@link StreamEngine}, write its HRR/alerts, and on accept
 * hand back streams that continue exactly after the bytes the engine consumed.
 *
 * @module
 */
import type { AcceptedOutcome, Outcome } from "../core/gate/outcome.ts";
import { normalizePeer, type PeerAddress, UNSPECIFIED_PEER } from "../core/peer.ts";
import { type Clock, systemClock } from "./clock.ts";
import {
  TransportCounters,
  type TransportDropReason,
  type TransportEvent,
  type TransportKind,
} from "./counters.ts";
import type { StreamEngine, StreamEngineFactory } from "./engine.ts";

/** A bidirectional byte stream. */
export interface StreamIO {
  /** Bytes from the peer. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Bytes to the peer. */
  readonly writable: WritableStream<Uint8Array>;
  /** The peer, when the transport knows it (default: unspecified). */
  readonly peer?: PeerAddress;
  /** Force-closes the underlying transport after a rejection (optional). */
  readonly close?: () => void;
}

/** Options for {@link acceptStream}. */
export interface AcceptStreamOptions {
  /** The engine for this stream, or a factory called with the peer (e.g. `(peer) => new StreamListener({ keyring, framing, peer })`). */
  engine: StreamEngine | StreamEngineFactory;
  /** Give up (close) when no accept within this many milliseconds (default 10 000; 0 = never). */
  handshakeTimeoutMs?: number;
  /** Hard cap on bytes read before accept (default 65 536), on top of the engine's own buffer cap. */
  maxHandshakeBytes?: number;
  /** Aborting closes the stream (unless already accepted). */
  signal?: AbortSignal;
  /** Time source (default: the system clock). */
  clock?: Clock;
  /** Counters to add to. */
  counters?: TransportCounters;
  /** Event sink. */
  onEvent?: (event: TransportEvent) => void;
  /** Transport label for events (default `"stream"`). */
  transport?: TransportKind;
}

/** The peer proved its address: continue the handshake on these streams. */
export interface AcceptedStream {
  /** Discriminant. */
  readonly kind: "accepted";
  /** The peer (normalised). */
  readonly peer: PeerAddress;
  /** Everything the engine learned. */
  readonly accepted: AcceptedOutcome;
  /** The rest of the stream: `accepted.remainder` first, then everything read afterwards. */
  readonly readable: ReadableStream<Uint8Array>;
  /** The original writable, unlocked. */
  readonly writable: WritableStream<Uint8Array>;
  /** Bytes read before accept. */
  readonly bytesIn: number;
  /** Bytes written before accept (HRR and the like). */
  readonly bytesOut: number;
}

/** The stream was closed without an accept (both sides closed; any alert was written first). */
export interface RejectedStream {
  /** Discriminant. */
  readonly kind: "rejected";
  /** The peer. */
  readonly peer: PeerAddress;
  /** Why. */
  readonly reason: TransportDropReason;
  /** Human detail. */
  readonly detail: string;
  /** Bytes read. */
  readonly bytesIn: number;
  /** Bytes written (including a final alert). */
  readonly bytesOut: number;
}

/** Result of {@link acceptStream}. */
export type StreamAcceptResult = AcceptedStream | RejectedStream;

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_HANDSHAKE_BYTES = 65_536;

/**
 * Runs the stateless exchange on one stream. Resolves (never rejects for remote behaviour)
 * with the accepted continuation, or with the reason the stream was closed.
 *
 * @example
 * ```ts
 * import { acceptStream, type StreamEngine } from "@hellogate/hellogate/transports";
 * declare const engine: StreamEngine;
 * declare const stream: { readable: ReadableStream<Uint8Array>; writable: WritableStream<Uint8Array> };
 * const result = await acceptStream(stream, { engine, handshakeTimeoutMs: 5000 });
 * if (result.kind === "accepted") {
 *   console.log(result.accepted.protocol, result.accepted.remainder.length);
 * } else {
 *   console.log("closed:", result.reason);
 * }
 * ```
 */
export async function acceptStream(io: StreamIO, options: AcceptStreamOptions): Promise<StreamAcceptResult> {
  if (!options || (typeof options.engine !== "function" && typeof options.engine?.receive !== "function")) {
    throw new TypeError("hellogate: options.engine must be a StreamEngine or a (peer) => StreamEngine factory");
  }
  const timeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const maxBytes = options.maxHandshakeBytes ?? DEFAULT_MAX_HANDSHAKE_BYTES;
  if (!(timeoutMs >= 0)) throw new RangeError("hellogate: handshakeTimeoutMs must be >= 0");
  if (!(maxBytes >= 1)) throw new RangeError("hellogate: maxHandshakeBytes must be >= 1");
  const peer = io.peer ? normalizePeer(io.peer) : UNSPECIFIED_PEER;
  const clock = options.clock ?? systemClock;
  const counters = options.counters ?? new TransportCounters();
  const onEvent = options.onEvent;
  const transport = options.transport ?? "stream";
  const signal = options.signal;

  const reader = io.readable.getReader();
  const writer = io.writable.getWriter();
  let bytesIn = 0;
  let bytesOut = 0;
  let stop: TransportDropReason | undefined;
  const interrupt = (reason: TransportDropReason): void => {
    if (stop) return;
    stop = reason;
    reader.cancel(reason).catch(() => {});
  };
  const cancelTimer = timeoutMs > 0 && Number.isFinite(timeoutMs)
    ? clock.setTimer(timeoutMs, () => interrupt("handshake-timeout"))
    : undefined;
  // A string abort reason names why (e.g. a fair listener's "evicted-idle"); else a local close.
  const onAbort = (): void =>
    interrupt(typeof signal?.reason === "string" ? signal.reason as TransportDropReason : "local-close");
  signal?.addEventListener("abort", onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const settle = (): void => {
    cancelTimer?.();
    signal?.removeEventListener("abort", onAbort);
  };

  const reject = async (reason: TransportDropReason, detail: string, alert?: Uint8Array): Promise<RejectedStream> => {
    settle();
    if (alert && alert.length > 0) {
      try {
        await writer.write(alert);
        bytesOut += alert.length;
        counters.sent("alert", alert.length);
      } catch { /* peer gone */ }
    }
    try {
      await writer.close();
    } catch { /* already closed */ }
    try {
      await reader.cancel(reason);
    } catch { /* already cancelled */ }
    try {
      io.close?.();
    } catch { /* already closed */ }
    counters.drop(reason);
    onEvent?.({ event: "closed", transport, peer, reason, detail, bytesIn, bytesOut });
    return { kind: "rejected", peer, reason, detail, bytesIn, bytesOut };
  };

  if (stop) return reject(stop, "aborted before start");
  let engine: StreamEngine;
  try {
    engine = typeof options.engine === "function" ? options.engine(peer) : options.engine;
  } catch (e) {
    return reject("engine-error", String(e));
  }

  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (e) {
      return reject(stop ?? "io-error", stop ? describeLocalEnd(stop, timeoutMs) : String(e));
    }
    if (stop) return reject(stop, describeLocalEnd(stop, timeoutMs));
    let out: Outcome;
    try {
      if (chunk.done) {
        out = engine.end(clock.now());
      } else {
        const bytes = chunk.value;
        bytesIn += bytes.length;
        counters.bytesIn += bytes.length;
        if (bytesIn > maxBytes) return reject("handshake-bytes-limit", `more than ${maxBytes} bytes before accept`);
        out = engine.receive(bytes, clock.now());
      }
    } catch (e) {
      return reject("engine-error", String(e));
    }
    switch (out.kind) {
      case "send": {
        try {
          await writer.write(out.bytes);
        } catch (e) {
          return reject("io-error", String(e));
        }
        bytesOut += out.bytes.length;
        counters.sent(out.message, out.bytes.length);
        onEvent?.({
          event: "sent",
          transport,
          peer,
          message: out.message,
          protocol: out.protocol,
          ...(out.reason ? { reason: out.reason } : {}),
          bytesIn,
          bytesOut,
        });
        if (chunk.done) return reject("end-of-stream", "peer closed the stream");
        break;
      }
      case "need-more-data":
        if (chunk.done) return reject("end-of-stream", "peer closed the stream");
        break;
      case "dropped":
        return reject(out.reason, out.detail);
      case "closed":
        return reject(out.reason, out.detail, out.bytes);
      case "accepted": {
        settle();
        writer.releaseLock();
        counters.accepted++;
        const remainder = out.remainder;
        const eof = chunk.done;
        const readable = plaintextAfterAccept(
          remainder,
          eof,
          async () => {
            const r = await reader.read();
            return r.done ? null : r.value;
          },
          (reason) => reader.cancel(reason),
        );
        onEvent?.({ event: "accepted", transport, peer, protocol: out.protocol, outcome: out, bytesIn, bytesOut });
        return { kind: "accepted", peer, accepted: out, readable, writable: io.writable, bytesIn, bytesOut };
      }
    }
  }
}

/**
 * The bytes of an accepted stream as a ReadableStream: first what followed the ClientHello in the
 * gate's last read (`remainder`), then `read()` until it returns `null` (end of stream).
 */
export function plaintextAfterAccept(
  remainder: Uint8Array,
  eof: boolean,
  read: () => Promise<Uint8Array | null>,
  cancel?: (reason: unknown) => Promise<void> | void,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (remainder.length > 0) controller.enqueue(remainder);
      if (eof) controller.close();
    },
    async pull(controller) {
      try {
        const r = await read();
        if (r === null) controller.close();
        else controller.enqueue(r);
      } catch (e) {
        controller.error(e);
      }
    },
    cancel,
  }, { highWaterMark: 0 });
}

/** The detail of a handshake the listener itself ended. */
export function describeLocalEnd(reason: TransportDropReason, timeoutMs: number): string {
  if (reason === "handshake-timeout") return `no accept within ${timeoutMs} ms`;
  if (reason === "evicted-idle") return "closed to make room: oldest idle handshake in progress";
  if (reason === "handshake-budget") return "closed: partial ClientHellos exceeded the listener's byte budget";
  return "closed locally";
}
