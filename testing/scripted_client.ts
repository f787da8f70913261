/**
 * A scripted (D)TLS client for unit-testing servers and stateless listeners: it builds the
 * realistic first flight of DTLS 1.0/1.2/1.3 and TLS 1.3 clients (real X25519 and P-256 key
 * shares, an X25519MLKEM768-size share, fragmentation at an MTU), checks the server's reply as a
 * strict client would (RFC 6347 §4.2.1, RFC 8446 §4.1.3/§4.1.4, RFC 9147 §5), answers a
 * HelloVerifyRequest or HelloRetryRequest with the second ClientHello the RFCs require, and
 * computes its own TLS 1.3 transcript so a test can compare it with the server's.
 *
 * It stops after the second ClientHello: it is a probe for the stateless first step of a
 * handshake, not a TLS implementation.
 *
 * @example
 * ```ts
 * import { ScriptedClient, seededRandom } from "@hellogate/hellogate/testing";
 *
 * const client = new ScriptedClient({ protocol: "tls1.3", keyShareGroups: [], random: seededRandom(1) });
 * const stream = client.firstFlight();           // TLS records carrying ClientHello1
 * // ... feed `stream` to your server, take what it sends back:
 * declare const serverBytes: Uint8Array;
 * const reply = client.handleReply(serverBytes);
 * if (reply.kind === "hello-retry-request") {
 *   const ch2 = client.secondFlight();           // CCS + ClientHello2 (cookie, one key share)
 *   const th = client.transcriptHash();          // Hash(message_hash || HRR || CH2)
 *   console.log(ch2.length, th.length);
 * } else {
 *   console.log(reply.kind);                     // "alert", "error", ...
 * }
 * ```
 *
 * @module
 */
