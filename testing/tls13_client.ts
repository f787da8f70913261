/**
 * An in-memory TLS 1.3 CLIENT for tests (the client half of a quinn-style test pair): it builds
 * a ClientHello with real key shares (x25519, secp256r1, secp384r1, X25519MLKEM768), answers a
 * HelloRetryRequest (cookie echoed, new share), checks the ServerHello, decrypts and checks
 * EncryptedExtensions, the certificate's CertificateVerify signature and the server Finished,
 * sends its Finished, then exchanges application data, KeyUpdates and close_notify. It speaks
 * TLS records or QUIC-style bare messages per encryption level.
 *
 * It is strict where a test needs it to be and reports every problem as an `error` event
 * instead of throwing. It does not validate certificate paths (tests use self-signed ones).
 *
 * {@link connectInMemory} drives a client and a server engine against each other until the
 * handshake completes or either side closes.
 *
 * @example
 * ```ts
 * import { connectInMemory } from "@hellogate/hellogate/testing";
 * import { generateSelfSignedCertificate, portableProvider, Tls13ServerEngine } from "@hellogate/hellogate";
 * const cert = generateSelfSignedCertificate(portableProvider, { now: Date.now() });
 * const server = new Tls13ServerEngine({ provider: portableProvider, certificates: [cert] });
 * const pair = connectInMemory(server, {});
 * console.log(pair.client.state, pair.serverSummary?.cipherSuite);
 * ```
 *
 * @module
 */
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import type { CryptoProvider, EphemeralKey, HashName, RunningHash, SigningKey } from "../core/crypto/provider.ts";
import { portableProvider } from "../core/crypto/portable.ts";
import type { HandshakeEngine, HandshakeSummary, QuicLevel } from "../core/handshake/actions.ts";
import {
  encodeAlpn,
  encodeClientHello,
  encodeCookieExtension,
  encodeKeyShareClient,
  encodeServerName,
  encodeSupportedVersionsClient,
  encodeU16List,
  encodeU8Vector,
  type ExtensionToEncode,
} from "../core/messages/client_hello_encoder.ts";
import { Reader } from "../core/wire/reader.ts";
import { encodeTlsHandshake } from "../core/wire/handshake_header.ts";
import { encodeTlsRecord } from "../core/wire/record.ts";
import { TlsRecordReader } from "../core/record/tls_record_reader.ts";
import { TlsHandshakeAssembler } from "../core/record/tls_handshake_assembler.ts";
import { Tls13RecordProtection } from "../core/record/tls13_protection.ts";
import {
  applicationSecrets,
  exportKeyingMaterial,
  finishedVerifyData,
  handshakeSecrets,
  binderFinishedKey,
  nextTrafficSecret,
  resumptionMasterSecret,
  resumptionPsk,
  suiteHash,
} from "../core/handshake/key_schedule.ts";
import { Writer } from "../core/wire/writer.ts";
import { certificateVerifyContent, encodeCertificateVerify } from "../core/handshake/tls13/certificate_verify.ts";
import { encodeCertificate } from "../core/handshake/tls13/certificate.ts";
import { encodeFinished } from "../core/handshake/tls13/finished.ts";
import { encodeKeyUpdate } from "../core/handshake/tls13/key_update.ts";
import { parseCertificate } from "../core/pki/x509.ts";
import { concatBytes } from "./fragment.ts";
import { CHANGE_CIPHER_SPEC_RECORD, encodeMessageHash } from "../core/messages/hello_retry_request.ts";

const X25519 = 0x001d, X25519MLKEM768 = 0x11ec;
const HRR_RANDOM_HEX = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";
const EMPTY = new Uint8Array(0);

