/**
 * The DTLS 1.2 server engine: what `SSL_accept()` does after `DTLSv1_listen()`, sans-I/O.
 *
 * Built from the datagram gate's `accepted` outcome (the verified ClientHello2, its record
 * sequence number and message_seq), it sends flight 4 (ServerHello, Certificate,
 * ServerKeyExchange, optional CertificateRequest, ServerHelloDone), takes the client's
 * flight 5 (Certificate, ClientKeyExchange, CertificateVerify, ChangeCipherSpec, Finished),
 * answers with flight 6 (ChangeCipherSpec, Finished) and then carries application data.
 *
 * The state machine, in the order messages must come (RFC 5246 §7.3, RFC 6347 §4.2.4):
 *
 * ```
 * wait-certificate (client auth on) -> wait-key-exchange -> wait-certificate-verify (client sent a cert)
 *   -> wait-change-cipher-spec -> wait-finished -> established -> closed
 * ```
 *
 * Drive it like every engine (`core/handshake/actions.ts`): `receive(datagram, now)`, then
 * `poll()` until `need-data`; a `timer` action asks for `handleTimeout(now)` at `at`. Remote
 * input never throws: records that fail authentication or replay checks are dropped silently
 * (counted in {@link Dtls12Server.stats}); protocol violations end the connection with the
 * alert {@link DTLS12_CLOSE_ALERT} names. Secrets (master secret, keys) stay in private fields
 * and never appear in JSON or inspection output.
 *
 * @module
 */
import type { AcceptedOutcome } from "../../gate/outcome.ts";
import type { CryptoProvider, EphemeralKey, RunningHash, SigningKey } from "../../crypto/provider.ts";
import { portableProvider } from "../../crypto/portable.ts";
import type { EngineAction, HandshakeEngine, HandshakeSummary } from "../actions.ts";
import { ContentType, HandshakeType } from "../../constants/protocol.ts";
import { ExtensionType } from "../../constants/extensions.ts";
import { NamedGroup } from "../../constants/groups.ts";
import { findExtension } from "../../messages/client_hello.ts";
import { DTLS_RECORD_HEADER_LENGTH, type DtlsRecord, encodeDtlsRecord, readDtlsRecord } from "../../wire/record.ts";
import { DTLS_HANDSHAKE_HEADER_LENGTH, encodeDtlsHandshake, readDtlsHandshakeFragment } from "../../wire/handshake_header.ts";
import { Writer } from "../../wire/writer.ts";
import { DecodeError } from "../../wire/decode_error.ts";
import { Dtls12RecordCipher } from "../../record/dtls12_protection.ts";
import { ReplayWindow } from "../../record/dtls12_replay_window.ts";
import { HandshakeReassembler, type ReassembledMessage } from "../../record/dtls12_reassembler.ts";
import { authOfKey, type Dtls12Suite, DTLS12_SUITES, selectDtls12Suite } from "./suites.ts";
import { exportKeyingMaterial, finishedVerifyData, keyBlock, masterSecret } from "./prf.ts";
import {
  encodeCertificate,
  encodeCertificateRequest,
  encodeEcdhParams,
  encodeServerHello,
  encodeServerKeyExchange,
  type ServerExtension,
  serverKeyExchangeSignedData,
} from "./server_messages.ts";
import { decodeCertificate, decodeCertificateVerify, decodeClientKeyExchange, decodeFinished } from "./client_messages.ts";
import { formatFingerprint } from "./fingerprint.ts";
import { parseCertificate } from "../../pki/x509.ts";
import { encodeServerUseSrtp, selectSrtpProfile, SrtpProfile } from "./srtp.ts";
import { changeCipherSpecRecord, type FlightRecord, fragmentMessage, maxRecordPlaintext, packDatagrams } from "./flight.ts";
import { RetransmitTimer } from "./retransmit_timer.ts";
import { alertName, DTLS12_CLOSE_ALERT, type Dtls12CloseReason } from "./close_reasons.ts";
import { constantTimeEqual } from "../tls13/finished.ts";

/** DTLS 1.2 wire version. */
const DTLS12 = 0xfefd;

/** Who must present a certificate. */
export type ClientAuthMode = "off" | "request" | "require";

