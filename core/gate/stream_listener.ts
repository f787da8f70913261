/**
 * StreamListener: the stateless TLS 1.3 HelloRetryRequest over a byte stream (what OpenSSL's
 * `SSL_stateless()` does, done right). One listener per stream; `receive(chunk, now)` takes any
 * chunking of the stream (1-byte reads included) and returns one {@link Outcome} per call.
 *
 * Statelessness: after sending the HelloRetryRequest the listener keeps nothing from
 * ClientHello1. Everything needed to accept ClientHello2 is in the cookie, so a brand-new
 * listener (same keyring, same peer binding) accepts a stream that starts at the
 * change_cipher_spec + ClientHello2 of a handshake whose ClientHello1 it never saw. An
 * application may therefore drop the listener after the `send` and build a new one when more
 * bytes arrive.
 *
 * ## Framings
 *
 * - `tls-records` (TCP): TLSPlaintext records (RFC 8446 §5.1). A ClientHello may be split across
 *   reads and across records, several records may share a read. The HRR goes out as one
 *   handshake record, followed by the change_cipher_spec record `14 03 03 00 01 01` when the
 *   client sent a non-empty legacy_session_id (middlebox compatibility, RFC 8446 §D.4). Fatal
 *   alerts are returned as alert records in `closed.bytes`.
 * - `handshake-messages` (QUIC CRYPTO-stream style, RFC 9001 §4): bare handshake messages with
 *   4-byte headers, no records, never a CCS. The HRR is sent as the bare message. There are no
 *   alert records in this framing: `closed` carries the alert name only (`alert`, no `bytes`);
 *   the transport reports it its own way (QUIC: CONNECTION_CLOSE with CRYPTO_ERROR 0x0100 + the
 *   alert's code). TLS 1.2 cannot be carried (RFC 9001 §4.2), so `acceptTls12` is refused.
 *
 * ## Checks, in order (tls-records)
 *
 * Record header (decided as soon as its bytes are known, so every chunking gives the same result):
 * 1. first record only: content type 20-24 and version major byte 3, else `closed` `not-tls`
 *    with no alert. When the first byte is not a content type the listener waits for 4 bytes
 *    and names what it got in the detail (`HTTP request (GET)`, `HTTP/2 connection preface`,
 *    `SSLv2-format ClientHello`, `SSH`). The version minor byte is not checked (RFC 8446 §5.1:
 *    legacy_record_version is ignored).
 * 2. later records: a content type outside 20-24 → `unexpected-record` (unexpected_message);
 *    version major not 3 → `bad-record-version` (protocol_version).
 * 3. record length ≤ `maxRecordBytes` → else `bad-record-length` (record_overflow, RFC 8446 §5.1).
 * 4. bytes that would have to be held (the partial handshake message plus this whole record) ≤
 *    `maxBufferedBytes` → else `buffer-limit` (internal_error). The bound is computed from the
 *    headers, not from how the bytes happen to arrive.
 *
 * Whole record, by content type:
 * - alert(21): `closed` `peer-alert`, nothing sent (RFC 8446 §6).
 * - change_cipher_spec(20): must be the single byte `01`, must not interrupt a handshake message
 *   (RFC 8446 §5.1), at most one per stream; it is then ignored (RFC 8446 §5, §D.4: "MUST simply
 *   drop it"). It is legal only between ClientHello1 and ClientHello2. Because the listener is
 *   stateless, a CCS that arrives before any ClientHello is held provisionally: if the ClientHello
 *   that follows carries a cookie it was the CCS before CH2; if not, it came before ClientHello1 →
 *   `unexpected-record` (unexpected_message). Anything else → `unexpected-record`.
 * - application_data(23): skipped (counted in `earlyDataSkipped`, at most `maxBufferedBytes` in
 *   all, else `buffer-limit`) only where RFC 8446 §4.2.10 says a server that sent an HRR skips
 *   0-RTT data: after our HRR to a ClientHello1 that offered early_data, or on a fresh listener
 *   after the provisional CCS (a client in early-data mode sends CH1, CCS, 0-RTT records, CH2).
 *   Elsewhere → `unexpected-record` (unexpected_message).
 * - handshake(22): must not be empty (RFC 8446 §5.1) → else `unexpected-record`; its bytes go to
 *   the handshake message assembler.
 *
 * Handshake message (both framings):
 * 5. message type ClientHello → else `not-client-hello` (unexpected_message).
 * 6. message length + 4 ≤ `maxBufferedBytes` → else `message-too-large` (illegal_parameter, as
 *    OpenSSL's "excessive message size"); checked as soon as the header is known.
 * 7. tls-records: the ClientHello ends at a record boundary (RFC 8446 §5.1: handshake messages
 *    preceding a key change must) → else `unexpected-record` (unexpected_message). This is what
 *    makes `accepted.remainder` exactly "every stream byte after ClientHello2".
 * 8. the body decodes → else `malformed-client-hello` (decode_error; illegal_parameter for a
 *    duplicate extension or pre_shared_key not last).
 *
 * ClientHello decision (TLS 1.3 is offered iff supported_versions contains 0x0304):
 * - after our HRR on this stream: no cookie extension → `invalid-cookie` (illegal_parameter: RFC
 *   8446 §4.1.2 makes echoing the cookie mandatory; we never answer with a second HRR, which
 *   clients must abort on, §4.1.4); TLS 1.3 no longer offered → `cookie-mismatch`
 *   (illegal_parameter); else the cookie check below.
 * - a TLS 1.3 ClientHello with a cookie (a ClientHello2, possibly on a fresh listener): verified
 *   by {@link checkSecondClientHello} (MAC, peer binding, age, protocol; CH2 offers the cookie's
 *   suite, carries exactly one share of the requested group, no early_data). Failure → `closed`
 *   `invalid-cookie` / `cookie-mismatch` with illegal_parameter (never a second HRR). Success →
 *   `accepted` with `addressValidated: "cookie"` and the {@link RetryContext}.
 * - a provisional CCS preceded this cookie-less ClientHello → `unexpected-record`.
 * - TLS 1.3 not offered: `acceptTls12` and TLS 1.2 offered → `accepted` `tls1.2`,
 *   `addressValidated: "transport"`; else `unsupported-version` (protocol_version).
 * - `acceptWithoutRetry` → `accepted` `tls1.3`, `addressValidated: "transport"`, no `retry`.
 * - otherwise: suite and group from the preference lists (none in common → `no-common-cipher-suite`
 *   / `no-common-group`, handshake_failure) and `send` the HelloRetryRequest.
 *
 * A read that completes ClientHello1 is processed to its end: if the rest of that same read
 * already fails (say CH1 followed by garbage), the outcome is `closed` and its `bytes` are the
 * HRR followed by the alert (if any), so the bytes written to the peer do not depend on how the
 * stream was chunked. (Should the same read also complete a ClientHello2 with a valid cookie,
 * which only a client that did not wait for our HRR can send, it is `accepted` and the HRR is
 * not sent.)
 *
 * Bounds: per stream at most `maxBufferedBytes` are held (one partial record and one partial
 * message, each buffer growing only as bytes arrive); nothing is shared between listeners and
 * nothing is kept after `accepted`/`closed`. Amplification: TCP has validated the address before
 * the first byte, so the HRR (about 130 + session id + cookie bytes, under 260 bytes for any
 * default setup) is not limited here; QUIC-like transports must apply their own
 * anti-amplification limit to the packets (RFC 9000 §8.1).
 *
 * @module
 */
