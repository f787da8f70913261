/**
 * `hellogate listen`: the stateless gate on UDP and/or TCP, reporting every event as text or
 * JSON lines until SIGINT/SIGTERM.
 *
 * @module
 */
import { DatagramListener, type DtlsVersionName } from "../core/gate/datagram_listener.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import { formatPeer } from "../core/peer.ts";
import { TransportCounters, type TransportEvent } from "../transports/counters.ts";
import { listenUdp } from "../transports/udp.ts";
import { listenTcp } from "../transports/tcp.ts";
import type { UdpListener } from "../transports/datagram_gate.ts";
import type { TcpListener } from "../transports/stream_gate.ts";
import { type Args, choiceFlag, flag, type FlagSpec, has, UsageError } from "./args.ts";
import { parseHostPortFlag } from "./host_port.ts";
import { adapterFromArgs, bind } from "./bind.ts";
import { TCP_LIMIT_FLAGS, tcpLimitsFromArgs } from "./tcp_limits.ts";
import { type QuicListenHandle, startQuicListen } from "./listen_quic.ts";
import { keyringFromArgs } from "./secret_file.ts";
import { eventJson, eventText } from "./events.ts";
import { reportUntilStopped, statsSecondsFrom } from "./reporter.ts";

/** Flags `listen` accepts. */
export const LISTEN_FLAGS: FlagSpec = {
  values: ["udp", "tcp", "quic", "secret-file", "versions", "adapter", "retry-key-share", "stats", ...TCP_LIMIT_FLAGS],
  booleans: ["json", "exit-on-stdout-close"],
};

const VERSIONS = ["dtls1.0", "dtls1.2", "dtls1.3", "tls1.3"];

/** Runs `listen` until SIGINT/SIGTERM; resolves with the exit code. */
export async function listen(args: Args): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`listen takes no arguments, got ${args.positional[0]}`, "listen");
  const json = has(args, "json");
  let udpAt = flag(args, "udp");
  let tcpAt = flag(args, "tcp");
  const quicAt = flag(args, "quic");
  if (udpAt === undefined && tcpAt === undefined && quicAt === undefined) udpAt = tcpAt = "127.0.0.1:0";
  const versionList = (flag(args, "versions") ?? "dtls1.2,dtls1.3,tls1.3").split(",").map((v) => v.trim()).filter(Boolean);
  for (const v of versionList) {
    if (!VERSIONS.includes(v)) throw new UsageError(`--versions: unknown version ${v} (known: ${VERSIONS.join(", ")})`, "listen");
  }
  const dtls = versionList.filter((v) => v.startsWith("dtls")) as DtlsVersionName[];
  if (udpAt !== undefined && dtls.length === 0) throw new UsageError("--udp needs a DTLS version in --versions", "listen");
  if (tcpAt !== undefined && !versionList.includes("tls1.3")) throw new UsageError("--tcp needs tls1.3 in --versions", "listen");
  const adapter = adapterFromArgs(args, "listen", udpAt !== undefined || quicAt !== undefined, tcpAt !== undefined);
  const retryKeyShare = choiceFlag(args, "retry-key-share", ["when-needed", "always"], "listen") ?? "when-needed";
  const udpBind = udpAt !== undefined ? parseHostPortFlag(udpAt, "udp") : undefined;
  const tcpBind = tcpAt !== undefined ? parseHostPortFlag(tcpAt, "tcp") : undefined;
  const quicBind = quicAt !== undefined ? parseHostPortFlag(quicAt, "quic") : undefined;
  const statsSeconds = statsSecondsFrom(args, "listen");
  const limits = tcpLimitsFromArgs(args, "listen");
  if (tcpAt === undefined && Object.keys(limits).length > 0) {
    throw new UsageError(`--${TCP_LIMIT_FLAGS.find((f) => args.flags.has(f))} applies to --tcp only`, "listen");
  }
  const keyring = keyringFromArgs(args);
  const counters = new TransportCounters();
  let udp: UdpListener | undefined;
  let tcp: TcpListener | undefined;
  let quic: QuicListenHandle | undefined;
  const { reporter, run } = reportUntilStopped(args, { json, statsSeconds, counters }, async () => {
    await Promise.all([udp?.close(), tcp?.close(), quic?.close()]);
    return quic ? { quic: { ...quic.listener.counters } } : {};
  });
  const { stats } = reporter;
  const onEvent = (e: TransportEvent) => reporter.event(eventJson(e), eventText(e));

  try {
    if (udpBind !== undefined) {
      const gate = new DatagramListener({ keyring, versions: dtls, retryKeyShare });
      udp = await bind("udp", udpAt!, () =>
        listenUdp({
          hostname: udpBind.address,
          port: udpBind.port,
          adapter,
          engine: {
            receive(datagram, peer, now) {
              stats.datagrams++;
              return gate.receive(datagram, peer, now);
            },
          },
          counters,
          onEvent,
          idleTimeoutMs: 10_000,
        }));
      // No continuation is configured: hold accepted peers (so retransmitted CH2s are not
      // re-accepted) until they go quiet.
      const u = udp;
      void (async () => {
        for await (const conn of u) void (async () => {
          for await (const _ of conn.datagrams) { /* discard */ }
        })();
      })();
    }
    if (tcpBind !== undefined) {
      tcp = await bind("tcp", tcpAt!, () =>
        listenTcp({
          hostname: tcpBind.address,
          port: tcpBind.port,
          adapter,
          engine: (peer) => new StreamListener({ keyring, framing: "tls-records", peer, retryKeyShare }),
          counters,
          onEvent,
          ...limits,
        }));
      // No continuation is configured: close accepted connections.
      const t = tcp;
      stats.inProgressSource = () => t.pendingHandshakes;
      void (async () => {
        for await (const conn of t) conn.close();
      })();
    }
    if (quicBind !== undefined) {
      quic = await bind("quic", quicAt!, () =>
        startQuicListen({
          bind: quicBind,
          keyring,
          adapter,
          onEvent: (json, text) => reporter.event(json, text),
          onDatagram: () => void stats.datagrams++,
        }));
      const q = quic;
      stats.extra = () => ({ quicRetries: q.listener.counters.retries, quicAccepted: q.listener.counters.accepted });
    }
  } catch (e) {
    await Promise.all([udp?.close(), tcp?.close()]);
    throw e;
  }
  const listening: Record<string, string> = { event: "listening" };
  if (udp) listening.udp = formatPeer(udp.addr);
  if (tcp) listening.tcp = formatPeer(tcp.addr);
  if (quic) listening.quic = quic.addr;
  reporter.event(
    listening,
    `hellogate listening${udp ? ` on udp ${listening.udp} (${udp.adapter})` : ""}${
      tcp ? `${udp ? " and" : " on"} tcp ${listening.tcp} (${tcp.adapter})` : ""
    }${quic ? `${udp || tcp ? " and" : " on"} quic ${listening.quic} (${quic.adapter})` : ""}`,
  );
  return await run();
}
