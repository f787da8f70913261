/**
 * `hellogate serve`: complete handshakes behind the stateless gate.
 *
 * - `serve --tcp HOST:PORT`: TLS 1.3 (`listenTls`: the gate's HelloRetryRequest with a cookie
 *   as `--retry` decides, then `Tls13ServerEngine`). Each established connection gets its data
 *   echoed back, or with `--www` a small HTML page naming what was negotiated (like
 *   `openssl s_server -www`). JSON lines: `listening` `{"event":"listening","tcp":"HOST:PORT"}`,
 *   the gate's `sent` / `accepted` / `dropped` / `closed` (as `listen`), then per connection
 *   `{"event":"handshake","transport":"tcp","peer","protocol":"tls1.3","cipherSuite","group",
 *   "signature","alpn","sni","retry"}` (`alpn`/`sni` null when absent) and
 *   `{"event":"closed","transport":"tcp","peer","reason","detail","alert"?,"alertSender"?,
 *   "established"}`; `stats` with `--stats`; `stopped` with the counters and handshake totals.
 * - `serve --udp HOST:PORT`: DTLS 1.2 echo server (`cli/serve_udp.ts`; `--stats` as for TCP).
 *
 * @module
 */
import { formatPeer } from "../core/peer.ts";
import { TransportCounters } from "../transports/counters.ts";
import { defaultCryptoProvider } from "../transports/native_crypto.ts";
import { listenTls, type TlsListener, type TlsServerEvent } from "../transports/tls_server.ts";
import type { TlsConnection } from "../transports/tls_connection.ts";
import { retryWhenBusy, type TlsRetryPolicy } from "../transports/tls_retry_policy.ts";
import { serveWwwPage } from "../transports/tls_www.ts";
import { type Args, choiceFlag, flag, type FlagSpec, has, UsageError } from "./args.ts";
import { parseHostPortFlag } from "./host_port.ts";
import { keyringFromArgs } from "./secret_file.ts";
import { eventJson, eventText } from "./events.ts";
import { exitOnStdoutClose, reportUntilStopped, statsSecondsFrom, stdoutClosedHandler } from "./reporter.ts";
import { adapterFromArgs, bind, runBound } from "./bind.ts";
import { certKeyFilesFromArgs, credentialsFromArgs } from "./credentials.ts";
import { tcpLimitsFromArgs } from "./tcp_limits.ts";
import { serveUdp } from "./serve_udp.ts";
import { eventsDroppedLine, EventWriter } from "./event_writer.ts";
import { alertText, closedFields, handshakeFields } from "./session_events.ts";

/** Flags `serve` accepts. */
export const SERVE_FLAGS: FlagSpec = {
  values: [
    "tcp",
    "udp",
    "cert",
    "key",
    "retry",
    "alpn",
    "secret-file",
    "adapter",
    "retry-key-share",
    "stats",
    "mtu",
    "max-handshakes",
    "handshake-timeout",
  ],
  booleans: ["json", "www", "exit-on-stdout-close"],
};

/** `--retry load`: retry only while this many handshakes are in progress. */
export const RETRY_LOAD_THRESHOLD = 64;

const TCP_ONLY = [
  "retry",
  "alpn",
  "secret-file",
  "retry-key-share",
  "www",
  "max-handshakes",
  "handshake-timeout",
];

/** Runs `serve` until SIGINT/SIGTERM; resolves with the exit code. */
export async function serve(args: Args): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`serve takes no arguments, got ${args.positional[0]}`, "serve");
  const tcpAt = flag(args, "tcp"), udpAt = flag(args, "udp");
  if ((tcpAt === undefined) === (udpAt === undefined)) {
    throw new UsageError("serve needs exactly one of --tcp HOST:PORT (TLS 1.3) or --udp HOST:PORT (DTLS 1.2)", "serve");
  }
  if (udpAt !== undefined) return await serveDtls(args, udpAt);
  if (args.flags.has("mtu")) throw new UsageError("--mtu applies to serve --udp only", "serve");
  return await serveTls(args, tcpAt!);
}

async function serveDtls(args: Args, udpAt: string): Promise<number> {
  for (const name of TCP_ONLY) {
    if (args.flags.has(name)) throw new UsageError(`--${name} applies to serve --tcp only`, "serve");
  }
  parseHostPortFlag(udpAt, "udp");
  const adapter = adapterFromArgs(args, "serve", true, false);
  const mtuText = flag(args, "mtu");
  let mtu: number | undefined;
  if (mtuText !== undefined) {
    mtu = Number(mtuText);
    if (!/^\d+$/.test(mtuText) || mtu < 256 || mtu > 65527) {
      throw new UsageError(`--mtu ${mtuText}: expected a datagram size in bytes, 256 to 65527`, "serve");
    }
  }
  // Unreadable files are usage errors naming the file (serveUdp reads them itself).
  const files = certKeyFilesFromArgs(args, "serve");
  const json = has(args, "json");
  const statsSeconds = statsSecondsFrom(args, "serve");
  const exitOnClose = exitOnStdoutClose(args);
  const stop = new AbortController();
  // Our own bounded writer, so that the last lines (closed, stopped) are flushed before exit
  // and a closed stdout can stop the server (--exit-on-stdout-close).
  const out = new EventWriter({
    droppedLine: eventsDroppedLine(json),
    onClosed: stdoutClosedHandler(exitOnClose, () => stop.abort()),
  });
  const code = await runBound("udp", udpAt, () =>
    serveUdp({
      udp: udpAt,
      json,
      adapter,
      signal: stop.signal,
      write: (line) => void out.line(line),
      ...(files ? { cert: files.cert, key: files.key } : {}),
      ...(mtu !== undefined ? { mtu } : {}),
      ...(statsSeconds !== undefined ? { statsSeconds } : {}),
    }));
  await out.flush(2000);
  return code;
}

