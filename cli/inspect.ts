/**
 * `hellogate inspect`: decode a captured datagram or stream prefix, run it through a fresh
 * listener, print `{"transport","peer","now","clientHello","outcome"}` as JSON.
 *
 * @module
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import type { Outcome } from "../core/gate/outcome.ts";
import { formatPeer } from "../core/peer.ts";
import { type Args, choiceFlag, flag, type FlagSpec, UsageError } from "./args.ts";
import { unhex } from "./hex.ts";
import { parseHostPortFlag } from "./host_port.ts";
import { keyringFromArgs } from "./secret_file.ts";
import { decodeClientHello, describeOutcome } from "./describe.ts";
import { inspectQuic } from "./listen_quic.ts";
import { readInvariantLongHeader } from "../core/quic/long_header.ts";
import { quicVersionInfo } from "../core/quic/versions.ts";

/** Flags `inspect` accepts. */
export const INSPECT_FLAGS: FlagSpec = { values: ["transport", "peer", "secret-file", "now"], booleans: [] };

/** Latest `--now` the cookie format can carry: 2^32 - 1 seconds (year 2106). */
const MAX_NOW_SECONDS = 4294967295;

/**
 * The transport a capture most likely came from: `quic` for a long-header packet of QUIC v1 or
 * v2, `udp` for a DTLS record (version major 0xfe), else `tcp`.
 */
export function guessTransport(input: Uint8Array): "udp" | "tcp" | "quic" {
  const quic = readInvariantLongHeader(input, 0);
  if (quic && (quic.first & 0x40) !== 0 && quicVersionInfo(quic.version)) return "quic";
  // DTLS record versions have major byte 0xfe (RFC 6347 §4.1); TLS ones 0x03.
  return input[1] === 0xfe ? "udp" : "tcp";
}

/** Runs `inspect`; returns the exit code. */
export function inspect(args: Args): number {
  const source = args.positional[0];
  if (source === undefined) throw new UsageError("inspect needs HEX or - (stdin)", "inspect");
  if (args.positional.length > 1) throw new UsageError(`inspect takes one HEX argument, got ${args.positional.length}`, "inspect");
  const text = source === "-" ? readFileSync(0, "utf8") : source;
  const what = source === "-" ? "stdin" : "the HEX argument";
  if (text.trim() === "") throw new UsageError(`${what} is empty`, "inspect");
  const input = unhex(text, what);
  const transport = choiceFlag(args, "transport", ["udp", "tcp", "quic"], "inspect") ?? guessTransport(input);
  const peer = parseHostPortFlag(flag(args, "peer") ?? "192.0.2.1:4433", "peer");
  const nowText = flag(args, "now");
  if (nowText !== undefined && !/^\d+(\.\d+)?$/.test(nowText)) {
    throw new UsageError(`--now ${nowText}: expected UNIX seconds (e.g. 1700000000)`, "inspect");
  }
  if (nowText !== undefined && Number(nowText) > MAX_NOW_SECONDS) {
    throw new UsageError(
      `--now ${nowText}: too large for UNIX seconds (at most ${MAX_NOW_SECONDS}, year 2106); milliseconds? divide by 1000`,
      "inspect",
    );
  }
  const now = nowText !== undefined ? Math.round(Number(nowText) * 1000) : Date.now();
  const keyring = keyringFromArgs(args);
  if (transport === "quic") {
    process.stdout.write(JSON.stringify(inspectQuic(input, { peer, now, keyring }), null, 2) + "\n");
    return 0;
  }
  let outcome: Outcome;
  if (transport === "udp") {
    outcome = new DatagramListener({ keyring, versions: ["dtls1.0", "dtls1.2", "dtls1.3"] }).receive(input, peer, now);
  } else {
    outcome = new StreamListener({ keyring, framing: "tls-records", peer }).receive(input, now);
  }
  const result = {
    transport,
    peer: formatPeer(peer),
    now: now / 1000,
    clientHello: decodeClientHello(input, transport),
    outcome: describeOutcome(outcome),
  };
  process.stdout.write(JSON.stringify(result, null, 2) + "\n");
  return 0;
}
