/**
 * `serve --udp HOST:PORT [--cert F --key F] [--mtu N] [--json]`: a DTLS 1.2 echo server.
 * Every peer that completes the handshake gets each datagram it sends echoed back. Events, one
 * per line (JSON with `--json`):
 *
 * - `{"event":"listening","udp":"HOST:PORT"}`
 * - `{"event":"handshake","transport":"udp","peer":"ip:port","protocol":"dtls1.2","cipherSuite":NAME,
 *    "group":NAME,"signature":NAME,"srtp":NAME?,"alpn":NAME?,"peerFingerprint":HEX?}`
 * - `{"event":"closed","transport":"udp","peer":"ip:port","reason":R,"detail":D,"alert":NAME?,
 *    "alertSender":"us"|"peer"?,"established":BOOL}`
 * - with `statsSeconds`: `{"event":"stats",...}` every period (as `listen --stats`, plus
 *   `handshakesCompleted` / `handshakesFailed`); in text mode a status line on stderr.
 * - `{"event":"stopped","counters":{...}}` on SIGINT/SIGTERM or when `signal` aborts.
 *
 * Without `--cert`/`--key` a self-signed ECDSA P-256 end-entity certificate is generated.
 *
 * @module
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import { formatPeer } from "../core/peer.ts";
import type { CryptoProvider } from "../core/crypto/provider.ts";
import { srtpProfileName } from "../core/handshake/dtls12/srtp.ts";
import type { ClientAuthMode } from "../core/handshake/dtls12/server.ts";
import { loadServerCertificate } from "../core/pki/load.ts";
import { generateSelfSignedCertificate } from "../core/pki/self_signed.ts";
import { listenDtls, type DtlsEvent } from "../transports/dtls_server.ts";
import { TransportCounters } from "../transports/counters.ts";
import type { UdpAdapterChoice } from "../transports/udp.ts";
import { defaultCryptoProvider } from "../transports/native_crypto.ts";
import { parseHostPortFlag } from "./host_port.ts";
import { eventsDroppedLine, EventWriter } from "./event_writer.ts";
import { alertText, closedFields, handshakeFields } from "./session_events.ts";
import { LiveStats, statsJson, statsLine } from "./stats.ts";

/** Options of {@link serveUdp}. */
export interface ServeUdpOptions {
  /** `HOST:PORT` to bind (port 0: any). */
  readonly udp: string;
  /** PEM certificate chain file (leaf first). */
  readonly cert?: string;
  /** PEM PKCS#8 private key file. */
  readonly key?: string;
  /** Largest datagram we send (default 1200). */
  readonly mtu?: number;
  /** JSON lines instead of text. */
  readonly json?: boolean;
  /** Client certificates (default off). */
  readonly clientAuth?: ClientAuthMode;
  /** UDP adapter (default `"auto"`). */
  readonly adapter?: UdpAdapterChoice;
  /** Crypto provider (default: the runtime's fastest, `defaultCryptoProvider()`). */
  readonly provider?: CryptoProvider;
  /** Stops the server (SIGINT/SIGTERM also do). */
  readonly signal?: AbortSignal;
  /** `--stats SECONDS`: periodic stats (JSON lines, or status lines on stderr in text mode). */
  readonly statsSeconds?: number;
  /** Where lines go (default: stdout through a bounded queue). */
  readonly write?: (line: string) => void;
}

function handshakeLine(e: Extract<DtlsEvent, { event: "handshake" }>, json: boolean): string {
  const s = e.summary;
  const fields = {
    ...handshakeFields("udp", e.peer, s),
    ...(s.srtpProfile !== undefined ? { srtp: srtpProfileName(s.srtpProfile) } : {}),
    ...(s.alpn !== undefined ? { alpn: s.alpn } : {}),
    ...(s.peerCertificateFingerprint ? { peerFingerprint: s.peerCertificateFingerprint } : {}),
  };
  if (json) return JSON.stringify(fields);
  return `handshake ${fields.peer} ${s.protocol} ${fields.cipherSuite} ${fields.group} ${fields.signature}` +
    ("srtp" in fields ? ` srtp=${fields.srtp}` : "");
}