import type { CookieKeyring } from "./cookie/keyring.ts";
import type { CookieRejection } from "./cookie/verdict.ts";
import { type ClientHello, parseClientHello } from "../messages/client_hello.ts";
import {
  encodeHelloRetryRequestMessage,
  encodeTlsHelloRetryRequestFlight,
} from "../messages/hello_retry_request.ts";
import { encodeTlsAlert } from "../messages/alert.ts";
import { DecodeError } from "../wire/decode_error.ts";
import { MAX_PLAINTEXT_FRAGMENT, TLS_RECORD_HEADER_LENGTH } from "../wire/record.ts";
import { AlertDescription, alertName, ContentType } from "../constants/protocol.ts";
import { ProtocolVersion } from "../constants/versions.ts";
import { encodePeerBinding, PEER_BINDING_LENGTH, type PeerAddress, UNSPECIFIED_PEER } from "../peer.ts";
import {
  buildRetry,
  checkSecondClientHello,
  negotiate,
  type RetryOptions,
  type RetryPolicy,
  retrySettingsOf,
  type SecondHelloFailureReason,
} from "./retry.ts";
import { describeNonTls, isTlsContentType } from "./stream_sniffing.ts";
import { TlsRecordReader } from "../record/tls_record_reader.ts";
import { TlsHandshakeAssembler } from "../record/tls_handshake_assembler.ts";
import { HandshakeType } from "../constants/protocol.ts";
import type {
  AcceptedOutcome,
  ClosedOutcome,
  DroppedOutcome,
  NeedMoreDataOutcome,
  SendOutcome,
  StreamCloseReason,
  StreamOutcome,
} from "./outcome.ts";
import { gateAlert } from "./alerts.ts";
import type { DecodeErrorReason } from "../wire/decode_error.ts";

