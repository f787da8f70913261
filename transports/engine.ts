/**
 * The structural engine interfaces the transports drive. `DatagramListener` and
 * `StreamListener` from core satisfy them; tests can use small fakes.
 *
 * @module
 */
import type { DatagramOutcome, StreamOutcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";

/** A sans-I/O datagram gate: one datagram in, one {@link DatagramOutcome} out (e.g. `DatagramListener`). */
export interface DatagramEngine {
  /** Handles one datagram from `peer` at time `now` (milliseconds since the Unix epoch). */
  receive(datagram: Uint8Array, peer: PeerAddress, now: number): DatagramOutcome;
}

/** A sans-I/O stream gate for one connection (e.g. `StreamListener`). */
export interface StreamEngine {
  /** Handles the next chunk read from the stream at time `now` (milliseconds). */
  receive(chunk: Uint8Array, now: number): StreamOutcome;
  /** The peer closed its side of the stream at time `now` (milliseconds). */
  end(now: number): StreamOutcome;
}

/** Makes one {@link StreamEngine} per connection, for the connection's peer. */
export type StreamEngineFactory = (peer: PeerAddress) => StreamEngine;