function retryPolicyFromArgs(args: Args): TlsRetryPolicy {
  const retry = choiceFlag(args, "retry", ["always", "never", "load"], "serve") ?? "always";
  return retry === "load" ? retryWhenBusy(RETRY_LOAD_THRESHOLD) : retry;
}

function alpnFromArgs(args: Args): string[] | undefined {
  const text = flag(args, "alpn");
  if (text === undefined) return undefined;
  const list = text.split(",").map((p) => p.trim());
  for (const p of list) {
    if (p.length === 0 || p.length > 255) throw new UsageError(`--alpn ${text}: protocol names are 1 to 255 bytes`, "serve");
  }
  return list;
}

async function serveTls(args: Args, tcpAt: string): Promise<number> {
  const json = has(args, "json");
  const www = has(args, "www");
  const bindAt = parseHostPortFlag(tcpAt, "tcp");
  const adapter = adapterFromArgs(args, "serve", false, true);
  const retry = retryPolicyFromArgs(args);
  const retryName = flag(args, "retry") ?? "always";
  const alpn = alpnFromArgs(args);
  const retryKeyShare = choiceFlag(args, "retry-key-share", ["when-needed", "always"], "serve") ?? "when-needed";
  const statsSeconds = statsSecondsFrom(args, "serve");
  const limits = tcpLimitsFromArgs(args, "serve");
  const keyring = keyringFromArgs(args);
  const provider = defaultCryptoProvider();
  const { certificate, selfSigned } = credentialsFromArgs(args, provider, "serve");
  const counters = new TransportCounters();
  // Set once bound; the shutdown and stats closures read it.
  const bound: { tls?: TlsListener } = {};
  const totals = () => ({
    handshakesCompleted: bound.tls?.handshakesCompleted ?? 0,
    handshakesFailed: bound.tls?.handshakesFailed ?? 0,
  });
  const { reporter, run } = reportUntilStopped(args, { json, statsSeconds, counters }, async () => {
    await bound.tls?.close();
    return { handshakes: { completed: totals().handshakesCompleted, failed: totals().handshakesFailed } };
  });
  reporter.stats.extra = totals;
  reporter.stats.inProgressSource = () => bound.tls?.handshakesInProgress ?? 0;
  const onEvent = (e: TlsServerEvent) => {
    switch (e.event) {
      case "handshake": {
        const s = e.summary;
        const j = { ...handshakeFields("tcp", e.peer, s), alpn: s.alpn ?? null, sni: s.sni ?? null, retry: s.retried };
        reporter.event(
          j,
          `handshake with ${j.peer}: ${s.protocol} ${j.cipherSuite} ${j.group} ${j.signature}` +
            `${s.alpn ? ` alpn=${s.alpn}` : ""}${s.sni ? ` sni=${s.sni}` : ""} (${s.retried ? "after a stateless retry" : "no retry"})`,
        );
        return;
      }
      case "handshake-failed":
      case "tls-closed": {
        const i = e.info;
        const j = closedFields("tcp", e.peer, i);
        reporter.event(
          j,
          `closed tcp ${j.peer}: ${i.reason}${alertText(i)} (${i.detail})${i.established ? "" : " before the handshake completed"}`,
        );
        return;
      }
      default:
        reporter.event(eventJson(e), eventText(e));
    }
  };
  const tls = bound.tls = await bind("tcp", tcpAt, () =>
    listenTls({
      hostname: bindAt.address,
      port: bindAt.port,
      adapter,
      keyring,
      provider,
      certificates: [certificate],
      ...(alpn ? { alpn } : {}),
      retry,
      retryKeyShare,
      counters,
      onEvent,
      ...(limits.maxPendingHandshakes !== undefined ? { maxPendingHandshakes: limits.maxPendingHandshakes } : {}),
      ...(limits.handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs: limits.handshakeTimeoutMs } : {}),
    }));
  void (async () => {
    for await (const conn of tls) void (www ? serveWwwPage(conn) : echo(conn));
  })();
  const addr = formatPeer(tls.addr);
  reporter.event(
    { event: "listening", tcp: addr },
    `hellogate serving TLS 1.3 on tcp ${addr} (${tls.tcp.adapter}; retry ${retryName}${
      selfSigned ? "; self-signed certificate for localhost" : ""
    }${www ? "; --www" : "; echo"})`,
  );
  return await run();
}

/** Echoes everything the peer sends until it closes. */
async function echo(conn: TlsConnection): Promise<void> {
  try {
    await conn.readable.pipeTo(conn.writable);
  } catch {
    conn.close();
  }
}
