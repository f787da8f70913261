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
import { DecodeError } from "../core/wire/decode_error.ts";
import { Reader } from "../core/wire/reader.ts";
import { clientShareLength } from "../core/constants/groups.ts";
import { alertName } from "../core/constants/protocol.ts";
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
import type { KeyShareEntry } from "../core/messages/client_hello_extensions.ts";
import { concatBytes, fragmentForMtu, splitStream } from "./fragment.ts";
import { cryptoRandom, type RandomSource } from "./random.ts";
import {
  hashBytes,
  hashLength,
  messageHash,
  tlsHandshakeMessage,
  type TranscriptHash,
} from "./transcript.ts";
import { binderFinishedKey, computeBinder } from "./psk_binder.ts";
import { readServerFlight, type ServerFlightItem, type ServerHandshakeMessage } from "./server_flight.ts";

/** The protocol the scripted client speaks. */
export type ScriptedProtocol = "dtls1.0" | "dtls1.2" | "dtls1.3" | "tls1.3";

/**
 * The HelloRetryRequest random, SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3). Defined here
 * independently of the server-side builders so the two can check each other.
 */
export const HELLO_RETRY_REQUEST_RANDOM: Uint8Array = new Uint8Array([
  0xcf,
  0x21,
  0xad,
  0x74,
  0xe5,
  0x9a,
  0x61,
  0x11,
  0xbe,
  0x1d,
  0x8c,
  0x02,
  0x1e,
  0x65,
  0xb8,
  0x91,
  0xc2,
  0xa2,
  0x11,
  0x16,
  0x7a,
  0xbb,
  0x8c,
  0x5e,
  0x07,
  0x9e,
  0x09,
  0xe2,
  0xc8,
  0xa8,
  0x33,
  0x9c,
]);

/** The dummy change_cipher_spec record of TLS 1.3 middlebox compatibility mode (RFC 8446 §D.4). */
export const TLS_CCS_RECORD: Uint8Array = new Uint8Array([0x14, 0x03, 0x03, 0x00, 0x01, 0x01]);

/** A pre-shared key to offer (RFC 8446 §4.2.11); binders are computed for real. */
export interface ScriptedPsk {
  /** The PSK identity (a ticket or an external label); at least 1 byte. */
  readonly identity: Uint8Array;
  /** The PSK itself (the binder key is derived from it). */
  readonly secret: Uint8Array;
  /** obfuscated_ticket_age; 0 when omitted (external PSKs use 0). */
  readonly obfuscatedTicketAge?: number;
  /** Hash of the PSK's suite; `"sha256"` when omitted. */
  readonly hash?: TranscriptHash;
  /** External PSK ("ext binder") rather than resumption ("res binder"); default true. */
  readonly external?: boolean;
}

