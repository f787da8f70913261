/**
 * The stateless exchange on one TCP connection without WHATWG streams until the peer is
 * accepted: what {@link acceptStream} does, for adapters that can read and write directly
 * (`Deno.listen`). An idle pending connection then holds one small read buffer and a suspended
 * read; its engine is made when the first byte arrives. Under Deno that is ~15-18 KB of RSS per
 * idle connection, most of it Deno's own socket and read (issue 12 measured ~80 KB on
 * `conn.readable`, which reads into a fresh 64 KiB buffer).
 * Accepted connections get streams as usual (`accepted.remainder` first).
 *
 * @module
 */
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import { normalizePeer, type PeerAddress } from "../core/peer.ts";
import type { Clock } from "./clock.ts";
import type { TransportCounters, TransportDropReason, TransportEvent } from "./counters.ts";
import type { StreamEngine } from "./engine.ts";
import { describeLocalEnd, plaintextAfterAccept } from "./streams.ts";

/** Direct I/O on one connection. */
export interface LeanConnection {
  /** The peer as the socket reports it. */
  readonly peer: PeerAddress;
  /** The next bytes from the peer (a fresh array the caller owns), or `null` at end of stream. */
  read(): Promise<Uint8Array | null>;
  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): Promise<void>;
  /** Closes the socket; a read in progress ends (rejects or returns `null`). */
  close(): void;
  /** Bytes to the peer as a stream, for the accepted connection (made on first use). */
  readonly writable: WritableStream<Uint8Array>;
}

/** How the listener stops a handshake in progress: {@link leanAccept} sets `interrupt` while it runs. */
export interface LeanControl {
  /** Closes the connection with this reason (e.g. `"evicted-idle"`, `"handshake-timeout"`); unset once finished. */
  interrupt?: (reason: TransportDropReason) => void;
}

/** What {@link leanAccept} needs from its listener. */
export interface LeanAcceptOptions {
  /** Makes the engine, once, when the first bytes (or the end of stream) arrive. */
  engine: (peer: PeerAddress) => StreamEngine;
  /** The listener's handshake timeout, for messages (the listener runs the timer and calls `control`). */
  handshakeTimeoutMs: number;
  /** Hard cap on bytes read before accept. */
  maxHandshakeBytes: number;
  /** How the listener interrupts this handshake (no AbortController: one per idle connection costs memory). */
  control: LeanControl;
  /** Time source. */
  clock: Clock;
  /** Counters to add to. */
  counters: TransportCounters;
  /** Event sink. */
  onEvent?: (event: TransportEvent) => void;
}

/** Result of {@link leanAccept}: the accepted continuation, or why the connection was closed. */
export type LeanAcceptResult =
  | {
    readonly kind: "accepted";
    readonly peer: PeerAddress;
    readonly accepted: AcceptedOutcome;
    readonly readable: ReadableStream<Uint8Array>;
    readonly writable: WritableStream<Uint8Array>;
  }
  | { readonly kind: "rejected"; readonly peer: PeerAddress; readonly reason: TransportDropReason };

/** Runs the stateless exchange on `conn`. Never rejects for remote behaviour. */
export async function leanAccept(conn: LeanConnection, o: LeanAcceptOptions): Promise<LeanAcceptResult> {
  const peer = normalizePeer(conn.peer);
  const { counters, onEvent, clock, control } = o;
  let bytesIn = 0, bytesOut = 0;
  let stop: TransportDropReason | undefined;
  const interrupt = (reason: TransportDropReason): void => {
    if (stop) return;
    stop = reason;
    safeClose(conn);
  };
  control.interrupt = interrupt;
  const settle = (): void => {
    control.interrupt = undefined;
  };
  const reject = async (reason: TransportDropReason, detail: string, alert?: Uint8Array): Promise<LeanAcceptResult> => {
    settle();
    if (alert && alert.length > 0 && !stop) {
      try {
        await conn.write(alert);
        bytesOut += alert.length;
        counters.sent("alert", alert.length);
      } catch { /* peer gone */ }
    }
    safeClose(conn);
    counters.drop(reason);
    onEvent?.({ event: "closed", transport: "tcp", peer, reason, detail, bytesIn, bytesOut });
    return { kind: "rejected", peer, reason };
  };

  // The engine is made when the first bytes (or the end of stream) arrive: a connection that sends
  // nothing costs no engine (and a factory that decides per connection decides on current load).
  let engine: StreamEngine | undefined;
  for (;;) {
    if (stop) return reject(stop, describeLocalEnd(stop, o.handshakeTimeoutMs));
    let chunk: Uint8Array | null;
    try {
      chunk = await conn.read();
    } catch (e) {
      return reject(stop ?? "io-error", stop ? describeLocalEnd(stop, o.handshakeTimeoutMs) : String(e));
    }
    if (stop) return reject(stop, describeLocalEnd(stop, o.handshakeTimeoutMs));
    let out;
    try {
      engine ??= o.engine(peer);
      if (chunk === null) {
        out = engine.end(clock.now());
      } else {
        bytesIn += chunk.length;
        counters.bytesIn += chunk.length;
        if (bytesIn > o.maxHandshakeBytes) {
          return reject("handshake-bytes-limit", `more than ${o.maxHandshakeBytes} bytes before accept`);
        }
        out = engine.receive(chunk, clock.now());
      }
    } catch (e) {
      return reject("engine-error", String(e));
    }
    switch (out.kind) {
      case "send":
        try {
          await conn.write(out.bytes);
        } catch (e) {
          return reject(stop ?? "io-error", String(e));
        }
        bytesOut += out.bytes.length;
        counters.sent(out.message, out.bytes.length);
        onEvent?.({
          event: "sent",
          transport: "tcp",
          peer,
          message: out.message,
          protocol: out.protocol,
          ...(out.reason ? { reason: out.reason } : {}),
          bytesIn,
          bytesOut,
        });
        if (chunk === null) return reject("end-of-stream", "peer closed the stream");
        break;
      case "need-more-data":
        if (chunk === null) return reject("end-of-stream", "peer closed the stream");
        break;
      case "dropped":
        return reject(out.reason, out.detail);
      case "closed":
        return reject(out.reason, out.detail, out.bytes);
      case "accepted": {
        settle();
        counters.accepted++;
        const remainder = out.remainder;
        const eof = chunk === null;
        const readable = plaintextAfterAccept(remainder, eof, () => conn.read());
        onEvent?.({ event: "accepted", transport: "tcp", peer, protocol: out.protocol, outcome: out, bytesIn, bytesOut });
        return { kind: "accepted", peer, accepted: out, readable, writable: conn.writable };
      }
    }
  }
}

function safeClose(conn: { close(): void }): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}
