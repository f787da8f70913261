/**
 * When a TLS listener sends a stateless HelloRetryRequest: always, never, or only under load.
 *
 * A retry costs the client one round trip and proves its address before the server spends
 * anything on it (no key exchange, no signature, no state). Over TCP the address is already
 * proven by the TCP handshake, so the retry is only worth it as load shedding: the server keeps
 * nothing per client until ClientHello2, exactly what quinn's `Incoming::retry()` offers QUIC
 * servers. The decision is taken per connection when its first bytes (the ClientHello) arrive,
 * with the load at that moment.
 *
 * @module
 */
import type { PeerAddress } from "../core/peer.ts";

/** What a retry policy function sees when a connection arrives. */
export interface TlsLoad {
  /** Handshakes in progress when this ClientHello arrived (gate and engine phases, this connection not counted). */
  readonly handshakesInProgress: number;
  /** The listener's cap on handshakes in progress. */
  readonly maxPendingHandshakes: number;
  /** The new connection's peer. */
  readonly peer: PeerAddress;
}

/**
 * `"always"`: every TLS 1.3 ClientHello1 gets a stateless HRR with a cookie. `"never"`: the gate
 * accepts ClientHello1 at once (`acceptWithoutRetry`) and the engine runs the plain 1-RTT
 * handshake. A function: called once per connection, when its ClientHello arrives; `true` = retry.
 */
export type TlsRetryPolicy = "always" | "never" | ((load: TlsLoad) => boolean);

/**
 * A policy that retries only while at least `threshold` handshakes are in progress (load
 * shedding: idle servers answer in one round trip, busy ones keep nothing until the client
 * comes back with a cookie).
 *
 * @example
 * ```ts
 * import { retryWhenBusy } from "@hellogate/hellogate/transports";
 * const retry = retryWhenBusy(64);
 * console.log(retry({ handshakesInProgress: 100, maxPendingHandshakes: 1024, peer: { family: "ipv4", address: "192.0.2.1", port: 1 } })); // true
 * ```
 */
export function retryWhenBusy(threshold: number): (load: TlsLoad) => boolean {
  if (!(threshold >= 0)) throw new RangeError("hellogate: retryWhenBusy threshold must be >= 0");
  return (load) => load.handshakesInProgress >= threshold;
}

/** Applies a policy (validating it); throws `TypeError` for an unknown policy value. */
export function decideRetry(policy: TlsRetryPolicy | undefined, load: TlsLoad): boolean {
  if (policy === undefined || policy === "always") return true;
  if (policy === "never") return false;
  if (typeof policy === "function") return policy(load) === true;
  throw new TypeError(`hellogate: retry must be "always", "never" or a function, got ${String(policy)}`);
}