import { x25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import { clientShareLength } from "../core/constants/groups.ts";
import {
  encodeClientHello,
  encodeCookieExtension,
  encodeKeyShareClient,
  type ExtensionToEncode,
} from "../core/messages/client_hello_encoder.ts";
import type { KeyShareEntry } from "../core/messages/client_hello_extensions.ts";
import { concatBytes, fragmentForMtu, splitStream } from "./fragment.ts";
import { cryptoRandom, type RandomSource } from "./random.ts";
import { hashBytes, hashLength, messageHash, tlsHandshakeMessage, type TranscriptHash } from "./transcript.ts";
import { binderFinishedKey, computeBinder } from "./psk_binder.ts";
import {
  DTLS10_SUITES,
  DTLS12_SUITES,
  EXT,
  hex16,
  SECP256R1,
  scriptedExtensions,
  suiteHash,
  tls13Offered,
  TLS13_SUITES,
  X25519,
  X25519MLKEM768,
} from "./client_hello_builder.ts";
import { checkServerReply, type ClientReply, type HelloRetryRequestReply } from "./reply_checker.ts";
import type { ScriptedClientOptions } from "./scripted_options.ts";

export type { ScriptedClientOptions, ScriptedProtocol, ScriptedPsk } from "./scripted_options.ts";
export {
  type AlertReply,
  type ClientReply,
  type ErrorReply,
  HELLO_RETRY_REQUEST_RANDOM,
  type HelloRetryRequestReply,
  type HelloVerifyRequestReply,
  type ServerHelloReply,
} from "./reply_checker.ts";

/** The dummy change_cipher_spec record of TLS 1.3 middlebox compatibility mode (RFC 8446 §D.4). */
export const TLS_CCS_RECORD: Uint8Array = new Uint8Array([0x14, 0x03, 0x03, 0x00, 0x01, 0x01]);

type Stage = "ch1" | "hvr" | "hrr" | "ch2" | "finished";

/**
 * A scripted client. Construct it, send {@link firstFlight}, pass the server's answer to
 * {@link handleReply}, and if that was a HelloVerifyRequest or HelloRetryRequest send
 * {@link secondFlight}. Never throws on server bytes: problems come back as `{ kind: "error" }`.
 * Methods throw only for misuse (e.g. `secondFlight()` before a retry request).
 */
export class ScriptedClient {
  /** The options this client was built with. */
  readonly options: ScriptedClientOptions;
  /** True for DTLS protocols. */
  readonly dtls: boolean;
  /** The 32-byte client random. */
  readonly random: Uint8Array;
  /** legacy_session_id (empty or 32 bytes). */
  readonly sessionId: Uint8Array;
  /** Offered cipher suites. */
  readonly cipherSuites: readonly number[];
  /** Offered supported_groups. */
  readonly groups: readonly number[];
  /** Versions in supported_versions (empty for DTLS 1.0/1.2, which do not send it). */
  readonly supportedVersions: readonly number[];
  /** Groups with a key_share in ClientHello1. */
  readonly keyShareGroups: readonly number[];

  #rand: RandomSource;
  #legacyVersion: number;
  #ch1Extensions: ExtensionToEncode[];
  #ch1Body: Uint8Array;
  #ch2Body: Uint8Array | undefined;
  #secrets = new Map<number, Uint8Array>();
  #stage: Stage = "ch1";
  #recordSeq = 0;
  #messageSeq = 0;
  #flight: { msgType: number; body: Uint8Array; ccs: boolean; recordVersion: number };
  #flightBytes: Uint8Array[] | undefined;
  #hvrCookie: Uint8Array | undefined;
  #hrr: HelloRetryRequestReply | undefined;
  #hvrSeen = false;

  /** Builds ClientHello1 (nothing is sent until {@link firstFlight}). Throws for invalid options. */
  constructor(options: ScriptedClientOptions) {
    this.options = options;
    const p = options.protocol;
    if (p !== "dtls1.0" && p !== "dtls1.2" && p !== "dtls1.3" && p !== "tls1.3") {
      throw new RangeError(`unknown protocol ${String(p)}`);
    }
    if (options.offerDtls13AndDtls12 && p !== "dtls1.3") {
      throw new RangeError("offerDtls13AndDtls12 needs protocol dtls1.3");
    }
    if (options.earlyData && !options.psk) throw new RangeError("earlyData needs a psk");
    if ((options.psk || options.earlyData) && !tls13Offered(p)) {
      throw new RangeError("psk and earlyData need (D)TLS 1.3");
    }
    if (options.mtu !== undefined && !(options.mtu > 25)) throw new RangeError("mtu must exceed 25 bytes");
    this.dtls = p !== "tls1.3";
    this.#rand = options.random ?? cryptoRandom;
    this.random = this.#bytes(32);
    const wantSession = options.sessionId ?? (p === "tls1.3");
    this.sessionId = wantSession ? this.#bytes(32) : new Uint8Array(0);
    this.#legacyVersion = p === "tls1.3" ? 0x0303 : p === "dtls1.0" ? 0xfeff : 0xfefd;
    const tls13 = tls13Offered(p);
    this.cipherSuites = options.cipherSuites
      ? [...options.cipherSuites]
      : p === "tls1.3"
      ? TLS13_SUITES
      : p === "dtls1.3"
      ? (options.offerDtls13AndDtls12 ? [...TLS13_SUITES, ...DTLS12_SUITES] : TLS13_SUITES)
      : p === "dtls1.2"
      ? DTLS12_SUITES
      : DTLS10_SUITES;
    if (this.cipherSuites.length === 0) throw new RangeError("cipherSuites must not be empty");
    let groups = options.groups ? [...options.groups] : [X25519, SECP256R1];
    if (options.mlkemShare && !groups.includes(X25519MLKEM768)) groups = [X25519MLKEM768, ...groups];
    this.groups = groups;
    this.supportedVersions = p === "tls1.3"
      ? [0x0304]
      : p === "dtls1.3"
      ? (options.offerDtls13AndDtls12 ? [0xfefc, 0xfefd] : [0xfefc])
      : [];
    let shareGroups = tls13 ? [...(options.keyShareGroups ?? [X25519])] : [];
    if (tls13 && options.mlkemShare && !shareGroups.includes(X25519MLKEM768)) {
      shareGroups = [X25519MLKEM768, ...shareGroups];
    }
    for (const g of shareGroups) {
      if (!groups.includes(g)) throw new RangeError(`key share group ${hex16(g)} is not in groups`);
    }
    if (new Set(shareGroups).size !== shareGroups.length) throw new RangeError("duplicate key share group");
    this.keyShareGroups = shareGroups;
    this.#ch1Extensions = scriptedExtensions(this, shareGroups.map((g) => this.#share(g)));
    this.#ch1Body = this.#encode(this.#ch1Extensions, new Uint8Array(0), undefined);
    this.#flight = { msgType: 1, body: this.#ch1Body, ccs: false, recordVersion: this.#recordVersion(false) };
  }

  #bytes(n: number): Uint8Array {
    const b = this.#rand(n);
    if (!(b instanceof Uint8Array) || b.length !== n) {
      throw new RangeError(`random(${n}) returned a wrong length`);
    }
    return b;
  }

  #recordVersion(second: boolean): number {
    if (this.options.recordVersion !== undefined) return this.options.recordVersion;
    const p = this.options.protocol;
    if (p === "tls1.3") return second ? 0x0303 : 0x0301;
    return p === "dtls1.3" ? 0xfefd : 0xfeff;
  }

  /** A fresh key share for `group`: real X25519 / P-256 keys, real-size bytes otherwise. */
  #share(group: number): KeyShareEntry {
    if (group === X25519) {
      const sk = this.#bytes(32);
      this.#secrets.set(group, sk);
      return { group, keyExchange: x25519.getPublicKey(sk) };
    }
    if (group === SECP256R1) {
      let sk = this.#bytes(32);
      while (!p256.utils.isValidSecretKey(sk)) sk = this.#bytes(32);
      this.#secrets.set(group, sk);
      return { group, keyExchange: p256.getPublicKey(sk, false) };
    }
    if (group === X25519MLKEM768) {
      // draft-ietf-tls-ecdhe-mlkem: ML-KEM-768 encapsulation key (1184 B) || X25519 share (32 B).
      const sk = this.#bytes(32);
      this.#secrets.set(group, sk);
      return { group, keyExchange: concatBytes([this.#bytes(1184), x25519.getPublicKey(sk)]) };
    }
    const len = clientShareLength(group);
    if (len === undefined) throw new RangeError(`no share size known for group ${hex16(group)}`);
    return { group, keyExchange: this.#bytes(len) };
  }

  /** The secret key behind the key share of `group` (X25519, P-256, or the X25519 half of X25519MLKEM768). */
  keyShareSecret(group: number): Uint8Array | undefined {
    return this.#secrets.get(group);
  }

  /** Encodes a ClientHello body; computes the PSK binder over `transcriptPrefix || Truncate(CH)`. */
  #encode(
    extensions: ExtensionToEncode[],
    transcriptPrefix: Uint8Array,
    legacyCookie: Uint8Array | undefined,
  ) {
    const body = encodeClientHello({
      dtls: this.dtls,
      legacyVersion: this.#legacyVersion,
      random: this.random,
      legacySessionId: this.sessionId,
      legacyCookie: legacyCookie ?? new Uint8Array(0),
      cipherSuites: this.cipherSuites,
      compressionMethods: new Uint8Array([0]),
      extensions,
    });
    const last = extensions[extensions.length - 1];
    if (last && last.type === EXT.pre_shared_key) {
      const psk = this.options.psk!;
      const hash = psk.hash ?? "sha256";
      const hl = hashLength(hash);
      const msg = tlsHandshakeMessage(1, body);
      const truncated = msg.subarray(0, msg.length - (2 + 1 + hl)); // RFC 8446 §4.2.11.2
      const prefix = this.options.protocol === "dtls1.3" ? "dtls13" : "tls13 ";
      const key = binderFinishedKey(hash, psk.secret, psk.external ?? true, prefix);
      const binder = computeBinder(hash, key, concatBytes([transcriptPrefix, truncated]));
      body.set(binder, body.length - hl);
    }
    return body;
  }

  /** The ClientHello1 body (no handshake header). */
  get clientHello1(): Uint8Array {
    return this.#ch1Body;
  }

  /** The ClientHello2 body, once {@link secondFlight} has built it. */
  get clientHello2(): Uint8Array | undefined {
    return this.#ch2Body;
  }

  /** The ClientHello extensions of ClientHello1, in order. */
  get clientHello1Extensions(): readonly ExtensionToEncode[] {
    return this.#ch1Extensions;
  }

  /** The last valid HelloRetryRequest, if any. */
  get helloRetryRequest(): HelloRetryRequestReply | undefined {
    return this.#hrr;
  }

  /** message_seq of the latest ClientHello (DTLS). */
  get messageSeq(): number {
    return this.#messageSeq;
  }

  /** The record sequence number the next DTLS record will use. */
  get nextRecordSequence(): number {
    return this.#recordSeq;
  }

  /**
   * ClientHello1 on the wire. DTLS: datagrams of DTLSPlaintext records (epoch 0, record
   * sequence numbers from 0, message_seq 0), fragmented at `mtu`. TLS: stream chunks of TLS
   * records (record version 0x0301). Calling it again returns the same bytes.
   */
  firstFlight(): Uint8Array[] {
    if (this.#stage !== "ch1") throw new Error("firstFlight() is only available before the first reply");
    if (!this.#flightBytes) this.#flightBytes = this.#emit();
    return this.#flightBytes;
  }

  /** Sends the latest flight again, as a retransmission: same bytes, new DTLS record sequence numbers. */
  retransmit(): Uint8Array[] {
    if (!this.#flightBytes) throw new Error("nothing sent yet");
    this.#flightBytes = this.#emit();
    return this.#flightBytes;
  }

  #emit(): Uint8Array[] {
    const f = this.#flight;
    if (this.dtls) {
      const { datagrams, nextSequence } = fragmentForMtu(
        { msgType: f.msgType, messageSeq: this.#messageSeq, body: f.body },
        { recordVersion: f.recordVersion, epoch: 0, firstSequence: this.#recordSeq, mtu: this.options.mtu },
      );
      this.#recordSeq = nextSequence;
      return datagrams;
    }
    const msg = tlsHandshakeMessage(f.msgType, f.body);
    const limit = this.options.tlsRecordPayload ?? 16384;
    if (!(limit >= 1 && limit <= 16384)) throw new RangeError("tlsRecordPayload must be 1..16384");
    const parts: Uint8Array[] = f.ccs ? [TLS_CCS_RECORD] : [];
    for (let at = 0; at < msg.length; at += limit) {
      const frag = msg.subarray(at, Math.min(msg.length, at + limit));
      const rec = new Uint8Array(5 + frag.length);
      rec[0] = 22;
      rec[1] = f.recordVersion >>> 8;
      rec[2] = f.recordVersion;
      rec[3] = frag.length >>> 8;
      rec[4] = frag.length;
      rec.set(frag, 5);
      parts.push(rec);
    }
    const stream = concatBytes(parts);
    return this.options.tlsChunkSizes ? splitStream(stream, this.options.tlsChunkSizes) : [stream];
  }

  /**
   * Parses and checks what the server sent in answer to the latest ClientHello: a TLS byte
   * string of whole records, or DTLS datagram(s). Never throws on the server's bytes.
   */
  handleReply(bytes: Uint8Array | readonly Uint8Array[]): ClientReply {
    if (!this.#flightBytes) throw new Error("handleReply() before firstFlight()");
    const r = this.#handle(bytes);
    if (r.kind === "error" || r.kind === "alert" || r.kind === "server-hello") this.#stage = "finished";
    return r;
  }

  #handle(bytes: Uint8Array | readonly Uint8Array[]): ClientReply {
    if (this.#stage === "finished") return { kind: "error", reason: "the handshake already ended" };
    if (this.#stage === "hvr" || this.#stage === "hrr") {
      return { kind: "error", reason: "a reply arrived before the second ClientHello was sent" };
    }
    const reply = checkServerReply({
      options: this.options,
      dtls: this.dtls,
      sessionId: this.sessionId,
      cipherSuites: this.cipherSuites,
      groups: this.groups,
      supportedVersions: this.supportedVersions,
      keyShareGroups: this.keyShareGroups,
      hrr: this.#hrr,
      hvrSeen: this.#hvrSeen,
    }, bytes);
    if (reply.kind === "hello-verify-request") {
      this.#hvrCookie = reply.cookie;
      this.#hvrSeen = true;
      this.#stage = "hvr";
    } else if (reply.kind === "hello-retry-request") {
      this.#hrr = reply;
      this.#stage = "hrr";
    }
    return reply;
  }

  /**
   * The second ClientHello, after a HelloVerifyRequest (RFC 6347 §4.2.1: the same ClientHello
   * with the cookie, message_seq + 1, later record sequence numbers) or a HelloRetryRequest
   * (RFC 8446 §4.1.2, RFC 9147 §5.1: ClientHello1 plus the cookie extension, inserted before
   * pre_shared_key or appended; key_share replaced by one share of the requested group;
   * early_data removed; PSK binders recomputed). TLS: preceded by a change_cipher_spec record
   * in middlebox compatibility mode, record version 0x0303. Same fragmentation as the first.
   */
  secondFlight(): Uint8Array[] {
    if (this.#stage === "ch2") return this.#flightBytes!;
    if (this.#stage !== "hvr" && this.#stage !== "hrr") {
      throw new Error("secondFlight() needs a HelloVerifyRequest or HelloRetryRequest first");
    }
    if (this.#stage === "hvr") {
      this.#ch2Body = this.#encode(this.#ch1Extensions, new Uint8Array(0), this.#hvrCookie);
      this.#flight = {
        msgType: 1,
        body: this.#ch2Body,
        ccs: false,
        recordVersion: this.#recordVersion(true),
      };
    } else {
      const hrr = this.#hrr!;
      const ext: ExtensionToEncode[] = [];
      let psk: ExtensionToEncode | undefined;
      for (const e of this.#ch1Extensions) {
        if (e.type === EXT.early_data) continue;
        if (e.type === EXT.pre_shared_key) {
          psk = e;
          continue;
        }
        if (e.type === EXT.key_share && hrr.group !== undefined) {
          ext.push({ type: EXT.key_share, data: encodeKeyShareClient([this.#share(hrr.group)]) });
          continue;
        }
        ext.push(e);
      }
      if (hrr.cookie) ext.push({ type: EXT.cookie, data: encodeCookieExtension(hrr.cookie) });
      // RFC 8446 §4.1.2: PSKs incompatible with the selected suite's hash may be dropped.
      const hash = suiteHash(hrr.cipherSuite)!;
      if (psk && (this.options.psk?.hash ?? "sha256") === hash) ext.push(psk);
      const prefix = concatBytes([messageHash(hash, tlsHandshakeMessage(1, this.#ch1Body)), hrr.hrrMessage]);
      this.#ch2Body = this.#encode(ext, prefix, undefined);
      this.#flight = {
        msgType: 1,
        body: this.#ch2Body,
        ccs: !this.dtls && this.sessionId.length > 0,
        recordVersion: this.#recordVersion(true),
      };
    }
    this.#messageSeq++;
    this.#stage = "ch2";
    this.#flightBytes = this.#emit();
    return this.#flightBytes;
  }

  /**
   * The client's own handshake transcript so far, computed from its own messages:
   * - after a HelloRetryRequest: `message_hash(Hash(CH1)) || HRR || CH2` (RFC 8446 §4.4.1), all in
   *   TLS form with 4-byte headers, also for DTLS 1.3 (RFC 9147 §5.2); before CH2 it ends at HRR;
   * - after a HelloVerifyRequest: CH2 as one unfragmented DTLS message with its 12-byte header
   *   (RFC 6347 §4.2.1 leaves CH1 and the HVR out; §4.2.6 hashes DTLS headers);
   * - otherwise: ClientHello1 (TLS form; DTLS 1.0/1.2 with its 12-byte header).
   */
  transcriptBytes(): Uint8Array {
    const ch1 = this.#ch1Body;
    if (this.#hrr) {
      const hash = suiteHash(this.#hrr.cipherSuite)!;
      const parts = [messageHash(hash, tlsHandshakeMessage(1, ch1)), this.#hrr.hrrMessage];
      if (this.#ch2Body) parts.push(tlsHandshakeMessage(1, this.#ch2Body));
      return concatBytes(parts);
    }
    const dtls12 = this.dtls && (this.options.protocol !== "dtls1.3" || this.#hvrSeen);
    const body = this.#hvrSeen && this.#ch2Body ? this.#ch2Body : ch1;
    if (!dtls12) return tlsHandshakeMessage(1, body);
    const out = new Uint8Array(12 + body.length);
    out[0] = 1;
    out[1] = out[9] = body.length >>> 16;
    out[2] = out[10] = body.length >>> 8;
    out[3] = out[11] = body.length;
    const seq = this.#hvrSeen && this.#ch2Body ? this.#messageSeq : 0;
    out[4] = seq >>> 8;
    out[5] = seq;
    out.set(body, 12);
    return out;
  }

  /**
   * Hash of {@link transcriptBytes}; `hash` defaults to the HRR suite's hash (SHA-256 when no
   * HRR was received).
   */
  transcriptHash(hash?: TranscriptHash): Uint8Array {
    const h = hash ?? (this.#hrr ? suiteHash(this.#hrr.cipherSuite)! : "sha256");
    return hashBytes(h, this.transcriptBytes());
  }
}
