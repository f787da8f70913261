/**
 * The QUIC front door, sans-I/O: `receive(datagram, peer, now)` → one {@link QuicOutcome}.
 *
 * Per datagram, in order (RFC 9000 / RFC 9001 / RFC 9369):
 * 1. Long header only; version 0 (Version Negotiation) dropped; an unknown version is answered
 *    with Version Negotiation when the datagram is at least 1200 bytes, else dropped.
 * 2. First packet must be an Initial, the datagram at least 1200 bytes, the DCID at least 8
 *    bytes on a first Initial (a DCID equal to a Retry SCID of ours is checked via the token),
 *    connection IDs at most 20 bytes.
 * 3. Initial keys from the DCID; every coalesced Initial with the same DCID has its header
 *    protection removed and is decrypted; frames parsed (CRYPTO, PADDING, PING, ACK,
 *    CONNECTION_CLOSE only). 0-RTT / Handshake packets coalesced behind are skipped.
 * 4. A token is opened: a valid Retry or NEW_TOKEN token validates the address; an invalid
 *    Retry token is answered with CONNECTION_CLOSE(INVALID_TOKEN) in an Initial, or dropped
 *    (`invalidToken` option, RFC 9000 §8.1.3); an invalid NEW_TOKEN (or foreign) token counts
 *    as no token.
 * 5. CRYPTO data is assembled into the ClientHello, from this datagram alone when possible,
 *    else in the bounded {@link CryptoReassembly} budget (`need-more-data`).
 * 6. The decision function (like quinn's `Incoming`) picks retry / accept / refuse / ignore.
 *    Retry: a fresh SCID, a sealed token binding address, ODCID, Retry SCID, version and time,
 *    and the integrity tag. Refuse: CONNECTION_CLOSE(CONNECTION_REFUSED).
 *
 * Every reply is smaller than the datagram that caused it (amplification < 1x before
 * validation); nothing is kept per peer except a partial ClientHello inside the budget.
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import { portableProvider } from "../crypto/portable.ts";
import type { CookieKeyring } from "../gate/cookie/keyring.ts";
import { type ClientHello, findExtension, parseClientHello } from "../messages/client_hello.ts";
import { formatPeer, normalizePeer, type PeerAddress } from "../peer.ts";
import { CryptoReassembly, type CryptoReassemblyOptions } from "./crypto_reassembly.ts";
import { type CryptoSegment, encodeConnectionClose, parseInitialFrames, TransportError } from "./frames.ts";
import { clientInitialProtector, type PacketProtector, serverInitialProtector } from "./initial_secrets.ts";
import { readInvariantLongHeader, readLongPacketLayout, writeLongHeaderStart } from "./long_header.ts";
import type { QuicAccepted, QuicDropped, QuicDropReason, QuicOutcome, QuicSend } from "./outcome.ts";
import { openLongPacket, sealLongPacket } from "./packet_protection.ts";
import { encodeRetry } from "./retry_packet.ts";
import { type QuicTokenKind, type QuicTokenOptions, type QuicTokenRejection, QuicTokenSealer } from "./token.ts";
import { TokenReplayFilter, type TokenReplayOptions } from "./token_replay.ts";
import { encodeVersionNegotiation } from "./version_negotiation.ts";
import { quicVersionByName, type QuicVersionInfo, quicVersionInfo, type QuicVersionName } from "./versions.ts";
import { writeVarint } from "./varint.ts";

/** Smallest UDP payload carrying a client Initial (RFC 9000 §14.1). */
export const MIN_INITIAL_DATAGRAM = 1200;
/** Smallest Destination Connection ID of a client's first Initial (RFC 9000 §7.2). */
export const MIN_INITIAL_DCID = 8;
/** Client Initial key sets cached by DCID. */
const KEY_CACHE_SIZE = 64;

/** quic_transport_parameters extension type (RFC 9001 §8.2). */
export const QUIC_TRANSPORT_PARAMETERS = 0x39;

/** What the decision function sees for each complete connection attempt. */
export interface QuicAttempt {
  /** Client address. */
  readonly peer: PeerAddress;
  /** Version name. */
  readonly versionName: QuicVersionName;
  /** True when a token validated the address (a Retry is then impossible and not needed). */
  readonly validated: boolean;
  /** Which token validated it. */
  readonly validatedBy: QuicTokenKind | undefined;
  /** Why a token the client sent did not validate (NEW_TOKEN or foreign tokens only). */
  readonly tokenRejection: QuicTokenRejection | undefined;
  /** The parsed ClientHello. */
  readonly clientHello: ClientHello;
  /** server_name, if any. */
  readonly sni: string | undefined;
  /** ALPN protocols offered. */
  readonly alpn: readonly string[] | undefined;
  /** UDP payload bytes received for this attempt. */
  readonly bytesReceived: number;
  /** The `now` (ms) given to `receive`. */
  readonly now: number;
}

