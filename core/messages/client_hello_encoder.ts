/**
 * ClientHello encoder (the inverse of {@link parseClientHello}) and encoders for the extension
 * bodies a client sends. Used by the scripted test client and by tests; the listeners never
 * re-encode a received ClientHello.
 *
 * @module
 */
import { Writer } from "../wire/writer.ts";
import type { KeyShareEntry } from "./client_hello_extensions.ts";

/** An extension to encode: type and raw extension_data. */
export interface ExtensionToEncode {
  /** Extension type. */
  readonly type: number;
  /** extension_data bytes. */
  readonly data: Uint8Array;
}

/** Fields of a ClientHello to encode. */
export interface ClientHelloFields {
  /** Use the DTLS layout (legacy cookie after the session id). */
  readonly dtls: boolean;
  /** legacy_version. */
  readonly legacyVersion: number;
  /** 32-byte random. */
  readonly random: Uint8Array;
  /** legacy_session_id (0..32 bytes). */
  readonly legacySessionId: Uint8Array;
  /** DTLS legacy cookie; ignored for TLS; empty when omitted. */
  readonly legacyCookie?: Uint8Array;
  /** Cipher suites. */
  readonly cipherSuites: readonly number[];
  /** Compression methods (normally `[0]`). */
  readonly compressionMethods: Uint8Array;
  /** Extensions in order; `undefined` omits the extensions block entirely (TLS 1.2 allows it). */
  readonly extensions?: readonly ExtensionToEncode[];
}

/** Encodes a ClientHello body (no handshake header). Throws `RangeError` for out-of-range fields. */
export function encodeClientHello(f: ClientHelloFields): Uint8Array {
  if (f.random.length !== 32) throw new RangeError("random must be 32 bytes");
  if (f.legacySessionId.length > 32) throw new RangeError("legacy_session_id is at most 32 bytes");
  const w = new Writer(512);
  w.u16(f.legacyVersion).bytes(f.random).vector(1, f.legacySessionId);
  if (f.dtls) w.vector(1, f.legacyCookie ?? new Uint8Array(0));
  w.nested(2, (w) => {
    for (const s of f.cipherSuites) w.u16(s);
  });
  w.vector(1, f.compressionMethods);
  if (f.extensions) {
    w.nested(2, (w) => {
      for (const e of f.extensions!) w.u16(e.type).vector(2, e.data);
    });
  }
  return w.finish();
}

/** supported_versions for a ClientHello: `u8 length, u16 versions`. */
export function encodeSupportedVersionsClient(versions: readonly number[]): Uint8Array {
  const w = new Writer(1 + versions.length * 2);
  return w.nested(1, (w) => versions.forEach((v) => w.u16(v))).finish();
}

/** A `u16`-length list of `u16` values (supported_groups, signature_algorithms). */
export function encodeU16List(values: readonly number[]): Uint8Array {
  const w = new Writer(2 + values.length * 2);
  return w.nested(2, (w) => values.forEach((v) => w.u16(v))).finish();
}

/** key_share for a ClientHello: `client_shares<0..2^16-1>`. */
export function encodeKeyShareClient(shares: readonly KeyShareEntry[]): Uint8Array {
  const w = new Writer(64);
  return w.nested(2, (w) => {
    for (const s of shares) w.u16(s.group).vector(2, s.keyExchange);
  }).finish();
}

/** server_name with one host_name. */
export function encodeServerName(host: string): Uint8Array {
  const name = new Uint8Array([...host].map((c) => c.charCodeAt(0) & 0xff));
  const w = new Writer(5 + name.length);
  return w.nested(2, (w) => w.u8(0).vector(2, name)).finish();
}

/** ALPN protocol_name_list. */
export function encodeAlpn(protocols: readonly string[]): Uint8Array {
  const w = new Writer(32);
  return w.nested(2, (w) => {
    for (const p of protocols) w.vector(1, new Uint8Array([...p].map((c) => c.charCodeAt(0) & 0xff)));
  }).finish();
}

/** cookie extension data: `opaque cookie<1..2^16-1>`. */
export function encodeCookieExtension(cookie: Uint8Array): Uint8Array {
  return new Writer(2 + cookie.length).vector(2, cookie).finish();
}

/** A `u8`-length byte list (psk_key_exchange_modes, connection_id). */
export function encodeU8Vector(data: Uint8Array): Uint8Array {
  return new Writer(1 + data.length).vector(1, data).finish();
}
