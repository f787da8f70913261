/**
 * `hellogate listen`: the stateless gate on UDP and/or TCP, reporting every event as text or
 * JSON lines until SIGINT/SIGTERM.
 *
 * @module
 */
import process from "node:process";
import { DatagramListener, type DtlsVersionName } from "../core/gate/datagram_listener.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import { formatPeer } from "../core/peer.ts";
import { TransportCounters, type TransportEvent } from "../transports/counters.ts";
import { listenUdp, type UdpAdapterChoice } from "../transports/udp.ts";
import { listenTcp, type TcpAdapterChoice } from "../transports/tcp.ts";
import type { UdpListener } from "../transports/datagram_gate.ts";
import { bunUdpAvailable } from "../transports/udp_bun.ts";
import { denoUdpAvailable } from "../transports/udp_deno.ts";
import { bunTcpAvailable } from "../transports/tcp_bun.ts";
import { denoTcpAvailable } from "../transports/tcp_deno.ts";
import type { TcpListener } from "../transports/stream_gate.ts";
import { type Args, flag, type FlagSpec, has, UsageError } from "./args.ts";
import { parseHostPortFlag } from "./host_port.ts";
import { keyringFromArgs } from "./secret_file.ts";
import { eventJson, eventText } from "./events.ts";
import { exitOnStdoutClose, Reporter, runUntilStopped, statsSecondsFrom } from "./reporter.ts";

/** Flags `listen` accepts. */
export const LISTEN_FLAGS: FlagSpec = {
  values: ["udp", "tcp", "secret-file", "versions", "adapter", "retry-key-share", "stats"],
  booleans: ["json", "exit-on-stdout-close"],
};

const VERSIONS = ["dtls1.0", "dtls1.2", "dtls1.3", "tls1.3"];
const ADAPTERS = ["auto", "node", "deno", "bun"];

/** Runs `listen` until SIGINT/SIGTERM; resolves with the exit code. */
export async function listen(args: Args): Promise<number> {
  if (args.positional.length > 0) throw new UsageError(`listen takes no arguments, got ${args.positional[0]}`, "listen");
  const json = has(args, "json");
  let udpAt = flag(args, "udp");
  let tcpAt = flag(args, "tcp");
  if (udpAt === undefined && tcpAt === undefined) udpAt = tcpAt = "127.0.0.1:0";
  const versionList = (flag(args, "versions") ?? "dtls1.2,dtls1.3,tls1.3").split(",").map((v) => v.trim()).filter(Boolean);
  for (const v of versionList) {
    if (!VERSIONS.includes(v)) throw new UsageError(`--versions: unknown version ${v} (known: ${VERSIONS.join(", ")})`, "listen");
  }
  const dtls = versionList.filter((v) => v.startsWith("dtls")) as DtlsVersionName[];
  if (udpAt !== undefined && dtls.length === 0) throw new UsageError("--udp needs a DTLS version in --versions", "listen");
  if (tcpAt !== undefined && !versionList.includes("tls1.3")) throw new UsageError("--tcp needs tls1.3 in --versions", "listen");
  const adapter = (flag(args, "adapter") ?? "auto") as UdpAdapterChoice & TcpAdapterChoice;
  if (!ADAPTERS.includes(adapter)) throw new UsageError(`--adapter ${adapter}: expected ${ADAPTERS.join(", ")}`, "listen");
  const retryKeyShare = flag(args, "retry-key-share") ?? "when-needed";
  if (retryKeyShare !== "when-needed" && retryKeyShare !== "always") {
    throw new UsageError(`--retry-key-share ${retryKeyShare}: expected when-needed or always`, "listen");
  }
  checkAdapter(adapter, udpAt !== undefined, tcpAt !== undefined);
  const udpBind = udpAt !== undefined ? parseHostPortFlag(udpAt, "udp") : undefined;
  const tcpBind = tcpAt !== undefined ? parseHostPortFlag(tcpAt, "tcp") : undefined;
  const statsSeconds = statsSecondsFrom(args, "listen");
  const keyring = keyringFromArgs(args);
  const counters = new TransportCounters();
  let udp: UdpListener | undefined;
  let tcp: TcpListener | undefined;
  const { done, stopNow } = runUntilStopped(async () => {
    await Promise.all([udp?.close(), tcp?.close()]);
    await reporter.finish();
  });
  const exitOnClose = exitOnStdoutClose(args);
  // stdout never blocks the gate: a bounded queue, drops counted, EPIPE ends the output only.
  const reporter: Reporter = new Reporter({
    json,
    statsSeconds,
    counters,
    onStdoutClosed: () => {
      if (exitOnClose) stopNow();
      else process.stderr.write("hellogate: stdout closed; still serving (events are no longer printed)\n");
    },
  });
  const { stats } = reporter;
  const onEvent = (e: TransportEvent) => {
    if (e.transport === "tcp" && (e.event === "accepted" || e.event === "closed")) stats.ended();
    reporter.event(eventJson(e), eventText(e));
  };

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
          engine: (peer) => {
            stats.started();
            return new StreamListener({ keyring, framing: "tls-records", peer, retryKeyShare });
          },
          counters,
          onEvent,
        }));
      // No continuation is configured: close accepted connections.
      const t = tcp;
      void (async () => {
        for await (const conn of t) conn.close();
      })();
    }
  } catch (e) {
    await udp?.close();
    throw e;
  }
  const listening: Record<string, string> = { event: "listening" };
  if (udp) listening.udp = formatPeer(udp.addr);
  if (tcp) listening.tcp = formatPeer(tcp.addr);
  reporter.event(
    listening,
    `hellogate listening${udp ? ` on udp ${listening.udp} (${udp.adapter})` : ""}${
      tcp ? `${udp ? " and" : " on"} tcp ${listening.tcp} (${tcp.adapter})` : ""
    }`,
  );
  reporter.start();
  if (reporter.stdoutClosed && exitOnClose) stopNow();
  return await done;
}