/** Configuration of a {@link Dtls12Server}. Shareable between connections. */
export interface Dtls12ServerOptions {
  /** Our certificate chain, DER, leaf first. */
  readonly certificateChain: readonly Uint8Array[];
  /** The leaf's private key (from `provider.importSigningKey`). */
  readonly signingKey: SigningKey;
  /** Crypto provider (default {@link portableProvider}). */
  readonly provider?: CryptoProvider;
  /** Cipher suites in preference order (default: every ECDHE suite in {@link DTLS12_SUITES}). */
  readonly cipherSuites?: readonly number[];
  /** Groups in preference order (default x25519, secp256r1, secp384r1). */
  readonly groups?: readonly number[];
  /** Largest datagram we send, in bytes (default 1200; at least 128). */
  readonly mtu?: number;
  /** Client certificates: not asked for (default), requested, or required. */
  readonly clientAuth?: ClientAuthMode;
  /** SRTP profiles we accept, in preference order (default AEAD_AES_128_GCM, AEAD_AES_256_GCM, AES128_CM_SHA1_80, AES128_CM_SHA1_32); `[]` disables use_srtp. */
  readonly srtpProfiles?: readonly number[];
  /**
   * ALPN protocols we speak, in preference order (RFC 7301). When set and the client offers
   * ALPN, the first of ours it offers is selected; none in common ends with
   * no_application_protocol. Unset: ALPN is ignored.
   */
  readonly alpnProtocols?: readonly string[];
  /** Refuse clients without the extended master secret (RFC 7627), default true. */
  readonly requireExtendedMasterSecret?: boolean;
  /** Retransmission timer: first timeout in ms (default 1000). */
  readonly initialRetransmitMs?: number;
  /** Retransmission timer: cap in ms (default 60 000). */
  readonly maxRetransmitMs?: number;
  /** Retransmissions of one flight before giving up with `handshake-timeout` (default 6, about 2 minutes). */
  readonly maxRetransmissions?: number;
}

/** Where the engine is. */
export type Dtls12ServerState =
  | "wait-certificate"
  | "wait-key-exchange"
  | "wait-certificate-verify"
  | "wait-change-cipher-spec"
  | "wait-finished"
  | "established"
  | "closed";

/** Counters of what the engine dropped or repeated (safe to log). */
export interface Dtls12ServerStats {
  /** Protected records that failed authentication. */
  badRecords: number;
  /** Records rejected by the anti-replay window. */
  replayedRecords: number;
  /** Records that did not parse, or came for an epoch we cannot read. */
  droppedRecords: number;
  /** Flights we sent again (timer or peer retransmission). */
  retransmissions: number;
}

const DEFAULT_GROUPS = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];
const DEFAULT_SRTP = [
  SrtpProfile.SRTP_AEAD_AES_128_GCM,
  SrtpProfile.SRTP_AEAD_AES_256_GCM,
  SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_80,
  SrtpProfile.SRTP_AES128_CM_HMAC_SHA1_32,
];
/** SignatureSchemes we accept in a client's CertificateVerify. */
const CLIENT_SCHEMES = [0x0403, 0x0503, 0x0807, 0x0804, 0x0805, 0x0401, 0x0501];
/** Epoch-1 records held while the ChangeCipherSpec is still missing (reordering). */
const MAX_EARLY_RECORDS = 8;

/** Raised internally to end the connection; never escapes the engine. */
class Abort {
  readonly reason: Dtls12CloseReason;
  readonly detail: string;
  constructor(reason: Dtls12CloseReason, detail: string) {
    this.reason = reason;
    this.detail = detail;
  }
}

/**
 * A DTLS 1.2 server connection after the cookie exchange.
 *
 * @example
 * ```ts
 * import { Dtls12Server } from "./server.ts";
 * import type { AcceptedOutcome } from "../../gate/outcome.ts";
 * import type { SigningKey } from "../../crypto/provider.ts";
 * declare const accepted: AcceptedOutcome; // from DatagramListener.receive
 * declare const certificate: Uint8Array, signingKey: SigningKey;
 * const conn = new Dtls12Server(accepted, { certificateChain: [certificate], signingKey }, Date.now());
 * for (let a = conn.poll(); a.kind !== "need-data"; a = conn.poll()) {
 *   if (a.kind === "send") console.log("send", a.bytes.length); // socket.send(a.bytes)
 * }
 * ```
 */
