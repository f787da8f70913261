/**
 * ClientHello decoder for TLS 1.2/1.3 and DTLS 1.0/1.2/1.3 (RFC 8446 §4.1.2, RFC 5246
 * §7.4.1.2, RFC 6347 §4.2.1, RFC 9147 §5.3).
 *
 * The input is the handshake message *body* (after the 4- or 12-byte handshake header). Every
 * field keeps its raw byte range: cookies bind raw bytes and nothing is re-encoded to verify.
 * Extensions are validated structurally and the ones a listener needs are decoded into typed
 * fields; every extension, known or not (GREASE included), is also kept raw, in order.
 *
 * @module
 */
import { DecodeError } from "../wire/decode_error.ts";
import { ExtensionType } from "../constants/extensions.ts";
import {
  decodeExtension,
  type DecodedExtensions,
  type KeyShareEntry,
  type PreSharedKeyOffer,
  type UseSrtp,
} from "./client_hello_extensions.ts";

/** One extension as it appeared on the wire. */
export interface RawExtension {
  /** Extension type code point. */
  readonly type: number;
  /** Zero-copy view of extension_data. */
  readonly data: Uint8Array;
  /** Offset of the extension's type field in the ClientHello body. */
  readonly offset: number;
}

/**
 * Offsets (into {@link ClientHello.body}) of each variable-length field's length prefix, so a
 * caller can slice exact raw ranges: e.g. RFC 6347 cookie binding covers
 * `body[0, cookie)` and `body[cipherSuites, extensions)`.
 */
export interface ClientHelloOffsets {
  /** legacy_session_id length byte (always 34). */
  readonly sessionId: number;
  /** DTLS cookie length byte (DTLS only; equals `cipherSuites` for TLS). */
  readonly cookie: number;
  /** cipher_suites length prefix. */
  readonly cipherSuites: number;
  /** compression_methods length byte. */
  readonly compressionMethods: number;
  /** extensions length prefix, or `body.length` when the ClientHello has no extensions block. */
  readonly extensions: number;
}

/** A decoded ClientHello. All byte fields are zero-copy views into {@link body}. */
export interface ClientHello extends DecodedExtensions {
  /** True when decoded with the DTLS layout (which adds the legacy cookie). */
  readonly dtls: boolean;
  /** The handshake body this was decoded from. */
  readonly body: Uint8Array;
  /** legacy_version (0x0303 for TLS 1.2/1.3, 0xFEFD for DTLS 1.2/1.3, 0xFEFF for DTLS 1.0). */
  readonly legacyVersion: number;
  /** The 32-byte client random. */
  readonly random: Uint8Array;
  /** legacy_session_id (0..32 bytes). */
  readonly legacySessionId: Uint8Array;
  /** DTLS legacy cookie (0..255 bytes); `undefined` for TLS. */
  readonly legacyCookie: Uint8Array | undefined;
  /** Offered cipher suites in order (GREASE included). */
  readonly cipherSuites: readonly number[];
  /** Offered compression methods. */
  readonly compressionMethods: Uint8Array;
  /** Every extension in wire order. */
  readonly extensions: readonly RawExtension[];
  /** Raw field offsets. */
  readonly offsets: ClientHelloOffsets;
}

/** Options for {@link parseClientHello}. */
export interface ParseClientHelloOptions {
  /** Decode the DTLS layout (legacy cookie after the session id). */
  dtls: boolean;
}