/** How the stream carries handshake messages. */
export type StreamFraming = "tls-records" | "handshake-messages";

/** Where a {@link StreamListener} is. */
export type StreamListenerState =
  | "awaiting-client-hello"
  | "awaiting-second-client-hello"
  | "accepted"
  | "closed";

/** Options of a {@link StreamListener}. */
export interface StreamListenerOptions extends RetryOptions {
  /** `tls-records` (TCP) or `handshake-messages` (bare 4-byte-header messages, QUIC CRYPTO style). */
  readonly framing: StreamFraming;
  /**
   * The stream's peer, bound into the cookie. When absent, `allowUnboundPeer` must be `true`
   * (the constructor throws `TypeError` otherwise) and {@link UNSPECIFIED_PEER} is bound: a
   * cookie then works from any address, so only do this where the transport already ties the
   * stream to the client.
   */
  readonly peer?: PeerAddress;
  /** Opt in to cookies not bound to an address (no `peer`). Default false. */
  readonly allowUnboundPeer?: boolean;
  /**
   * Most bytes held for this stream (default 65536, enough for post-quantum ClientHellos): a
   * ClientHello longer than this minus 4 → `message-too-large`; a partial message plus a record
   * beyond it → `buffer-limit`.
   */
  readonly maxBufferedBytes?: number;
  /** Largest record accepted (default 16384 + 256; RFC 8446 §5.1 allows 2^14). */
  readonly maxRecordBytes?: number;
  /**
   * Default false: a ClientHello that does not offer TLS 1.3 gets a protocol_version alert.
   * `true`: one that offers TLS 1.2 is `accepted` with protocol `tls1.2` and
   * `addressValidated: "transport"` (no cookie exchange exists in TLS 1.2). Only safe where the
   * transport has validated the address already, as TCP's handshake does. Not allowed with
   * `handshake-messages` framing.
   */
  readonly acceptTls12?: boolean;
  /**
   * Default false. `true`: a TLS 1.3 ClientHello1 without a cookie is `accepted` at once with
   * `addressValidated: "transport"` (no HRR; `retry` undefined); the continuation negotiates
   * everything. Only for transports that validated the address (TCP).
   */
  readonly acceptWithoutRetry?: boolean;
}

/** Counters of a {@link StreamListener}, readable at any time. */
export interface StreamListenerCounters {
  /** Bytes received (including bytes received after the listener finished). */
  bytesIn: number;
  /** Bytes we asked to send (HRR, CCS, alerts). */
  bytesOut: number;
  /** Whole TLS records read (tls-records framing). */
  records: number;
  /** HelloRetryRequests sent. */
  helloRetryRequests: number;
  /** Alerts sent (or, in handshake-messages framing, reported in `closed.alert`). */
  alerts: number;
  /** ClientHellos accepted (0 or 1). */
  accepted: number;
  /** change_cipher_spec records ignored (0 or 1). */
  changeCipherSpecIgnored: number;
  /** Bytes of 0-RTT application_data records skipped after an HRR (RFC 8446 §4.2.10). */
  earlyDataSkipped: number;
  /** Why the stream was closed (one entry at most). */
  closed: Partial<Record<StreamCloseReason, number>>;
  /** Input dropped without closing (bytes after the listener finished). */
  dropped: Partial<Record<StreamCloseReason, number>>;
  /** Cookies that failed verification, by the verifier's reason. */
  cookieRejections: Partial<Record<CookieRejection, number>>;
}

/** Default of {@link StreamListenerOptions.maxBufferedBytes}. */
export const DEFAULT_STREAM_MAX_BUFFERED_BYTES = 65536;
/** Default of {@link StreamListenerOptions.maxRecordBytes}: 2^14 + 256. */
export const DEFAULT_STREAM_MAX_RECORD_BYTES: number = MAX_PLAINTEXT_FRAGMENT + 256;

const TLS1_3 = ProtocolVersion.TLS1_3;
const TLS1_2 = ProtocolVersion.TLS1_2;

/** Scratch for validating the peer address in the constructor. */
const PEER_CHECK = new Uint8Array(PEER_BINDING_LENGTH);

