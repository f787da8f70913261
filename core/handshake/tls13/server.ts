/**
 * The sans-I/O TLS 1.3 server engine (RFC 8446), in the h11 / rustls-unbuffered style: feed the
 * peer's bytes with `receive(bytes, now)`, then `poll()` until `{ kind: "need-data" }`.
 *
 * It starts either from the stateless gate's `accepted` outcome (after a HelloRetryRequest the
 * transcript continues from `retry.transcriptPrefix || ClientHello2`, the suite and group are the
 * ones the HRR fixed), or from nothing (it then reads the first ClientHello itself, negotiates,
 * and may send its own stateful HRR when the client sent no usable key share).
 *
 * ## States
 *
 * ```
 * wait-client-hello ──CH1──▶ (no usable share) ──HRR──▶ wait-client-hello-2 ──CH2──┐
 *        │                                                                         │
 *        └──CH (share ok) / accepted outcome ──▶ ServerHello [CCS] {EE Cert CV Fin} ◀┘
 *                                              │
 *                                         wait-finished ──client Finished ok──▶ connected
 *                                                                                 │
 *   any state ──fatal error / alert / close──▶ closed                 application data, KeyUpdate
 * ```
 *
 * ## Framing
 *
 * - `tls-records` (TCP): TLSPlaintext then TLSCiphertext records. One change_cipher_spec record
 *   is sent after the ServerHello when the client sent a non-empty legacy_session_id
 *   (middlebox compatibility, RFC 8446 §D.4), unless the gate's HRR already sent it. Received
 *   CCS record (`01`) is dropped before the client Finished (§5, §D.4); a client sends one at
 *   most, so a second is unexpected_message (as tlsfuzzer expects; CVE-2020-25648 territory).
 * - `quic` (RFC 9001): bare handshake messages; `receive(bytes, now, level)` names the level the
 *   CRYPTO data arrived at; `send` actions carry `level`; `quic-secrets` actions hand over the
 *   handshake and application traffic secrets. No records, no CCS, no alerts on the wire (the
 *   `closed` action names the alert; QUIC sends CRYPTO_ERROR 0x100 + alert). The client's
 *   quic_transport_parameters are required (missing_extension otherwise) and ours are echoed.
 *
 * ## Resumption (opt-in)
 *
 * With `sessionTickets`, NewSessionTickets follow the handshake: stateless, sealed under the
 * server's key, bound to the suite's hash and the server_name. A ClientHello offering one (with
 * psk_dhe_ke) resumes it after its binder verifies: no Certificate/CertificateVerify, always a
 * fresh (EC)DHE exchange. Anything unusable falls back to a full handshake; a bad binder is
 * decrypt_error.
 *
 * ## 0-RTT
 *
 * Never accepted. When a ClientHello offers early_data and no HRR was sent, protected records
 * that fail to decrypt under the client handshake key are skipped (RFC 8446 §4.2.10) up to
 * `maxEarlyDataBytes`; after our stateful HRR, application_data records before ClientHello2
 * are skipped the same way.
 *
 * ## Errors
 *
 * Remote input never throws: every failure is a `closed` action with a {@link Tls13CloseReason}
 * and the alert {@link TLS13_CLOSE_ALERTS} maps it to (sent first as a `send` action in
 * tls-records mode). Misuse throws: writing before the handshake completes or after close,
 * QUIC calls in TLS mode and the reverse, bad options.
 *
 * @example
 * ```ts
 * import { Tls13ServerEngine, portableProvider, generateSelfSignedCertificate } from "@hellogate/hellogate";
 * const certificate = generateSelfSignedCertificate(portableProvider);
 * const engine = new Tls13ServerEngine({ provider: portableProvider, certificates: [certificate] });
 * declare const bytesFromClient: Uint8Array;
 * engine.receive(bytesFromClient, Date.now());
 * for (let a = engine.poll(); a.kind !== "need-data"; a = engine.poll()) {
 *   if (a.kind === "send") {/* write a.bytes to the socket *\/}
 *   else if (a.kind === "application-data") console.log(a.data);
 *   else if (a.kind === "closed") break;
 * }
 * ```
 *
 * @module
 */
import { concatBytes } from "../../wire/bytes.ts";
import type {
  EngineAction,
  HandshakeEngine,
  HandshakeSummary,
  QuicLevel,
  QuicSecretsAction,
} from "../actions.ts";
import type { AcceptedOutcome } from "../../gate/outcome.ts";
import type { CryptoProvider, HashName, RunningHash } from "../../crypto/provider.ts";
import { type ClientHello, parseClientHello } from "../../messages/client_hello.ts";
import { alertName, ContentType, HandshakeType } from "../../constants/protocol.ts";
import { DecodeError } from "../../wire/decode_error.ts";
import { encodeTlsRecord } from "../../wire/record.ts";
import { TLS_HANDSHAKE_HEADER_LENGTH } from "../../wire/handshake_header.ts";
import { type PeerAddress, UNSPECIFIED_PEER } from "../../peer.ts";
import { TlsRecordReader } from "../../record/tls_record_reader.ts";
import { TlsHandshakeAssembler } from "../../record/tls_handshake_assembler.ts";
import { MAX_TLS13_PLAINTEXT, Tls13RecordProtection } from "../../record/tls13_protection.ts";
import {
  applicationSecrets,
  exportKeyingMaterial,
  finishedVerifyData,
  handshakeSecrets,
  nextTrafficSecret,
  resumptionMasterSecret,
  resumptionPsk,
} from "../key_schedule.ts";
import { selectResumption } from "./resumption.ts";
import { encodeNewSessionTicket, sealTicket } from "./session_ticket.ts";
import { TLS13_CLOSE_ALERTS, type Tls13CloseReason } from "./close_reason.ts";
import type { Tls13ServerOptions } from "./options.ts";
import { negotiateTls13, type Tls13Choice } from "./negotiation.ts";
import { encodeServerHello } from "./server_hello.ts";
import { encodeEncryptedExtensions } from "./encrypted_extensions.ts";
import { encodeCertificate } from "./certificate.ts";
import { certificateVerifyContent, encodeCertificateVerify, isLegacySignatureScheme } from "./certificate_verify.ts";
import { constantTimeEqual, encodeFinished } from "./finished.ts";
import { decodeKeyUpdate, encodeKeyUpdate } from "./key_update.ts";
import {
  encodeCertificateRequest,
  fingerprintHex,
  parseCertificateVerify,
  parseClientCertificate,
} from "./client_certificate.ts";
import { parseCertificate } from "../../pki/x509.ts";
import { encodeStatefulHelloRetryRequest } from "./hello_retry.ts";
import { CHANGE_CIPHER_SPEC_RECORD, transcriptPrefix } from "../../messages/hello_retry_request.ts";

