/**
 * Counters and events shared by every transport: what the gate sent, accepted and dropped,
 * and how many bytes went in and out (the amplification ratio is `bytesOut / bytesIn`).
 *
 * @module
 */
import type { AcceptedOutcome, DropReason, SentMessage } from "../core/gate/outcome.ts";
import type { ProtocolName } from "../core/constants/versions.ts";
import type { PeerAddress } from "../core/peer.ts";

/**
 * Why a transport dropped input or closed a connection: the engine's {@link DropReason}s plus
 * the transport's own.
 */
export type TransportDropReason =
  | DropReason
  /** The cap on accepted connections (UDP) or pending handshakes (TCP) was reached. */
  | "connection-limit"
  /** An accepted connection's datagram queue was full (the consumer is too slow). */
  | "queue-full"
  /** An accepted UDP connection saw no traffic for `idleTimeoutMs`. */
  | "idle-timeout"
  /** A stream did not finish its handshake within `handshakeTimeoutMs`. */
  | "handshake-timeout"
  /** The transport's hard cap on pre-accept bytes was exceeded. */
  | "handshake-bytes-limit"
  /** A TCP handshake in progress was closed to make room: the oldest idle of its source, or of the busiest source (`tcp_fairness.ts`). */
  | "evicted-idle"
  /** A TCP handshake in progress was closed because partial ClientHellos exceeded the global byte budget (it held the most). */
  | "handshake-budget"
  /** The listener or connection was closed locally (close() or AbortSignal). */
  | "local-close"
  /** The engine threw (a bug: engines must not throw on remote input). */
  | "engine-error"
  /** The socket failed. */
  | "io-error";

/** Which transport an event came from. */
export type TransportKind = "udp" | "tcp" | "stream";

/** Fields every {@link TransportEvent} has. */
export interface TransportEventBase {
  /** Transport. */
  readonly transport: TransportKind;
  /** Remote peer (normalised: IPv4-mapped IPv6 reported as IPv4). */
  readonly peer: PeerAddress;
  /**
   * Bytes received from the peer for this exchange: the datagram (UDP) or everything read on
   * the connection so far (streams).
   */
  readonly bytesIn: number;
  /** Bytes sent to the peer for this exchange (the reply, or everything written so far on a stream). */
  readonly bytesOut: number;
}

/** A HelloVerifyRequest, HelloRetryRequest or alert went out. */
export interface SentEvent extends TransportEventBase {
  /** Discriminant. */
  readonly event: "sent";
  /** What was sent. */
  readonly message: SentMessage;
  /** Protocol of the reply. */
  readonly protocol: ProtocolName;
  /** For alerts: why. */
  readonly reason?: DropReason;
}

/** A peer proved its address; a connection was handed out. */
export interface AcceptedEvent extends TransportEventBase {
  /** Discriminant. */
  readonly event: "accepted";
  /** Negotiated protocol. */
  readonly protocol: ProtocolName;
  /** The engine's outcome. */
  readonly outcome: AcceptedOutcome;
}

/** Input was discarded (nothing sent). */
export interface DroppedEvent extends TransportEventBase {
  /** Discriminant. */
  readonly event: "dropped";
  /** Why. */
  readonly reason: TransportDropReason;
  /** Short human detail. */
  readonly detail: string;
  /** Protocol, when known (e.g. an accept refused by the connection cap). */
  readonly protocol?: ProtocolName;
}

/** A connection ended (a stream rejected before accept, or an accepted UDP connection closed). */
export interface ClosedEvent extends TransportEventBase {
  /** Discriminant. */
  readonly event: "closed";
  /** Why. */
  readonly reason: TransportDropReason | "closed";
  /** Short human detail. */
  readonly detail: string;
  /** Protocol, when known. */
  readonly protocol?: ProtocolName;
}

/** Everything a transport reports through `onEvent`. */
export type TransportEvent = SentEvent | AcceptedEvent | DroppedEvent | ClosedEvent;

/** A plain-JSON copy of {@link TransportCounters}. */
export interface CountersSnapshot {
  /** HelloVerifyRequests sent. */
  readonly hvrSent: number;
  /** HelloRetryRequests sent. */
  readonly hrrSent: number;
  /** Alerts sent. */
  readonly alertsSent: number;
  /** Connections accepted. */
  readonly accepted: number;
  /** Drops (and pre-accept closes) by reason. */
  readonly dropped: Readonly<Record<string, number>>;
  /** Total drops. */
  readonly droppedTotal: number;
  /** Bytes fed to the gate (before accept). */
  readonly bytesIn: number;
  /** Bytes the gate sent (HVR, HRR, alerts). */
  readonly bytesOut: number;
  /** `bytesOut / bytesIn` (0 before any input). */
  readonly amplification: number;
}

/**
 * Live counters, readable at any time and shareable between listeners (the CLI shares one
 * between its UDP and TCP listeners). Only gate traffic is counted: bytes exchanged on
 * connections after accept belong to the application.
 */
export class TransportCounters {
  /** HelloVerifyRequests sent. */
  hvrSent = 0;
  /** HelloRetryRequests sent. */
  hrrSent = 0;
  /** Alerts sent. */
  alertsSent = 0;
  /** Connections accepted. */
  accepted = 0;
  /** Drops by reason. */
  dropped: Record<string, number> = {};
  /** Bytes fed to the gate. */
  bytesIn = 0;
  /** Bytes the gate sent. */
  bytesOut = 0;

  /** Total drops over all reasons. */
  get droppedTotal(): number {
    let n = 0;
    for (const k in this.dropped) n += this.dropped[k];
    return n;
  }

  /** `bytesOut / bytesIn`; 0 before any input. */
  get amplification(): number {
    return this.bytesIn === 0 ? 0 : this.bytesOut / this.bytesIn;
  }

  /** Counts one drop. */
  drop(reason: string): void {
    this.dropped[reason] = (this.dropped[reason] ?? 0) + 1;
  }

  /** Counts one reply by kind. */
  sent(message: SentMessage, bytes: number): void {
    if (message === "hello_verify_request") this.hvrSent++;
    else if (message === "hello_retry_request") this.hrrSent++;
    else this.alertsSent++;
    this.bytesOut += bytes;
  }

  /** A plain-JSON copy. */
  snapshot(): CountersSnapshot {
    return {
      hvrSent: this.hvrSent,
      hrrSent: this.hrrSent,
      alertsSent: this.alertsSent,
      accepted: this.accepted,
      dropped: { ...this.dropped },
      droppedTotal: this.droppedTotal,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      amplification: this.amplification,
    };
  }
}