/** Options of {@link ScriptedClient}. Everything but `protocol` has a realistic default. */
export interface ScriptedClientOptions {
  /** What to speak. */
  readonly protocol: ScriptedProtocol;
  /** DTLS 1.3 only: also offer DTLS 1.2 (supported_versions FEFC FEFD, plus 1.2 suites/extensions). */
  readonly offerDtls13AndDtls12?: boolean;
  /** supported_groups; default `[x25519, secp256r1]` (X25519MLKEM768 is put first when `mlkemShare`). */
  readonly groups?: readonly number[];
  /** Groups that get a key_share in ClientHello1; default `[x25519]`; `[]` sends an empty key_share. */
  readonly keyShareGroups?: readonly number[];
  /** Cipher suites; a protocol-appropriate default list when omitted. */
  readonly cipherSuites?: readonly number[];
  /** signature_algorithms; a common default list when omitted (not sent by DTLS 1.0). */
  readonly signatureAlgorithms?: readonly number[];
  /** Send a 32-byte legacy_session_id (TLS 1.3 middlebox compatibility); default true for tls1.3 only. */
  readonly sessionId?: boolean;
  /** DTLS: fragment each ClientHello so that no datagram exceeds `mtu` bytes. */
  readonly mtu?: number;
  /** TLS: most handshake bytes per record (default 16384): smaller values split the ClientHello. */
  readonly tlsRecordPayload?: number;
  /** TLS: split the output stream into chunks of these sizes (cycled); one chunk when omitted. */
  readonly tlsChunkSizes?: readonly number[];
  /** Source of randomness (client random, session id, key shares); the platform CSPRNG by default. */
  readonly random?: RandomSource;
  /** server_name (SNI). */
  readonly serverName?: string;
  /** ALPN protocol names. */
  readonly alpn?: readonly string[];
  /** use_srtp protection profiles (DTLS, e.g. WebRTC's `[0x0007, 0x0001]`). */
  readonly srtpProfiles?: readonly number[];
  /** Add an X25519MLKEM768 (0x11ec) share of the real size, 1216 bytes (random ML-KEM part, real X25519 part). */
  readonly mlkemShare?: boolean;
  /** (D)TLS 1.3: offer this PSK (pre_shared_key last, psk_key_exchange_modes psk_dhe_ke). */
  readonly psk?: ScriptedPsk;
  /** (D)TLS 1.3 with a PSK: send early_data (removed again in ClientHello2). */
  readonly earlyData?: boolean;
  /** Extra extensions (GREASE, unknown types...) inserted before pre_shared_key. */
  readonly extraExtensions?: readonly ExtensionToEncode[];
  /** Record version of the ClientHello records (default: TLS 0301 then 0303; DTLS 1.0/1.2 FEFF; DTLS 1.3 FEFD). */
  readonly recordVersion?: number;
}

/** The server asked for a cookie exchange (DTLS 1.0/1.2, RFC 6347 §4.2.1). */
export interface HelloVerifyRequestReply {
  /** Discriminant. */
  readonly kind: "hello-verify-request";
  /** The cookie to echo in ClientHello2. */
  readonly cookie: Uint8Array;
  /** HVR server_version (FEFF or FEFD). */
  readonly serverVersion: number;
  /** Record version of the record that carried it. */
  readonly recordVersion: number;
  /** Record sequence number of that record (servers echo the ClientHello's). */
  readonly recordSequence: number;
  /** Record epoch (0). */
  readonly epoch: number;
  /** Handshake message_seq of the HVR. */
  readonly messageSeq: number;
}

/** The server sent a valid HelloRetryRequest ((D)TLS 1.3, RFC 8446 §4.1.4). */
export interface HelloRetryRequestReply {
  /** Discriminant. */
  readonly kind: "hello-retry-request";
  /** Selected cipher suite (one the client offered). */
  readonly cipherSuite: number;
  /** Version selected by supported_versions (0304 or FEFC). */
  readonly selectedVersion: number;
  /** Group requested by key_share, if any. */
  readonly group?: number;
  /** Cookie to echo, if any. */
  readonly cookie?: Uint8Array;
  /** The HRR handshake message in TLS form (4-byte header), exactly as it enters the transcript. */
  readonly hrrMessage: Uint8Array;
  /** Whether a change_cipher_spec record followed it (TLS middlebox compatibility). */
  readonly changeCipherSpec: boolean;
  /** Record version of the record that carried the HRR. */
  readonly recordVersion: number;
  /** DTLS: record sequence number and message_seq of the HRR. */
  readonly recordSequence?: number;
  /** DTLS: message_seq of the HRR. */
  readonly messageSeq?: number;
}

/** The server answered with a ServerHello that is not a retry request (it proceeded at once). */
export interface ServerHelloReply {
  /** Discriminant. */
  readonly kind: "server-hello";
  /** Negotiated version (supported_versions if present, else legacy_version). */
  readonly version: number;
  /** Selected cipher suite. */
  readonly cipherSuite: number;
  /** The ServerHello in TLS form (4-byte header). */
  readonly message: Uint8Array;
}