/** Where the engine is in the handshake. */
export type Tls13ServerState =
  | "wait-client-hello"
  | "wait-client-hello-2"
  | "wait-client-certificate"
  | "wait-client-certificate-verify"
  | "wait-finished"
  | "connected"
  /** The peer sent close_notify (already reported as `closed`, reason `peer-close-notify`); we may still write until `close()`. */
  | "half-closed"
  | "closed";

const { change_cipher_spec: CT_CCS, alert: CT_ALERT, handshake: CT_HANDSHAKE, application_data: CT_APPDATA } = ContentType;
const {
  client_hello: HT_CLIENT_HELLO,
  certificate: HT_CERTIFICATE,
  certificate_verify: HT_CERTIFICATE_VERIFY,
  finished: HT_FINISHED,
  key_update: HT_KEY_UPDATE,
} = HandshakeType;
const EMPTY = new Uint8Array(0);
/** signature_algorithms of our CertificateRequest unless `clientAuth.signatureAlgorithms` says otherwise. */
const DEFAULT_CLIENT_SIGNATURE_ALGORITHMS: readonly number[] = [0x0403, 0x0503, 0x0807, 0x0804, 0x0805];

/** A QUIC `quic-secrets` action whose secrets stay out of JSON and inspection output. */
function secretsAction(
  level: "handshake" | "application",
  cipherSuite: number,
  clientSecret: Uint8Array,
  serverSecret: Uint8Array,
): QuicSecretsAction {
  const a = { kind: "quic-secrets", level, cipherSuite } as { -readonly [K in keyof QuicSecretsAction]: QuicSecretsAction[K] };
  // Copies: the engine wipes its own secrets when it moves on.
  Object.defineProperty(a, "clientSecret", { value: clientSecret.slice(), enumerable: false });
  Object.defineProperty(a, "serverSecret", { value: serverSecret.slice(), enumerable: false });
  Object.defineProperty(a, "toJSON", { value: () => ({ kind: a.kind, level, cipherSuite, secrets: "[redacted]" }), enumerable: false });
  return a;
}

/** The TLS 1.3 server engine. See the module documentation. */
export class Tls13ServerEngine implements HandshakeEngine<Tls13CloseReason> {
  readonly #opts: Tls13ServerOptions;
  readonly #provider: CryptoProvider;
  readonly #quic: boolean;
  readonly #reader: TlsRecordReader;
  readonly #asm: TlsHandshakeAssembler;
  readonly #actions: EngineAction<Tls13CloseReason>[] = [];
  #head = 0;
  #state: Tls13ServerState = "wait-client-hello";
  #peer: PeerAddress;
  #retried = false;
  #ccsSent = false;
  #ccsReceived = 0;
  #assemblerLevel: QuicLevel = "initial";

  // Negotiated.
  #choice: Tls13Choice | undefined;
  #hash: HashName = "sha256";
  #transcript: RunningHash | undefined;
  #ch1: ClientHello | undefined;
  #hrrGroup: number | undefined;
  #clientRecordSizeLimit: number | undefined;
  #peerTransportParameters: Uint8Array | undefined;

  // Keys (secret: never exposed).
  #read: Tls13RecordProtection | undefined;
  #write: Tls13RecordProtection | undefined;
  #clientAppSecret: Uint8Array | undefined;
  #serverAppSecret: Uint8Array | undefined;
  #clientHsSecret: Uint8Array | undefined;
  #exporterSecret: Uint8Array | undefined;
  #peerChain: Uint8Array[] | undefined;
  #peerSpki: Uint8Array | undefined;

  // Bounds and counters.
  #skipEarlyData = false;
  #skipAppDataBeforeCh2 = false;
  #earlyDataSkipped = 0;
  #keyUpdatesInRow = 0;
  #summary: HandshakeSummary | undefined;

  // Resumption (opt-in, `sessionTickets`).
  #now: number | undefined;
  #binderPrefix: Uint8Array | undefined;
  #masterSecret: Uint8Array | undefined;
  #signatureScheme = 0;
  #resumed = false;