/**
 * The sans-I/O stateless TLS 1.3 stream listener: one per TCP connection or QUIC-like CRYPTO
 * stream.
 *
 * @example
 * ```ts
 * import { CookieKeyring, StreamListener } from "@hellogate/hellogate";
 * const keyring = CookieKeyring.random();
 * const listener = new StreamListener({
 *   keyring,
 *   framing: "tls-records",
 *   peer: { family: "ipv4", address: "192.0.2.1", port: 50000 },
 * });
 * declare const chunk: Uint8Array; // bytes read from the socket
 * const out = listener.receive(chunk, Date.now());
 * if (out.kind === "send") {
 *   // write out.bytes (HelloRetryRequest [+ CCS]); this listener may even be dropped now
 * } else if (out.kind === "closed") {
 *   // write out.bytes (an alert) if present, then close
 * } else if (out.kind === "accepted") {
 *   // hand out.clientHello, out.retry and out.remainder to the TLS continuation
 * }
 * ```
 */
export class StreamListener {
  readonly #keyring: CookieKeyring;
  readonly #records: boolean;
  readonly #peer: PeerAddress;
  readonly #policy: RetryPolicy;
  readonly #lifetime: number;
  readonly #maxBuffered: number;
  readonly #maxRecord: number;
  readonly #acceptTls12: boolean;
  readonly #acceptWithoutRetry: boolean;
  readonly #appData: StreamListenerOptions["cookieAppData"];
  /** Live counters. */
  readonly counters: StreamListenerCounters;

  #state: StreamListenerState = "awaiting-client-hello";
  #now = 0;
  /** HRR bytes produced during the current call, not yet returned. */
  #pendingHrr: Uint8Array | undefined;
  /** A change_cipher_spec was seen (provisional while awaiting-client-hello). */
  #ccsSeen = false;
  /** ClientHello1 offered early_data: 0-RTT records may follow it (tls-records). */
  #ch1EarlyData = false;
  #earlySkipped = 0;
  /** No record header has been completed yet. */
  #firstRecord = true;
  /** tls-records framing: the record reader (core/record), capped at `maxRecordBytes`. */
  readonly #reader: TlsRecordReader | undefined;
  readonly #asm: TlsHandshakeAssembler;