/** Options of {@link Tls13TestClient}. */
export interface Tls13TestClientOptions {
  /** Crypto provider (default `portableProvider`). */
  readonly provider?: CryptoProvider;
  /** Offered suites (default AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305). */
  readonly cipherSuites?: readonly number[];
  /** supported_groups (default x25519, secp256r1, secp384r1, X25519MLKEM768). */
  readonly groups?: readonly number[];
  /** Groups to send key shares for in ClientHello1 (default the first of `groups`; `[]` sends none). */
  readonly keyShareGroups?: readonly number[];
  /** signature_algorithms (default ecdsa P-256, P-384, ed25519, rsa_pss_rsae_sha256). */
  readonly signatureAlgorithms?: readonly number[];
  /** server_name. */
  readonly serverName?: string;
  /** ALPN protocols to offer. */
  readonly alpn?: readonly string[];
  /** Send a 32-byte legacy_session_id (middlebox compatibility; default true; QUIC: always false). */
  readonly middleboxCompat?: boolean;
  /** record_size_limit to offer. */
  readonly recordSizeLimit?: number;
  /** Offer early_data (the client then sends no 0-RTT data unless the test writes raw records). */
  readonly earlyData?: boolean;
  /** `tls-records` (default) or `quic`. */
  readonly framing?: "tls-records" | "quic";
  /** QUIC: our transport parameters (omit to test the server's refusal). */
  readonly quicTransportParameters?: Uint8Array;
  /** Extra extensions appended to the ClientHello. */
  readonly extraExtensions?: readonly ExtensionToEncode[];
  /** Offer this ticket (from an earlier connection's {@link Tls13TestClient.tickets}) for resumption. */
  readonly resumeWith?: Tls13SessionTicket;
  /** Corrupt the PSK binder (for negative tests). */
  readonly corruptBinder?: boolean;
  /** A client certificate chain (DER, leaf first) and key, sent when the server asks (CertificateRequest). */
  readonly clientCertificate?: { readonly chain: readonly Uint8Array[]; readonly key: SigningKey };
  /** Corrupt our CertificateVerify signature (for negative tests). */
  readonly corruptClientSignature?: boolean;
  /** Sign our CertificateVerify with this scheme even if the server did not offer it (for negative tests). */
  readonly forceClientScheme?: number;
}

/** A NewSessionTicket as the client keeps it. Contains the PSK: tests only. */
export interface Tls13SessionTicket {
  /** The opaque ticket (the PSK identity). */
  readonly ticket: Uint8Array;
  /** The resumption PSK derived from it. */
  readonly psk: Uint8Array;
  /** ticket_age_add. */
  readonly ageAdd: number;
  /** ticket_lifetime in seconds. */
  readonly lifetimeSeconds: number;
  /** The suite of the connection that issued it. */
  readonly cipherSuite: number;
}

/** What the client observed. */
export type Tls13ClientEvent =
  | { readonly kind: "hello-retry-request"; readonly cookie: boolean; readonly group: number | undefined }
  | { readonly kind: "handshake-complete" }
  | { readonly kind: "application-data"; readonly data: Uint8Array }
  | { readonly kind: "key-update"; readonly requested: boolean }
  | { readonly kind: "alert"; readonly description: number; readonly level: number }
  | { readonly kind: "error"; readonly detail: string };

/** Bytes the client wants to send, with their QUIC level in QUIC mode. */
export interface Tls13ClientOutput {
  /** Bytes. */
  readonly bytes: Uint8Array;
  /** QUIC level (QUIC mode only). */
  readonly level?: QuicLevel;
}

/** Client states. */
export type Tls13ClientState = "start" | "wait-server-hello" | "wait-encrypted" | "connected" | "closed";

interface ClientShare {
  readonly group: number;
  readonly publicKey: Uint8Array;
  derive(serverShare: Uint8Array): Uint8Array | undefined;
}

const hashOutputLengthOf = (suite: number) => (suiteHash(suite) === "sha384" ? 48 : 32);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** The in-memory TLS 1.3 client. See the module documentation. */
export class Tls13TestClient {
  readonly #o: Tls13TestClientOptions;
  readonly #p: CryptoProvider;
  readonly #quic: boolean;
  readonly #reader = new TlsRecordReader();
  readonly #asm = new TlsHandshakeAssembler();
  /** Everything observed, in order. */
  readonly events: Tls13ClientEvent[] = [];
  /** Bytes to deliver to the server, in order (take them with {@link takeOutput}). */
  readonly output: Tls13ClientOutput[] = [];
  #state: Tls13ClientState = "start";
  #shares: ClientShare[] = [];
  #random: Uint8Array;
  #sessionId: Uint8Array;
  #ch1: Uint8Array | undefined;
  #retried = false;
  #ccsSent = false;
  #transcript: RunningHash | undefined;
  #hash: HashName = "sha256";
  #suite = 0;
  #read: Tls13RecordProtection | undefined;
  #write: Tls13RecordProtection | undefined;
  #serverHs: Uint8Array | undefined;
  #clientHs: Uint8Array | undefined;
  #clientApp: Uint8Array | undefined;
  #serverApp: Uint8Array | undefined;
  #exporter: Uint8Array | undefined;
  #pendingEncrypted: "ee" | "cert" | "cv" | "fin" = "ee";
  /** The server's certificate chain (DER), once received. */
  serverCertificates: Uint8Array[] = [];
  /** Negotiated values, once known. */
  negotiated: {
    cipherSuite?: number;
    group?: number;
    signatureScheme?: number;
    alpn?: string;
    recordSizeLimit?: number;
    serverNameAck?: boolean;
    transportParameters?: Uint8Array;
    resumed?: boolean;
  } = {};