/** A raw extension whose data view is made only when asked for (views cost ~100 ns each). */
class LazyExtension implements RawExtension {
  readonly type: number;
  readonly offset: number;
  readonly #body: Uint8Array;
  readonly #end: number;
  #data: Uint8Array | undefined;
  constructor(body: Uint8Array, type: number, offset: number, end: number) {
    this.#body = body;
    this.type = type;
    this.offset = offset;
    this.#end = end;
  }
  get data(): Uint8Array {
    return this.#data ??= this.#body.subarray(this.offset + 4, this.#end);
  }
  toJSON(): unknown {
    return { type: this.type, offset: this.offset, length: this.#end - this.offset - 4 };
  }
}

/**
 * The decoded ClientHello. Every field is validated by the constructor; byte views and the
 * cipher suite list are materialised on first access, so a listener that only needs raw ranges
 * (the HVR cookie binds raw bytes) pays for no views at all.
 */
class ParsedClientHello implements ClientHello {
  readonly dtls: boolean;
  readonly body: Uint8Array;
  readonly legacyVersion: number;
  readonly extensions: RawExtension[] = [];
  readonly offsets: ClientHelloOffsets;
  // Typed extensions, declared up front so every instance has one shape.
  serverName: string | undefined = undefined;
  supportedGroups: readonly number[] | undefined = undefined;
  signatureAlgorithms: readonly number[] | undefined = undefined;
  supportedVersions: readonly number[] | undefined = undefined;
  keyShares: readonly KeyShareEntry[] | undefined = undefined;
  cookie: Uint8Array | undefined = undefined;
  pskKeyExchangeModes: Uint8Array | undefined = undefined;
  preSharedKey: PreSharedKeyOffer | undefined = undefined;
  earlyData: boolean | undefined = undefined;
  alpn: readonly string[] | undefined = undefined;
  paddingLength: number | undefined = undefined;
  connectionId: Uint8Array | undefined = undefined;
  useSrtp: UseSrtp | undefined = undefined;
  recordSizeLimit: number | undefined = undefined;
  #random: Uint8Array | undefined;
  #sessionId: Uint8Array | undefined;
  #cookie: Uint8Array | undefined;
  #suites: number[] | undefined;
  #compression: Uint8Array | undefined;

  constructor(body: Uint8Array, dtls: boolean) {
    this.dtls = dtls;
    this.body = body;
    const n = body.length;
    const b = body;
    if (n < 35) throw truncated(n < 2 ? "client_hello.legacy_version" : "client_hello.random", n);
    this.legacyVersion = (b[0] << 8) | b[1];
    const sessionId = 34;
    const sidLen = b[34];
    if (sidLen > 32) throw new DecodeError("bad-length", "client_hello.legacy_session_id", 34, `length ${sidLen} outside 0..32`);
    let p = 35 + sidLen;
    if (p > n) throw truncated("client_hello.legacy_session_id", 35);
    const cookie = p;
    if (dtls) {
      if (p >= n) throw truncated("client_hello.cookie", p);
      p += 1 + b[p];
      if (p > n) throw truncated("client_hello.cookie", cookie + 1);
    }
    const cipherSuites = p;
    if (p + 2 > n) throw truncated("client_hello.cipher_suites", p);
    const suitesLen = (b[p] << 8) | b[p + 1];
    if (p + 2 + suitesLen > n) throw truncated("client_hello.cipher_suites", p + 2);
    if (suitesLen === 0) throw new DecodeError("empty-cipher-suites", "client_hello.cipher_suites", p);
    if (suitesLen & 1) throw new DecodeError("bad-length", "client_hello.cipher_suites", p, "odd length");
    p += 2 + suitesLen;
    const compressionMethods = p;
    if (p >= n) throw truncated("client_hello.compression_methods", p);
    const compLen = b[p];
    if (p + 1 + compLen > n) throw truncated("client_hello.compression_methods", p + 1);
    if (compLen === 0) throw new DecodeError("empty-compression-methods", "client_hello.compression_methods", p);
    p += 1 + compLen;
    const extensions = p;
    this.offsets = { sessionId, cookie, cipherSuites, compressionMethods, extensions };
    if (p === n) return; // TLS 1.2 allows a ClientHello without an extensions block
    if (p + 2 > n) throw truncated("client_hello.extensions", p);
    const extEnd = p + 2 + ((b[p] << 8) | b[p + 1]);
    if (extEnd > n) throw truncated("client_hello.extensions", p + 2);
    if (extEnd < n) throw new DecodeError("trailing-bytes", "client_hello", extEnd, `${n - extEnd} bytes left`);
    p += 2;
    const list = this.extensions;
    let seen: Set<number> | undefined;
    while (p < extEnd) {
      const offset = p;
      if (p + 4 > extEnd) throw truncated(p + 2 > extEnd ? "extension.type" : "extension.data", p + 2 > extEnd ? p : p + 2);
      const type = (b[p] << 8) | b[p + 1];
      const dataEnd = p + 4 + ((b[p + 2] << 8) | b[p + 3]);
      if (dataEnd > extEnd) throw truncated("extension.data", p + 4);
      // Duplicate check: linear for the usual handful, a Set once the list grows, so a hostile
      // list of 16k empty extensions stays O(n).
      if (list.length < 16) {
        for (let i = 0; i < list.length; i++) {
          if (list[i].type === type) throw new DecodeError("duplicate-extension", `extension ${type}`, offset);
        }
      } else {
        if (!seen) seen = new Set(list.map((e) => e.type));
        if (seen.has(type)) throw new DecodeError("duplicate-extension", `extension ${type}`, offset);
        seen.add(type);
      }
      if (list.length > 0 && list[list.length - 1].type === ExtensionType.pre_shared_key) {
        throw new DecodeError("psk-not-last", "extension pre_shared_key", list[list.length - 1].offset);
      }
      list.push(new LazyExtension(b, type, offset, dataEnd));
      decodeExtension(type, b, p + 4, dataEnd, this);
      p = dataEnd;
    }
  }

