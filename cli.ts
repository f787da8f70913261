#!/usr/bin/env -S deno run -A
/**
 * `hellogate` command line: run the stateless gate on UDP and TCP, inspect captured bytes,
 * make a cookie secret. Runs as `deno task cli ARGS`, `bun cli.ts ARGS`, `npx hellogate ARGS`.
 * The commands live in `cli/` (one file each); this file only starts `cli/main.ts`.
 *
 * JSON contract of `listen --json` (stable; one object per line on stdout):
 * - first `{"event":"listening","udp":"HOST:PORT","tcp":"HOST:PORT","quic":"HOST:PORT"}` (a key
 *   is absent when that transport is off; IPv6 as `[addr]:port`);
 * - then one object per event: `event` (`sent` | `accepted` | `dropped` | `closed`),
 *   `transport` (`udp` | `tcp`), `peer` (`"ip:port"`), `protocol` (`dtls1.0` | `dtls1.2` |
 *   `dtls1.3` | `tls1.3`, when known), `message` for `sent` (`hello_verify_request` |
 *   `hello_retry_request` | `alert`), `reason` and `detail` for `dropped` / `closed`,
 *   `bytesIn` / `bytesOut` (UDP: the datagram and its reply; TCP: totals on the connection so far);
 *   QUIC events (`transport: "quic"`, `message` `retry` | `version_negotiation` |
 *   `connection_close`, accepted with `sni` and `alpn`) are described in cli/listen_quic.ts;
 * - `serve` adds `handshake` and `closed` events per connection (see cli/serve.ts);
 * - with `--stats SECONDS`, every SECONDS `{"event":"stats","intervalSeconds","datagrams",
 *   "datagramsPerSecond","hvrPerSecond","hrrPerSecond","handshakesInProgress","counters":{...}}`
 *   (`serve --tcp` and `serve --udp` add `handshakesCompleted` and `handshakesFailed`);
 * - when stdout was too slow and events were dropped, `{"event":"events-dropped","count":N}`
 *   once it has caught up (events are never allowed to block the gate);
 * - on SIGINT/SIGTERM a last `{"event":"stopped","counters":{...}}`.
 *
 * `inspect` prints one JSON object `{"clientHello": {...} | null, "outcome": {...}}`,
 * deterministic for a fixed `--secret-file`, `--now` and `--peer`.
 *
 * @module
 */
import process from "node:process";
import { main } from "./cli/main.ts";

export { main };

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
