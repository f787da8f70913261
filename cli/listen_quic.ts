/**
 * The QUIC part of the CLI, for `listen --quic HOST:PORT --json` and
 * `inspect --transport quic HEX`:
 *
 * - {@link startQuicListen} binds the QUIC front door and reports every event as a JSON-lines
 *   object (`{"event":"sent","transport":"quic","message":"retry"|"version_negotiation"|
 *   "connection_close",...}`, `{"event":"accepted","transport":"quic","protocol":"quic-v1"|
 *   "quic-v2","sni","alpn",...}`, `{"event":"dropped","transport":"quic","reason","detail",...}`)
 *   plus a human line; the listening line gains `"quic":"HOST:PORT"` from its `addr`.
 * - {@link inspectQuic} decodes a captured client Initial datagram (every coalesced packet,
 *   its frames, the ClientHello) and runs it through a fresh listener.
 *
 * @module
 */
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { portableProvider } from "../core/crypto/portable.ts";
import { parseClientHello } from "../core/messages/client_hello.ts";
import { formatPeer, type PeerAddress } from "../core/peer.ts";
import { parseInitialFrames } from "../core/quic/frames.ts";
import { clientInitialProtector } from "../core/quic/initial_secrets.ts";
import { QuicListener } from "../core/quic/listener.ts";
import { readInvariantLongHeader, readLongPacketLayout } from "../core/quic/long_header.ts";
import type { QuicOutcome } from "../core/quic/outcome.ts";
import { openLongPacket } from "../core/quic/packet_protection.ts";
import { quicVersionInfo } from "../core/quic/versions.ts";
import { listenQuic, type QuicTransportEvent, type QuicUdpAdapterChoice, type QuicUdpServer } from "../transports/quic_udp.ts";
import { defaultCryptoProvider } from "../transports/native_crypto.ts";
import { hex } from "./hex.ts";

const MESSAGE_NAME = { "retry": "retry", "version-negotiation": "version_negotiation", "connection-close": "connection_close" } as const;

/** The JSON-lines form of a QUIC transport event. */
export function quicEventJson(e: QuicTransportEvent): Record<string, unknown> {
  switch (e.type) {
    case "sent":
      return {
        event: "sent",
        transport: "quic",
        peer: formatPeer(e.peer),
        message: MESSAGE_NAME[e.message],
        ...(e.version ? { protocol: quicVersionInfo(e.version)?.name } : {}),
        ...(e.errorCode !== undefined ? { errorCode: e.errorCode } : {}),
        ...(e.tokenRejection ? { reason: e.tokenRejection } : {}),
        bytesOut: e.bytes,
      };
    case "accepted": {
      const a = e.accepted;
      return {
        event: "accepted",
        transport: "quic",
        peer: formatPeer(a.peer),
        protocol: a.versionName,
        sni: a.sni ?? null,
        alpn: a.alpn ?? [],
        addressValidated: a.validated,
        validatedBy: a.validatedBy ?? null,
        originalDcid: hex(a.originalDcid),
        bytesIn: a.bytesReceived,
      };
    }
    case "dropped":
      return { event: "dropped", transport: "quic", peer: formatPeer(e.peer), reason: e.reason, detail: e.detail };
    case "closed":
      return { event: "closed", transport: "quic", peer: formatPeer(e.peer), reason: e.reason };
  }
}

/** The human one-line form of a QUIC transport event. */
export function quicEventText(e: QuicTransportEvent): string {
  switch (e.type) {
    case "sent":
      return `QUIC ${MESSAGE_NAME[e.message].replace("_", " ")} sent to ${formatPeer(e.peer)} (${e.bytes} B${
        e.tokenRejection ? `, token ${e.tokenRejection}` : ""
      })`;
    case "accepted":
      return `accepted ${e.accepted.versionName} from ${formatPeer(e.accepted.peer)} (sni ${e.accepted.sni ?? "-"}, alpn ${
        e.accepted.alpn?.join(",") ?? "-"
      }, ${e.accepted.validatedBy ? `validated by ${e.accepted.validatedBy} token` : "not validated"})`;
    case "dropped":
      return `dropped quic input from ${formatPeer(e.peer)}: ${e.reason} (${e.detail})`;
    case "closed":
      return `closed quic ${formatPeer(e.peer)}: ${e.reason}`;
  }
}