export class Dtls12Server implements HandshakeEngine<Dtls12CloseReason> {
  readonly #provider: CryptoProvider;
  readonly #options: Dtls12ServerOptions;
  readonly #accepted: AcceptedOutcome;
  readonly #mtu: number;
  readonly #actions: EngineAction<Dtls12CloseReason>[] = [];
  readonly #timer: RetransmitTimer;
  readonly #reassembler: HandshakeReassembler;
  /** Raw handshake messages, kept only while a CertificateVerify may need them (client auth). */
  #transcript: Writer | undefined;
  /** Running hash of the transcript, from the suite's selection on. */
  #transcriptRunning: RunningHash | undefined;
  readonly #clientRandom: Uint8Array;
  readonly #serverRandom: Uint8Array;
  #state: Dtls12ServerState = "wait-key-exchange";
  #suite: Dtls12Suite | undefined;
  #group = 0;
  #scheme = 0;
  #srtpProfile: number | undefined;
  #alpn: string | undefined;
  #ems = false;
  #ephemeral: EphemeralKey | undefined;
  #master: Uint8Array | undefined;
  #readCipher: Dtls12RecordCipher | undefined;
  #writeCipher: Dtls12RecordCipher | undefined;
  #readEpoch = 0;
  #writeEpoch = 0;
  readonly #writeSeq = [0, 0];
  readonly #replay = new ReplayWindow(); // epoch 1
  #nextServerSeq: number;
  #flight: FlightRecord[] = [];
  #flightIsFinal = false;
  #ccsPending = false;
  #earlyRecords: Uint8Array[] = [];
  #peerCertificates: Uint8Array[] = [];
  #peerSpki: Uint8Array | undefined;
  #fingerprint: string | undefined;
  #summary: HandshakeSummary | undefined;
  #retransmittedFor = -1;
  /** Dropped and repeated records. */
  readonly stats: Dtls12ServerStats = { badRecords: 0, replayedRecords: 0, droppedRecords: 0, retransmissions: 0 };

  /**
   * Negotiates from the accepted ClientHello and queues flight 4 (or a fatal alert when nothing
   * can be negotiated). Throws only on misuse: an accepted outcome that is not DTLS 1.2, no
   * certificate, or bad options.
   */
  constructor(accepted: AcceptedOutcome, options: Dtls12ServerOptions, now: number) {
    if (accepted.protocol !== "dtls1.2" || !accepted.sequencing) {
      throw new TypeError(`hellogate: Dtls12Server needs a DTLS 1.2 accepted outcome, got ${accepted.protocol}`);
    }
    if (!options?.certificateChain?.length || !options.signingKey) {
      throw new TypeError("hellogate: Dtls12Server needs certificateChain and signingKey");
    }
    this.#mtu = options.mtu ?? 1200;
    if (!(this.#mtu >= 128 && this.#mtu <= 65_507)) throw new RangeError("hellogate: mtu must be 128..65507");
    this.#options = options;
    this.#provider = options.provider ?? portableProvider;
    this.#accepted = accepted;
    this.#timer = new RetransmitTimer({
      initialMs: options.initialRetransmitMs,
      maxMs: options.maxRetransmitMs,
      maxRetransmissions: options.maxRetransmissions,
    });
    const seq = accepted.sequencing;
    this.#writeSeq[0] = seq.recordSequence;
    this.#nextServerSeq = seq.nextServerMessageSeq;
    this.#reassembler = new HandshakeReassembler({ firstMessageSeq: seq.clientMessageSeq + 1 });
    this.#clientRandom = accepted.clientHello.random.slice();
    this.#serverRandom = this.#provider.random(32);
    try {
      this.#negotiateAndSendFlight4(now);
    } catch (e) {
      this.#handleAbort(e, true);
      return;
    }
    if (accepted.remainder.length > 0) this.receive(accepted.remainder, now);
  }