  /** Builds a client; nothing is sent until {@link start}. */
  constructor(options: Tls13TestClientOptions = {}) {
    this.#o = options;
    this.#p = options.provider ?? portableProvider;
    this.#quic = options.framing === "quic";
    this.#random = this.#p.random(32);
    this.#sessionId = !this.#quic && (options.middleboxCompat ?? true) ? this.#p.random(32) : EMPTY;
  }

  /** State. */
  get state(): Tls13ClientState {
    return this.#state;
  }

  /** Whether a HelloRetryRequest was answered. */
  get retried(): boolean {
    return this.#retried;
  }

  /** Removes and returns the pending output. */
  takeOutput(): Tls13ClientOutput[] {
    return this.output.splice(0);
  }

  /** Concatenated pending output (TLS mode). */
  takeBytes(): Uint8Array {
    return concatBytes(this.takeOutput().map((o) => o.bytes));
  }

  #groups(): readonly number[] {
    return this.#o.groups ?? [X25519, 0x0017, 0x0018, X25519MLKEM768];
  }

  #makeShare(group: number): ClientShare {
    if (group === X25519MLKEM768) {
      const seed = this.#p.random(64);
      const kem = ml_kem768.keygen(seed);
      const ec = this.#p.generateKeyShare(X25519);
      return {
        group,
        publicKey: concatBytes([kem.publicKey, ec.publicKey]),
        derive: (s) => {
          if (s.length !== 1088 + 32) return undefined;
          const ss = ml_kem768.decapsulate(s.subarray(0, 1088), kem.secretKey);
          const e = ec.deriveSecret(s.subarray(1088));
          return e ? concatBytes([ss, e]) : undefined;
        },
      };
    }
    const k: EphemeralKey = this.#p.generateKeyShare(group);
    return { group, publicKey: k.publicKey, derive: (s) => k.deriveSecret(s) };
  }

  #clientHello(cookie: Uint8Array | undefined, prefix: Uint8Array[] = []): Uint8Array {
    const o = this.#o;
    const ext: ExtensionToEncode[] = [];
    if (o.serverName !== undefined) ext.push({ type: 0, data: encodeServerName(o.serverName) });
    ext.push({ type: 10, data: encodeU16List(this.#groups()) });
    ext.push({ type: 13, data: encodeU16List(o.signatureAlgorithms ?? [0x0403, 0x0503, 0x0807, 0x0804]) });
    if (o.alpn) ext.push({ type: 16, data: encodeAlpn(o.alpn) });
    if (o.recordSizeLimit !== undefined) ext.push({ type: 28, data: new Writer(2).u16(o.recordSizeLimit).finish() });
    ext.push({ type: 43, data: encodeSupportedVersionsClient([0x0304]) });
    if (cookie) ext.push({ type: 44, data: encodeCookieExtension(cookie) });
    ext.push({ type: 45, data: encodeU8Vector(new Uint8Array([1])) });
    ext.push({ type: 51, data: encodeKeyShareClient(this.#shares.map((s) => ({ group: s.group, keyExchange: s.publicKey }))) });
    if (this.#quic && o.quicTransportParameters) ext.push({ type: 57, data: o.quicTransportParameters });
    if (o.earlyData && !cookie && !this.#retried) ext.push({ type: 42, data: EMPTY });
    if (o.extraExtensions) ext.push(...o.extraExtensions);
    const t = o.resumeWith;
    const binderLength = t ? hashOutputLengthOf(t.cipherSuite) : 0;
    if (t) {
      // pre_shared_key, last (RFC 8446 §4.2.11): one identity, its binder filled in below.
      const w = new Writer(16 + t.ticket.length + binderLength);
      w.nested(2, (w) => w.vector(2, t.ticket).u32((t.ageAdd + 1000) >>> 0));
      w.nested(2, (w) => w.vector(1, new Uint8Array(binderLength)));
      ext.push({ type: 41, data: w.finish() });
    }
    const body = encodeClientHello({
      dtls: false,
      legacyVersion: 0x0303,
      random: this.#random,
      legacySessionId: this.#sessionId,
      cipherSuites: o.cipherSuites ?? [0x1301, 0x1302, 0x1303],
      compressionMethods: new Uint8Array([0]),
      extensions: ext,
    });
    const message = encodeTlsHandshake(1, body);
    if (t) {
      const hash = suiteHash(t.cipherSuite);
      const h = this.#p.runningHash(hash);
      for (const part of prefix) h.update(part);
      h.update(message.subarray(0, message.length - (2 + 1 + binderLength)));
      const binder = this.#p.hmac(hash, binderFinishedKey(this.#p, hash, t.psk), h.digest());
      if (this.#o.corruptBinder) binder[0] ^= 1;
      message.set(binder, message.length - binderLength);
    }
    return message;
  }

  /** Queues ClientHello1 and returns it (the TLS record, or the bare message in QUIC mode). */
  start(): Uint8Array {
    if (this.#state !== "start") throw new Error("start() once");
    this.#shares = (this.#o.keyShareGroups ?? [this.#groups()[0]]).map((g) => this.#makeShare(g));
    this.#ch1 = this.#clientHello(undefined);
    this.#state = "wait-server-hello";
    return this.#emitPlain(this.#ch1, "initial");
  }

  #emitPlain(message: Uint8Array, level: QuicLevel): Uint8Array {
    const bytes = this.#quic ? message : encodeTlsRecord(22, 0x0301, message);
    this.output.push(this.#quic ? { bytes, level } : { bytes });
    return bytes;
  }

  #emitCcs(): void {
    if (this.#quic || this.#ccsSent || this.#sessionId.length === 0) return;
    this.#ccsSent = true;
    this.output.push({ bytes: CHANGE_CIPHER_SPEC_RECORD.slice() });
  }

  #error(detail: string): void {
    if (this.#state === "closed") return;
    this.events.push({ kind: "error", detail });
    this.#state = "closed";
  }

  /** Feeds bytes from the server (QUIC mode: with their level). */
  receive(bytes: Uint8Array, level?: QuicLevel): void {
    if (this.#state === "closed") return;
    try {
      if (this.#quic) {
        this.#asm.push(bytes.slice());
        this.#messages(level);
        return;
      }
      this.#reader.push(bytes);
      for (;;) {
        if (this.#closed()) return;
        const r = this.#reader.next();
        if (r.kind === "need-data") return;
        if (r.kind === "error") return this.#error(r.detail);
        if (r.contentType === 20) continue;
        if (r.contentType === 21 && !this.#read) {
          this.#alert(r.fragment);
          continue;
        }
        if (r.contentType === 22 && !this.#read) {
          this.#asm.push(r.fragment.slice());
          this.#messages(undefined);
          continue;
        }
        if (r.contentType === 23 && this.#read) {
          const o = this.#read.open(r.fragment);
          if (!o.ok) return this.#error(`record: ${o.reason}`);
          if (o.contentType === 22) {
            this.#asm.push(o.content.slice());
            this.#messages(undefined);
          } else if (o.contentType === 21) this.#alert(o.content);
          else if (o.contentType === 23) {
            if (this.#state !== "connected") return this.#error("application data before the handshake completed");
            this.events.push({ kind: "application-data", data: o.content.slice() });
          } else return this.#error(`inner content type ${o.contentType}`);
          continue;
        }
        return this.#error(`unexpected record type ${r.contentType}`);
      }
    } catch (e) {
      this.#error(`client: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  #closed(): boolean {
    return this.#state === "closed";
  }

  #alert(content: Uint8Array): void {
    this.events.push({ kind: "alert", level: content[0], description: content[1] });
    this.#state = "closed";
  }

  #messages(level: QuicLevel | undefined): void {
    for (;;) {
      if (this.#state === "closed") return;
      const m = this.#asm.next();
      if (m.kind === "need-data") return;
      if (m.kind === "error") return this.#error(m.detail);
      const message = m.message.slice();
      const body = message.subarray(4);
      if (this.#state === "wait-server-hello") {
        if (m.msgType !== 2) return this.#error(`expected ServerHello, got ${m.msgType}`);
        if (this.#quic && level !== "initial") return this.#error(`ServerHello at level ${level}`);
        this.#serverHello(message, body);
      } else if (this.#state === "wait-encrypted") {
        if (this.#quic && level !== "handshake") return this.#error(`${m.msgType} at level ${level}`);
        this.#encrypted(m.msgType, message, body);
      } else if (this.#state === "connected") {
        if (m.msgType === 24) this.#keyUpdate(body);
        else if (m.msgType === 4) this.#newSessionTicket(body);
        else return this.#error(`post-handshake message ${m.msgType}`);
      }
    }
  }

  #serverHello(message: Uint8Array, body: Uint8Array): void {
    const r = new Reader(body);
    if (r.u16("legacy_version") !== 0x0303) return this.#error("ServerHello legacy_version");
    const random = r.bytesN(32, "random");
    const sid = r.vectorBytes(1, "session_id");
    const suite = r.u16("cipher_suite");
    if (r.u8("compression") !== 0) return this.#error("compression");
    let version: number | undefined, shareGroup: number | undefined, share: Uint8Array | undefined, cookie: Uint8Array | undefined;
    let selectedIdentity: number | undefined;
    const [es, ee] = r.vector(2, "extensions");
    r.expectEnd("server_hello");
    const er = new Reader(body, es, ee);
    const hrr = hex(random) === HRR_RANDOM_HEX;
    while (er.remaining > 0) {
      const type = er.u16("type");
      const data = er.vectorBytes(2, "data");
      const d = new Reader(data);
      if (type === 43) version = d.u16("supported_versions");
      else if (type === 51) {
        shareGroup = d.u16("group");
        if (!hrr) share = d.vectorBytes(2, "key_exchange");
      } else if (type === 44) cookie = d.vectorBytes(2, "cookie").slice();
      else if (type === 41 && !hrr && this.#o.resumeWith) selectedIdentity = d.u16("selected_identity");
      else return this.#error(`unexpected ServerHello extension ${type}`);
    }
    if (version !== 0x0304) return this.#error("supported_versions is not TLS 1.3");
    if (hex(sid) !== hex(this.#sessionId)) return this.#error("legacy_session_id_echo mismatch");
    if (!(this.#o.cipherSuites ?? [0x1301, 0x1302, 0x1303]).includes(suite)) return this.#error("suite not offered");
    if (hrr) {
      if (this.#retried) return this.#error("second HelloRetryRequest");
      this.#retried = true;
      this.#suite = suite;
      this.#hash = suiteHash(suite);
      this.events.push({ kind: "hello-retry-request", cookie: cookie !== undefined, group: shareGroup });
      if (shareGroup !== undefined) {
        if (!this.#groups().includes(shareGroup) || this.#shares.some((s) => s.group === shareGroup)) {
          return this.#error("HRR requested a group not allowed");
        }
        this.#shares = [this.#makeShare(shareGroup)];
      } else {
        if (cookie === undefined) return this.#error("HRR changes nothing");
      }
      this.#transcript = this.#p.runningHash(this.#hash);
      const messageHash = encodeMessageHash(this.#p.hash(this.#hash, this.#ch1!));
      this.#transcript.update(messageHash);
      this.#transcript.update(message);
      const ch2 = this.#clientHello(cookie, [messageHash, message]);
      this.#transcript.update(ch2);
      this.#emitCcs();
      this.#emitPlain(ch2, "initial");
      return;
    }
    if (this.#retried && suite !== this.#suite) return this.#error("ServerHello suite differs from the HRR's");
    const mine = this.#shares.find((s) => s.group === shareGroup);
    if (!mine || !share) return this.#error("ServerHello key_share for a group we sent no share for");
    const secret = mine.derive(share);
    if (!secret) return this.#error("invalid server key share");
    this.#suite = suite;
    this.#hash = suiteHash(suite);
    this.negotiated.cipherSuite = suite;
    this.negotiated.group = shareGroup;
    if (!this.#transcript) {
      this.#transcript = this.#p.runningHash(this.#hash);
      this.#transcript.update(this.#ch1!);
    }
    this.#transcript.update(message);
    if (selectedIdentity !== undefined) {
      if (selectedIdentity !== 0) return this.#error("selected_identity out of range");
      if (suiteHash(this.#o.resumeWith!.cipherSuite) !== this.#hash) return this.#error("resumed with a suite of another hash");
      this.negotiated.resumed = true;
    }
    const hs = handshakeSecrets(
      this.#p,
      this.#hash,
      secret,
      this.#transcript.digest(),
      selectedIdentity !== undefined ? this.#o.resumeWith!.psk : undefined,
    );
    this.#serverHs = hs.serverHandshakeTrafficSecret;
    this.#clientHs = hs.clientHandshakeTrafficSecret;
    this.#master = hs.masterSecret;
    if (!this.#quic) {
      this.#read = new Tls13RecordProtection(this.#p, suite, hs.serverHandshakeTrafficSecret, this.#o.recordSizeLimit ?? 16385);
    }
    this.#state = "wait-encrypted";
  }

  #master: Uint8Array | undefined;
  #certRequest: { context: Uint8Array; sigAlgs: number[] } | undefined;
  #resumptionMaster: Uint8Array | undefined;
  /** Tickets received (NewSessionTicket), usable as `resumeWith` in a later client. */
  readonly tickets: Tls13SessionTicket[] = [];

  #newSessionTicket(body: Uint8Array): void {
    const r = new Reader(body);
    const lifetimeSeconds = r.u32("ticket_lifetime");
    const ageAdd = r.u32("ticket_age_add");
    const nonce = r.vectorBytes(1, "ticket_nonce");
    const ticket = r.vectorBytes(2, "ticket", 1).slice();
    r.vectorBytes(2, "extensions");
    r.expectEnd("new_session_ticket");
    const psk = resumptionPsk(this.#p, this.#hash, this.#resumptionMaster!, nonce);
    this.tickets.push({ ticket, psk, ageAdd, lifetimeSeconds, cipherSuite: this.#suite });
  }
  #spki: Uint8Array | undefined;

  #encrypted(type: number, message: Uint8Array, body: Uint8Array): void {
    const t = this.#transcript!;
    const expect = { ee: 8, cert: 11, cv: 15, fin: 20 }[this.#pendingEncrypted];
    if (type === 13 && this.#pendingEncrypted === "cert" && !this.#certRequest) {
      // CertificateRequest (RFC 8446 §4.3.2): its context and signature_algorithms.
      const r = new Reader(body);
      const context = r.vectorBytes(1, "certificate_request_context").slice();
      const [es, ee] = r.vector(2, "extensions");
      r.expectEnd("certificate_request");
      const er = new Reader(body, es, ee);
      let sigAlgs: number[] = [];
      while (er.remaining > 0) {
        const et = er.u16("type");
        const data = new Reader(er.vectorBytes(2, "data"));
        if (et !== 13) continue;
        const list = new Reader(data.vectorBytes(2, "signature_algorithms", 2));
        sigAlgs = [];
        while (list.remaining > 0) sigAlgs.push(list.u16("scheme"));
      }
      if (sigAlgs.length === 0) return this.#error("CertificateRequest without signature_algorithms");
      this.#certRequest = { context, sigAlgs };
      t.update(message);
      return;
    }
    if (type !== expect) return this.#error(`expected handshake type ${expect}, got ${type}`);
    if (type === 8) {
      const r = new Reader(body);
      const [s, e] = r.vector(2, "extensions");
      r.expectEnd("encrypted_extensions");
      const er = new Reader(body, s, e);
      while (er.remaining > 0) {
        const et = er.u16("type");
        const data = er.vectorBytes(2, "data");
        if (et === 0) {
          if (data.length !== 0) return this.#error("server_name ack not empty");
          this.negotiated.serverNameAck = true;
        } else if (et === 16) {
          const d = new Reader(data);
          const list = new Reader(d.vectorBytes(2, "alpn"));
          const name = list.vectorBytes(1, "name");
          list.expectEnd("alpn");
          const alpn = String.fromCharCode(...name);
          if (!this.#o.alpn?.includes(alpn)) return this.#error("ALPN not offered");
          this.negotiated.alpn = alpn;
        } else if (et === 28) this.negotiated.recordSizeLimit = new Reader(data).u16("record_size_limit");
        else if (et === 57) this.negotiated.transportParameters = data.slice();
        else if (et === 10) continue;
        else return this.#error(`unexpected EncryptedExtensions extension ${et}`);
      }
      if (this.#quic && !this.negotiated.transportParameters) return this.#error("no transport parameters from the server");
      this.#pendingEncrypted = this.negotiated.resumed ? "fin" : "cert";
    } else if (type === 11) {
      const r = new Reader(body);
      if (r.vectorBytes(1, "context").length !== 0) return this.#error("certificate_request_context not empty");
      const list = new Reader(r.vectorBytes(3, "certificate_list"));
      r.expectEnd("certificate");
      while (list.remaining > 0) {
        this.serverCertificates.push(list.vectorBytes(3, "cert_data").slice());
        list.vectorBytes(2, "extensions");
      }
      if (this.serverCertificates.length === 0) return this.#error("empty certificate list");
      this.#spki = parseCertificate(this.serverCertificates[0]).spki;
      this.#pendingEncrypted = "cv";
    } else if (type === 15) {
      const r = new Reader(body);
      const scheme = r.u16("scheme");
      const sig = r.vectorBytes(2, "signature");
      r.expectEnd("certificate_verify");
      const offered = this.#o.signatureAlgorithms ?? [0x0403, 0x0503, 0x0807, 0x0804];
      if (!offered.includes(scheme)) return this.#error("signature scheme not offered");
      if (!this.#p.verify(scheme, this.#spki!, certificateVerifyContent(t.digest()), sig)) {
        return this.#error("CertificateVerify signature does not verify");
      }
      this.negotiated.signatureScheme = scheme;
      this.#pendingEncrypted = "fin";
    } else {
      const expected = finishedVerifyData(this.#p, this.#hash, this.#serverHs!, t.digest());
      if (hex(expected) !== hex(body)) return this.#error("server Finished does not verify");
      t.update(message);
      const h = t.digest();
      const app = applicationSecrets(this.#p, this.#hash, this.#master!, h);
      this.#clientApp = app.clientApplicationTrafficSecret;
      this.#serverApp = app.serverApplicationTrafficSecret;
      this.#exporter = app.exporterMasterSecret;
      const flight: Uint8Array[] = [];
      if (this.#certRequest) {
        // Our Certificate (possibly empty) and, with a certificate, our CertificateVerify.
        const mine = this.#o.clientCertificate;
        const certMsg = encodeCertificate(mine?.chain ?? [], this.#certRequest.context);
        t.update(certMsg);
        flight.push(certMsg);
        if (mine && mine.chain.length > 0) {
          const scheme = this.#o.forceClientScheme ?? mine.key.schemes.find((x) => this.#certRequest!.sigAlgs.includes(x));
          if (scheme === undefined) return this.#error("no signature scheme for our client certificate");
          const signature = mine.key.sign(scheme, certificateVerifyContent(t.digest(), "client"));
          if (this.#o.corruptClientSignature) signature[signature.length - 1] ^= 1;
          const cv = encodeCertificateVerify(scheme, signature);
          t.update(cv);
          flight.push(cv);
        }
      }
      const fin = encodeFinished(finishedVerifyData(this.#p, this.#hash, this.#clientHs!, t.digest()));
      t.update(fin);
      flight.push(fin);
      const clientFlight = concatBytes(flight);
      this.#resumptionMaster = resumptionMasterSecret(this.#p, this.#hash, this.#master!, t.digest());
      if (this.#quic) {
        this.output.push({ bytes: clientFlight, level: "handshake" });
      } else {
        this.#emitCcs();
        const w = new Tls13RecordProtection(this.#p, this.#suite, this.#clientHs!);
        this.output.push({ bytes: w.seal(22, clientFlight) });
        this.#write = new Tls13RecordProtection(this.#p, this.#suite, this.#clientApp);
        this.#read = new Tls13RecordProtection(this.#p, this.#suite, this.#serverApp, this.#o.recordSizeLimit ?? 16385);
      }
      this.#state = "connected";
      this.events.push({ kind: "handshake-complete" });
      return;
    }
    t.update(message);
  }

  #keyUpdate(body: Uint8Array): void {
    if (body.length !== 1 || body[0] > 1) return this.#error("bad KeyUpdate");
    this.#serverApp = nextTrafficSecret(this.#p, this.#hash, this.#serverApp!);
    this.#read = new Tls13RecordProtection(this.#p, this.#suite, this.#serverApp, this.#o.recordSizeLimit ?? 16385);
    this.events.push({ kind: "key-update", requested: body[0] === 1 });
    if (body[0] === 1) this.keyUpdate(false);
  }

  /** The client's traffic secrets (QUIC tests compare them with the server's). Secret: tests only. */
  get secretsForTest(): { clientHandshake?: Uint8Array; serverHandshake?: Uint8Array; clientApplication?: Uint8Array; serverApplication?: Uint8Array } {
    return { clientHandshake: this.#clientHs, serverHandshake: this.#serverHs, clientApplication: this.#clientApp, serverApplication: this.#serverApp };
  }

  /** Sends application data (TLS mode, connected). */
  write(data: Uint8Array): void {
    if (this.#state !== "connected" || !this.#write) throw new Error(`cannot write in state ${this.#state}`);
    this.output.push({ bytes: this.#write.seal(23, data) });
  }

  /** Sends a raw protected record of any inner content type under the current write key (for negative tests). */
  writeRecord(contentType: number, content: Uint8Array, padding = 0): Uint8Array {
    if (!this.#write) throw new Error("no write key");
    const bytes = this.#write.seal(contentType, content, padding);
    this.output.push({ bytes });
    return bytes;
  }

  /** Sends a KeyUpdate and switches the write key. */
  keyUpdate(requestPeer: boolean): void {
    if (this.#state !== "connected" || !this.#write) throw new Error("not connected");
    this.output.push({ bytes: this.#write.seal(22, encodeKeyUpdate(requestPeer)) });
    this.#clientApp = nextTrafficSecret(this.#p, this.#hash, this.#clientApp!);
    this.#write = new Tls13RecordProtection(this.#p, this.#suite, this.#clientApp);
  }

  /**
   * Sends close_notify and closes the write side. Once connected, the read side stays open
   * (RFC 8446 §6.1): what the server still sends is received, up to its own close_notify.
   */
  close(): void {
    if (this.#write) this.output.push({ bytes: this.#write.seal(21, new Uint8Array([1, 0])) });
    this.#write = undefined;
    if (this.#state !== "connected") this.#state = "closed";
  }

  /** TLS-Exporter (RFC 8446 §7.5), to compare with the server's. */
  exportKeyingMaterial(label: string, context: Uint8Array, length: number): Uint8Array {
    if (!this.#exporter) throw new Error("not connected");
    return exportKeyingMaterial(this.#p, this.#hash, this.#exporter, label, context, length);
  }

  /** Application data received so far, concatenated. */
  receivedData(): Uint8Array {
    return concatBytes(this.events.flatMap((e) => e.kind === "application-data" ? [e.data] : []));
  }
}

/** What {@link connectInMemory} returns. */
export interface InMemoryPair {
  /** The client. */
  readonly client: Tls13TestClient;
  /** The server engine. */
  readonly server: HandshakeEngine;
  /** The server's summary if its handshake completed. */
  readonly serverSummary: HandshakeSummary | undefined;
  /** Every action the server returned (sends, secrets, closed...), in order. */
  readonly serverActions: ReturnType<HandshakeEngine["poll"]>[];
}

/** A server engine that takes QUIC levels (the TLS 1.3 engine in QUIC mode). */
interface LevelledEngine extends HandshakeEngine {
  receive(bytes: Uint8Array, now: number, level?: QuicLevel): void;
}

/**
 * Moves bytes between `client` and `server` until neither has anything to say. Returns what the
 * server did. Use {@link pump} again after writing more data on either side.
 */
export function pump(client: Tls13TestClient, server: HandshakeEngine, serverActions: ReturnType<HandshakeEngine["poll"]>[], now = 0): HandshakeSummary | undefined {
  let summary: HandshakeSummary | undefined;
  for (let round = 0; round < 64; round++) {
    let moved = false;
    for (const out of client.takeOutput()) {
      (server as LevelledEngine).receive(out.bytes, now, out.level);
      moved = true;
    }
    for (let a = server.poll(); a.kind !== "need-data"; a = server.poll()) {
      serverActions.push(a);
      if (a.kind === "send") {
        client.receive(a.bytes, a.level);
        moved = true;
      } else if (a.kind === "handshake-complete") summary = a.summary;
    }
    if (!moved) break;
  }
  return summary;
}

/** Starts `client` (a new {@link Tls13TestClient} from `clientOptions`) against `server` and runs the handshake in memory. */
export function connectInMemory(server: HandshakeEngine, clientOptions: Tls13TestClientOptions | Tls13TestClient = {}): InMemoryPair {
  const client = clientOptions instanceof Tls13TestClient ? clientOptions : new Tls13TestClient(clientOptions);
  if (client.state === "start") client.start();
  const serverActions: ReturnType<HandshakeEngine["poll"]>[] = [];
  const serverSummary = pump(client, server, serverActions);
  return { client, server, serverSummary, serverActions };
}
