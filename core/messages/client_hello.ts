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
import { Reader } from "../wire/reader.ts";
import { ExtensionType } from "../constants/extensions.ts";
import { decodeExtension, type DecodedExtensions } from "./client_hello_extensions.ts";

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

/**
 * Decodes a ClientHello body. Throws only {@link DecodeError}.
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
  const r = new Reader(body);
  const legacyVersion = r.u16("client_hello.legacy_version");
  const random = r.bytesN(32, "client_hello.random");
  const sessionIdAt = r.pos;
  const legacySessionId = r.vectorBytes(1, "client_hello.legacy_session_id", 0, 32);
  const cookieAt = r.pos;
  let legacyCookie: Uint8Array | undefined;
  if (options.dtls) legacyCookie = r.vectorBytes(1, "client_hello.cookie");
  const suitesAt = r.pos;
  const [cs, ce] = r.vector(2, "client_hello.cipher_suites");
  if (ce === cs) throw new DecodeError("empty-cipher-suites", "client_hello.cipher_suites", suitesAt);
  if ((ce - cs) & 1) {
    throw new DecodeError("bad-length", "client_hello.cipher_suites", suitesAt, "odd length");
  }
  const cipherSuites = new Array<number>((ce - cs) >> 1);
  for (let i = cs, j = 0; i < ce; i += 2, j++) cipherSuites[j] = (body[i] << 8) | body[i + 1];
  const compressionAt = r.pos;
  const compressionMethods = r.vectorBytes(1, "client_hello.compression_methods");
  if (compressionMethods.length === 0) {
    throw new DecodeError("empty-compression-methods", "client_hello.compression_methods", compressionAt);
  }
  const extensionsAt = r.pos;
  const extensions: RawExtension[] = [];
  const decoded: DecodedExtensions = {};
  if (r.remaining > 0) {
    const [es, ee] = r.vector(2, "client_hello.extensions");
    r.expectEnd("client_hello");
    const er = new Reader(body, es, ee);
    let seen: Set<number> | undefined;
    while (er.remaining > 0) {
      const offset = er.pos;
      const type = er.u16("extension.type");
      const data = er.vectorBytes(2, "extension.data");
      // Duplicate check: linear for the usual handful, a Set once the list grows, so a
      // hostile list of 16k empty extensions stays O(n).
      if (extensions.length < 16) {
        for (let i = 0; i < extensions.length; i++) {
          if (extensions[i].type === type) {
            throw new DecodeError("duplicate-extension", `extension ${type}`, offset);
          }
        }
      } else {
        if (!seen) seen = new Set(extensions.map((e) => e.type));
        if (seen.has(type)) throw new DecodeError("duplicate-extension", `extension ${type}`, offset);
        seen.add(type);
      }
      if (extensions.length > 0 && extensions[extensions.length - 1].type === ExtensionType.pre_shared_key) {
        throw new DecodeError("psk-not-last", "extension pre_shared_key", extensions[extensions.length - 1].offset);
      }
      extensions.push({ type, data, offset });
      decodeExtension(type, body, offset + 4, offset + 4 + data.length, decoded);
    }
  }
  return {
    dtls: options.dtls,
    body,
    legacyVersion,
    random,
    legacySessionId,
    legacyCookie,
    cipherSuites,
    compressionMethods,
    extensions,
    offsets: {
      sessionId: sessionIdAt,
      cookie: cookieAt,
      cipherSuites: suitesAt,
      compressionMethods: compressionAt,
      extensions: extensionsAt,
    },
    ...decoded,
  };
}

/** Returns the raw extension of `type`, if present. */
export function findExtension(ch: ClientHello, type: number): RawExtension | undefined {
  for (const e of ch.extensions) if (e.type === type) return e;
  return undefined;
}
