/**
 * DatagramListener: the stateless DTLS listener (what OpenSSL's `DTLSv1_listen()` does, done
 * better). One call per datagram, one {@link DatagramOutcome} back, nothing kept per peer unless a
 * fragmented ClientHello needs reassembly (then only inside the bounded {@link ReassemblyBudget}).
 *
 * Per datagram, in order (the first eight are DTLSv1_listen's checks, in its order):
 *
 * 1. at least 13 bytes (a DTLSPlaintext header)                           → `too-short`
 * 2. content type handshake(22); a DTLS 1.3 unified header (`001xxxxx`) is
 *    reported separately since it is an encrypted record                  → `not-handshake` / `encrypted-record`
 * 3. record version major byte 0xFE (the minor byte is not checked)       → `bad-record-version`
 * 4. the record fits in the datagram (later records are kept as remainder) → `bad-record-length`
 * 5. epoch 0                                                              → `bad-epoch`
 * 6. the record holds exactly one handshake fragment header               → `bad-handshake-fragment`
 * 7. message type ClientHello                                             → `not-client-hello`
 * 8. message_seq ≤ 1 (CH1 is 0, CH2 after HVR/HRR is 1)                   → `bad-message-seq`
 * 9. fragment_offset + fragment_length ≤ length                           → `bad-fragment`
 * 10. length ≤ `maxClientHelloBytes` (DTLSv1_listen has no such check)    → `message-too-large`
 * 11. the whole body decodes (DTLSv1_listen reads only the fields up to the
 *     cookie; we decode everything so the continuation gets a checked CH)  → `malformed-client-hello`
 * 12. a version we enable                                                 → `unsupported-version`
 *
 * Then DTLS 1.0/1.2: no cookie or an invalid one → HelloVerifyRequest (RFC 6347 §4.2.1: an invalid
 * cookie is treated like none); a valid one → `accepted`. DTLS 1.3 (the ClientHello offers FEFC
 * in supported_versions and it is enabled): no cookie extension → HelloRetryRequest with cookie;
 * a valid one that CH2 matches → `accepted`; non-empty legacy_cookie, an invalid cookie or a CH2
 * that does not match it → illegal_parameter alert (RFC 9147 §5.1); no common suite or group →
 * handshake_failure alert.
 *
 * Fragments: a first fragment that holds every field the HVR cookie binds is answered statelessly
 * when the ClientHello cannot be DTLS 1.3 (DTLS 1.3 disabled, or legacy_version FEFF), exactly
 * like OpenSSL. Anything that needs the whole message goes to the reassembly budget; with the
 * budget disabled (`reassembly: 0`) such fragments are dropped (`reassembly-budget`).
 *
 * Amplification: every reply is at most the bytes the client sent for that ClientHello. Should an
 * odd input make a reply larger (a tiny DTLS 1.3 CH1), up to 3x is allowed (RFC 9147 §5.1) and
 * counted; beyond that the datagram is dropped (`amplification-limit`).
 *
 * @module
 */
import type { CookieKeyring } from "./cookie/keyring.ts";
import { HVR_COOKIE_LENGTH, type HvrBoundHello, verifyHvrCookie, writeHvrCookie } from "./cookie/hvr_cookie.ts";
import { offersVersion, readHvrFields } from "./cookie/hvr_fields.ts";
import type { CookieRejection } from "./cookie/verdict.ts";
import { type ClientHello, parseClientHello } from "../messages/client_hello.ts";
import {
  HELLO_VERIFY_REQUEST_COOKIE_OFFSET,
  helloVerifyRequestLength,
  writeHelloVerifyRequestHeaders,
} from "../messages/hello_verify_request.ts";
import { encodeDtlsHelloRetryRequestDatagram } from "../messages/hello_retry_request.ts";
import { encodeDtlsAlert } from "../messages/alert.ts";
import { DecodeError } from "../wire/decode_error.ts";
import { Reader } from "../wire/reader.ts";
import { DTLS_RECORD_HEADER_LENGTH, isDtlsUnifiedHeader, peekDtlsRecordHeader } from "../wire/record.ts";
import { DTLS_HANDSHAKE_HEADER_LENGTH, peekDtlsHandshakeHeader, writeDtlsHandshakeHeader } from "../wire/handshake_header.ts";
import { slabBytes } from "../wire/byte_slab.ts";
import { AlertDescription, type AlertName, ContentType, HandshakeType } from "../constants/protocol.ts";
import { ProtocolVersion } from "../constants/versions.ts";
import { formatPeer, type PeerAddress } from "../peer.ts";
import { type ReassemblyCounters, type ReassemblyOptions, ReassemblyBudget } from "./reassembly.ts";
import {
  buildRetry,
  checkSecondClientHello,
  clientHelloMessage,
  negotiate,
  retrySettingsOf,
  type RetryOptions,
  type RetryPolicy,
} from "./retry.ts";
import type { AcceptedOutcome, DatagramDropReason, DatagramOutcome, DroppedOutcome, SendOutcome } from "./outcome.ts";
import { gateAlert } from "./alerts.ts";