/** The server sent an alert. */
export interface AlertReply {
  /** Discriminant. */
  readonly kind: "alert";
  /** AlertLevel (1 warning, 2 fatal). */
  readonly level: number;
  /** AlertDescription. */
  readonly description: number;
  /** Name of the description, e.g. `"illegal_parameter"`. */
  readonly name: string;
}

/** The reply broke the protocol; a real client would abort. */
export interface ErrorReply {
  /** Discriminant. */
  readonly kind: "error";
  /** What was wrong, citing the rule. */
  readonly reason: string;
}

/** What {@link ScriptedClient.handleReply} found. */
export type ClientReply =
  | HelloVerifyRequestReply
  | HelloRetryRequestReply
  | ServerHelloReply
  | AlertReply
  | ErrorReply;

type Stage = "ch1" | "hvr" | "hrr" | "ch2" | "finished";

const X25519 = 0x001d, SECP256R1 = 0x0017, X25519MLKEM768 = 0x11ec;
const EXT = {
  server_name: 0,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  alpn: 16,
  extended_master_secret: 23,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

const DEFAULT_SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0807];
const TLS13_SUITES = [0x1301, 0x1302, 0x1303];
const DTLS12_SUITES = [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0x00ff];
const DTLS10_SUITES = [0xc009, 0xc013, 0xc00a, 0xc014, 0x002f, 0x0035, 0x00ff];

