#!/usr/bin/env -S deno run -A
/**
 * `hellogate` command line: run the stateless gate on UDP and TCP, inspect captured bytes,
 * make a cookie secret. Runs as `deno task cli ARGS` or `bun cli.ts ARGS`.
 *
 * JSON contract of `listen --json` (stable; one object per line on stdout):
 * - first `{"event":"listening","udp":"HOST:PORT","tcp":"HOST:PORT"}` (a key is absent when
 *   that transport is off; IPv6 as `[addr]:port`);
 * - then one object per event: `event` (`sent` | `accepted` | `dropped` | `closed`),
 *   `transport` (`udp` | `tcp`), `peer` (`"ip:port"`), `protocol` (`dtls1.0` | `dtls1.2` |
 *   `dtls1.3` | `tls1.3`, when known), `message` for `sent` (`hello_verify_request` |
 *   `hello_retry_request` | `alert`), `reason` and `detail` for `dropped` / `closed`,
 *   `bytesIn` / `bytesOut` (UDP: the datagram and its reply; TCP: totals on the connection so far);
 * - on SIGINT/SIGTERM a last `{"event":"stopped","counters":{...}}`.
 *
 * `inspect` prints one JSON object `{"clientHello": {...} | null, "outcome": {...}}`,
 * deterministic for a fixed `--secret-file`, `--now` and `--peer`.
 *
 * @module
 */
import process from "node:process";
import { readFileSync, writeFileSync } from "node:fs";
import { CookieKeyring } from "./core/gate/cookie/keyring.ts";
import { DatagramListener, type DtlsVersionName } from "./core/gate/datagram_listener.ts";
import { StreamListener } from "./core/gate/stream_listener.ts";
import type { Outcome } from "./core/gate/outcome.ts";
import { formatPeer, type PeerAddress, parsePeer } from "./core/peer.ts";
import { cipherSuiteName } from "./core/constants/cipher_suites.ts";
import { extensionName } from "./core/constants/extensions.ts";
import { groupName } from "./core/constants/groups.ts";
import { hex16, versionName } from "./core/constants/versions.ts";
import { type ClientHello, parseClientHello } from "./core/messages/client_hello.ts";
import { readDtlsRecord } from "./core/wire/record.ts";
import { readDtlsHandshakeFragment } from "./core/wire/handshake_header.ts";
import { TransportCounters, type TransportEvent } from "./transports/counters.ts";
import { listenUdp, type UdpAdapterChoice } from "./transports/udp.ts";
import { listenTcp, type TcpAdapterChoice } from "./transports/tcp.ts";
import type { UdpListener } from "./transports/datagram_gate.ts";
import type { TcpListener } from "./transports/stream_gate.ts";

const USAGE = `hellogate: a stateless cookie gate for DTLS and TLS 1.3 handshakes

usage:
  hellogate listen [--udp HOST:PORT] [--tcp HOST:PORT] [--json] [--secret-file F]
                   [--versions dtls1.2,dtls1.3,tls1.3] [--adapter auto|node]
                   [--retry-key-share when-needed|always]
      Port 0 picks a free port. Without --udp/--tcp both listen on 127.0.0.1:0.
      --retry-key-share always: never send a cookie-only HRR when another group can be
      requested (GnuTLS 3.7 rejects cookie-only HRRs).
      --json: one JSON object per line (see the contract in cli.ts / README).
  hellogate inspect [--transport udp|tcp] [--peer IP:PORT] [--secret-file F] [--now UNIX_SECONDS] HEX|-
      Decodes a captured datagram (udp) or stream prefix (tcp), runs it through a fresh
      listener and prints {"clientHello": ..., "outcome": ...} as JSON.
  hellogate keygen [--out F]
      Writes a random 32-byte secret as hex (to stdout, or to F with mode 0600).
`;

/** Thrown for bad command-line usage (exit code 2). */
class UsageError extends Error {}

interface Args {
  positional: string[];
  flags: Map<string, string | true>;
}

const BOOLEAN_FLAGS = new Set(["json", "help"]);

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (eq > 0) flags.set(name, a.slice(eq + 1));
      else if (BOOLEAN_FLAGS.has(name)) flags.set(name, true);
      else {
        const v = argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        flags.set(name, v);
      }
    } else if (a === "-h") flags.set("help", true);
    else positional.push(a);
  }
  return { positional, flags };
}