/** DTLS versions a {@link DatagramListener} can enable. */
export type DtlsVersionName = "dtls1.0" | "dtls1.2" | "dtls1.3";

/** Options of a {@link DatagramListener}. */
export interface DatagramListenerOptions extends RetryOptions {
  /** Enabled versions (default `["dtls1.2", "dtls1.3"]`; DTLS 1.0 is deprecated by RFC 8996). */
  readonly versions?: readonly DtlsVersionName[];
  /** Largest ClientHello accepted at all (default 16384 bytes). */
  readonly maxClientHelloBytes?: number;
  /** Reassembly budget limits, or `0` to disable reassembly (OpenSSL's strict behaviour). */
  readonly reassembly?: ReassemblyOptions | 0;
}

/** Counters of a {@link DatagramListener}, readable at any time. */
export interface DatagramListenerCounters {
  /** Datagrams received. */
  datagrams: number;
  /** Bytes received. */
  bytesIn: number;
  /** Bytes we asked to send. */
  bytesOut: number;
  /** HelloVerifyRequests sent. */
  helloVerifyRequests: number;
  /** HelloRetryRequests sent. */
  helloRetryRequests: number;
  /** Alerts sent. */
  alerts: number;
  /** ClientHellos accepted. */
  accepted: number;
  /** Drops by reason. */
  dropped: Partial<Record<DatagramDropReason, number>>;
  /** Cookies that failed verification, by the verifier's reason. */
  cookieRejections: Partial<Record<CookieRejection, number>>;
  /** Replies larger than the request (≤ 3x, RFC 9147 §5.1). */
  amplificationOver1x: number;
  /** Largest reply/request ratio seen. */
  maxAmplification: number;
  /** The reassembly budget's counters. */
  reassembly: ReassemblyCounters;
}


/** Everything known about the ClientHello message being processed. */
interface MessageContext {
  readonly body: Uint8Array;
  readonly messageSeq: number;
  readonly recordSequence: number;
  readonly bytesIn: number;
  readonly remainder: Uint8Array;
}

/**
 * The sans-I/O stateless DTLS listener.
 *
 * @example
 * ```ts
 * import { CookieKeyring, DatagramListener } from "@hellogate/hellogate";
 * const listener = new DatagramListener({ keyring: CookieKeyring.random() });
 * declare const datagram: Uint8Array;
 * const out = listener.receive(datagram, { family: "ipv4", address: "192.0.2.1", port: 5000 }, Date.now());
 * if (out.kind === "send") {
 *   // socket.send(out.bytes, peer)
 * } else if (out.kind === "accepted") {
 *   // continue the handshake with out.clientHello, out.sequencing, out.retry
 * }
 * ```
 */
export class DatagramListener {
  readonly #keyring: CookieKeyring;
  readonly #v10: boolean;
  readonly #v12: boolean;
  readonly #v13: boolean;
  readonly #hvrRecordVersion: number;
  readonly #policy: RetryPolicy;
  readonly #lifetime: number;
  readonly #maxMessage: number;
  readonly #budget: ReassemblyBudget;
  readonly #appData: DatagramListenerOptions["cookieAppData"];
  /** Live counters. */
  readonly counters: DatagramListenerCounters;