/** Options of {@link startQuicListen}. */
export interface QuicListenOptions {
  /** Where to bind. */
  bind: PeerAddress;
  /** Token keys (the `--secret-file` keyring; shared with the DTLS/TLS cookies). */
  keyring: CookieKeyring;
  /** UDP adapter (default `"auto"`). */
  adapter?: QuicUdpAdapterChoice;
  /** Receives every event as its JSON object and its human line. */
  onEvent: (json: Record<string, unknown>, text: string) => void;
  /** Called for every datagram (for the CLI's stats). */
  onDatagram?: () => void;
}

/** A running QUIC listener of the CLI. */
export interface QuicListenHandle {
  /** `HOST:PORT` actually bound (for the listening line's `"quic"` field). */
  readonly addr: string;
  /** The socket implementation. */
  readonly adapter: QuicUdpServer["adapter"];
  /** The listener's counters. */
  readonly listener: QuicListener;
  /** Stops it. */
  close(): Promise<void>;
}

/**
 * Binds the QUIC front door for `listen --quic HOST:PORT`; accepted attempts are reported and
 * discarded. Crypto: the runtime's fastest provider mix (`defaultCryptoProvider`).
 */
export async function startQuicListen(o: QuicListenOptions): Promise<QuicListenHandle> {
  const listener = new QuicListener({ keyring: o.keyring, crypto: defaultCryptoProvider() });
  const server = await listenQuic({
    hostname: o.bind.address,
    port: o.bind.port,
    adapter: o.adapter ?? "auto",
    idleTimeoutMs: 10_000,
    listener: {
      receive(d, peer, now) {
        o.onDatagram?.();
        return listener.receive(d, peer, now);
      },
    },
    onEvent: (e) => o.onEvent(quicEventJson(e), quicEventText(e)),
  });
  // No handshake engine is configured: hold each accepted peer (so its retransmitted Initials are
  // not accepted again) and discard its datagrams until it goes quiet.
  void (async () => {
    for await (const conn of server) {
      void (async () => {
        for await (const _ of conn.datagrams) { /* discard */ }
      })();
    }
  })();
  return { addr: formatPeer(server.addr), adapter: server.adapter, listener, close: () => server.close() };
}

/** Options of {@link inspectQuic}. */
export interface InspectQuicOptions {
  /** Peer the datagram is taken to come from (default 192.0.2.1:4433). */
  peer?: PeerAddress;
  /** Time in ms (default now). */
  now?: number;
  /** Keyring (default: a random one; pass the fleet's to check its tokens). */
  keyring?: CookieKeyring;
}

/** JSON form of an outcome (bytes as hex). */
export function describeQuicOutcome(out: QuicOutcome): Record<string, unknown> {
  switch (out.kind) {
    case "send":
      return {
        kind: out.kind,
        message: MESSAGE_NAME[out.message],
        ...(out.errorCode !== undefined ? { errorCode: out.errorCode } : {}),
        ...(out.tokenRejection ? { tokenRejection: out.tokenRejection } : {}),
        bytes: hex(out.bytes),
      };
    case "dropped":
      return { kind: out.kind, reason: out.reason, detail: out.detail, ...(out.tokenRejection ? { tokenRejection: out.tokenRejection } : {}) };
    case "need-more-data":
      return { kind: out.kind, bytesHeld: out.bytesHeld };
    case "accepted":
      return {
        kind: out.kind,
        protocol: out.versionName,
        sni: out.sni ?? null,
        alpn: out.alpn ?? [],
        validatedBy: out.validatedBy ?? null,
        originalDcid: hex(out.originalDcid),
      };
  }
}

/**
 * Decodes a captured client Initial datagram: `{ transport, peer, now, packets, clientHello,
 * outcome }`. Each packet lists version, type, connection IDs, token, packet number and frames
 * (Initial packets are decrypted with the keys of their DCID). Never throws on datagram bytes.
 */