/**
 * What to do with an attempt: `retry` (send a Retry; treated as `accept` once validated),
 * `accept`, `refuse` (CONNECTION_CLOSE with CONNECTION_REFUSED) or `ignore` (drop silently).
 */
export type QuicDecision = "retry" | "accept" | "refuse" | "ignore";

/** Options of {@link QuicListener}. */
export interface QuicListenerOptions extends QuicTokenOptions {
  /** Keys for Retry and NEW_TOKEN tokens (share it across a fleet). */
  keyring: CookieKeyring;
  /** Crypto provider (default: the portable one; runtime code should pass the transports'
   * `defaultCryptoProvider()`, several times faster for AES-GCM under Bun and Deno). */
  crypto?: CryptoProvider;
  /** Versions accepted, in Version Negotiation order (default `["quic-v1", "quic-v2"]`). */
  versions?: readonly QuicVersionName[];
  /** Per-attempt decision (default: retry unless validated, then accept). */
  decide?: (attempt: QuicAttempt) => QuicDecision;
  /** Invalid Retry token: `"close"` (CONNECTION_CLOSE INVALID_TOKEN, default) or `"drop"`. */
  invalidToken?: "close" | "drop";
  /** Length of the SCID chosen for a Retry, 8..20 (default 16). */
  retryScidLength?: number;
  /** Pre-validation CRYPTO reassembly budget. */
  reassembly?: CryptoReassemblyOptions;
  /**
   * Each token validates one Initial only (default off): a second Initial with the same token
   * within its lifetime is dropped (`token-replayed`). Leave it off when the caller feeds
   * retransmitted Initials of accepted attempts back to the listener (`listenQuic` does not).
   */
  singleUseTokens?: boolean | TokenReplayOptions;
}

/** Counters of a listener. */
export interface QuicListenerCounters {
  /** Datagrams received. */
  datagrams: number;
  /** Retry packets sent. */
  retries: number;
  /** Version Negotiation packets sent. */
  versionNegotiations: number;
  /** CONNECTION_CLOSE packets sent. */
  closes: number;
  /** Attempts accepted. */
  accepted: number;
  /** Datagrams dropped, by reason. */
  dropped: Partial<Record<QuicDropReason, number>>;
  /** Bytes received / sent (replies only). */
  bytesIn: number;
  /** Bytes sent. */
  bytesOut: number;
}

const DROPS = new Map<string, QuicDropped>();
function drop(reason: QuicDropReason, detail: string, tokenRejection?: QuicTokenRejection): QuicDropped {
  if (tokenRejection) return { kind: "dropped", reason, detail, tokenRejection };
  const key = reason + "\0" + detail;
  let d = DROPS.get(key);
  if (!d) {
    d = Object.freeze({ kind: "dropped", reason, detail });
    if (DROPS.size < 256) DROPS.set(key, d);
  }
  return d;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? "0" : "") + b[i].toString(16);
  return s;
}

function defaultDecide(a: QuicAttempt): QuicDecision {
  return a.validated ? "accept" : "retry";
}

/** The sans-I/O QUIC Initial / Retry front door. See the module documentation for the order of checks. */
export class QuicListener {
  readonly #provider: CryptoProvider;
  readonly #tokens: QuicTokenSealer;
  readonly #versions: readonly QuicVersionInfo[];
  readonly #versionNumbers: readonly number[];
  readonly #decide: (a: QuicAttempt) => QuicDecision;
  readonly #invalidToken: "close" | "drop";
  readonly #scidLength: number;
  readonly #reassembly: CryptoReassembly;
  readonly #replay: TokenReplayFilter | undefined;
  readonly #keyCache = new Map<string, PacketProtector>();
  /** Live counters. */
  readonly counters: QuicListenerCounters = {
    datagrams: 0,
    retries: 0,
    versionNegotiations: 0,
    closes: 0,
    accepted: 0,
    dropped: {},
    bytesIn: 0,
    bytesOut: 0,
  };