  /** Creates a listener; throws `TypeError`/`RangeError` for invalid options. */
  constructor(options: DatagramListenerOptions) {
    if (!options || !options.keyring) throw new TypeError("DatagramListener needs a keyring");
    this.#keyring = options.keyring;
    const versions = options.versions ?? ["dtls1.2", "dtls1.3"];
    for (const v of versions) {
      if (v !== "dtls1.0" && v !== "dtls1.2" && v !== "dtls1.3") throw new TypeError(`unknown DTLS version: ${v}`);
    }
    if (versions.length === 0) throw new TypeError("enable at least one DTLS version");
    this.#v10 = versions.includes("dtls1.0");
    this.#v12 = versions.includes("dtls1.2");
    this.#v13 = versions.includes("dtls1.3");
    // Like OpenSSL: a listener pinned to DTLS 1.2 says FEFD in the HVR record, otherwise FEFF.
    this.#hvrRecordVersion = this.#v10 ? ProtocolVersion.DTLS1_0 : ProtocolVersion.DTLS1_2;
    const settings = retrySettingsOf(options);
    this.#policy = settings.policy;
    this.#lifetime = settings.lifetimeSeconds;
    this.#maxMessage = options.maxClientHelloBytes ?? 16384;
    if (!(this.#maxMessage >= 64)) throw new RangeError("maxClientHelloBytes must be >= 64");
    this.#budget = new ReassemblyBudget(
      options.reassembly === 0 ? { maxTotalBytes: 0, maxMessageBytes: 0 } : options.reassembly ?? {},
    );
    this.#appData = options.cookieAppData;
    this.counters = {
      datagrams: 0,
      bytesIn: 0,
      bytesOut: 0,
      helloVerifyRequests: 0,
      helloRetryRequests: 0,
      alerts: 0,
      accepted: 0,
      dropped: {},
      cookieRejections: {},
      amplificationOver1x: 0,
      maxAmplification: 0,
      reassembly: this.#budget.counters,
    };
  }

  #drop(reason: DatagramDropReason, detail: string): DroppedOutcome<DatagramDropReason> {
    const d = this.counters.dropped;
    d[reason] = (d[reason] ?? 0) + 1;
    return { kind: "dropped", reason, detail };
  }