  #isClosed(): boolean {
    return this.#state === "closed";
  }

  /** Current state. */
  get state(): Dtls12ServerState {
    return this.#state;
  }

  /** The negotiated summary, once the handshake completed. */
  get summary(): HandshakeSummary | undefined {
    return this.#summary;
  }

  /** When the retransmission timer is due (absolute ms), if armed. */
  get timerDue(): number | undefined {
    return this.#timer.due;
  }

  /** The selected suite, after negotiation. */
  get cipherSuite(): number | undefined {
    return this.#suite?.code;
  }

  // ------------------------------------------------------------------------------------------
  // negotiation and flight 4

  #negotiateAndSendFlight4(now: number): void {
    const o = this.#options, ch = this.#accepted.clientHello, key = o.signingKey;
    if (!Array.from(ch.compressionMethods).includes(0)) throw new Abort("bad-client-hello", "null compression not offered");
    const auth = authOfKey(key.kind);
    if (!auth) throw new TypeError(`hellogate: a ${key.kind} key cannot serve DTLS 1.2 ECDHE suites`);
    const suite = selectDtls12Suite(ch.cipherSuites, o.cipherSuites ?? DTLS12_SUITES.map((s) => s.code), auth);
    if (!suite) throw new Abort("no-common-cipher-suite", `client offers ${ch.cipherSuites.length} suites, none usable with a ${key.kind} key`);
    this.#suite = suite;
    this.#transcriptRunning = this.#provider.runningHash(suite.hash);
    this.#transcriptRunning.update(this.#accepted.clientHelloMessage);
    if ((o.clientAuth ?? "off") !== "off") this.#transcript = new Writer(4096).bytes(this.#accepted.clientHelloMessage);
    const offeredGroups = ch.supportedGroups ?? [NamedGroup.secp256r1];
    const group = (o.groups ?? DEFAULT_GROUPS).find((g) => offeredGroups.includes(g) && this.#provider.supportsGroup(g));
    if (group === undefined) throw new Abort("no-common-group", `client groups ${offeredGroups.join(",")}`);
    this.#group = group;
    const schemes = ch.signatureAlgorithms;
    const scheme = schemes ? key.schemes.find((s) => schemes.includes(s)) : key.schemes[0];
    if (scheme === undefined) throw new Abort("no-signature-scheme", `key signs with ${key.schemes.join(",")}`);
    this.#scheme = scheme;
    this.#ems = findExtension(ch, ExtensionType.extended_master_secret) !== undefined;
    if (!this.#ems && (o.requireExtendedMasterSecret ?? true)) {
      throw new Abort("missing-extended-master-secret", "client did not offer extended_master_secret");
    }
    const extensions: ServerExtension[] = [];
    const reneg = findExtension(ch, ExtensionType.renegotiation_info);
    if (reneg && !(reneg.data.length === 1 && reneg.data[0] === 0)) {
      throw new Abort("bad-client-hello", "renegotiation_info must be empty on an initial handshake");
    }
    if (reneg || ch.cipherSuites.includes(0x00ff)) {
      extensions.push({ type: ExtensionType.renegotiation_info, data: new Uint8Array([0]) });
    }
    if (this.#ems) extensions.push({ type: ExtensionType.extended_master_secret, data: new Uint8Array(0) });
    if (findExtension(ch, ExtensionType.ec_point_formats)) {
      extensions.push({ type: ExtensionType.ec_point_formats, data: new Uint8Array([1, 0]) });
    }
    if (o.alpnProtocols && ch.alpn) {
      const offered = ch.alpn;
      this.#alpn = o.alpnProtocols.find((p) => offered.includes(p));
      if (this.#alpn === undefined) throw new Abort("no-application-protocol", `client offers ${offered.join(",")}`);
      // ProtocolNameList with the one selected name (RFC 7301 §3.1).
      const name = new TextEncoder().encode(this.#alpn);
      const data = new Writer(3 + name.length).nested(2, (w) => w.vector(1, name)).finish();
      extensions.push({ type: ExtensionType.application_layer_protocol_negotiation, data });
    }
    if (ch.useSrtp) {
      this.#srtpProfile = selectSrtpProfile(ch.useSrtp.profiles, o.srtpProfiles ?? DEFAULT_SRTP);
      if (this.#srtpProfile !== undefined) {
        extensions.push({ type: ExtensionType.use_srtp, data: encodeServerUseSrtp(this.#srtpProfile) });
      }
    }

    this.#ephemeral = this.#provider.generateKeyShare(group);
    const params = encodeEcdhParams(group, this.#ephemeral.publicKey);
    const signature = key.sign(scheme, serverKeyExchangeSignedData(this.#clientRandom, this.#serverRandom, params));
    const bodies: [number, Uint8Array][] = [
      [HandshakeType.server_hello, encodeServerHello(DTLS12, this.#serverRandom, new Uint8Array(0), suite.code, extensions)],
      [HandshakeType.certificate, encodeCertificate(o.certificateChain)],
      [12, encodeServerKeyExchange(params, scheme, signature)],
    ];
    const clientAuth = o.clientAuth ?? "off";
    if (clientAuth !== "off") {
      bodies.push([HandshakeType.certificate_request, encodeCertificateRequest([64, 1], CLIENT_SCHEMES)]);
      this.#state = "wait-certificate";
    }
    bodies.push([14, new Uint8Array(0)]); // server_hello_done
    const records: FlightRecord[] = [];
    const room = maxRecordPlaintext(this.#mtu, 0);
    for (const [msgType, body] of bodies) {
      const messageSeq = this.#nextServerSeq++;
      records.push(...fragmentMessage({ msgType, messageSeq, body, epoch: 0 }, room));
      this.#transcriptPush(encodeDtlsHandshake(msgType, messageSeq, body));
    }
    this.#flight = records;
    this.#flightIsFinal = false;
    this.#transmitFlight("flight-4");
    this.#actions.push({ kind: "timer", at: this.#timer.start(now) });
  }

  #transcriptPush(message: Uint8Array): void {
    this.#transcriptRunning!.update(message);
    this.#transcript?.bytes(message);
  }

  #transcriptHash(): Uint8Array {
    return this.#transcriptRunning!.digest();
  }

  // ------------------------------------------------------------------------------------------
  // records out

  #encodeRecord(type: number, epoch: number, payload: Uint8Array): Uint8Array {
    const seq = this.#writeSeq[epoch]++;
    if (epoch === 0) return encodeDtlsRecord(type, DTLS12, 0, seq, payload);
    return this.#writeCipher!.seal(type, DTLS12, epoch, seq, payload);
  }

  #transmitFlight(label: string): void {
    const encoded = this.#flight.map((r) => this.#encodeRecord(r.type, r.epoch, r.payload));
    for (const d of packDatagrams(encoded, this.#mtu)) {
      this.#actions.push({ kind: "send", bytes: d, epoch: this.#writeEpoch, label });
    }
  }

  #sendAlert(level: 1 | 2, description: number): void {
    const bytes = this.#encodeRecord(ContentType.alert, this.#writeEpoch, new Uint8Array([level, description]));
    this.#actions.push({ kind: "send", bytes, epoch: this.#writeEpoch, label: "alert" });
  }

  /** Ends the connection for `e`; in the constructor, option misuse (TypeError/RangeError) is rethrown. */
  #handleAbort(e: unknown, rethrowMisuse = false): void {
    if (e instanceof Abort) this.#fail(e.reason, e.detail);
    else if (rethrowMisuse && (e instanceof TypeError || e instanceof RangeError)) throw e;
    else this.#fail("internal-error", e instanceof Error ? e.message : String(e));
  }

  #fail(reason: Dtls12CloseReason, detail: string, peerAlert?: number): void {
    if (this.#state === "closed") return;
    const description = DTLS12_CLOSE_ALERT[reason];
    if (description !== undefined) this.#sendAlert(description === 0 ? 1 : 2, description);
    this.#finish(reason, detail, peerAlert !== undefined
      ? { description: peerAlert, name: alertName(peerAlert), sender: "peer" }
      : description !== undefined
      ? { description, name: alertName(description), sender: "us" }
      : undefined);
  }

  #finish(
    reason: Dtls12CloseReason,
    detail: string,
    alert: { description: number; name: string; sender: "us" | "peer" } | undefined,
  ): void {
    this.#state = "closed";
    this.#ephemeral = undefined;
    if (this.#timer.due !== undefined) {
      this.#timer.stop();
      this.#actions.push({ kind: "timer", at: undefined });
    }
    this.#actions.push(alert ? { kind: "closed", reason, detail, alert } : { kind: "closed", reason, detail });
  }

  // ------------------------------------------------------------------------------------------
  // records in

  /**
   * Feeds one datagram from the peer at time `now` (ms). Malformed, unauthenticated and
   * replayed records are dropped; input after the connection closed is ignored.
   */
  receive(datagram: Uint8Array, now: number): void {
    if (this.#state === "closed") return;
    this.#retransmittedFor = -1;
    try {
      let offset = 0;
      while (offset < datagram.length && !this.#isClosed()) {
        let rec;
        try {
          rec = readDtlsRecord(datagram, offset);
        } catch {
          this.stats.droppedRecords++;
          return;
        }
        offset += DTLS_RECORD_HEADER_LENGTH + rec.fragment.length;
        if (rec.version >>> 8 !== 0xfe) {
          this.stats.droppedRecords++;
          continue;
        }
        this.#record(rec, datagram, now);
      }
    } catch (e) {
      this.#handleAbort(e);
    }
  }

  #record(rec: DtlsRecord, datagram: Uint8Array, now: number): void {
    const { contentType: type, version, epoch, sequence: seq, fragment } = rec;
    let plaintext: Uint8Array;
    if (epoch === 0) {
      // No replay window for plaintext records: nothing authenticates their sequence numbers, so
      // a corrupted copy could shadow the genuine record. Handshake messages are deduplicated by
      // message_seq, and after the handshake epoch 0 carries nothing we act on but retransmissions.
      plaintext = fragment;
    } else if (epoch === 1) {
      if (this.#readEpoch < 1) {
        // Reordered ahead of the ChangeCipherSpec: hold a few, open them once it arrives.
        if (this.#earlyRecords.length < MAX_EARLY_RECORDS) {
          this.#earlyRecords.push(datagram.slice(rec.offset, rec.offset + DTLS_RECORD_HEADER_LENGTH + fragment.length));
        } else this.stats.droppedRecords++;
        return;
      }
      if (!this.#replay.isFresh(seq)) {
        this.stats.replayedRecords++;
        return;
      }
      const opened = this.#readCipher!.open(type, version, epoch, seq, fragment);
      if (!opened) {
        this.stats.badRecords++;
        return;
      }
      this.#replay.mark(seq);
      plaintext = opened;
    } else {
      this.stats.droppedRecords++;
      return;
    }
    switch (type) {
      case ContentType.handshake:
        this.#handshakeRecord(plaintext, epoch, now);
        return;
      case ContentType.change_cipher_spec:
        if (epoch !== 0 || plaintext.length !== 1 || plaintext[0] !== 1) {
          this.stats.droppedRecords++; // invalid records are discarded (RFC 6347 §4.1.2.7)
          return;
        }
        this.#changeCipherSpec(now);
        return;
      case ContentType.alert:
        this.#alert(plaintext, epoch);
        return;
      case ContentType.application_data:
        if (epoch === 1 && this.#state === "established") {
          this.#actions.push({ kind: "application-data", data: plaintext.slice() });
        } else this.stats.droppedRecords++;
        return;
      default:
        this.stats.droppedRecords++;
    }
  }

  #alert(plaintext: Uint8Array, epoch: number): void {
    // After the handshake only protected alerts count: a plaintext one could be spoofed.
    if (plaintext.length !== 2 || (this.#state === "established" && epoch === 0)) {
      this.stats.droppedRecords++;
      return;
    }
    const [level, description] = plaintext;
    if (description === 0) {
      this.#sendAlert(1, 0);
      this.#finish("peer-closed", "peer sent close_notify", { description: 0, name: "close_notify", sender: "peer" });
    } else if (level === 2) {
      this.#finish("peer-alert", `peer sent fatal ${alertName(description)}`, {
        description,
        name: alertName(description),
        sender: "peer",
      });
    }
    // Warning alerts other than close_notify (e.g. no_renegotiation) are ignored.
  }

  #handshakeRecord(plaintext: Uint8Array, epoch: number, now: number): void {
    let offset = 0;
    while (offset < plaintext.length) {
      let frag;
      try {
        frag = readDtlsHandshakeFragment(plaintext, offset);
      } catch {
        this.stats.droppedRecords++;
        return;
      }
      offset += DTLS_HANDSHAKE_HEADER_LENGTH + frag.fragmentLength;
      const verdict = this.#reassembler.add(frag);
      if (verdict === "old") {
        // Once per repeated message (its first fragment), not once per fragment.
        if (frag.fragmentOffset === 0) this.#peerRetransmitted(frag.msgType, frag.messageSeq, epoch);
        continue;
      }
      if (verdict === "inconsistent") throw new Abort("decode-error", `inconsistent fragments of message ${frag.messageSeq}`);
      for (let m = this.#reassembler.next(); m; m = this.#reassembler.next()) {
        this.#message(m, epoch, now);
        if (this.#state === "closed") return;
      }
    }
  }

  /** The peer repeated a message we already processed: it lost our flight; send it again (once per datagram). */
  #peerRetransmitted(msgType: number, messageSeq: number, epoch: number): void {
    const accepted = this.#accepted.sequencing!;
    const repeatsHello = !this.#flightIsFinal && msgType === HandshakeType.client_hello &&
      messageSeq === accepted.clientMessageSeq && epoch === 0;
    const repeatsFinished = this.#flightIsFinal && msgType === HandshakeType.finished && epoch === 1;
    if ((repeatsHello || repeatsFinished) && this.#retransmittedFor !== messageSeq) {
      this.#retransmittedFor = messageSeq;
      this.stats.retransmissions++;
      this.#transmitFlight("retransmit");
    }
  }

  #message(m: ReassembledMessage, epoch: number, now: number): void {
    const expect = (type: number, name: string) => {
      if (m.msgType !== type) throw new Abort("unexpected-message", `expected ${name}, got handshake type ${m.msgType}`);
    };
    try {
      switch (this.#state) {
        case "wait-certificate": {
          expect(HandshakeType.certificate, "Certificate");
          this.#clientCertificate(decodeCertificate(m.body));
          this.#transcriptPush(m.transcriptBytes);
          this.#state = "wait-key-exchange";
          return;
        }
        case "wait-key-exchange": {
          expect(16, "ClientKeyExchange");
          this.#clientKeyExchange(decodeClientKeyExchange(m.body), m.transcriptBytes);
          this.#state = this.#peerSpki ? "wait-certificate-verify" : "wait-change-cipher-spec";
          if (this.#state === "wait-change-cipher-spec" && this.#ccsPending) this.#changeCipherSpec(now);
          return;
        }
        case "wait-certificate-verify": {
          expect(HandshakeType.certificate_verify, "CertificateVerify");
          const { scheme, signature } = decodeCertificateVerify(m.body);
          const signed = this.#transcript!.finish();
          if (!CLIENT_SCHEMES.includes(scheme) || !this.#provider.verify(scheme, this.#peerSpki!, signed, signature)) {
            throw new Abort("bad-certificate-verify", `CertificateVerify (scheme 0x${scheme.toString(16)}) does not verify`);
          }
          this.#transcriptPush(m.transcriptBytes);
          this.#transcript = undefined; // nothing signs the raw messages after this
          this.#state = "wait-change-cipher-spec";
          if (this.#ccsPending) this.#changeCipherSpec(now);
          return;
        }
        case "wait-finished": {
          expect(HandshakeType.finished, "Finished");
          if (epoch !== 1) throw new Abort("unexpected-message", "Finished must be protected");
          this.#clientFinished(decodeFinished(m.body), m.transcriptBytes);
          return;
        }
        default:
          // A new handshake after ours (renegotiation) or a ClientHello in epoch 1: refuse, keep the connection.
          if (this.#state === "established" && m.msgType === HandshakeType.client_hello) {
            this.#sendAlert(1, 100); // no_renegotiation (RFC 5246 §7.2.2)
            return;
          }
          throw new Abort("unexpected-message", `handshake type ${m.msgType} in state ${this.#state}`);
      }
    } catch (e) {
      if (e instanceof DecodeError) throw new Abort("decode-error", e.message);
      throw e;
    }
  }

  #clientCertificate(chain: Uint8Array[]): void {
    if (chain.length === 0) {
      if ((this.#options.clientAuth ?? "off") === "require") throw new Abort("certificate-required", "client sent no certificate");
      return;
    }
    try {
      this.#peerSpki = parseCertificate(chain[0]).spki;
    } catch (e) {
      throw new Abort("bad-certificate", `client certificate does not parse: ${(e as Error).message}`);
    }
    this.#peerCertificates = chain;
    this.#fingerprint = formatFingerprint(this.#provider.hash("sha256", chain[0]));
  }

  #clientKeyExchange(point: Uint8Array, message: Uint8Array): void {
    const secret = this.#ephemeral!.deriveSecret(point);
    if (!secret) throw new Abort("invalid-key-share", "ClientKeyExchange point is not valid for the group");
    this.#ephemeral = undefined;
    this.#transcriptPush(message);
    const suite = this.#suite!, p = this.#provider;
    const sessionHash = this.#ems ? this.#transcriptHash() : undefined;
    this.#master = masterSecret(p, suite.hash, secret, this.#clientRandom, this.#serverRandom, sessionHash);
    secret.fill(0);
    const kb = keyBlock(p, suite.hash, this.#master, this.#clientRandom, this.#serverRandom, suite.keyLength, suite.ivLength);
    this.#readCipher = new Dtls12RecordCipher(p, { aead: suite.aead, key: kb.clientKey, iv: kb.clientIv });
    this.#writeCipher = new Dtls12RecordCipher(p, { aead: suite.aead, key: kb.serverKey, iv: kb.serverIv });
  }

  #changeCipherSpec(now: number): void {
    if (this.#state !== "wait-change-cipher-spec") {
      if (this.#state === "established" || this.#state === "wait-finished") return; // a repeat: harmless
      this.#ccsPending = true; // arrived ahead of the messages before it
      return;
    }
    this.#ccsPending = false;
    this.#readEpoch = 1;
    this.#state = "wait-finished";
    const early = this.#earlyRecords;
    this.#earlyRecords = [];
    for (const r of early) {
      if (this.#isClosed()) return;
      this.receive(r, now);
    }
  }

  #clientFinished(verifyData: Uint8Array, message: Uint8Array): void {
    const suite = this.#suite!, p = this.#provider;
    const expected = finishedVerifyData(p, suite.hash, this.#master!, "client", this.#transcriptHash());
    if (!constantTimeEqual(expected, verifyData)) throw new Abort("bad-finished", "client Finished.verify_data is wrong");
    this.#transcriptPush(message);
    const serverVerify = finishedVerifyData(p, suite.hash, this.#master!, "server", this.#transcriptHash());
    const overhead = this.#writeCipher!.overhead;
    this.#flight = [
      changeCipherSpecRecord(0),
      ...fragmentMessage(
        { msgType: HandshakeType.finished, messageSeq: this.#nextServerSeq++, body: serverVerify, epoch: 1 },
        maxRecordPlaintext(this.#mtu, overhead),
      ),
    ];
    this.#flightIsFinal = true;
    this.#writeEpoch = 1;
    this.#transmitFlight("flight-6");
    this.#timer.stop();
    this.#actions.push({ kind: "timer", at: undefined });
    this.#state = "established";
    this.#transcript = undefined;
    this.#transcriptRunning = undefined;
    const ch = this.#accepted.clientHello;
    this.#summary = {
      protocol: "dtls1.2",
      cipherSuite: suite.code,
      group: this.#group,
      signatureScheme: this.#scheme,
      ...(ch.serverName !== undefined ? { sni: ch.serverName } : {}),
      ...(this.#alpn !== undefined ? { alpn: this.#alpn } : {}),
      ...(this.#peerCertificates.length ? { peerCertificates: this.#peerCertificates } : {}),
      ...(this.#fingerprint ? { peerCertificateFingerprint: this.#fingerprint } : {}),
      retried: this.#accepted.addressValidated === "cookie",
      ...(this.#srtpProfile !== undefined ? { srtpProfile: this.#srtpProfile } : {}),
      peer: this.#accepted.peer,
    };
    this.#actions.push({ kind: "handshake-complete", summary: this.#summary });
  }

  // ------------------------------------------------------------------------------------------
  // driver surface

  /** The next action; `{ kind: "need-data" }` when nothing is pending. */
  poll(): EngineAction<Dtls12CloseReason> {
    return this.#actions.shift() ?? { kind: "need-data" };
  }

  /**
   * The retransmission timer fired (call at or after the `timer` action's `at`). Resends the
   * last flight with doubled timeout, or ends with `handshake-timeout` when the budget is spent.
   * Calls before the due time, or with no timer armed, do nothing.
   */
  handleTimeout(now: number): void {
    const due = this.#timer.due;
    if (this.#state === "closed" || due === undefined || now < due) return;
    const next = this.#timer.expire(now);
    if (next === undefined) {
      this.#fail("handshake-timeout", `no reply after ${this.#timer.retransmissions} retransmissions`);
      return;
    }
    this.stats.retransmissions++;
    this.#transmitFlight("retransmit");
    this.#actions.push({ kind: "timer", at: next });
  }

  /**
   * Sends `data` as one protected application_data record in one datagram (datagram
   * boundaries are preserved). Throws before the handshake completes, after close, or when
   * `data` exceeds 16 384 bytes.
   */
  write(data: Uint8Array): void {
    if (this.#state !== "established") throw new Error(`hellogate: cannot write in state ${this.#state}`);
    if (data.length > 16_384) throw new RangeError("hellogate: a DTLS record holds at most 16384 bytes");
    const bytes = this.#encodeRecord(ContentType.application_data, 1, data);
    this.#actions.push({ kind: "send", bytes, epoch: 1, label: "application-data" });
  }

  /** Sends close_notify and ends the connection (`closed` with reason `local-close`). Idempotent. */
  close(): void {
    if (this.#state === "closed") return;
    this.#fail("local-close", "closed locally");
  }

  /**
   * Keying material (RFC 5705), e.g. SRTP keys with label `EXTRACTOR-dtls_srtp`. Throws
   * before the handshake completes.
   */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    if (!this.#master || !this.#summary) throw new Error("hellogate: keying material is available after the handshake");
    return exportKeyingMaterial(
      this.#provider,
      this.#suite!.hash,
      this.#master,
      this.#clientRandom,
      this.#serverRandom,
      label,
      length,
      context,
    );
  }

  /** Safe to log: state and negotiated parameters, never keys. */
  toJSON(): unknown {
    return { state: this.#state, cipherSuite: this.#suite?.code, group: this.#group, stats: this.stats };
  }
}