  get random(): Uint8Array {
    return this.#random ??= this.body.subarray(2, 34);
  }
  get legacySessionId(): Uint8Array {
    return this.#sessionId ??= this.body.subarray(35, this.offsets.cookie);
  }
  get legacyCookie(): Uint8Array | undefined {
    if (!this.dtls) return undefined;
    return this.#cookie ??= this.body.subarray(this.offsets.cookie + 1, this.offsets.cipherSuites);
  }
  get cipherSuites(): readonly number[] {
    if (this.#suites) return this.#suites;
    const b = this.body, s = this.offsets.cipherSuites + 2, e = this.offsets.compressionMethods;
    const out = new Array<number>((e - s) >> 1);
    for (let i = s, j = 0; i < e; i += 2, j++) out[j] = (b[i] << 8) | b[i + 1];
    return this.#suites = out;
  }
  get compressionMethods(): Uint8Array {
    return this.#compression ??= this.body.subarray(this.offsets.compressionMethods + 1, this.offsets.extensions);
  }
  /** Plain-data view for logs and JSON (byte fields as lengths only). */
  toJSON(): unknown {
    return {
      dtls: this.dtls,
      legacyVersion: this.legacyVersion,
      legacySessionIdLength: this.legacySessionId.length,
      legacyCookieLength: this.legacyCookie?.length,
      cipherSuites: this.cipherSuites,
      extensions: this.extensions.map((e) => e.type),
      supportedVersions: this.supportedVersions,
      supportedGroups: this.supportedGroups,
      keyShareGroups: this.keyShares?.map((k) => k.group),
      serverName: this.serverName,
    };
  }
}

function truncated(field: string, offset: number): DecodeError {
  return new DecodeError("truncated", field, offset);
}

/**
 * Decodes a ClientHello body. Throws only {@link DecodeError}.
 *
 * Byte fields are zero-copy views into `body`: keep `body` unchanged while the result is in use.
 *
 * @example
 * ```ts
 * import { parseClientHello } from "@hellogate/hellogate";
 * declare const body: Uint8Array; // handshake body, header stripped
 * const ch = parseClientHello(body, { dtls: false });
 * console.log(ch.supportedVersions, ch.keyShares?.map((s) => s.group));
 * ```
 */
export function parseClientHello(body: Uint8Array, options: ParseClientHelloOptions): ClientHello {
  return new ParsedClientHello(body, options.dtls);
}

/** Returns the raw extension of `type`, if present. */
export function findExtension(ch: ClientHello, type: number): RawExtension | undefined {
  for (const e of ch.extensions) if (e.type === type) return e;
  return undefined;
}