  /**
   * Processes one datagram from `peer` at time `now` (ms since the epoch). Never throws on
   * datagram contents.
   */
  receive(datagram: Uint8Array, peer: PeerAddress, now: number): DatagramOutcome {
    const c = this.counters;
    c.datagrams++;
    c.bytesIn += datagram.length;
    const n = datagram.length;
    // DTLSv1_listen's checks, in its order (module comment); the framing layer only reads fields.
    const rec = peekDtlsRecordHeader(datagram);
    if (!rec) return this.#drop("too-short", `${n} bytes`);
    if (rec.contentType !== ContentType.handshake) {
      if (isDtlsUnifiedHeader(rec.contentType)) return this.#drop("encrypted-record", "DTLS 1.3 unified header");
      return this.#drop("not-handshake", `content type ${rec.contentType}`);
    }
    if (rec.version >>> 8 !== 0xfe) return this.#drop("bad-record-version", `record version ${rec.version >>> 8}.${rec.version & 0xff}`);
    const recEnd = DTLS_RECORD_HEADER_LENGTH + rec.length;
    if (recEnd > n) return this.#drop("bad-record-length", `record length ${rec.length} past the datagram`);
    if (rec.epoch !== 0) return this.#drop("bad-epoch", `epoch ${rec.epoch}`);
    const hs = rec.length < DTLS_HANDSHAKE_HEADER_LENGTH ? undefined : peekDtlsHandshakeHeader(datagram, DTLS_RECORD_HEADER_LENGTH);
    if (!hs) return this.#drop("bad-handshake-fragment", "record shorter than a handshake header");
    if (hs.msgType !== HandshakeType.client_hello) return this.#drop("not-client-hello", `handshake type ${hs.msgType}`);
    const { length, messageSeq, fragmentOffset: fragOff, fragmentLength: fragLen } = hs;
    if (messageSeq > 1) return this.#drop("bad-message-seq", `message_seq ${messageSeq}`);
    if (fragOff + fragLen > length) return this.#drop("bad-fragment", `fragment ${fragOff}+${fragLen} > length ${length}`);
    if (DTLS_HANDSHAKE_HEADER_LENGTH + fragLen !== rec.length) {
      return this.#drop("bad-handshake-fragment", "record must hold exactly one handshake fragment");
    }
    if (length > this.#maxMessage) return this.#drop("message-too-large", `ClientHello of ${length} bytes`);
    const body = datagram.subarray(DTLS_RECORD_HEADER_LENGTH + DTLS_HANDSHAKE_HEADER_LENGTH, recEnd);
    if (fragOff === 0 && fragLen === length) {
      return this.#whole(peer, now, {
        body,
        messageSeq,
        recordSequence: rec.sequence,
        bytesIn: n,
        remainder: recEnd === n ? EMPTY : datagram.subarray(recEnd),
      });
    }
    return this.#fragment(datagram, peer, now, rec.sequence, messageSeq, length, fragOff, body, recEnd);
  }

  /** A fragment: answer statelessly when possible, else reassemble within the budget. */
  #fragment(
    datagram: Uint8Array,
    peer: PeerAddress,
    now: number,
    seq: number,
    messageSeq: number,
    length: number,
    fragOff: number,
    frag: Uint8Array,
    recEnd: number,
  ): DatagramOutcome {
    if (fragOff === 0 && frag.length >= 35) {
      // legacy_version FEFF cannot be DTLS 1.3 (its CH says FEFD); with 1.3 disabled nothing can.
      const legacyVersion = (frag[0] << 8) | frag[1];
      const mayBe13 = this.#v13 && legacyVersion !== ProtocolVersion.DTLS1_0;
      if (!mayBe13) {
        const stateless = this.#statelessFirstFragment(frag, peer, now, seq, datagram.length);
        if (stateless) {
          // Tails of this CH1 that arrived before its head are useless now: free their budget.
          // (Tails arriving later are held until expiry, or until the CH2 replaces them: holding
          // them keeps the outcome independent of arrival order, see the module comment.)
          this.#budget.discard(formatPeer(peer), messageSeq);
          return stateless;
        }
      }
    }
    if (!this.#budget.enabled) return this.#drop("reassembly-budget", "fragmented ClientHello and reassembly is disabled");
    const peerKey = formatPeer(peer);
    // Further records of the same message in this datagram are merged too (RFC 6347 §4.1.1).
    let r = this.#budget.add(peerKey, {
      msgType: HandshakeType.client_hello,
      messageSeq,
      length,
      fragmentOffset: fragOff,
      body: frag,
      recordSequence: seq,
    }, datagram.length, now);
    let end = recEnd;
    while (r.kind === "held" && end + DTLS_RECORD_HEADER_LENGTH + DTLS_HANDSHAKE_HEADER_LENGTH <= datagram.length) {
      const next = this.#nextFragment(datagram, end, messageSeq, length);
      if (!next) break;
      r = this.#budget.add(peerKey, {
        msgType: HandshakeType.client_hello,
        messageSeq,
        length,
        fragmentOffset: next.fragOff,
        body: next.body,
        recordSequence: next.seq,
      }, 0, now);
      end = next.end;
    }
    if (r.kind === "refused") return this.#drop("reassembly-budget", r.detail);
    if (r.kind === "held") return { kind: "need-more-data", bytesNeeded: r.bytesNeeded };
    return this.#whole(peer, now, {
      body: r.body,
      messageSeq,
      recordSequence: r.firstRecordSequence,
      bytesIn: r.bytesIn,
      remainder: datagram.subarray(end),
    });
  }

  /** Reads the next record of `datagram` at `at` if it is another fragment of the same ClientHello. */
  #nextFragment(
    d: Uint8Array,
    at: number,
    messageSeq: number,
    length: number,
  ): { fragOff: number; body: Uint8Array; seq: number; end: number } | undefined {
    const rec = peekDtlsRecordHeader(d, at);
    if (!rec || rec.contentType !== ContentType.handshake || rec.version >>> 8 !== 0xfe || rec.epoch !== 0) return undefined;
    const h = at + DTLS_RECORD_HEADER_LENGTH;
    const end = h + rec.length;
    if (end > d.length || rec.length < DTLS_HANDSHAKE_HEADER_LENGTH) return undefined;
    const hs = peekDtlsHandshakeHeader(d, h)!;
    if (hs.msgType !== HandshakeType.client_hello || hs.length !== length || hs.messageSeq !== messageSeq) return undefined;
    const { fragmentOffset: fragOff, fragmentLength: fragLen } = hs;
    if (fragOff + fragLen > length || DTLS_HANDSHAKE_HEADER_LENGTH + fragLen !== rec.length) return undefined;
    return { fragOff, body: d.subarray(h + DTLS_HANDSHAKE_HEADER_LENGTH, end), seq: rec.sequence, end };
  }

  /**
   * DTLS 1.0/1.2 first fragment holding every field the cookie binds (version through
   * compression_methods) and an empty cookie: answer with an HVR without holding anything, as
   * DTLSv1_listen does. Returns undefined when the fragment does not qualify (it then goes to
   * reassembly: a CH2's extensions and the rest of its body must be seen before accepting).
   */
  #statelessFirstFragment(frag: Uint8Array, peer: PeerAddress, now: number, seq: number, bytesIn: number): DatagramOutcome | undefined {
    let ch: ClientHello;
    try {
      // Decode the fixed fields only: cut the fragment right after compression_methods.
      const r = new Reader(frag);
      r.skip(34, "client_hello.random");
      r.vector(1, "client_hello.legacy_session_id", 0, 32);
      const [cs, ce] = r.vector(1, "client_hello.cookie");
      if (ce !== cs) return undefined; // a CH2: the whole message must be seen before accepting
      r.vector(2, "client_hello.cipher_suites");
      r.vector(1, "client_hello.compression_methods");
      ch = parseClientHello(frag.subarray(0, r.pos), { dtls: true });
    } catch (e) {
      if (e instanceof DecodeError) return undefined;
      throw e;
    }
    const protocol = this.#legacyProtocol(ch.legacyVersion);
    if (!protocol) return this.#drop("unsupported-version", `legacy_version 0x${ch.legacyVersion.toString(16)}`);
    return this.#sendHvr(ch, peer, now, seq, bytesIn, protocol);
  }

  #legacyProtocol(legacyVersion: number): "dtls1.0" | "dtls1.2" | undefined {
    // DTLS versions count down; anything at or above 1.2 (FEFD or lower numbers) may use 1.2.
    if (legacyVersion >= 0xfe00 && legacyVersion <= ProtocolVersion.DTLS1_2) {
      if (this.#v12) return "dtls1.2";
      if (this.#v10) return "dtls1.0";
      return undefined;
    }
    if (legacyVersion === ProtocolVersion.DTLS1_0 && this.#v10) return "dtls1.0";
    return undefined;
  }

  /** A whole ClientHello body. */
  #whole(peer: PeerAddress, now: number, m: MessageContext): DatagramOutcome {
    const b = m.body;
    const fast = this.#fastHelloVerifyRequest(peer, now, m);
    if (fast) return fast;
    let ch: ClientHello;
    // A ClientHello with a legacy cookie may be accepted: decode it from a private copy right away
    // (the accepted result must not alias the caller's datagram), so it is decoded only once.
    const owned = b.length > 35 && 36 + b[34] <= b.length && b[35 + b[34]] !== 0
      ? ownedClientHelloMessage(m.messageSeq, b)
      : undefined;
    try {
      ch = parseClientHello(owned ? owned.subarray(DTLS_HANDSHAKE_HEADER_LENGTH) : b, { dtls: true });
    } catch (e) {
      if (e instanceof DecodeError) return this.#drop("malformed-client-hello", e.message);
      throw e;
    }
    if (this.#v13 && ch.supportedVersions && ch.supportedVersions.includes(ProtocolVersion.DTLS1_3)) {
      return this.#dtls13(ch, peer, now, m);
    }
    const protocol = this.#legacyProtocol(ch.legacyVersion);
    if (!protocol) {
      return this.#drop("unsupported-version", `legacy_version 0x${ch.legacyVersion.toString(16)}`);
    }
    const cookie = ch.legacyCookie!;
    if (cookie.length > 0) {
      const v = verifyHvrCookie(this.#keyring, cookie, peer, ch, now, { lifetimeSeconds: this.#lifetime });
      if (v.ok) {
        this.counters.accepted++;
        const message = owned!; // a non-empty legacy cookie means `ch` was decoded from `owned`
        const out: AcceptedOutcome = {
          kind: "accepted",
          peer,
          protocol,
          addressValidated: "cookie",
          clientHello: ch,
          clientHelloMessage: message,
          remainder: copyOf(m.remainder),
          cookieIssuedAt: v.issuedAt,
          sequencing: {
            recordSequence: m.recordSequence,
            clientMessageSeq: m.messageSeq,
            nextServerMessageSeq: m.messageSeq,
          },
        };
        return out;
      }
      const cr = this.counters.cookieRejections;
      cr[v.reason] = (cr[v.reason] ?? 0) + 1;
    }
    return this.#sendHvr(ch, peer, now, m.recordSequence, m.bytesIn, protocol);
  }

  /**
   * DTLSv1_listen's shortcut for a cookie-less DTLS 1.0/1.2 ClientHello1: it is answered from the
   * fields the cookie binds (read by {@link readHvrFields}), without validating the extensions, as
   * OpenSSL does; nothing is kept, and only a ClientHello2 (which carries the cookie) is decoded
   * in full before `accepted`. Taken only when the reply is no larger than the request (the HVR
   * is 60 bytes) and, on a listener that also serves DTLS 1.3, when supported_versions provably
   * does not offer DTLS 1.3 (that ClientHello gets an HRR instead). Everything else, including a
   * malformed front, goes through the full parse.
   */
  #fastHelloVerifyRequest(peer: PeerAddress, now: number, m: MessageContext): DatagramOutcome | undefined {
    if (m.bytesIn < HVR_DATAGRAM_LENGTH) return undefined;
    const f = readHvrFields(m.body);
    if (!f || f.cookieLength !== 0) return undefined;
    if (this.#v13 && offersVersion(f, ProtocolVersion.DTLS1_3) !== false) return undefined;
    const protocol = this.#legacyProtocol(f.legacyVersion);
    return protocol ? this.#sendHvr(f, peer, now, m.recordSequence, m.bytesIn, protocol) : undefined;
  }

  #sendHvr(ch: HvrBoundHello, peer: PeerAddress, now: number, seq: number, bytesIn: number, protocol: "dtls1.0" | "dtls1.2"): DatagramOutcome {
    // One allocation, from the slab: the cookie is MACed straight into the reply.
    const bytes = slabBytes(HVR_DATAGRAM_LENGTH);
    writeHelloVerifyRequestHeaders(bytes, this.#hvrRecordVersion, 0, seq, HVR_COOKIE_LENGTH);
    writeHvrCookie(this.#keyring, peer, ch, now, bytes, HELLO_VERIFY_REQUEST_COOKIE_OFFSET);
    return this.#send(bytes, bytesIn, "hello_verify_request", protocol);
  }

  #send(bytes: Uint8Array, bytesIn: number, message: SendOutcome["message"], protocol: SendOutcome["protocol"], alert?: AlertName, reason?: DatagramDropReason, detail?: string): DatagramOutcome {
    const c = this.counters;
    const ratio = bytes.length / bytesIn;
    if (ratio > 1) {
      if (ratio > 3) return this.#drop("amplification-limit", `reply of ${bytes.length} bytes for ${bytesIn} received`);
      c.amplificationOver1x++;
    }
    if (ratio > c.maxAmplification) c.maxAmplification = ratio;
    c.bytesOut += bytes.length;
    if (message === "hello_verify_request") c.helloVerifyRequests++;
    else if (message === "hello_retry_request") c.helloRetryRequests++;
    else c.alerts++;
    if (alert === undefined) return { kind: "send", message, bytes, protocol };
    return { kind: "send", message, bytes, protocol, alert, reason, detail };
  }

  /** A DTLS 1.3 cookie or negotiation failure: the reason's alert (core/gate/alerts.ts), never a second HRR. */
  #alert(reason: DatagramDropReason, detail: string, m: MessageContext): DatagramOutcome {
    const name = gateAlert(reason)!;
    const bytes = encodeDtlsAlert(AlertDescription[name], ProtocolVersion.DTLS1_2, m.recordSequence);
    const d = this.counters.dropped;
    d[reason] = (d[reason] ?? 0) + 1;
    return this.#send(bytes, m.bytesIn, "alert", "dtls1.3", name, reason, detail);
  }

  #dtls13(ch: ClientHello, peer: PeerAddress, now: number, m: MessageContext): DatagramOutcome {
    // RFC 9147 §5.3: a DTLS 1.3 ClientHello's legacy_cookie must be empty.
    if (ch.legacyCookie!.length !== 0) {
      return this.#alert("legacy-cookie-not-empty", "DTLS 1.3 ClientHello with a legacy cookie", m);
    }
    if (ch.cookie === undefined) {
      const n = negotiate(ch, this.#policy);
      if (!n.ok) return this.#alert(n.reason, n.detail, m);
      const appData = this.#appData?.(peer, ch);
      const retry = buildRetry(this.#keyring, peer, ch, n, now, true, appData);
      return this.#send(encodeDtlsHelloRetryRequestDatagram(retry.fields, m.recordSequence), m.bytesIn, "hello_retry_request", "dtls1.3");
    }
    const check = checkSecondClientHello(this.#keyring, peer, ch, now, true, this.#policy, this.#lifetime);
    if (!check.ok) {
      if (check.cookieRejection) {
        const cr = this.counters.cookieRejections;
        cr[check.cookieRejection] = (cr[check.cookieRejection] ?? 0) + 1;
      }
      return this.#alert(check.reason, check.detail, m);
    }
    this.counters.accepted++;
    const message = clientHelloMessage(m.body); // a private copy: nothing aliases the datagram
    return {
      kind: "accepted",
      peer,
      protocol: "dtls1.3",
      addressValidated: "cookie",
      clientHello: parseClientHello(message.subarray(4), { dtls: true }),
      clientHelloMessage: message,
      remainder: copyOf(m.remainder),
      cookieIssuedAt: check.issuedAt,
      retry: check.retry,
      sequencing: { recordSequence: m.recordSequence, clientMessageSeq: m.messageSeq, nextServerMessageSeq: m.messageSeq },
    };
  }
}

const EMPTY = new Uint8Array(0);
/** Bytes of our HelloVerifyRequest datagram (13 + 12 + 3 + 32). */
const HVR_DATAGRAM_LENGTH = helloVerifyRequestLength(HVR_COOKIE_LENGTH);

/** The ClientHello as a DTLS handshake message (unfragmented header), in a private slab copy. */
function ownedClientHelloMessage(messageSeq: number, body: Uint8Array): Uint8Array {
  const out = slabBytes(DTLS_HANDSHAKE_HEADER_LENGTH + body.length);
  writeDtlsHandshakeHeader(out, 0, HandshakeType.client_hello, body.length, messageSeq, 0, body.length);
  out.set(body, DTLS_HANDSHAKE_HEADER_LENGTH);
  return out;
}

function copyOf(bytes: Uint8Array): Uint8Array {
  return bytes.length === 0 ? EMPTY : bytes.slice();
}

