/**
 * `HOST:PORT` arguments of the CLI (`--udp`, `--tcp`, `--peer`): IPv4, `[IPv6]:port`, and
 * `localhost` (read as 127.0.0.1).
 *
 * @module
 */
import { UsageError } from "./args.ts";
import { type PeerAddress, parsePeer } from "../core/peer.ts";

/** Parses the value of flag `flagName` as HOST:PORT; a {@link UsageError} naming the flag otherwise. */
export function parseHostPortFlag(text: string, flagName: string): PeerAddress {
  const t = text.replace(/^localhost:/i, "127.0.0.1:");
  try {
    return parsePeer(t);
  } catch (e) {
    const why = e instanceof Error && /port/.test(e.message) ? "bad port" : "expected HOST:PORT (IPv6 as [addr]:port)";
    throw new UsageError(`--${flagName} ${text}: ${why}`);
  }
}