/** A usage error when `--adapter deno|bun` names an adapter this process cannot run. */
function checkAdapter(adapter: string, udp: boolean, tcp: boolean): void {
  if (adapter === "bun" && ((udp && !bunUdpAvailable()) || (tcp && !bunTcpAvailable()))) {
    throw new UsageError("--adapter bun: not running under Bun (use auto or node)", "listen");
  }
  if (adapter === "deno" && tcp && !denoTcpAvailable()) {
    throw new UsageError("--adapter deno: not running under Deno (use auto or node)", "listen");
  }
  if (adapter === "deno" && udp && !denoUdpAvailable()) {
    throw new UsageError(
      "--adapter deno: Deno UDP sockets need `deno run --unstable-net` (or use auto or node)",
      "listen",
    );
  }
}

/** Thrown when a socket cannot be bound (exit code 1), naming the transport, address and reason. */
export class BindError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BindError";
  }
}

/** Runs `open`, turning a failure into a {@link BindError} that names transport, address and reason. */
export async function bind<T>(transport: string, at: string, open: () => Promise<T>): Promise<T> {
  try {
    return await open();
  } catch (e) {
    throw new BindError(`cannot listen on ${transport} ${at}: ${bindReason(e)}`);
  }
}

/** A short reason for a bind failure (the error code when there is one). */
function bindReason(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown; name?: unknown };
  const message = String(err?.message ?? e).replace(/^(hellogate: )+/, "");
  const code = typeof err?.code === "string" ? err.code : undefined;
  if (code === "EADDRINUSE" || /in use|EADDRINUSE/i.test(message) || err?.name === "AddrInUse") {
    return "address already in use";
  }
  if (code === "EACCES" || /permission denied|EACCES/i.test(message) || err?.name === "PermissionDenied") {
    return "permission denied";
  }
  if (code === "EADDRNOTAVAIL" || /not available|EADDRNOTAVAIL/i.test(message) || err?.name === "AddrNotAvailable") {
    return "address not available on this host";
  }
  return code && !message.includes(code) ? `${code} ${message}` : message || "unknown error";
}