function closedLine(e: Extract<DtlsEvent, { event: "closed" }>, json: boolean): string {
  const i = e.info;
  const fields = closedFields("udp", e.peer, i);
  if (json) return JSON.stringify(fields);
  return `closed ${fields.peer} ${i.reason}${alertText(i)}: ${i.detail}`;
}

/** Runs the echo server until stopped; resolves with the exit code. Throws on bad options or unreadable files. */
export async function serveUdp(opts: ServeUdpOptions): Promise<number> {
  const bind = parseHostPortFlag(opts.udp, "udp");
  if ((opts.cert === undefined) !== (opts.key === undefined)) throw new TypeError("--cert and --key go together");
  const provider = opts.provider ?? defaultCryptoProvider();
  const credentials = opts.cert !== undefined
    ? loadServerCertificate(provider, readFileSync(opts.cert, "utf8"), readFileSync(opts.key!, "utf8"))
    : generateSelfSignedCertificate(provider, { now: Date.now() });
  const json = opts.json ?? false;
  const writer = opts.write ? undefined : new EventWriter({ droppedLine: eventsDroppedLine(json) });
  const out = opts.write ?? ((line: string) => void writer!.line(line));
  const ac = new AbortController();
  const stop = () => ac.abort();
  opts.signal?.addEventListener("abort", stop, { once: true });
  if (opts.signal?.aborted) stop();
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  const counters = new TransportCounters();
  // Handshakes completed / failed, and established connections still open (the rest of the
  // listener's connections are handshakes in progress).
  const handshakes = { completed: 0, failed: 0, open: 0 };
  const count = (e: DtlsEvent) => {
    if (e.event === "handshake") {
      handshakes.completed++;
      handshakes.open++;
    } else if (e.info.established) handshakes.open--;
    else handshakes.failed++;
  };
  const server = await listenDtls({
    hostname: bind.address,
    port: bind.port,
    adapter: opts.adapter ?? "auto",
    counters,
    dtls: {
      certificateChain: credentials.chain,
      signingKey: credentials.key,
      provider,
      ...(opts.mtu !== undefined ? { mtu: opts.mtu } : {}),
      ...(opts.clientAuth ? { clientAuth: opts.clientAuth } : {}),
    },
    onDtlsEvent: (e) => {
      count(e);
      out(e.event === "handshake" ? handshakeLine(e, json) : closedLine(e, json));
    },
  });
  const addr = formatPeer(server.addr);
  out(json ? JSON.stringify({ event: "listening", udp: addr }) : `listening udp ${addr} (dtls1.2)`);
  let timer: ReturnType<typeof setInterval> | undefined;
  if (opts.statsSeconds !== undefined) {
    const stats = new LiveStats(counters, Date.now());
    stats.inProgressSource = () => Math.max(0, server.connectionCount - handshakes.open);
    stats.extra = () => ({ handshakesCompleted: handshakes.completed, handshakesFailed: handshakes.failed });
    timer = setInterval(() => {
      const s = stats.sample(Date.now());
      if (json) out(JSON.stringify(statsJson(s)));
      else process.stderr.write(`${statsLine(s)}\n`);
    }, opts.statsSeconds * 1000);
  }
  const stopped = new Promise<void>((resolve) => ac.signal.addEventListener("abort", () => resolve(), { once: true }));
  void (async () => {
    for await (const conn of server) {
      void (async () => {
        const w = conn.writable.getWriter();
        try {
          for await (const d of conn.readable) await w.write(d);
        } catch { /* connection ended */ }
      })();
    }
  })();
  await stopped;
  clearInterval(timer);
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
  await server.close();
  const c = server.counters.snapshot();
  out(json ? JSON.stringify({ event: "stopped", counters: c }) : `stopped`);
  return 0;
}