  /** Creates a listener; throws `TypeError`/`RangeError` for invalid options (never for input). */
  constructor(options: StreamListenerOptions) {
    if (!options || !options.keyring) throw new TypeError("StreamListener needs a keyring");
    if (options.framing !== "tls-records" && options.framing !== "handshake-messages") {
      throw new TypeError(
        `framing must be "tls-records" or "handshake-messages", got ${String(options.framing)}`,
      );
    }
    this.#keyring = options.keyring;
    this.#records = options.framing === "tls-records";
    if (options.peer) {
      encodePeerBinding(options.peer, PEER_CHECK); // throws TypeError for an address that does not parse
      this.#peer = options.peer;
    } else {
      if (options.allowUnboundPeer !== true) {
        throw new TypeError(
          "StreamListener needs a peer, or allowUnboundPeer: true to bind cookies to no address",
        );
      }
      this.#peer = UNSPECIFIED_PEER;
    }
    const settings = retrySettingsOf(options);
    this.#policy = settings.policy;
    this.#lifetime = settings.lifetimeSeconds;
    this.#maxBuffered = options.maxBufferedBytes ?? DEFAULT_STREAM_MAX_BUFFERED_BYTES;
    if (!Number.isInteger(this.#maxBuffered) || this.#maxBuffered < 512) {
      throw new RangeError("maxBufferedBytes must be an integer >= 512");
    }
    this.#maxRecord = options.maxRecordBytes ?? DEFAULT_STREAM_MAX_RECORD_BYTES;
    if (!Number.isInteger(this.#maxRecord) || this.#maxRecord < 256 || this.#maxRecord > 0xffff) {
      throw new RangeError("maxRecordBytes must be an integer in 256..65535");
    }
    this.#acceptTls12 = options.acceptTls12 === true;
    if (this.#acceptTls12 && !this.#records) {
      throw new TypeError(
        "acceptTls12 needs tls-records framing (QUIC-style transports carry TLS 1.3 only, RFC 9001 §4.2)",
      );
    }
    this.#acceptWithoutRetry = options.acceptWithoutRetry === true;
    this.#appData = options.cookieAppData;
    this.#asm = new TlsHandshakeAssembler({ maxMessageBytes: this.#maxBuffered });
    this.#reader = this.#records ? new TlsRecordReader({ maxFragmentBytes: this.#maxRecord }) : undefined;
    this.counters = {
      bytesIn: 0,
      bytesOut: 0,
      records: 0,
      helloRetryRequests: 0,
      alerts: 0,
      accepted: 0,
      changeCipherSpecIgnored: 0,
      earlyDataSkipped: 0,
      closed: {},
      dropped: {},
      cookieRejections: {},
    };
  }

  /** Where the listener is. */
  get state(): StreamListenerState {
    return this.#state;
  }

  /** The framing this listener reads. */
  get framing(): StreamFraming {
    return this.#records ? "tls-records" : "handshake-messages";
  }

  /** Bytes currently held for an incomplete record or message (0 once finished). */
  get bufferedBytes(): number {
    return (this.#reader?.buffered ?? 0) + this.#asm.buffered;
  }

  /**
   * Processes the next bytes of the stream at `now` (ms since the epoch). Any chunking is fine.
   * Never throws on stream contents (only if `cookieAppData` throws or returns more than 255 bytes).
   */
  receive(chunk: Uint8Array, now: number): StreamOutcome {
    this.counters.bytesIn += chunk.length;
    if (this.#state === "accepted" || this.#state === "closed") {
      return this.#drop("after-finish", `${chunk.length} bytes after the listener was ${this.#state}`);
    }
    this.#now = now;
    this.#pendingHrr = undefined;
    const out = this.#records ? this.#readRecords(chunk) : this.#readMessages(chunk);
    const hrr = this.#takePendingHrr();
    if (out) {
      if (out.kind === "closed" && hrr) {
        // CH1 and a fatal error in one read: send the HRR, then the alert (chunking-independent bytes).
        this.#countHrr(hrr);
        if (out.bytes) {
          const bytes = new Uint8Array(hrr.length + out.bytes.length);
          bytes.set(hrr);
          bytes.set(out.bytes, hrr.length);
          return { ...out, bytes };
        }
        return { ...out, bytes: hrr };
      }
      return out;
    }
    if (hrr) {
      this.#countHrr(hrr);
      const send: SendOutcome = {
        kind: "send",
        message: "hello_retry_request",
        bytes: hrr,
        protocol: "tls1.3",
      };
      return send;
    }
    return this.#needMore();
  }

  /** The peer closed its side of the stream at `now`. */
  end(now: number): StreamOutcome {
    this.#now = now;
    if (this.#state === "accepted" || this.#state === "closed") {
      return this.#drop("after-finish", `end of stream after the listener was ${this.#state}`);
    }
    const head = this.#reader?.peekBytes(4);
    if (head && this.#firstRecord && head.length > 0 && !isTlsContentType(head[0])) {
      return this.#close("not-tls", describeNonTls(head, head.length));
    }
    const held = this.bufferedBytes;
    return this.#close(
      "end-of-stream",
      `peer closed the stream while ${this.#state}` +
        (held > 0
          ? ` with ${held} bytes of an incomplete ${
            this.#reader && this.#reader.buffered > 0 ? "record" : "message"
          }`
          : ""),
    );
  }

  // ---------------------------------------------------------------- outcomes

  #takePendingHrr(): Uint8Array | undefined {
    const hrr = this.#pendingHrr;
    this.#pendingHrr = undefined;
    return hrr;
  }

  #countHrr(bytes: Uint8Array): void {
    this.counters.helloRetryRequests++;
    this.counters.bytesOut += bytes.length;
  }

