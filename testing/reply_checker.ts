/**
 * The reply checker of the scripted client: what a strict (D)TLS client verifies in a server's
 * HelloVerifyRequest, HelloRetryRequest or ServerHello (RFC 6347 §4.2.1, RFC 8446 §4.1.3/§4.1.4,
 * RFC 9147 §5.3), as pure functions of what the client offered and has seen.
 *
 * @module
 */
import { DecodeError } from "../core/wire/decode_error.ts";
import { Reader } from "../core/wire/reader.ts";
import { alertName } from "../core/constants/protocol.ts";
import { readServerFlight, type ServerFlightItem, type ServerHandshakeMessage } from "./server_flight.ts";
import { tlsHandshakeMessage } from "./transcript.ts";
import { equalBytes, EXT, hex16, suiteHash, tls13Offered } from "./client_hello_builder.ts";
import type { ScriptedClientOptions } from "./scripted_options.ts";

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

/** What the client offered and has seen so far: everything a reply is checked against. */
export interface ReplyContext {
  /** The client's options. */
  readonly options: ScriptedClientOptions;
  /** True for DTLS. */
  readonly dtls: boolean;
  /** legacy_session_id sent. */
  readonly sessionId: Uint8Array;
  /** Offered cipher suites. */
  readonly cipherSuites: readonly number[];
  /** Offered supported_groups. */
  readonly groups: readonly number[];
  /** Offered supported_versions. */
  readonly supportedVersions: readonly number[];
  /** Groups that had a key share in ClientHello1. */
  readonly keyShareGroups: readonly number[];
  /** The HelloRetryRequest already received, if any. */
  readonly hrr: HelloRetryRequestReply | undefined;
  /** True once a HelloVerifyRequest was received. */
  readonly hvrSeen: boolean;
}

/**
 * Parses and checks a server's answer to a ClientHello the way a strict client does: a
 * HelloVerifyRequest (RFC 6347 §4.2.1), a HelloRetryRequest (RFC 8446 §4.1.4, RFC 9147 §5.3), a
 * ServerHello, or an alert. Never throws on the server's bytes: problems are `{ kind: "error" }`.
 */
export function checkServerReply(c: ReplyContext, bytes: Uint8Array | readonly Uint8Array[]): ClientReply {
  let items: ServerFlightItem[];
  try {
    items = readServerFlight(bytes, c.dtls);
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
    if (msg.msgType === 3) return checkHelloVerifyRequest(c, msg, items.slice(1));
    if (msg.msgType === 2) return checkServerHello(c, msg, items.slice(1));
  } catch (e) {
    if (e instanceof DecodeError) {
      return { kind: "error", reason: `malformed server message: ${e.message}` };
    }
    throw e;
  }
  return { kind: "error", reason: `unexpected handshake message type ${msg.msgType}` };
}

function checkHelloVerifyRequest(c: ReplyContext, msg: ServerHandshakeMessage, rest: ServerFlightItem[]): ClientReply {
  const p = c.options.protocol;
  if (!c.dtls) return { kind: "error", reason: "hello_verify_request is a DTLS message" };
  if (p === "dtls1.3" && !c.options.offerDtls13AndDtls12) {
    return {
      kind: "error",
      reason: "HelloVerifyRequest, but DTLS 1.2 was not offered (RFC 9147 §5.1 uses HRR cookies)",
    };
  }
  if (c.hrr) return { kind: "error", reason: "HelloVerifyRequest after a HelloRetryRequest" };
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
  return {
    kind: "hello-verify-request",
    cookie: cookie.slice(),
    serverVersion,
    recordVersion: msg.recordVersion,
    recordSequence: msg.recordSequence ?? 0,
    epoch: msg.epoch ?? 0,
    messageSeq: msg.messageSeq ?? 0,
  };
}

function checkServerHello(c: ReplyContext, msg: ServerHandshakeMessage, rest: ServerFlightItem[]): ClientReply {
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
  if (isHrr && !tls13Offered(c.options.protocol)) {
    return { kind: "error", reason: "HelloRetryRequest, but (D)TLS 1.3 was not offered" };
  }
  if (!c.cipherSuites.includes(suite)) {
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
      if (!c.supportedVersions.includes(version)) {
        return { kind: "error", reason: `supported_versions selected ${hex16(version)}, not offered` };
      }
    }
    return { kind: "server-hello", version, cipherSuite: suite, message };
  }
  // HelloRetryRequest (RFC 8446 §4.1.4; RFC 9147 §5.3).
  if (c.hrr) return { kind: "error", reason: "a second HelloRetryRequest (RFC 8446 §4.1.4)" };
  if (c.hvrSeen) return { kind: "error", reason: "HelloRetryRequest after a HelloVerifyRequest" };
  const wantLegacy = c.dtls ? 0xfefd : 0x0303;
  if (legacyVersion !== wantLegacy) {
    return {
      kind: "error",
      reason: `HRR legacy_version ${hex16(legacyVersion)}, expected ${hex16(wantLegacy)}`,
    };
  }
  if (c.dtls) {
    if (sessionEcho.length !== 0) {
      return { kind: "error", reason: "DTLS 1.3 HRR must not echo legacy_session_id (RFC 9147 §5.3)" };
    }
  } else if (!equalBytes(sessionEcho, c.sessionId)) {
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
  const want13 = c.dtls ? 0xfefc : 0x0304;
  if (selectedVersion !== want13 || !c.supportedVersions.includes(selectedVersion)) {
    return {
      kind: "error",
      reason: `HRR selected version ${hex16(selectedVersion)}, not the offered (D)TLS 1.3`,
    };
  }
  if (group !== undefined) {
    if (!c.groups.includes(group)) {
      return {
        kind: "error",
        reason: `HRR asks for group ${hex16(group)}, not in supported_groups (RFC 8446 §4.2.8)`,
      };
    }
    if (c.keyShareGroups.includes(group)) {
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
      item.kind === "change-cipher-spec" && !c.dtls && !ccs && item.payload.length === 1 &&
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
    ...(c.dtls ? { recordSequence: msg.recordSequence, messageSeq: msg.messageSeq } : {}),
  };
  return reply;
}
