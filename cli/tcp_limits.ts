/**
 * TCP handshake limits on the command line (issue 12: no single host may lock the gate out):
 * `--max-handshakes N` (handshakes in progress over all sources), `--max-handshakes-per-source
 * N` (`listen` only: per IPv4 address or IPv6 /64) and `--handshake-timeout SECONDS`. When a
 * cap is full the transport closes the oldest idle handshake (`evicted-idle`) instead of
 * refusing the newcomer.
 *
 * @module
 */
import { type Args, flag, UsageError } from "./args.ts";

/** The limits given on the command line (absent ones keep the transport's defaults). */
export interface TcpLimits {
  /** `maxPendingHandshakes`. */
  maxPendingHandshakes?: number;
  /** `maxPendingPerSource`. */
  maxPendingPerSource?: number;
  /** `handshakeTimeoutMs`. */
  handshakeTimeoutMs?: number;
}

/** Flag names, for the commands' flag specs. */
export const TCP_LIMIT_FLAGS = ["max-handshakes", "max-handshakes-per-source", "handshake-timeout"] as const;

function count(args: Args, name: string, command: string): number | undefined {
  const text = flag(args, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 1_000_000) {
    throw new UsageError(`--${name} ${text}: expected a whole number from 1 to 1000000`, command);
  }
  return n;
}

/** Parses the limit flags; usage errors name the flag. */
export function tcpLimitsFromArgs(args: Args, command: string): TcpLimits {
  const limits: TcpLimits = {};
  const max = count(args, "max-handshakes", command);
  if (max !== undefined) limits.maxPendingHandshakes = max;
  const perSource = count(args, "max-handshakes-per-source", command);
  if (perSource !== undefined) limits.maxPendingPerSource = perSource;
  const timeout = flag(args, "handshake-timeout");
  if (timeout !== undefined) {
    const s = Number(timeout);
    if (!/^\d+(\.\d+)?$/.test(timeout) || s > 3600) {
      throw new UsageError(`--handshake-timeout ${timeout}: expected seconds from 0 (none) to 3600`, command);
    }
    limits.handshakeTimeoutMs = Math.round(s * 1000);
  }
  return limits;
}
