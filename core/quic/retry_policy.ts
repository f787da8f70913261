/**
 * A decision function for {@link QuicListener} that retries only when the server must: while the
 * rate of unvalidated connection attempts stays under a threshold, attempts are accepted without
 * a Retry (saving the client a round trip); above it, every unvalidated attempt gets a Retry until
 * the rate falls back. Validated attempts (a valid Retry or NEW_TOKEN token) are always accepted.
 *
 * The rate is counted in fixed windows of `windowMs` from the attempts' own `now`: pure,
 * synchronous, one counter of state, no timers.
 *
 * @module
 */
import type { QuicAttempt, QuicDecision } from "./listener.ts";

/** Options of {@link retryUnderLoad}. */
export interface RetryUnderLoadOptions {
  /** Unvalidated attempts per window accepted without a Retry (default 100). 0 = always retry. */
  maxUnvalidatedPerWindow?: number;
  /** Window length in ms (default 1000). */
  windowMs?: number;
  /** Decision for attempts the policy lets through (default `"accept"`); e.g. route by SNI here. */
  below?: (attempt: QuicAttempt) => QuicDecision;
}

/** The decision function plus its live state (for monitoring and tests). */
export interface RetryUnderLoad {
  /** Pass as `decide` in the listener options. */
  (attempt: QuicAttempt): QuicDecision;
  /** Unvalidated attempts counted in the current window. */
  readonly countInWindow: number;
  /** True when the last unvalidated attempt was retried because of load. */
  readonly retrying: boolean;
}

/** Builds the load-based retry policy. Throws `TypeError` for bad options. */
export function retryUnderLoad(options: RetryUnderLoadOptions = {}): RetryUnderLoad {
  const max = options.maxUnvalidatedPerWindow ?? 100;
  const windowMs = options.windowMs ?? 1000;
  if (!(Number.isInteger(max) && max >= 0)) throw new TypeError("maxUnvalidatedPerWindow must be an integer >= 0");
  if (!(Number.isFinite(windowMs) && windowMs > 0)) throw new TypeError("windowMs must be a number > 0");
  const below = options.below ?? (() => "accept" as const);
  let windowStart = -Infinity;
  let count = 0;
  let retrying = false;
  const decide = (a: QuicAttempt): QuicDecision => {
    if (a.validated) {
      const d = below(a);
      return d === "retry" ? "accept" : d;
    }
    if (a.now >= windowStart + windowMs) {
      windowStart = a.now - (a.now % windowMs);
      count = 0;
    }
    count++;
    retrying = count > max;
    return retrying ? "retry" : below(a);
  };
  Object.defineProperty(decide, "countInWindow", { get: () => count });
  Object.defineProperty(decide, "retrying", { get: () => retrying });
  return decide as RetryUnderLoad;
}