function suiteHash(suite: number): TranscriptHash | undefined {
  if (suite === 0x1302) return "sha384";
  if (suite === 0x1301 || suite === 0x1303 || suite === 0x1304 || suite === 0x1305) return "sha256";
  return undefined;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex16(v: number): string {
  return "0x" + v.toString(16).padStart(4, "0");
}

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
    if ((options.psk || options.earlyData) && !this.#tls13Offered(p)) {
      throw new RangeError("psk and earlyData need (D)TLS 1.3");
    }
    if (options.mtu !== undefined && !(options.mtu > 25)) throw new RangeError("mtu must exceed 25 bytes");
    this.dtls = p !== "tls1.3";
    this.#rand = options.random ?? cryptoRandom;
    this.random = this.#bytes(32);
    const wantSession = options.sessionId ?? (p === "tls1.3");
    this.sessionId = wantSession ? this.#bytes(32) : new Uint8Array(0);
    this.#legacyVersion = p === "tls1.3" ? 0x0303 : p === "dtls1.0" ? 0xfeff : 0xfefd;
    const tls13 = this.#tls13Offered(p);
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
    this.#ch1Extensions = this.#buildExtensions(shareGroups.map((g) => this.#share(g)));
    this.#ch1Body = this.#encode(this.#ch1Extensions, new Uint8Array(0), undefined);
    this.#flight = { msgType: 1, body: this.#ch1Body, ccs: false, recordVersion: this.#recordVersion(false) };
  }

  #tls13Offered(p: ScriptedProtocol): boolean {
    return p === "tls1.3" || p === "dtls1.3";
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

  #buildExtensions(shares: KeyShareEntry[]): ExtensionToEncode[] {
    const o = this.options, p = o.protocol;
    const tls13 = this.#tls13Offered(p);
    const tls12Style = p === "dtls1.0" || p === "dtls1.2" || (p === "dtls1.3" && o.offerDtls13AndDtls12);
    const ext: ExtensionToEncode[] = [];
    if (o.serverName !== undefined) ext.push({ type: EXT.server_name, data: encodeServerName(o.serverName) });
    if (tls12Style) ext.push({ type: EXT.ec_point_formats, data: new Uint8Array([3, 0, 1, 2]) });
    ext.push({ type: EXT.supported_groups, data: encodeU16List(this.groups) });
    if (tls12Style) {
      ext.push({ type: EXT.extended_master_secret, data: new Uint8Array(0) });
    }
    if (p !== "dtls1.0") {
      ext.push({
        type: EXT.signature_algorithms,
        data: encodeU16List(o.signatureAlgorithms ?? DEFAULT_SIGALGS),
      });
    }
    if (o.srtpProfiles) {
      const w = new Uint8Array(2 + 2 * o.srtpProfiles.length + 1);
      w[0] = (2 * o.srtpProfiles.length) >>> 8;
      w[1] = 2 * o.srtpProfiles.length;
      o.srtpProfiles.forEach((v, i) => {
        w[2 + 2 * i] = v >>> 8;
        w[3 + 2 * i] = v;
      });
      ext.push({ type: EXT.use_srtp, data: w }); // trailing 0 = empty srtp_mki
    }
    if (o.alpn) ext.push({ type: EXT.alpn, data: encodeAlpn(o.alpn) });
    if (tls13) {
      ext.push({ type: EXT.supported_versions, data: encodeSupportedVersionsClient(this.supportedVersions) });
      ext.push({ type: EXT.psk_key_exchange_modes, data: encodeU8Vector(new Uint8Array([1])) });
      ext.push({ type: EXT.key_share, data: encodeKeyShareClient(shares) });
    }
    for (const e of o.extraExtensions ?? []) ext.push(e);
    if (o.earlyData) ext.push({ type: EXT.early_data, data: new Uint8Array(0) });
    if (o.psk) ext.push({ type: EXT.pre_shared_key, data: this.#pskPlaceholder() });
    return ext;
  }

  /** pre_shared_key with a zero binder; {@link #encode} fills in the real one. */
  #pskPlaceholder(): Uint8Array {
    const psk = this.options.psk!;
    const hl = hashLength(psk.hash ?? "sha256");
    const idLen = psk.identity.length;
    if (idLen < 1 || idLen > 0xfff0) throw new RangeError("psk identity must be 1..65520 bytes");
    const out = new Uint8Array(2 + 2 + idLen + 4 + 2 + 1 + hl);
    const v = new DataView(out.buffer);
    v.setUint16(0, 2 + idLen + 4);
    v.setUint16(2, idLen);
    out.set(psk.identity, 4);
    v.setUint32(4 + idLen, (psk.obfuscatedTicketAge ?? 0) >>> 0);
    v.setUint16(8 + idLen, 1 + hl);
    out[10 + idLen] = hl;
    return out;
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
    let items: ServerFlightItem[];
    try {
      items = readServerFlight(bytes, this.dtls);
    } catch (e) {
      if (e instanceof DecodeError) return { kind: "error", reason: `malformed reply: ${e.message}` };
      throw e;
    }
    if (items.length === 0) return { kind: "error", reason: "empty reply" };
    const first = items[0];
    if (first.kind === "alert") {
      return {
        kind: "alert",
        level: first.level,
        description: first.description,
        name: alertName(first.description),
      };
    }
    if (first.kind === "change-cipher-spec") {
      return { kind: "error", reason: "change_cipher_spec before the server's first handshake message" };
    }
    const msg = first.message;
    try {
      if (msg.msgType === 3) return this.#helloVerifyRequest(msg, items.slice(1));
      if (msg.msgType === 2) return this.#serverHello(msg, items.slice(1));
    } catch (e) {
      if (e instanceof DecodeError) {
        return { kind: "error", reason: `malformed server message: ${e.message}` };
      }
      throw e;
    }
    return { kind: "error", reason: `unexpected handshake message type ${msg.msgType}` };
  }

  #helloVerifyRequest(msg: ServerHandshakeMessage, rest: ServerFlightItem[]): ClientReply {
    const p = this.options.protocol;
    if (!this.dtls) return { kind: "error", reason: "hello_verify_request is a DTLS message" };
    if (p === "dtls1.3" && !this.options.offerDtls13AndDtls12) {
      return {
        kind: "error",
        reason: "HelloVerifyRequest, but DTLS 1.2 was not offered (RFC 9147 §5.1 uses HRR cookies)",
      };
    }
    if (this.#hrr) return { kind: "error", reason: "HelloVerifyRequest after a HelloRetryRequest" };
    if (rest.length > 0) return { kind: "error", reason: "unexpected records after the HelloVerifyRequest" };
    const r = new Reader(msg.body);
    const serverVersion = r.u16("hello_verify_request.server_version");
    const cookie = r.vectorBytes(1, "hello_verify_request.cookie");
    r.expectEnd("hello_verify_request");
    if (serverVersion >> 8 !== 0xfe) {
      return {
        kind: "error",
        reason: `HelloVerifyRequest server_version ${hex16(serverVersion)} is not DTLS`,
      };
    }
    if (p === "dtls1.0" && cookie.length > 32) {
      return {
        kind: "error",
        reason: `a DTLS 1.0 cookie is at most 32 bytes (RFC 4347), got ${cookie.length}`,
      };
    }
    this.#hvrCookie = cookie.slice();
    this.#hvrSeen = true;
    this.#stage = "hvr";
    return {
      kind: "hello-verify-request",
      cookie: this.#hvrCookie,
      serverVersion,
      recordVersion: msg.recordVersion,
      recordSequence: msg.recordSequence ?? 0,
      epoch: msg.epoch ?? 0,
      messageSeq: msg.messageSeq ?? 0,
    };
  }

  #serverHello(msg: ServerHandshakeMessage, rest: ServerFlightItem[]): ClientReply {
    const r = new Reader(msg.body);
    const legacyVersion = r.u16("server_hello.legacy_version");
    const random = r.bytesN(32, "server_hello.random");
    const sessionEcho = r.vectorBytes(1, "server_hello.legacy_session_id_echo", 0, 32);
    const suite = r.u16("server_hello.cipher_suite");
    const compression = r.u8("server_hello.legacy_compression_method");
    const exts: { type: number; data: Uint8Array }[] = [];
    if (r.remaining > 0) {
      const [s, e] = r.vector(2, "server_hello.extensions");
      r.expectEnd("server_hello");
      const er = new Reader(msg.body, s, e);
      while (er.remaining > 0) {
        const type = er.u16("extension.type");
        const data = er.vectorBytes(2, "extension.data");
        if (exts.some((x) => x.type === type)) {
          return { kind: "error", reason: `duplicate extension ${type} (RFC 8446 §4.2)` };
        }
        exts.push({ type, data });
      }
    }
    const message = tlsHandshakeMessage(2, msg.body);
    const isHrr = equalBytes(random, HELLO_RETRY_REQUEST_RANDOM);
    if (isHrr && !this.#tls13Offered(this.options.protocol)) {
      return { kind: "error", reason: "HelloRetryRequest, but (D)TLS 1.3 was not offered" };
    }
    if (!this.cipherSuites.includes(suite)) {
      return { kind: "error", reason: `cipher suite ${hex16(suite)} was not offered (RFC 8446 §4.1.3)` };
    }
    if (compression !== 0) {
      return { kind: "error", reason: `legacy_compression_method ${compression} is not 0` };
    }
    const sv = exts.find((x) => x.type === EXT.supported_versions);
    if (!isHrr) {
      let version = legacyVersion;
      if (sv) {
        if (sv.data.length !== 2) {
          return { kind: "error", reason: "supported_versions in ServerHello must be 2 bytes" };
        }
        version = (sv.data[0] << 8) | sv.data[1];
        if (!this.supportedVersions.includes(version)) {
          return { kind: "error", reason: `supported_versions selected ${hex16(version)}, not offered` };
        }
      }
      return { kind: "server-hello", version, cipherSuite: suite, message };
    }
    // HelloRetryRequest (RFC 8446 §4.1.4; RFC 9147 §5.3).
    if (this.#hrr) return { kind: "error", reason: "a second HelloRetryRequest (RFC 8446 §4.1.4)" };
    if (this.#hvrSeen) return { kind: "error", reason: "HelloRetryRequest after a HelloVerifyRequest" };
    const wantLegacy = this.dtls ? 0xfefd : 0x0303;
    if (legacyVersion !== wantLegacy) {
      return {
        kind: "error",
        reason: `HRR legacy_version ${hex16(legacyVersion)}, expected ${hex16(wantLegacy)}`,
      };
    }
    if (this.dtls) {
      if (sessionEcho.length !== 0) {
        return { kind: "error", reason: "DTLS 1.3 HRR must not echo legacy_session_id (RFC 9147 §5.3)" };
      }
    } else if (!equalBytes(sessionEcho, this.sessionId)) {
      return {
        kind: "error",
        reason: "legacy_session_id_echo differs from the client's session id (RFC 8446 §4.1.3)",
      };
    }
    const hash = suiteHash(suite);
    if (!hash) return { kind: "error", reason: `HRR selected ${hex16(suite)}, not a TLS 1.3 cipher suite` };
    let group: number | undefined;
    let cookie: Uint8Array | undefined;
    let selectedVersion: number | undefined;
    for (const x of exts) {
      if (x.type === EXT.supported_versions) {
        if (x.data.length !== 2) return { kind: "error", reason: "HRR supported_versions must be 2 bytes" };
        selectedVersion = (x.data[0] << 8) | x.data[1];
      } else if (x.type === EXT.key_share) {
        if (x.data.length !== 2) {
          return { kind: "error", reason: "HRR key_share must hold exactly a selected_group" };
        }
        group = (x.data[0] << 8) | x.data[1];
      } else if (x.type === EXT.cookie) {
        const cr = new Reader(x.data);
        cookie = cr.vectorBytes(2, "hrr.cookie", 1).slice();
        cr.expectEnd("hrr.cookie");
      } else {
        return {
          kind: "error",
          reason: `HRR carries extension ${x.type} that the client did not offer for it`,
        };
      }
    }
    if (selectedVersion === undefined) {
      return { kind: "error", reason: "HRR without supported_versions (RFC 8446 §4.1.4)" };
    }
    const want13 = this.dtls ? 0xfefc : 0x0304;
    if (selectedVersion !== want13 || !this.supportedVersions.includes(selectedVersion)) {
      return {
        kind: "error",
        reason: `HRR selected version ${hex16(selectedVersion)}, not the offered (D)TLS 1.3`,
      };
    }
    if (group !== undefined) {
      if (!this.groups.includes(group)) {
        return {
          kind: "error",
          reason: `HRR asks for group ${hex16(group)}, not in supported_groups (RFC 8446 §4.2.8)`,
        };
      }
      if (this.keyShareGroups.includes(group)) {
        return {
          kind: "error",
          reason: `HRR asks for group ${hex16(group)}, which already had a key share (RFC 8446 §4.2.8)`,
        };
      }
    }
    if (group === undefined && cookie === undefined) {
      return { kind: "error", reason: "HRR would not change the ClientHello (RFC 8446 §4.1.4)" };
    }
    let ccs = false;
    for (const item of rest) {
      if (
        item.kind === "change-cipher-spec" && !this.dtls && !ccs && item.payload.length === 1 &&
        item.payload[0] === 1
      ) {
        ccs = true;
        continue;
      }
      return { kind: "error", reason: `unexpected ${item.kind} after the HelloRetryRequest` };
    }
    const reply: HelloRetryRequestReply = {
      kind: "hello-retry-request",
      cipherSuite: suite,
      selectedVersion,
      ...(group !== undefined ? { group } : {}),
      ...(cookie !== undefined ? { cookie } : {}),
      hrrMessage: message,
      changeCipherSpec: ccs,
      recordVersion: msg.recordVersion,
      ...(this.dtls ? { recordSequence: msg.recordSequence, messageSeq: msg.messageSeq } : {}),
    };
    this.#hrr = reply;
    this.#stage = "hrr";
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