  /**
   * Builds an engine. With `accepted` (the gate's outcome), the engine continues from its
   * ClientHello (and stateless HRR, when `accepted.retry` is set) and processes
   * `accepted.remainder` at once; without it, the engine waits for the first ClientHello.
   * Throws `TypeError` / `RangeError` for bad options or a non-TLS 1.3 outcome.
   */
  constructor(options: Tls13ServerOptions, accepted?: AcceptedOutcome) {
    if (!options || !options.provider) throw new TypeError("Tls13ServerEngine needs a provider");
    const framing = options.framing ?? "tls-records";
    if (framing !== "tls-records" && framing !== "quic") throw new TypeError(`framing must be "tls-records" or "quic"`);
    if (!options.selectCertificate && !(options.certificates && options.certificates.length > 0)) {
      throw new TypeError("Tls13ServerEngine needs certificates or selectCertificate");
    }
    this.#quic = framing === "quic";
    if (this.#quic && !options.quicTransportParameters) {
      throw new TypeError("QUIC framing needs quicTransportParameters");
    }
    const rsl = options.recordSizeLimit ?? MAX_TLS13_PLAINTEXT + 1;
    if (!Number.isInteger(rsl) || rsl < 64 || rsl > MAX_TLS13_PLAINTEXT + 1) {
      throw new RangeError("recordSizeLimit must be an integer in 64..16385");
    }
    for (const s of options.cipherSuites ?? []) {
      if (s !== 0x1301 && s !== 0x1302 && s !== 0x1303) throw new TypeError(`unsupported cipher suite 0x${s.toString(16)}`);
    }
    if (options.sessionTickets) {
      const t = options.sessionTickets;
      for (const k of [t.key, ...(t.previousKeys ?? [])]) {
        if (!(k instanceof Uint8Array) || k.length !== 32) throw new TypeError("sessionTickets.key / previousKeys must be 32 bytes");
      }
      const life = t.lifetimeSeconds ?? 7200;
      if (!Number.isInteger(life) || life < 1 || life > 604800) throw new RangeError("sessionTickets.lifetimeSeconds must be in 1..604800");
      const count = t.count ?? 1;
      if (!Number.isInteger(count) || count < 0 || count > 8) throw new RangeError("sessionTickets.count must be in 0..8");
    }
    this.#opts = options;
    this.#provider = options.provider;
    this.#now = options.now ?? (accepted?.cookieIssuedAt !== undefined ? accepted.cookieIssuedAt * 1000 : undefined);
    this.#reader = new TlsRecordReader();
    this.#asm = new TlsHandshakeAssembler({ maxMessageBytes: options.maxHandshakeMessageBytes ?? 65536 });
    this.#peer = options.peer ?? accepted?.peer ?? UNSPECIFIED_PEER;
    if (accepted) {
      if (accepted.kind !== "accepted" || accepted.protocol !== "tls1.3") {
        throw new TypeError("Tls13ServerEngine continues only from a TLS 1.3 accepted outcome");
      }
      const message = accepted.clientHelloMessage;
      const ch = accepted.clientHello;
      if (accepted.retry) {
        const r = accepted.retry;
        this.#retried = true;
        // The gate's stream listener sent a CCS after its HRR in middlebox-compat mode.
        this.#ccsSent = !this.#quic && ch.legacySessionId.length > 0;
        this.#hash = r.hash;
        this.#transcript = this.#provider.runningHash(r.hash);
        this.#transcript.update(r.transcriptPrefix);
        this.#transcript.update(message);
        this.#binderPrefix = r.transcriptPrefix;
        this.#guard(() => this.#onGateClientHello2(ch, message, { cipherSuite: r.cipherSuite, group: r.group }));
      } else {
        this.#guard(() => this.#onClientHello1(ch, message));
      }
      if (accepted.remainder.length > 0 && this.#state !== "closed") {
        // QUIC: what followed the ClientHello in the CRYPTO stream is still Initial-level data.
        this.receive(accepted.remainder, 0, this.#quic ? "initial" : undefined);
      }
    }
  }

  /** Current state (for logs and tests). */
  get state(): Tls13ServerState {
    return this.#state;
  }

  /** What was negotiated, once the handshake is complete. */
  get summary(): HandshakeSummary | undefined {
    return this.#summary;
  }

  /** QUIC mode: the client's raw quic_transport_parameters, once its ClientHello was read. */
  get peerTransportParameters(): Uint8Array | undefined {
    return this.#peerTransportParameters;
  }

  /** True while the handshake is not complete and the engine is not closed. */
  get handshaking(): boolean {
    return this.#state !== "connected" && this.#state !== "half-closed" && this.#state !== "closed";
  }

  /**
   * Feeds bytes from the peer: stream bytes (tls-records) or QUIC CRYPTO data at `level`
   * (required in QUIC mode). Input after the engine closed is ignored.
   */
  receive(bytes: Uint8Array, now: number, level?: QuicLevel): void {
    // After the peer's close_notify its input is ignored (RFC 8446 §6.1).
    if (this.#state === "closed" || this.#state === "half-closed") return;
    this.#now = now;
    if (this.#quic) {
      if (level === undefined) throw new TypeError("QUIC framing: receive() needs the encryption level");
      this.#guard(() => this.#receiveQuic(bytes, level));
    } else {
      if (level !== undefined) throw new TypeError("tls-records framing: receive() takes no level");
      this.#reader.push(bytes);
      this.#guard(() => this.#drainRecords());
    }
  }

  /** The transport ended (TCP FIN / stream end): closes with `end-of-stream` unless already closed. */
  end(_now: number): void {
    if (this.#state === "half-closed") return this.close();
    if (this.#state === "closed") return;
    this.#closed("end-of-stream", "the transport ended without close_notify", undefined);
  }

  /** The next action; `{ kind: "need-data" }` when nothing is pending. */
  poll(): EngineAction<Tls13CloseReason> {
    if (this.#head < this.#actions.length) {
      const a = this.#actions[this.#head++];
      if (this.#head === this.#actions.length) {
        this.#actions.length = 0;
        this.#head = 0;
      }
      return a;
    }
    return { kind: "need-data" };
  }

  /** Queues application data (split into records). Throws before the handshake completes, after close, or in QUIC mode. */
  write(data: Uint8Array): void {
    if (this.#quic) throw new TypeError("QUIC framing carries no TLS application data");
    if (this.#state !== "connected" && this.#state !== "half-closed") throw new Error(`cannot write in state ${this.#state}`);
    const max = this.#maxContent();
    const parts: Uint8Array[] = [];
    if (data.length === 0) parts.push(this.#write!.seal(CT_APPDATA, EMPTY));
    for (let i = 0; i < data.length; i += max) parts.push(this.#write!.seal(CT_APPDATA, data.subarray(i, i + max)));
    this.#send(parts.length === 1 ? parts[0] : concatBytes(parts), "application-data");
  }

  /** Sends a KeyUpdate and switches our write keys; `requestPeer` asks the client to update too. Throws unless connected (TLS records). */
  updateKeys(requestPeer = true): void {
    if (this.#quic) throw new TypeError("QUIC forbids the TLS KeyUpdate message (RFC 9001 §6)");
    if (this.#state !== "connected") throw new Error(`cannot update keys in state ${this.#state}`);
    this.#sendKeyUpdate(requestPeer);
  }

  /** TLS-Exporter (RFC 8446 §7.5). Throws before the handshake completes. */
  exportKeyingMaterial(label: string, context: Uint8Array, length: number): Uint8Array {
    if (!this.#exporterSecret || this.#state !== "connected") throw new Error("no exporter before the handshake completes");
    return exportKeyingMaterial(this.#provider, this.#hash, this.#exporterSecret, label, context, length);
  }

  /** Starts a graceful close: close_notify (tls-records), then `closed` with `local-close`. Idempotent. */
  close(): void {
    if (this.#state === "half-closed") {
      // Our close_notify ends the write side the peer's left open (RFC 8446 §6.1).
      this.#sendAlertRecord(1, 0);
      this.#state = "closed";
      this.#wipe();
      return;
    }
    if (this.#state === "closed") return;
    this.#fail("local-close", "closed by the application");
  }

  /** Redacted view for logs. */
  toJSON(): unknown {
    return { state: this.#state, retried: this.#retried, summary: this.#summary };
  }

  // ---------------------------------------------------------------------------------------------
  // Input

  #guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (this.#state === "closed") return;
      if (e instanceof DecodeError) {
        const illegal = e.reason === "illegal-value" || e.reason === "duplicate-extension" || e.reason === "psk-not-last";
        this.#fail(illegal ? "illegal-parameter" : "decode-error", e.message);
      } else {
        // Our own bug or a throwing callback: never leak it to the peer as anything but internal_error.
        this.#fail("internal-error", e instanceof Error ? `${e.name}: ${e.message}` : "internal error");
      }
    }
  }

  #drainRecords(): void {
    for (;;) {
      if (this.#state === "closed" || this.#state === "half-closed") return;
      const r = this.#reader.next();
      if (r.kind === "need-data") return;
      if (r.kind === "error") return this.#fail("record-overflow", r.detail);
      const { contentType, fragment } = r;
      if (contentType !== CT_APPDATA && this.#asm.buffered > 0) {
        return this.#fail("unexpected-message", "a handshake message is interrupted by another record type");
      }
      if (contentType !== CT_APPDATA && fragment.length > MAX_TLS13_PLAINTEXT) {
        return this.#fail("record-overflow", `plaintext record of ${fragment.length} bytes`);
      }
      switch (contentType) {
        case CT_CCS:
          if (
            this.#state === "wait-client-hello" || this.#state === "connected" || fragment.length !== 1 ||
            fragment[0] !== 1 || ++this.#ccsReceived > 1
          ) {
            return this.#fail("unexpected-message", "change_cipher_spec not allowed here");
          }
          continue;
        case CT_ALERT:
          if (this.#read && this.#state === "connected") {
            return this.#fail("unexpected-message", "plaintext alert after the handshake");
          }
          this.#onAlert(fragment);
          continue;
        case CT_HANDSHAKE:
          if (this.#read) return this.#fail("unexpected-message", "plaintext handshake record after the ServerHello");
          if (fragment.length === 0) return this.#fail("unexpected-message", "empty handshake record");
          // No copy: the assembler moves what it still holds into its own buffer before it
          // reports need-data, and #drainMessages copies each whole message it reads.
          this.#asm.push(fragment);
          this.#drainMessages();
          continue;
        case CT_APPDATA:
          this.#onProtectedRecord(fragment);
          continue;
        default:
          return this.#fail("unexpected-message", `record content type ${contentType}`);
      }
    }
  }

  #onProtectedRecord(fragment: Uint8Array): void {
    if (!this.#read) {
      if (this.#skipAppDataBeforeCh2) return this.#skipEarly(fragment.length);
      return this.#fail("unexpected-message", "application_data record before the handshake keys");
    }
    const opened = this.#read.open(fragment);
    if (!opened.ok) {
      if (opened.reason === "bad-record-mac" && this.#skipEarlyData) return this.#skipEarly(fragment.length);
      if (opened.reason === "bad-record-mac") return this.#fail("bad-record-mac", "a record failed authentication");
      if (opened.reason === "record-overflow") return this.#fail("record-overflow", `record of ${fragment.length} bytes`);
      return this.#fail("unexpected-message", "TLSInnerPlaintext without a content type");
    }
    this.#skipEarlyData = false;
    const { contentType, content } = opened;
    if (contentType !== CT_HANDSHAKE && this.#asm.buffered > 0) {
      return this.#fail("unexpected-message", "a handshake message is interrupted by another record type");
    }
    switch (contentType) {
      case CT_HANDSHAKE:
        if (content.length === 0) return this.#fail("unexpected-message", "empty handshake record");
        this.#asm.push(content);
        return this.#drainMessages();
      case CT_ALERT:
        return this.#onAlert(content);
      case CT_APPDATA:
        if (this.#state !== "connected") return this.#fail("unexpected-message", "application data before the client Finished");
        // Zero-length application data is legal (RFC 8446 §5.4) but delivers nothing, and does
        // not reset the KeyUpdate count (else empty records would make the flood bound moot).
        if (content.length === 0) return;
        this.#keyUpdatesInRow = 0;
        // `content` lies in this record's own decryption output: handed over without a copy.
        this.#actions.push({ kind: "application-data", data: content });
        return;
      default:
        return this.#fail("unexpected-message", `protected record of content type ${contentType}`);
    }
  }

  #skipEarly(length: number): void {
    this.#earlyDataSkipped += length;
    if (this.#earlyDataSkipped > (this.#opts.maxEarlyDataBytes ?? 65536)) {
      this.#fail("early-data-limit", `skipped ${this.#earlyDataSkipped} bytes of 0-RTT data`);
    }
  }

  #onAlert(content: Uint8Array): void {
    // RFC 8446 §5.4: an empty alert record is unexpected_message; any other length but 2 does not decode.
    if (content.length === 0) return this.#fail("unexpected-message", "empty alert record");
    if (content.length !== 2) return this.#fail("decode-error", `alert of ${content.length} bytes`);
    const [level, description] = content;
    if (description === 0) {
      const alert = { description: 0, name: "close_notify", sender: "peer" } as const;
      if (this.#state === "connected") {
        // RFC 8446 §6.1: close_notify closes the peer's write side only. Ours stays open: the
        // application may still write, and close() sends our close_notify.
        this.#state = "half-closed";
        this.#actions.push({ kind: "closed", reason: "peer-close-notify", detail: "the peer sent close_notify; our side may still write", alert });
        this.#wipeRead();
        return;
      }
      // During the handshake there is nothing left to say: answer with ours and end.
      this.#sendAlertRecord(1, 0);
      return this.#closed("peer-close-notify", "the peer sent close_notify", alert);
    }
    if (description === 90 && level === 1) return; // user_canceled warning: a close_notify follows
    this.#closed("peer-alert", `the peer sent alert ${description}`, {
      description,
      name: alertName(description),
      sender: "peer",
    });
  }

  #receiveQuic(bytes: Uint8Array, level: QuicLevel): void {
    const expected: QuicLevel = this.#state === "wait-client-hello" || this.#state === "wait-client-hello-2"
      ? "initial"
      : this.#state === "wait-finished" || this.#state === "wait-client-certificate" ||
          this.#state === "wait-client-certificate-verify"
      ? "handshake"
      : "application";
    if (level !== expected) {
      return this.#fail("unexpected-message", `CRYPTO data at the ${level} level while expecting ${expected}`);
    }
    if (this.#asm.buffered > 0 && this.#assemblerLevel !== level) {
      return this.#fail("unexpected-message", "a handshake message spans encryption levels");
    }
    this.#assemblerLevel = level;
    this.#asm.push(bytes); // no copy: see #drainRecords
    this.#drainMessages();
  }

  #drainMessages(): void {
    for (;;) {
      if (this.#state === "closed") return;
      const m = this.#asm.next();
      if (m.kind === "need-data") return;
      if (m.kind === "error") return this.#fail("message-too-large", m.detail);
      const message = m.message.slice();
      const body = message.subarray(TLS_HANDSHAKE_HEADER_LENGTH);
      switch (this.#state) {
        case "wait-client-hello":
        case "wait-client-hello-2": {
          if (m.msgType !== HT_CLIENT_HELLO) return this.#fail("unexpected-message", `handshake type ${m.msgType} before the ClientHello`);
          // ClientHello precedes a key change: it must end its record (RFC 8446 §5.1).
          if (this.#asm.buffered > 0) return this.#fail("unexpected-message", "data after the ClientHello in its record");
          const ch = parseClientHello(body, { dtls: false });
          if (this.#state === "wait-client-hello") this.#onClientHello1(ch, message);
          else this.#onClientHello2(ch, message);
          continue;
        }
        case "wait-client-certificate":
          if (m.msgType !== HT_CERTIFICATE) return this.#fail("unexpected-message", `handshake type ${m.msgType} instead of the client Certificate`);
          this.#onClientCertificate(message, body);
          continue;
        case "wait-client-certificate-verify":
          if (m.msgType !== HT_CERTIFICATE_VERIFY) {
            return this.#fail("unexpected-message", `handshake type ${m.msgType} instead of the client CertificateVerify`);
          }
          this.#onClientCertificateVerify(message, body);
          continue;
        case "wait-finished":
          if (m.msgType !== HT_FINISHED) return this.#fail("unexpected-message", `handshake type ${m.msgType} instead of Finished`);
          if (this.#asm.buffered > 0) return this.#fail("unexpected-message", "data after the Finished in its record");
          this.#onClientFinished(message, body);
          continue;
        case "connected":
          if (m.msgType !== HT_KEY_UPDATE || this.#quic) {
            return this.#fail("unexpected-message", `post-handshake message type ${m.msgType}`);
          }
          if (this.#asm.buffered > 0) return this.#fail("unexpected-message", "data after the KeyUpdate in its record");
          this.#onKeyUpdate(body);
          continue;
        default:
          return;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Handshake

  #onClientHello1(ch: ClientHello, message: Uint8Array): void {
    if (!this.#checkClientHello(ch)) return;
    const choice = negotiateTls13(ch, this.#opts, this.#provider);
    if (!choice.ok) return this.#fail(choice.reason, choice.detail);
    this.#hash = choice.hash;
    if (!choice.clientShare) {
      if (this.#opts.statefulRetry === false) {
        return this.#fail("handshake-failure", "no usable key share and statefulRetry is off");
      }
      // Stateful HRR: transcript = message_hash(Hash(CH1)) || HRR (RFC 8446 §4.4.1).
      const hrr = encodeStatefulHelloRetryRequest(ch.legacySessionId, choice.cipherSuite, choice.group);
      this.#binderPrefix = transcriptPrefix(this.#provider.hash(choice.hash, message), hrr);
      this.#transcript = this.#provider.runningHash(choice.hash);
      this.#transcript.update(this.#binderPrefix);
      this.#ch1 = ch;
      this.#hrrGroup = choice.group;
      this.#choice = choice;
      this.#retried = false;
      this.#skipAppDataBeforeCh2 = ch.earlyData === true && !this.#quic;
      if (this.#quic) this.#actions.push({ kind: "send", bytes: hrr, level: "initial", label: "hello_retry_request" });
      else {
        const compat = ch.legacySessionId.length > 0;
        const records = [encodeTlsRecord(CT_HANDSHAKE, 0x0303, hrr)];
        if (compat) records.push(CHANGE_CIPHER_SPEC_RECORD);
        this.#ccsSent = compat;
        this.#send(concatBytes(records), "hello_retry_request");
      }
      this.#state = "wait-client-hello-2";
      return;
    }
    this.#transcript = this.#provider.runningHash(choice.hash);
    this.#transcript.update(message);
    this.#skipEarlyData = ch.earlyData === true && !this.#quic;
    this.#serverFlight(ch, message, choice);
  }

  #onClientHello2(ch: ClientHello, message: Uint8Array): void {
    this.#skipAppDataBeforeCh2 = false;
    const ch1 = this.#ch1!;
    if (!this.#checkClientHello(ch)) return;
    if (!constantTimeEqual(ch.random, ch1.random) || !constantTimeEqual(ch.legacySessionId, ch1.legacySessionId)) {
      return this.#fail("illegal-parameter", "ClientHello2 changed random or legacy_session_id");
    }
    if (ch.earlyData) return this.#fail("illegal-parameter", "ClientHello2 offers early_data (RFC 8446 §4.2.10)");
    const shares = ch.keyShares ?? [];
    if (shares.length !== 1 || shares[0].group !== this.#hrrGroup) {
      return this.#fail("illegal-parameter", "ClientHello2 must carry exactly one share of the requested group");
    }
    this.#transcript!.update(message);
    // #checkClientHello and the early_data refusal already ran above.
    this.#afterRetry(ch, message, { cipherSuite: this.#choice!.cipherSuite, group: this.#hrrGroup! });
    this.#ch1 = undefined;
  }

  /** Checks shared by every ClientHello; false when the engine closed. */
  #checkClientHello(ch: ClientHello): boolean {
    if (this.#quic) {
      const tp = ch.extensions.find((e) => e.type === 57);
      if (!tp) {
        this.#fail("missing-extension", "QUIC ClientHello without quic_transport_parameters (RFC 9001 §8.2)");
        return false;
      }
      this.#peerTransportParameters = tp.data.slice();
      if (ch.legacySessionId.length > 0) {
        this.#fail("illegal-parameter", "QUIC ClientHello with a legacy_session_id (RFC 9001 §8.4)");
        return false;
      }
    }
    this.#clientRecordSizeLimit = ch.recordSizeLimit;
    return true;
  }

  /** ClientHello2 after the gate's stateless HRR: the checks #onClientHello2 makes for our own HRR, then the flight. */
  #onGateClientHello2(ch: ClientHello, message: Uint8Array, pinned: { cipherSuite: number; group: number }): void {
    if (!this.#checkClientHello(ch)) return;
    if (ch.earlyData) return this.#fail("illegal-parameter", "early_data after a HelloRetryRequest (RFC 8446 §4.2.10)");
    this.#afterRetry(ch, message, pinned);
  }

  /** After a (stateless or stateful) retry, ClientHello2 checked: negotiate with the suite and group fixed, then the flight. */
  #afterRetry(ch: ClientHello, message: Uint8Array, pinned: { cipherSuite: number; group: number }): void {
    const choice = negotiateTls13(ch, this.#opts, this.#provider, pinned);
    if (!choice.ok) return this.#fail(choice.reason, choice.detail);
    this.#serverFlight(ch, message, choice);
  }

  #serverFlight(ch: ClientHello, message: Uint8Array, c: Tls13Choice): void {
    const p = this.#provider;
    const hash = c.hash;
    this.#choice = c;
    this.#hash = hash;
    const t = this.#transcript!;
    // Resumption (opt-in): a ticket of ours whose binder verifies; otherwise a full handshake.
    const tickets = this.#opts.sessionTickets;
    // Tickets carry no client identity: with client authentication, never resume.
    const resumption = tickets && !this.#opts.clientAuth
      ? selectResumption(p, ch, message, this.#binderPrefix, hash, [tickets.key, ...(tickets.previousKeys ?? [])], this.#now)
      : { kind: "none" as const };
    if (resumption.kind === "fail") return this.#fail(resumption.reason, resumption.detail);
    const resumed = resumption.kind === "accept";
    const kx = p.encapsulate(c.group, c.clientShare!);
    if (!kx) return this.#fail("illegal-parameter", "the client's key share is not valid for its group");
    const serverHello = encodeServerHello({
      random: p.random(32),
      sessionIdEcho: ch.legacySessionId,
      cipherSuite: c.cipherSuite,
      group: c.group,
      keyShare: kx.share,
      selectedIdentity: resumed ? resumption.index : undefined,
    });
    t.update(serverHello);
    const hs = handshakeSecrets(p, hash, kx.secret, t.digest(), resumed ? resumption.ticket.psk : undefined);
    kx.secret.fill(0);
    this.#resumed = resumed;
    this.#signatureScheme = resumed ? resumption.ticket.signatureScheme : c.signatureScheme;

    const limit = this.#opts.recordSizeLimit ?? MAX_TLS13_PLAINTEXT + 1;
    const ee = encodeEncryptedExtensions({
      serverNameAck: ch.serverName !== undefined,
      alpn: c.alpn,
      recordSizeLimit: !this.#quic && ch.recordSizeLimit !== undefined ? limit : undefined,
      quicTransportParameters: this.#quic ? this.#opts.quicTransportParameters : undefined,
    });
    t.update(ee);
    const flight = [ee];
    const askClient = this.#opts.clientAuth !== undefined && !resumed;
    if (askClient) {
      const cr = encodeCertificateRequest(this.#opts.clientAuth!.signatureAlgorithms ?? DEFAULT_CLIENT_SIGNATURE_ALGORITHMS);
      t.update(cr);
      flight.push(cr);
    }
    if (!resumed) {
      // A PSK handshake authenticates through the PSK: no Certificate / CertificateVerify (RFC 8446 §2.2).
      const cert = encodeCertificate(c.certificate.chain);
      t.update(cert);
      const signature = c.certificate.key.sign(c.signatureScheme, certificateVerifyContent(t.digest()));
      const cv = encodeCertificateVerify(c.signatureScheme, signature);
      t.update(cv);
      flight.push(cert, cv);
    }
    const fin = encodeFinished(finishedVerifyData(p, hash, hs.serverHandshakeTrafficSecret, t.digest()));
    t.update(fin);
    const serverFinishedHash = t.digest();
    const app = applicationSecrets(p, hash, hs.masterSecret, serverFinishedHash);
    this.#clientAppSecret = app.clientApplicationTrafficSecret;
    this.#serverAppSecret = app.serverApplicationTrafficSecret;
    this.#exporterSecret = app.exporterMasterSecret;
    this.#clientHsSecret = hs.clientHandshakeTrafficSecret;
    flight.push(fin);
    const encrypted = concatBytes(flight);

    if (this.#quic) {
      this.#actions.push({ kind: "send", bytes: serverHello, level: "initial", label: "server_hello" });
      this.#actions.push(secretsAction("handshake", c.cipherSuite, hs.clientHandshakeTrafficSecret, hs.serverHandshakeTrafficSecret));
      this.#actions.push({ kind: "send", bytes: encrypted, level: "handshake", label: "server-flight" });
      this.#actions.push(secretsAction("application", c.cipherSuite, app.clientApplicationTrafficSecret, app.serverApplicationTrafficSecret));
    } else {
      const parts = [encodeTlsRecord(CT_HANDSHAKE, 0x0303, serverHello)];
      if (ch.legacySessionId.length > 0 && !this.#ccsSent) {
        parts.push(CHANGE_CIPHER_SPEC_RECORD);
        this.#ccsSent = true;
      }
      const hsWrite = new Tls13RecordProtection(p, c.cipherSuite, hs.serverHandshakeTrafficSecret);
      const max = this.#maxContent();
      for (let i = 0; i < encrypted.length; i += max) parts.push(hsWrite.seal(CT_HANDSHAKE, encrypted.subarray(i, i + max)));
      this.#send(concatBytes(parts), "server-flight");
      this.#write = new Tls13RecordProtection(p, c.cipherSuite, app.serverApplicationTrafficSecret);
      this.#read = new Tls13RecordProtection(p, c.cipherSuite, hs.clientHandshakeTrafficSecret, this.#receiveLimit(ch));
    }
    hs.serverHandshakeTrafficSecret.fill(0);
    hs.handshakeSecret.fill(0);
    // Kept only to derive resumption_master_secret once the client Finished is in.
    if (tickets && (tickets.count ?? 1) > 0 && !this.#opts.clientAuth) this.#masterSecret = hs.masterSecret;
    else hs.masterSecret.fill(0);
    hs.earlySecret.fill(0);
    this.#state = askClient ? "wait-client-certificate" : "wait-finished";
  }

  #receiveLimit(ch: ClientHello): number {
    // We advertise our record_size_limit only when the client offered the extension (RFC 8449 §4).
    return ch.recordSizeLimit !== undefined ? (this.#opts.recordSizeLimit ?? MAX_TLS13_PLAINTEXT + 1) : MAX_TLS13_PLAINTEXT + 1;
  }

  #maxContent(): number {
    // RFC 8449 §4: the peer's limit counts the content type byte (TLS 1.3).
    const peer = this.#clientRecordSizeLimit;
    return peer === undefined ? MAX_TLS13_PLAINTEXT : Math.min(MAX_TLS13_PLAINTEXT, peer - 1);
  }

  #onClientCertificate(message: Uint8Array, body: Uint8Array): void {
    const chain = parseClientCertificate(body);
    if (chain === "bad-context") return this.#fail("illegal-parameter", "certificate_request_context does not match ours");
    this.#transcript!.update(message);
    const auth = this.#opts.clientAuth!;
    if (chain.length === 0) {
      if (auth.mode === "require") return this.#fail("certificate-required", "the client sent no certificate");
      this.#state = "wait-finished";
      return;
    }
    let spki: Uint8Array;
    try {
      spki = parseCertificate(chain[0]).spki;
    } catch {
      return this.#fail("bad-certificate", "the client's certificate does not parse");
    }
    if (auth.verify && !auth.verify(chain)) return this.#fail("bad-certificate", "the client's certificate was refused");
    this.#peerChain = chain;
    this.#peerSpki = spki;
    this.#state = "wait-client-certificate-verify";
  }

  #onClientCertificateVerify(message: Uint8Array, body: Uint8Array): void {
    const { scheme, signature } = parseCertificateVerify(body);
    const offered = this.#opts.clientAuth!.signatureAlgorithms ?? DEFAULT_CLIENT_SIGNATURE_ALGORITHMS;
    if (!offered.includes(scheme) || isLegacySignatureScheme(scheme)) {
      return this.#fail("illegal-parameter", `client CertificateVerify with scheme 0x${scheme.toString(16)} we did not offer`);
    }
    const content = certificateVerifyContent(this.#transcript!.digest(), "client");
    if (!this.#provider.verify(scheme, this.#peerSpki!, content, signature)) {
      return this.#fail("decrypt-error", "the client's CertificateVerify does not verify");
    }
    this.#transcript!.update(message);
    this.#state = "wait-finished";
  }

  #onClientFinished(message: Uint8Array, body: Uint8Array): void {
    // Transcript-Hash(ClientHello..server Finished [, client Certificate, CertificateVerify]).
    const expected = finishedVerifyData(this.#provider, this.#hash, this.#clientHsSecret!, this.#transcript!.digest());
    if (body.length !== expected.length) {
      return this.#fail("decode-error", `Finished of ${body.length} bytes`);
    }
    if (!constantTimeEqual(body, expected)) {
      return this.#fail("decrypt-error", "the client Finished does not verify");
    }
    this.#transcript!.update(message);
    this.#clientHsSecret?.fill(0);
    this.#clientHsSecret = undefined;
    const c = this.#choice!;
    if (!this.#quic) {
      this.#read = new Tls13RecordProtection(this.#provider, c.cipherSuite, this.#clientAppSecret!, this.#read!.receiveLimit);
    }
    this.#skipEarlyData = false;
    this.#state = "connected";
    this.#summary = {
      protocol: "tls1.3",
      cipherSuite: c.cipherSuite,
      group: c.group,
      signatureScheme: this.#signatureScheme,
      alpn: c.alpn,
      sni: c.sni,
      retried: this.#retried,
      peer: this.#peer,
      ...(this.#peerChain
        ? {
          peerCertificates: this.#peerChain,
          peerCertificateFingerprint: fingerprintHex(this.#provider.hash("sha256", this.#peerChain[0])),
        }
        : {}),
    };
    this.#actions.push({ kind: "handshake-complete", summary: this.#summary });
    this.#issueTickets();
  }

  /** True when this connection resumed a session from one of our tickets. */
  get resumed(): boolean {
    return this.#resumed;
  }

  /** NewSessionTickets after the client Finished (opt-in `sessionTickets`, RFC 8446 §4.6.1). */
  #issueTickets(): void {
    const opts = this.#opts.sessionTickets;
    const master = this.#masterSecret;
    this.#masterSecret = undefined;
    if (!opts || !master || this.#now === undefined) {
      master?.fill(0);
      return;
    }
    const now = this.#now;
    const p = this.#provider, hash = this.#hash, c = this.#choice!;
    const resMaster = resumptionMasterSecret(p, hash, master, this.#transcript!.digest());
    master.fill(0);
    const lifetime = opts.lifetimeSeconds ?? 7200;
    const messages: Uint8Array[] = [];
    for (let i = 0; i < (opts.count ?? 1); i++) {
      const nonce = new Uint8Array([i]);
      const psk = resumptionPsk(p, hash, resMaster, nonce);
      const r = p.random(4);
      const ageAdd = ((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0;
      const ticket = sealTicket(p, opts.key, {
        cipherSuite: c.cipherSuite,
        issuedAt: now,
        lifetimeSeconds: lifetime,
        ageAdd,
        signatureScheme: this.#signatureScheme,
        psk,
        serverName: c.sni ?? "",
      });
      psk.fill(0);
      messages.push(encodeNewSessionTicket(lifetime, ageAdd, nonce, ticket));
    }
    resMaster.fill(0);
    if (messages.length === 0) return;
    const bytes = concatBytes(messages);
    if (this.#quic) this.#actions.push({ kind: "send", bytes, level: "application", label: "new_session_ticket" });
    else this.#send(this.#write!.seal(CT_HANDSHAKE, bytes), "new_session_ticket");
  }

  #onKeyUpdate(body: Uint8Array): void {
    const v = decodeKeyUpdate(body);
    if (v === "decode-error") return this.#fail("decode-error", "KeyUpdate body is not one byte");
    if (v === "illegal-parameter") return this.#fail("illegal-parameter", "KeyUpdate request_update out of range");
    if (++this.#keyUpdatesInRow > (this.#opts.maxKeyUpdates ?? 64)) {
      return this.#fail("key-update-flood", `more than ${this.#opts.maxKeyUpdates ?? 64} KeyUpdates without application data`);
    }
    const c = this.#choice!;
    const next = nextTrafficSecret(this.#provider, this.#hash, this.#clientAppSecret!);
    this.#clientAppSecret!.fill(0);
    this.#clientAppSecret = next;
    this.#read = new Tls13RecordProtection(this.#provider, c.cipherSuite, next, this.#read!.receiveLimit);
    // Answer each update_requested with one KeyUpdate(update_not_requested), never with a request
    // of our own (no ping-pong), before any further application data (RFC 8446 §4.6.3). RFC 8446
    // lets a silent receiver coalesce several requests into one answer; answering each keeps
    // strict peers (tlsfuzzer's "multiple KeyUpdate messages") happy and costs the same, and the
    // count is bounded by `maxKeyUpdates` anyway.
    if (v) this.#sendKeyUpdate(false);
  }

  #sendKeyUpdate(requestPeer: boolean): void {
    const c = this.#choice!;
    this.#send(this.#write!.seal(CT_HANDSHAKE, encodeKeyUpdate(requestPeer)), "key_update");
    const next = nextTrafficSecret(this.#provider, this.#hash, this.#serverAppSecret!);
    this.#serverAppSecret!.fill(0);
    this.#serverAppSecret = next;
    this.#write = new Tls13RecordProtection(this.#provider, c.cipherSuite, next);
  }

  // ---------------------------------------------------------------------------------------------
  // Output

  #send(bytes: Uint8Array, label: string): void {
    this.#actions.push({ kind: "send", bytes, label });
  }

  #sendAlertRecord(level: number, description: number): void {
    if (this.#quic) return;
    const content = new Uint8Array([level, description]);
    const bytes = this.#write ? this.#write.seal(CT_ALERT, content) : encodeTlsRecord(CT_ALERT, 0x0303, content);
    this.#actions.push({ kind: "send", bytes, label: "alert" });
  }

  #fail(reason: Tls13CloseReason, detail: string): void {
    if (this.#state === "closed" || this.#state === "half-closed") return;
    const alert = TLS13_CLOSE_ALERTS[reason];
    if (alert) this.#sendAlertRecord(reason === "local-close" ? 1 : 2, alert.description);
    this.#closed(reason, detail, alert ? { description: alert.description, name: alert.name, sender: "us" } : undefined);
  }

  #closed(
    reason: Tls13CloseReason,
    detail: string,
    alert: { description: number; name: string; sender: "us" | "peer" } | undefined,
  ): void {
    this.#state = "closed";
    this.#actions.push(alert ? { kind: "closed", reason, detail, alert } : { kind: "closed", reason, detail });
    this.#wipe();
  }

  /** Forgets what only reading needs (after the peer's close_notify). */
  #wipeRead(): void {
    this.#clientAppSecret?.fill(0);
    this.#clientAppSecret = undefined;
    this.#read = undefined;
    this.#reader.clear();
  }

  #wipe(): void {
    for (const s of [this.#clientAppSecret, this.#serverAppSecret, this.#clientHsSecret, this.#exporterSecret, this.#masterSecret]) s?.fill(0);
    this.#clientAppSecret = this.#serverAppSecret = this.#clientHsSecret = this.#exporterSecret = this.#masterSecret = undefined;
    this.#read = this.#write = undefined;
    this.#transcript = undefined;
    this.#reader.clear();
  }
}