export function inspectQuic(input: Uint8Array | string, options: InspectQuicOptions = {}): Record<string, unknown> {
  const datagram = typeof input === "string" ? hexToBytes(input) : input;
  const peer = options.peer ?? { family: "ipv4", address: "192.0.2.1", port: 4433 };
  const now = options.now ?? Date.now();
  const packets: Record<string, unknown>[] = [];
  const crypto: { offset: number; data: Uint8Array }[] = [];
  let at = 0;
  while (at < datagram.length) {
    const h = readInvariantLongHeader(datagram, at);
    if (!h) {
      packets.push({ offset: at, error: (datagram[at] & 0x80) === 0 ? "short header or padding" : "truncated long header" });
      break;
    }
    const p: Record<string, unknown> = { offset: at, version: `0x${h.version.toString(16).padStart(8, "0")}`, dcid: hex(h.dcid), scid: hex(h.scid) };
    packets.push(p);
    const info = quicVersionInfo(h.version);
    if (!info) {
      p.type = h.version === 0 ? "version_negotiation" : "unknown version";
      break;
    }
    p.protocol = info.name;
    const l = readLongPacketLayout(datagram, h, info);
    if (typeof l === "string") {
      p.error = l;
      break;
    }
    p.type = l.type;
    p.length = l.end - at;
    if (l.type === "initial") {
      p.token = hex(l.token);
      const opened = openLongPacket(clientInitialProtector(portableProvider, info, h.dcid), datagram, at, l.pnOffset, l.end);
      if (typeof opened === "string") p.error = opened;
      else {
        p.packetNumber = opened.packetNumber;
        const frames = parseInitialFrames(opened.payload);
        if (typeof frames === "string") p.error = frames;
        else {
          p.frames = {
            crypto: frames.crypto.map((c) => ({ offset: c.offset, length: c.data.length })),
            ack: frames.ack,
            ping: frames.ping,
            padding: frames.padding,
            ...(frames.close ? { connectionClose: frames.close } : {}),
          };
          for (const c of frames.crypto) crypto.push(c);
        }
      }
    }
    if (l.type === "retry") break;
    at = l.end;
  }
  let clientHello: Record<string, unknown> | null = null;
  crypto.sort((a, b) => a.offset - b.offset);
  let have = 0;
  const parts: Uint8Array[] = [];
  for (const c of crypto) {
    if (c.offset > have) break;
    if (c.offset + c.data.length > have) {
      parts.push(c.data.subarray(have - c.offset));
      have = c.offset + c.data.length;
    }
  }
  const stream = new Uint8Array(have);
  let w = 0;
  for (const part of parts) {
    stream.set(part, w);
    w += part.length;
  }
  if (stream.length >= 4 && stream[0] === 1) {
    const len = (stream[1] << 16) | (stream[2] << 8) | stream[3];
    if (stream.length >= 4 + len) {
      try {
        const ch = parseClientHello(stream.subarray(4, 4 + len), { dtls: false });
        clientHello = {
          length: 4 + len,
          sni: ch.serverName ?? null,
          alpn: ch.alpn ?? [],
          supportedVersions: ch.supportedVersions?.map((v) => `0x${v.toString(16)}`) ?? [],
          cipherSuites: ch.cipherSuites.map((v) => `0x${v.toString(16).padStart(4, "0")}`),
          keyShareGroups: ch.keyShares?.map((k) => k.group) ?? [],
          quicTransportParametersLength: ch.extensions.find((e) => e.type === 0x39)?.data.length ?? null,
        };
      } catch (e) {
        clientHello = { error: e instanceof Error ? e.message : String(e) };
      }
    } else {
      clientHello = { incomplete: true, have: stream.length, need: 4 + len };
    }
  }
  const listener = new QuicListener({ keyring: options.keyring ?? CookieKeyring.random() });
  let outcome: Record<string, unknown>;
  try {
    outcome = describeQuicOutcome(listener.receive(datagram, peer, now));
  } catch (e) {
    outcome = { kind: "error", detail: e instanceof Error ? e.message : String(e) };
  }
  return { transport: "quic", peer: formatPeer(peer), now: now / 1000, bytes: datagram.length, packets, clientHello, outcome };
}

function hexToBytes(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean)) throw new TypeError("expected an even number of hex digits");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}