function flag(args: Args, name: string): string | undefined {
  const v = args.flags.get(name);
  return typeof v === "string" ? v : undefined;
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

function unhex(text: string): Uint8Array {
  const t = text.replace(/[\s:]/g, "").replace(/^0x/i, "");
  if (t.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(t)) throw new UsageError("input is not hex");
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function loadKeyring(args: Args): CookieKeyring {
  const file = flag(args, "secret-file");
  if (!file) return CookieKeyring.random();
  let secret: Uint8Array;
  try {
    secret = unhex(readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`cannot read secret file ${file}: ${e instanceof Error ? e.message : e}`);
  }
  return CookieKeyring.fromSecret(secret);
}

// ---------------------------------------------------------------- listen

function eventJson(e: TransportEvent): Record<string, unknown> {
  const o: Record<string, unknown> = { event: e.event, transport: e.transport, peer: formatPeer(e.peer) };
  if ("protocol" in e && e.protocol) o.protocol = e.protocol;
  if (e.event === "sent") {
    o.message = e.message;
    if (e.reason) o.reason = e.reason;
  }
  if (e.event === "dropped" || e.event === "closed") {
    o.reason = e.reason;
    o.detail = e.detail;
  }
  o.bytesIn = e.bytesIn;
  o.bytesOut = e.bytesOut;
  return o;
}

const MESSAGE_TEXT: Record<string, string> = {
  hello_verify_request: "HVR",
  hello_retry_request: "HRR",
  alert: "alert",
};

function eventText(e: TransportEvent): string {
  const peer = formatPeer(e.peer);
  switch (e.event) {
    case "sent":
      return `${MESSAGE_TEXT[e.message]} sent to ${peer} (${e.protocol}, ${e.bytesIn} B in, ${e.bytesOut} B out${
        e.reason ? `, ${e.reason}` : ""
      })`;
    case "accepted":
      return `accepted ${e.protocol} with peer ${peer} (${e.transport})`;
    case "dropped":
      return `dropped ${e.transport} input from ${peer}: ${e.reason} (${e.detail})`;
    case "closed":
      return `closed ${e.transport} ${peer}: ${e.reason} (${e.detail})`;
  }
}

function counterLine(c: TransportCounters): string {
  return `HVR ${c.hvrSent}  HRR ${c.hrrSent}  alerts ${c.alertsSent}  accepted ${c.accepted}  dropped ${c.droppedTotal}  ` +
    `in ${c.bytesIn} B  out ${c.bytesOut} B  amplification ${c.amplification.toFixed(2)}x`;
}

async function listen(args: Args): Promise<number> {
  const json = args.flags.get("json") === true;
  let udpAt = flag(args, "udp");
  let tcpAt = flag(args, "tcp");
  if (udpAt === undefined && tcpAt === undefined) udpAt = tcpAt = "127.0.0.1:0";
  const versionList = (flag(args, "versions") ?? "dtls1.2,dtls1.3,tls1.3").split(",").map((v) => v.trim()).filter(Boolean);
  for (const v of versionList) {
    if (!["dtls1.0", "dtls1.2", "dtls1.3", "tls1.3"].includes(v)) throw new UsageError(`unknown version ${v}`);
  }
  const dtls = versionList.filter((v) => v.startsWith("dtls")) as DtlsVersionName[];
  if (udpAt !== undefined && dtls.length === 0) throw new UsageError("--udp needs a DTLS version in --versions");
  if (tcpAt !== undefined && !versionList.includes("tls1.3")) throw new UsageError("--tcp needs tls1.3 in --versions");
  const adapter = (flag(args, "adapter") ?? "auto") as UdpAdapterChoice & TcpAdapterChoice;
  const retryKeyShare = flag(args, "retry-key-share") ?? "when-needed";
  if (retryKeyShare !== "when-needed" && retryKeyShare !== "always") {
    throw new UsageError("--retry-key-share takes when-needed or always");
  }
  if (!["auto", "node", "deno", "bun"].includes(adapter)) throw new UsageError(`unknown adapter ${adapter}`);
  const keyring = loadKeyring(args);
  const counters = new TransportCounters();
  const live = !json && process.stderr.isTTY;
  const onEvent = (e: TransportEvent) => {
    if (json) process.stdout.write(JSON.stringify(eventJson(e)) + "\n");
    else {
      if (live) process.stderr.write("\r\x1b[K");
      process.stdout.write(eventText(e) + "\n");
      if (live) process.stderr.write(counterLine(counters));
    }
  };

  let udp: UdpListener | undefined;
  let tcp: TcpListener | undefined;
  if (udpAt !== undefined) {
    const at = parseHostPort(udpAt);
    udp = await listenUdp({
      hostname: at.host,
      port: at.port,
      adapter,
      engine: new DatagramListener({ keyring, versions: dtls, retryKeyShare }),
      counters,
      onEvent,
      idleTimeoutMs: 10_000,
    });
    // No continuation is configured: hold accepted peers (so retransmitted CH2s are not
    // re-accepted) until they go quiet.
    void (async () => {
      for await (const conn of udp!) void (async () => {
        for await (const _ of conn.datagrams) { /* discard */ }
      })();
    })();
  }
  if (tcpAt !== undefined) {
    const at = parseHostPort(tcpAt);
    tcp = await listenTcp({
      hostname: at.host,
      port: at.port,
      adapter,
      engine: (peer) => new StreamListener({ keyring, framing: "tls-records", peer, retryKeyShare }),
      counters,
      onEvent,
    });
    // No continuation is configured: close accepted connections.
    void (async () => {
      for await (const conn of tcp!) conn.close();
    })();
  }
  const listening: Record<string, string> = { event: "listening" };
  if (udp) listening.udp = formatPeer(udp.addr);
  if (tcp) listening.tcp = formatPeer(tcp.addr);
  if (json) process.stdout.write(JSON.stringify(listening) + "\n");
  else {
    process.stdout.write(
      `hellogate listening${udp ? ` on udp ${listening.udp} (${udp.adapter})` : ""}${
        tcp ? `${udp ? " and" : " on"} tcp ${listening.tcp} (${tcp.adapter})` : ""
      }\n`,
    );
  }
  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      await Promise.all([udp?.close(), tcp?.close()]);
      if (json) process.stdout.write(JSON.stringify({ event: "stopped", counters: counters.snapshot() }) + "\n");
      else process.stderr.write(`${live ? "\r\x1b[K" : ""}${counterLine(counters)}\n`);
      resolve(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

function parseHostPort(text: string): { host: string; port: number } {
  try {
    const p = parsePeer(text);
    return { host: p.address, port: p.port };
  } catch {
    throw new UsageError(`expected HOST:PORT (IPv6 as [addr]:port), got ${text}`);
  }
}

// ---------------------------------------------------------------- inspect

function describeClientHello(ch: ClientHello): Record<string, unknown> {
  const o: Record<string, unknown> = {
    legacyVersion: versionName(ch.legacyVersion),
    random: hex(ch.random),
    legacySessionId: hex(ch.legacySessionId),
  };
  if (ch.legacyCookie !== undefined) o.legacyCookie = hex(ch.legacyCookie);
  o.cipherSuites = ch.cipherSuites.map(cipherSuiteName);
  o.compressionMethods = [...ch.compressionMethods];
  o.extensions = ch.extensions.map((e) => extensionName(e.type));
  if (ch.serverName !== undefined) o.serverName = ch.serverName;
  if (ch.supportedVersions) o.supportedVersions = ch.supportedVersions.map(versionName);
  if (ch.supportedGroups) o.supportedGroups = ch.supportedGroups.map(groupName);
  if (ch.keyShares) o.keyShares = ch.keyShares.map((k) => ({ group: groupName(k.group), length: k.keyExchange.length }));
  if (ch.signatureAlgorithms) o.signatureAlgorithms = ch.signatureAlgorithms.map(hex16);
  if (ch.alpn) o.alpn = ch.alpn;
  if (ch.cookie) o.cookie = hex(ch.cookie);
  if (ch.pskKeyExchangeModes) o.pskKeyExchangeModes = [...ch.pskKeyExchangeModes];
  if (ch.preSharedKey) o.preSharedKeyIdentities = ch.preSharedKey.identities.length;
  if (ch.earlyData) o.earlyData = true;
  if (ch.paddingLength !== undefined) o.paddingLength = ch.paddingLength;
  return o;
}

/** Best-effort decode of the first ClientHello in the input; null with a reason when it does not decode. */
function decodeClientHello(input: Uint8Array, transport: "udp" | "tcp"): Record<string, unknown> {
  try {
    if (transport === "udp") {
      const rec = readDtlsRecord(input, 0);
      const frag = readDtlsHandshakeFragment(rec.fragment, 0);
      const record = { contentType: rec.contentType, version: versionName(rec.version), epoch: rec.epoch, sequence: rec.sequence };
      const handshake = {
        msgType: frag.msgType,
        length: frag.length,
        messageSeq: frag.messageSeq,
        fragmentOffset: frag.fragmentOffset,
        fragmentLength: frag.fragmentLength,
      };
      if (frag.msgType !== 1 || frag.fragmentOffset !== 0 || frag.fragmentLength !== frag.length) {
        return { record, handshake, clientHello: null, error: "not a complete ClientHello in the first record" };
      }
      return { record, handshake, ...describeClientHello(parseClientHello(frag.body, { dtls: true })) };
    }
    // TLS: concatenate the handshake records, skipping a leading change_cipher_spec.
    const parts: Uint8Array[] = [];
    let at = 0, total = 0;
    while (at + 5 <= input.length) {
      const type = input[at], len = (input[at + 3] << 8) | input[at + 4];
      const frag = input.subarray(at + 5, Math.min(input.length, at + 5 + len));
      at += 5 + len;
      if (type === 20) continue;
      if (type !== 22) break;
      parts.push(frag);
      total += frag.length;
    }
    const hs = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      hs.set(p, o);
      o += p.length;
    }
    if (hs.length < 4 || hs[0] !== 1) return { clientHello: null, error: "no ClientHello handshake message" };
    const len = (hs[1] << 16) | (hs[2] << 8) | hs[3];
    if (hs.length < 4 + len) return { clientHello: null, error: `ClientHello incomplete: ${hs.length - 4} of ${len} bytes` };
    return describeClientHello(parseClientHello(hs.subarray(4, 4 + len), { dtls: false }));
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

function describeOutcome(out: Outcome): Record<string, unknown> {
  switch (out.kind) {
    case "send":
      return {
        kind: out.kind,
        message: out.message,
        protocol: out.protocol,
        ...(out.alert ? { alert: out.alert } : {}),
        ...(out.reason ? { reason: out.reason } : {}),
        ...(out.detail ? { detail: out.detail } : {}),
        bytes: hex(out.bytes),
      };
    case "dropped":
      return { kind: out.kind, reason: out.reason, detail: out.detail, bytes: "" };
    case "need-more-data":
      return { kind: out.kind, ...(out.bytesNeeded !== undefined ? { bytesNeeded: out.bytesNeeded } : {}), bytes: "" };
    case "closed":
      return {
        kind: out.kind,
        reason: out.reason,
        detail: out.detail,
        ...(out.alert ? { alert: out.alert } : {}),
        bytes: out.bytes ? hex(out.bytes) : "",
      };
    case "accepted":
      return {
        kind: out.kind,
        protocol: out.protocol,
        peer: formatPeer(out.peer),
        addressValidated: out.addressValidated,
        ...(out.cookieIssuedAt !== undefined ? { cookieIssuedAt: out.cookieIssuedAt } : {}),
        clientHelloMessage: hex(out.clientHelloMessage),
        remainder: hex(out.remainder),
        ...(out.sequencing ? { sequencing: out.sequencing } : {}),
        ...(out.retry
          ? {
            retry: {
              cipherSuite: cipherSuiteName(out.retry.cipherSuite),
              hash: out.retry.hash,
              group: groupName(out.retry.group),
              clientHello1Hash: hex(out.retry.clientHello1Hash),
              helloRetryRequest: hex(out.retry.helloRetryRequest),
            },
          }
          : {}),
        bytes: "",
      };
  }
}

function inspect(args: Args): number {
  const source = args.positional[0];
  if (source === undefined) throw new UsageError("inspect needs HEX or - (stdin)");
  const text = source === "-" ? readFileSync(0, "utf8") : source;
  const input = unhex(text);
  let transport = flag(args, "transport") as "udp" | "tcp" | undefined;
  if (transport === undefined) transport = input[1] === 0xfe ? "udp" : "tcp";
  if (transport !== "udp" && transport !== "tcp") throw new UsageError("--transport is udp or tcp");
  const peerText = flag(args, "peer") ?? "192.0.2.1:4433";
  let peer: PeerAddress;
  try {
    peer = parsePeer(peerText);
  } catch {
    throw new UsageError(`bad --peer ${peerText}`);
  }
  const nowText = flag(args, "now");
  if (nowText !== undefined && !/^\d+(\.\d+)?$/.test(nowText)) throw new UsageError("--now is UNIX seconds");
  const now = nowText !== undefined ? Math.round(Number(nowText) * 1000) : Date.now();
  const keyring = loadKeyring(args);
  let outcome: Outcome;
  if (transport === "udp") {
    outcome = new DatagramListener({ keyring, versions: ["dtls1.0", "dtls1.2", "dtls1.3"] }).receive(input, peer, now);
  } else {
    const engine = new StreamListener({ keyring, framing: "tls-records", peer });
    outcome = engine.receive(input, now);
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

// ---------------------------------------------------------------- keygen

function keygen(args: Args): number {
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const out = flag(args, "out");
  if (out) writeFileSync(out, hex(secret) + "\n", { mode: 0o600 });
  else process.stdout.write(hex(secret) + "\n");
  return 0;
}

/** Runs the CLI with `argv` (without the runtime and script path); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv);
    const command = args.positional.shift();
    if (args.flags.get("help") || command === undefined || command === "help") {
      process.stdout.write(USAGE);
      return command === undefined && !args.flags.get("help") ? 2 : 0;
    }
    switch (command) {
      case "listen":
        return await listen(args);
      case "inspect":
        return inspect(args);
      case "keygen":
        return keygen(args);
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`hellogate: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    process.stderr.write(`hellogate: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