  /** Throws `TypeError` / `RangeError` for bad options. */
  constructor(options: QuicListenerOptions) {
    if (!options || !options.keyring) throw new TypeError("QuicListener needs a keyring");
    this.#provider = options.crypto ?? portableProvider;
    this.#tokens = new QuicTokenSealer(options.keyring, this.#provider, options);
    const names = options.versions ?? ["quic-v1", "quic-v2"];
    if (names.length === 0) throw new TypeError("versions must not be empty");
    this.#versions = names.map(quicVersionByName);
    this.#versionNumbers = this.#versions.map((v) => v.version);
    this.#decide = options.decide ?? defaultDecide;
    this.#invalidToken = options.invalidToken ?? "close";
    if (this.#invalidToken !== "close" && this.#invalidToken !== "drop") throw new TypeError('invalidToken must be "close" or "drop"');
    this.#scidLength = options.retryScidLength ?? 16;
    if (!Number.isInteger(this.#scidLength) || this.#scidLength < 8 || this.#scidLength > 20) {
      throw new RangeError("retryScidLength must be an integer from 8 to 20");
    }
    this.#reassembly = new CryptoReassembly(options.reassembly);
    const su = options.singleUseTokens;
    this.#replay = su ? new TokenReplayFilter(su === true ? {} : su) : undefined;
  }

  /** The single-use token filter, when `singleUseTokens` is on. */
  get replayFilter(): TokenReplayFilter | undefined {
    return this.#replay;
  }

  /** The pre-validation CRYPTO reassembly budget (counters, for tests and monitoring). */
  get reassembly(): CryptoReassembly {
    return this.#reassembly;
  }

  /** Seals a NEW_TOKEN token for `peer` (send it in a NEW_TOKEN frame once the handshake completes). */
  mintNewToken(peer: PeerAddress, now: number): Uint8Array {
    return this.#tokens.sealNewToken(normalizePeer(peer), now);
  }

  /** The token sealer (for callers that verify tokens elsewhere, e.g. tests or a fleet tool). */
  get tokens(): QuicTokenSealer {
    return this.#tokens;
  }

  /**
   * The client Initial keys of `dcid`, from a small cache: retransmissions and the datagrams of a
   * multi-datagram ClientHello share their DCID, and deriving keys is 5 HMACs. The keys derive from
   * public values (salt and DCID), so caching them exposes nothing; the cache is bounded and
   * FIFO, so a flood of distinct DCIDs only costs the derivation it would cost anyway.
   */
  #clientKeys(info: QuicVersionInfo, dcid: Uint8Array, dcidHex: string): PacketProtector {
    const key = info.version + ":" + dcidHex;
    let k = this.#keyCache.get(key);
    if (!k) {
      k = clientInitialProtector(this.#provider, info, dcid);
      if (this.#keyCache.size >= KEY_CACHE_SIZE) this.#keyCache.delete(this.#keyCache.keys().next().value!);
      this.#keyCache.set(key, k);
    }
    return k;
  }

  #dropped(d: QuicDropped): QuicDropped {
    const c = this.counters.dropped;
    c[d.reason] = (c[d.reason] ?? 0) + 1;
    return d;
  }

  #send(s: QuicSend): QuicSend {
    this.counters.bytesOut += s.bytes.length;
    if (s.message === "retry") this.counters.retries++;
    else if (s.message === "version-negotiation") this.counters.versionNegotiations++;
    else this.counters.closes++;
    return s;
  }

  /**
   * Handles one UDP datagram from `peer` at `now` (ms since the Unix epoch). Never throws on
   * datagram contents; throws `TypeError` for a peer address that does not parse.
   */
  receive(datagram: Uint8Array, peerIn: PeerAddress, now: number): QuicOutcome {
    const peer = normalizePeer(peerIn);
    this.counters.datagrams++;
    this.counters.bytesIn += datagram.length;
    if (datagram.length > 0 && (datagram[0] & 0x80) === 0) return this.#dropped(drop("short-header", "short-header packet"));
    const h = readInvariantLongHeader(datagram, 0);
    if (!h) return this.#dropped(drop("too-short", `${datagram.length}-byte datagram`));
    if (h.version === 0) return this.#dropped(drop("version-negotiation", "Version Negotiation packet"));
    const info = quicVersionInfo(h.version);
    if (!info || !this.#versionNumbers.includes(h.version)) {
      if (datagram.length < MIN_INITIAL_DATAGRAM) {
        return this.#dropped(drop("unsupported-version", `version 0x${h.version.toString(16)} in a ${datagram.length}-byte datagram`));
      }
      const bytes = encodeVersionNegotiation(h.dcid, h.scid, this.#versionNumbers, this.#provider.random(1)[0]);
      if (bytes.length >= datagram.length) return this.#dropped(drop("unsupported-version", "reply would not be smaller"));
      return this.#send({ kind: "send", message: "version-negotiation", bytes, peer, version: 0 });
    }
    if (h.dcid.length > 20 || h.scid.length > 20) return this.#dropped(drop("cid-too-long", "connection ID over 20 bytes"));
    const layout = readLongPacketLayout(datagram, h, info);
    if (typeof layout === "string") return this.#dropped(drop("bad-header", layout));
    if (layout.type !== "initial") return this.#dropped(drop("not-initial", `${layout.type} packet`));
    if (datagram.length < MIN_INITIAL_DATAGRAM) {
      return this.#dropped(drop("datagram-too-small", `Initial in a ${datagram.length}-byte datagram`));
    }
    const token = layout.token;
    if (h.dcid.length < MIN_INITIAL_DCID && token.length === 0) {
      return this.#dropped(drop("dcid-too-short", `${h.dcid.length}-byte DCID`));
    }

    // 3. Remove protection from every coalesced Initial with this DCID.
    const dcidHex = hex(h.dcid); // key cache, coalesced-packet match and reassembly key
    const keys = this.#clientKeys(info, h.dcid, dcidHex);
    const segments: CryptoSegment[] = [];
    let largestPn = -1;
    let at = 0;
    let first = true;
    while (at < datagram.length) {
      let pl = layout;
      if (!first) {
        const nh = readInvariantLongHeader(datagram, at);
        if (!nh || nh.version !== h.version || nh.dcid.length !== h.dcid.length || hex(nh.dcid) !== dcidHex) break;
        const nl = readLongPacketLayout(datagram, nh, info);
        if (typeof nl === "string") break;
        pl = nl;
        if (nl.type !== "initial") {
          at = nl.end;
          continue;
        }
      }
      const opened = openLongPacket(keys, datagram, at, pl.pnOffset, pl.end);
      if (typeof opened === "string") {
        if (first) {
          const reason: QuicDropReason = opened === "too-short-for-sample" ? "too-short-for-sample" : opened;
          return this.#dropped(drop(reason, "first Initial packet"));
        }
        at = pl.end;
        continue;
      }
      const frames = parseInitialFrames(opened.payload);
      if (typeof frames === "string") {
        return this.#dropped(drop(frames === "forbidden-frame" ? "forbidden-frame" : "bad-frame", frames));
      }
      if (frames.close) return this.#dropped(drop("peer-closed", `client closed with 0x${frames.close.code.toString(16)}`));
      for (const s of frames.crypto) segments.push(s);
      if (opened.packetNumber > largestPn) largestPn = opened.packetNumber;
      first = false;
      at = pl.end;
    }
    if (segments.length === 0) return this.#dropped(drop("no-crypto", "no CRYPTO frame"));

    // 4. Token.
    let validatedBy: QuicTokenKind | undefined;
    let tokenRejection: QuicTokenRejection | undefined;
    let originalDcid = h.dcid;
    let retryScid: Uint8Array | undefined;
    let tokenExpiresAt = 0;
    if (token.length > 0) {
      const verdict = this.#tokens.open(token, { peer, version: h.version, dcid: h.dcid }, now);
      if (verdict.ok) {
        if (this.#replay?.used(token, now)) {
          return this.#dropped(drop("token-replayed", `${verdict.kind} token already used`));
        }
        tokenExpiresAt = (verdict.issuedAt + this.#tokens.lifetimeSeconds(verdict.kind) + 1) * 1000;
        validatedBy = verdict.kind;
        if (verdict.kind === "retry") {
          originalDcid = verdict.originalDcid!;
          retryScid = verdict.retryScid!;
        }
      } else if (QuicTokenSealer.kindOf(token) === "retry") {
        if (this.#invalidToken === "drop") {
          return this.#dropped(drop("invalid-token", `Retry token ${verdict.reason}`, verdict.reason));
        }
        return this.#send({
          ...this.#close(info, h.dcid, h.scid, TransportError.INVALID_TOKEN, peer),
          tokenRejection: verdict.reason,
        });
      } else {
        tokenRejection = verdict.reason;
      }
    }
    if (!validatedBy && h.dcid.length < MIN_INITIAL_DCID) {
      return this.#dropped(drop("dcid-too-short", `${h.dcid.length}-byte DCID`));
    }

    // 5. CRYPTO → ClientHello.
    const key = formatPeer(peer) + "|" + dcidHex;
    const assembled = this.#reassembly.add(key, segments, datagram.length, now);
    if (assembled.kind === "held") return { kind: "need-more-data", bytesHeld: assembled.bytesHeld };
    if (assembled.kind === "refused") return this.#dropped(drop("crypto-refused", assembled.detail));
    const message = assembled.message;
    let ch: ClientHello;
    try {
      ch = parseClientHello(message.subarray(4), { dtls: false });
    } catch (e) {
      return this.#dropped(drop("bad-client-hello", e instanceof Error ? e.message.slice(0, 120) : "parse error"));
    }
    const tp = findExtension(ch, QUIC_TRANSPORT_PARAMETERS);
    if (!ch.supportedVersions?.includes(0x0304) || !tp) {
      return this.#dropped(drop("not-quic-tls", !tp ? "no quic_transport_parameters" : "TLS 1.3 not offered"));
    }

    // 6. Decide.
    const validated = validatedBy !== undefined;
    let decision: QuicDecision = this.#decide({
      peer,
      versionName: info.name,
      validated,
      validatedBy,
      tokenRejection,
      clientHello: ch,
      sni: ch.serverName,
      alpn: ch.alpn,
      bytesReceived: assembled.bytesIn,
      now,
    });
    if (decision === "retry" && validated) decision = "accept";
    switch (decision) {
      case "ignore":
        return this.#dropped(drop("ignored", "decision: ignore"));
      case "refuse":
        return this.#send(this.#close(info, h.dcid, h.scid, TransportError.CONNECTION_REFUSED, peer));
      case "retry": {
        const scid = this.#provider.random(this.#scidLength);
        const retryToken = this.#tokens.sealRetry({ peer, version: h.version, originalDcid: h.dcid, retryScid: scid }, now);
        const bytes = encodeRetry(this.#provider, {
          info,
          dcid: h.scid,
          scid,
          token: retryToken,
          originalDcid: h.dcid,
          unusedBits: scid[0],
        });
        return this.#send({ kind: "send", message: "retry", bytes, peer, version: h.version });
      }
      case "accept":
        break;
      default:
        throw new TypeError(`decide() returned ${String(decision)}; expected retry, accept, refuse or ignore`);
    }
    this.counters.accepted++;
    if (validated && this.#replay) this.#replay.markUsed(token, tokenExpiresAt, now);
    const accepted: QuicAccepted = {
      kind: "accepted",
      peer,
      version: h.version,
      versionName: info.name,
      originalDcid: originalDcid.slice(),
      retryScid,
      clientDcid: h.dcid.slice(),
      clientScid: h.scid.slice(),
      validated,
      validatedBy,
      token: token.slice(),
      clientHello: ch,
      clientHelloMessage: message,
      cryptoData: message,
      sni: ch.serverName,
      alpn: ch.alpn,
      transportParameters: tp.data,
      largestPacketNumber: largestPn,
      bytesReceived: assembled.bytesIn,
      datagrams: assembled.datagrams,
      amplificationLimit: validated ? Infinity : 3 * assembled.bytesIn,
    };
    return accepted;
  }

  /**
   * A server Initial carrying CONNECTION_CLOSE(`code`), protected with the server Initial keys
   * of `dcid` (RFC 9000 §10.2.3: in an Initial before the handshake keys exist).
   */
  #close(info: QuicVersionInfo, dcid: Uint8Array, clientScid: Uint8Array, code: number, peer: PeerAddress): QuicSend {
    const server = serverInitialProtector(this.#provider, info, dcid);
    const frame = encodeConnectionClose(code);
    const payload = new Uint8Array(Math.max(frame.length, 4));
    payload.set(frame);
    const pnLen = 1;
    const headerLen = 1 + 4 + 1 + clientScid.length + 1 + dcid.length + 1 + 2 + pnLen;
    const header = new Uint8Array(headerLen);
    const first = 0xc0 | (info.typeBits.initial << 4) | (pnLen - 1);
    let at = writeLongHeaderStart(header, first, info.version, clientScid, dcid);
    header[at++] = 0; // token length
    at = writeVarint(header, at, pnLen + payload.length + 16, 2);
    header[at] = 0; // packet number 0
    const bytes = sealLongPacket(server, header, 0, pnLen, payload);
    return { kind: "send", message: "connection-close", bytes, peer, version: info.version, errorCode: code };
  }

  /** Description without secrets. */
  toJSON(): unknown {
    return {
      versions: this.#versions.map((v) => v.name),
      invalidToken: this.#invalidToken,
      retryScidLength: this.#scidLength,
      tokens: this.#tokens.toJSON(),
      counters: this.counters,
    };
  }
}