  #drop(reason: StreamCloseReason, detail: string): DroppedOutcome<StreamCloseReason> {
    const d = this.counters.dropped;
    d[reason] = (d[reason] ?? 0) + 1;
    return { kind: "dropped", reason, detail };
  }

  /**
   * Finishes the stream. When the reason has an alert (core/gate/alerts.ts), it is sent
   * (tls-records) or reported for the transport to send (handshake-messages).
   */
  #close(reason: StreamCloseReason, detail: string, decodeError?: DecodeErrorReason): ClosedOutcome {
    this.#finish("closed");
    const c = this.counters;
    c.closed[reason] = (c.closed[reason] ?? 0) + 1;
    const alert = gateAlert(reason, decodeError);
    if (alert === undefined) return { kind: "closed", reason, detail };
    c.alerts++;
    if (!this.#records) return { kind: "closed", reason, detail, alert };
    const bytes = encodeTlsAlert(AlertDescription[alert]);
    c.bytesOut += bytes.length;
    return { kind: "closed", reason, detail, bytes, alert };
  }

  #finish(state: "accepted" | "closed"): void {
    this.#state = state;
    this.#reader?.clear();
    this.#asm.clear();
  }

  /** Bytes still missing from the handshake message in progress (4 when none has started). */
  #messageNeeded(): number {
    const total = this.#asm.pendingLength;
    return total === undefined ? 4 - this.#asm.buffered : total - this.#asm.buffered;
  }

  #needMore(): NeedMoreDataOutcome {
    const msg = this.#messageNeeded();
    const reader = this.#reader;
    if (!reader) return { kind: "need-more-data", bytesNeeded: msg };
    const held = reader.buffered;
    if (this.#firstRecord && held > 0 && !isTlsContentType(reader.peekBytes(1)[0])) {
      return { kind: "need-more-data", bytesNeeded: 4 - held };
    }
    // A lower bound on the stream bytes before the ClientHello can be complete.
    const header = reader.peekHeader();
    if (!header) return { kind: "need-more-data", bytesNeeded: TLS_RECORD_HEADER_LENGTH - held + msg };
    const recFill = held - TLS_RECORD_HEADER_LENGTH;
    const rest = header.length - recFill;
    if (header.contentType !== ContentType.handshake) {
      return { kind: "need-more-data", bytesNeeded: rest + TLS_RECORD_HEADER_LENGTH + msg };
    }
    // The bytes of this record already held will go to the message too.
    const msgAfterHeld = Math.max(0, msg - recFill);
    const bytesNeeded = rest >= msgAfterHeld ? rest : rest + TLS_RECORD_HEADER_LENGTH + (msgAfterHeld - rest);
    return { kind: "need-more-data", bytesNeeded };
  }

  // ---------------------------------------------------------------- tls-records framing

  #readRecords(chunk: Uint8Array): StreamOutcome | undefined {
    const reader = this.#reader!;
    reader.push(chunk);
    for (;;) {
      if (this.#firstRecord) {
        const verdict = this.#firstBytes(reader.peekBytes(4));
        if (verdict === "wait") return undefined;
        if (verdict) return verdict;
      }
      const header = reader.peekHeader();
      if (!header) return undefined;
      const bad = this.#recordHeader(header.contentType, header.version, header.length);
      if (bad) return bad;
      const step = reader.next();
      if (step.kind !== "record") return undefined; // a length error was refused by #recordHeader first
      this.counters.records++;
      const out = this.#record(step.contentType, step.fragment);
      if (out) return out;
    }
  }

  /**
   * Checks on the first bytes of the stream. Returns a `closed` outcome for non-TLS input,
   * `"wait"` while fewer than 4 bytes of something that is not TLS are known, else undefined.
   */
  #firstBytes(h: Uint8Array): ClosedOutcome | "wait" | undefined {
    const n = h.length;
    if (n === 0) return "wait";
    if (isTlsContentType(h[0])) {
      if (n >= 2 && h[1] !== 3) {
        return this.#close(
          "not-tls",
          `record version major byte 0x${h[1].toString(16).padStart(2, "0")} is not 3: not TLS`,
        );
      }
      return undefined;
    }
    if (n < 4) return "wait";
    return this.#close("not-tls", describeNonTls(h, n));
  }

  /** A whole record header: checks 1-4 of the module comment. */
  #recordHeader(type: number, version: number, length: number): StreamOutcome | undefined {
    if (!isTlsContentType(type)) {
      return this.#close("unexpected-record", `record content type ${type}`);
    }
    if (version >> 8 !== 3) {
      return this.#close("bad-record-version", `record version 0x${version.toString(16).padStart(4, "0")}`);
    }
    this.#firstRecord = false;
    if (length > this.#maxRecord) {
      return this.#close("bad-record-length", `record of ${length} bytes exceeds ${this.#maxRecord}`);
    }
    const held = this.#asm.buffered;
    if (held + TLS_RECORD_HEADER_LENGTH + length > this.#maxBuffered) {
      return this.#close(
        "buffer-limit",
        `${held} bytes of a partial handshake message plus a ${length}-byte record exceed ${this.#maxBuffered}`,
      );
    }
    return undefined;
  }

  /** A whole record. */
  #record(type: number, body: Uint8Array): StreamOutcome | undefined {
    switch (type) {
      case ContentType.alert: {
        const detail = body.length === 2
          ? `peer sent ${body[0] === 1 ? "warning" : body[0] === 2 ? "fatal" : `level-${body[0]}`} alert ${
            alertName(body[1])
          }`
          : `peer sent a malformed alert record of ${body.length} bytes`;
        const out = this.#close("peer-alert", detail);
        return body.length === 2 ? { ...out, peerAlert: alertName(body[1]) } : out;
      }
      case ContentType.change_cipher_spec:
        if (this.#asm.buffered > 0) {
          return this.#close(
            "unexpected-record",
            "change_cipher_spec inside a handshake message (RFC 8446 §5.1)",
          );
        }
        if (body.length !== 1 || body[0] !== 1) {
          return this.#close(
            "unexpected-record",
            "change_cipher_spec must be the single byte 01 (RFC 8446 §5)",
          );
        }
        if (this.#ccsSeen) {
          return this.#close("unexpected-record", "a second change_cipher_spec record");
        }
        this.#ccsSeen = true;
        this.counters.changeCipherSpecIgnored++;
        return undefined;
      case ContentType.application_data: {
        if (this.#asm.buffered > 0) {
          return this.#close(
            "unexpected-record",
            "application_data inside a handshake message (RFC 8446 §5.1)",
          );
        }
        const skip = this.#state === "awaiting-second-client-hello" ? this.#ch1EarlyData : this.#ccsSeen;
        if (!skip) {
          return this.#close("unexpected-record", `application_data record ${this.#where()}`);
        }
        this.#earlySkipped += body.length;
        if (this.#earlySkipped > this.#maxBuffered) {
          return this.#close("buffer-limit", `more than ${this.#maxBuffered} bytes of 0-RTT data to skip`);
        }
        this.counters.earlyDataSkipped += body.length;
        return undefined;
      }
      case ContentType.handshake:
        if (body.length === 0) {
          return this.#close("unexpected-record", "zero-length handshake record (RFC 8446 §5.1)");
        }
        return this.#handshakeBytes(body);
      default:
        return this.#close(
          "unexpected-record",
          `${type === ContentType.heartbeat ? "heartbeat" : `type ${type}`} record ${this.#where()}`,
        );
    }
  }

  #where(): string {
    return this.#state === "awaiting-second-client-hello" ? "before ClientHello2" : "before the ClientHello";
  }

  /** Feeds handshake bytes (one record's payload, or a chunk of bare messages) to the assembler. */
  #handshakeBytes(src: Uint8Array): StreamOutcome | undefined {
    const asm = this.#asm;
    asm.push(src);
    for (;;) {
      // The type is judged once the 4-byte header is known, whatever the chunking.
      if (asm.pendingLength !== undefined && asm.pendingType !== HandshakeType.client_hello) {
        return this.#close("not-client-hello", `handshake message type ${asm.pendingType} ${this.#where()}`);
      }
      const step = asm.next();
      if (step.kind === "need-data") return undefined;
      if (step.kind === "error") {
        return this.#close(
          "message-too-large",
          `ClientHello of ${step.length} bytes exceeds maxBufferedBytes ${this.#maxBuffered}`,
        );
      }
      if (this.#records && asm.buffered > 0) {
        return this.#close(
          "unexpected-record",
          "handshake data after the ClientHello in the same record (RFC 8446 §5.1: it must end at a record boundary)",
        );
      }
      const out = this.#clientHello(step.message);
      if (out) return out;
    }
  }

  /** Every stream byte after the accepted ClientHello in this read, as a copy (the caller may reuse its buffer). */
  #takeRest(): Uint8Array {
    return this.#reader ? this.#reader.drain() : this.#asm.drain();
  }

  // ---------------------------------------------------------------- handshake-messages framing

  #readMessages(chunk: Uint8Array): StreamOutcome | undefined {
    return this.#handshakeBytes(chunk);
  }

  // ---------------------------------------------------------------- ClientHello

  /** A whole ClientHello message (4-byte header). */
  #clientHello(view: Uint8Array): StreamOutcome | undefined {
    // A message that will be accepted is decoded once, from a private copy (the accepted result
    // must not alias the caller's read buffer): a CH2 on this stream, or any ClientHello when
    // accepting without retry. ClientHello1 is decoded in place and never copied; only a CH2 on
    // a fresh listener (rare: the stateless case) is copied and decoded a second time.
    const owned = this.#state === "awaiting-second-client-hello" || this.#acceptWithoutRetry || this.#acceptTls12;
    const message = owned ? view.slice() : view;
    let ch: ClientHello;
    try {
      ch = parseClientHello(message.subarray(4), { dtls: false });
    } catch (e) {
      if (e instanceof DecodeError) {
        return this.#close("malformed-client-hello", e.message, e.reason);
      }
      throw e;
    }
    const offers13 = ch.supportedVersions !== undefined && ch.supportedVersions.includes(TLS1_3);
    if (this.#state === "awaiting-second-client-hello") {
      if (ch.cookie === undefined) {
        return this.#cookieFailure(
          "invalid-cookie",
          "ClientHello2 without the cookie of our HelloRetryRequest (RFC 8446 §4.1.2)",
        );
      }
      if (!offers13) return this.#cookieFailure("cookie-mismatch", "ClientHello2 no longer offers TLS 1.3");
      return this.#second(message, ch);
    }
    if (ch.cookie !== undefined && offers13) return this.#second(owned ? message : message.slice(), owned ? ch : undefined);
    if (this.#ccsSeen) {
      return this.#close(
        "unexpected-record",
        "change_cipher_spec before the first ClientHello (RFC 8446 §5)",
      );
    }
    if (!offers13) {
      const offers12 = ch.supportedVersions !== undefined
        ? ch.supportedVersions.includes(TLS1_2)
        : ch.legacyVersion >= TLS1_2;
      if (this.#acceptTls12 && offers12) return this.#acceptTransport(message, ch, "tls1.2");
      const what = ch.supportedVersions !== undefined
        ? `supported_versions [${
          ch.supportedVersions.map((v) => "0x" + v.toString(16).padStart(4, "0")).join(", ")
        }]`
        : `legacy_version 0x${ch.legacyVersion.toString(16).padStart(4, "0")} and no supported_versions`;
      return this.#close(
        "unsupported-version",
        `ClientHello does not offer TLS 1.3 (${what})${
          offers12 ? "; TLS 1.2 is not enabled (acceptTls12)" : ""
        }`,
      );
    }
    if (this.#acceptWithoutRetry) return this.#acceptTransport(message, ch, "tls1.3");
    const n = negotiate(ch, this.#policy);
    if (!n.ok) return this.#close(n.reason, n.detail);
    const appData = this.#appData?.(this.#peer, ch);
    const retry = buildRetry(this.#keyring, this.#peer, ch, n, this.#now, false, appData);
    this.#pendingHrr = this.#records
      ? encodeTlsHelloRetryRequestFlight(retry.fields, ch.legacySessionId.length > 0).wire
      : encodeHelloRetryRequestMessage(retry.fields);
    this.#state = "awaiting-second-client-hello";
    this.#ch1EarlyData = this.#records && ch.earlyData === true;
    return undefined;
  }

  #cookieFailure(
    reason: SecondHelloFailureReason,
    detail: string,
    rejection?: CookieRejection,
  ): ClosedOutcome {
    if (rejection) {
      const cr = this.counters.cookieRejections;
      cr[rejection] = (cr[rejection] ?? 0) + 1;
    }
    return this.#close(reason, detail);
  }

  /** ClientHello2 (`own` is a private copy; `decoded` its decoding when already made from it). */
  #second(own: Uint8Array, decoded?: ClientHello): StreamOutcome {
    const ch2 = decoded ?? parseClientHello(own.subarray(4), { dtls: false }); // decoded once already: cannot throw
    const check = checkSecondClientHello(
      this.#keyring,
      this.#peer,
      ch2,
      this.#now,
      false,
      this.#policy,
      this.#lifetime,
    );
    if (!check.ok) return this.#cookieFailure(check.reason, check.detail, check.cookieRejection);
    const remainder = this.#takeRest();
    this.#finish("accepted");
    this.counters.accepted++;
    const out: AcceptedOutcome = {
      kind: "accepted",
      peer: this.#peer,
      protocol: "tls1.3",
      addressValidated: "cookie",
      clientHello: ch2,
      clientHelloMessage: own,
      remainder,
      cookieIssuedAt: check.issuedAt,
      retry: check.retry,
    };
    return out;
  }

  /** Accepts without a cookie exchange; `own` is a private copy and `ch` was decoded from it. */
  #acceptTransport(own: Uint8Array, ch: ClientHello, protocol: "tls1.2" | "tls1.3"): AcceptedOutcome {
    const remainder = this.#takeRest();
    this.#finish("accepted");
    this.counters.accepted++;
    return {
      kind: "accepted",
      peer: this.#peer,
      protocol,
      addressValidated: "transport",
      clientHello: ch,
      clientHelloMessage: own,
      remainder,
    };
  }
}
