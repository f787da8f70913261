/**
 * The decode-less front of a DTLS 1.0/1.2 ClientHello: just the field offsets an HVR cookie
 * binds, read the way OpenSSL's `DTLSv1_listen()` reads them (up to the cookie, plus the two
 * length prefixes that lead to compression_methods), without validating the extensions.
 *
 * What it is for: answering a cookie-less ClientHello1 with a HelloVerifyRequest costs one MAC
 * plus this; a full {@link parseClientHello} (every extension validated) is needed only for the
 * ClientHello2 that carries a cookie, whose parsed form `accepted` hands on. A listener using it
 * keeps its other guarantees by checking, before answering: handshake type ClientHello, a
 * complete unfragmented body, and a reply no larger than the request (a 60-byte HVR for a
 * datagram of at least 60 bytes).
 *
 * @module
 */
import type { ClientHelloOffsets } from "../../messages/client_hello.ts";

/** What {@link readHvrFields} found: the body and the offsets an HVR cookie needs. */
export interface HvrFields {
  /** The ClientHello body (a view of the caller's bytes, not copied). */
  readonly body: Uint8Array;
  /** Offsets of the legacy fields; `extensions` is where the extensions block starts (or the end). */
  readonly offsets: ClientHelloOffsets;
  /** legacy_version. */
  readonly legacyVersion: number;
  /** Length of the legacy_cookie (0 for a ClientHello1). */
  readonly cookieLength: number;
}

/**
 * Reads legacy_version, random, session_id, cookie, cipher_suites and compression_methods of a
 * DTLS ClientHello body, bounds-checked; `undefined` when they do not fit or are malformed
 * (session_id over 32 bytes, an odd or empty suite list, no compression method). Never throws.
 */
export function readHvrFields(body: Uint8Array): HvrFields | undefined {
  const n = body.length;
  const sessionId = 34;
  if (n < sessionId + 1) return undefined;
  const sidLength = body[sessionId];
  if (sidLength > 32) return undefined;
  const cookie = sessionId + 1 + sidLength;
  if (cookie + 1 > n) return undefined;
  const cookieLength = body[cookie];
  const cipherSuites = cookie + 1 + cookieLength;
  if (cipherSuites + 2 > n) return undefined;
  const suitesLength = (body[cipherSuites] << 8) | body[cipherSuites + 1];
  if (suitesLength < 2 || (suitesLength & 1) !== 0) return undefined;
  const compressionMethods = cipherSuites + 2 + suitesLength;
  if (compressionMethods + 1 > n) return undefined;
  const compressionLength = body[compressionMethods];
  if (compressionLength < 1) return undefined;
  const extensions = compressionMethods + 1 + compressionLength;
  if (extensions > n) return undefined;
  return {
    body,
    offsets: { sessionId, cookie, cipherSuites, compressionMethods, extensions },
    legacyVersion: (body[0] << 8) | body[1],
    cookieLength,
  };
}

/**
 * Whether the extensions block at `offsets.extensions` carries a supported_versions extension
 * (RFC 8446 §4.2.1) that lists `version` (e.g. DTLS 1.3, 0xFEFC): what a listener that also
 * serves DTLS 1.3 must know before answering with an HVR instead of an HRR. `undefined` when the
 * extensions block is malformed (the caller then falls back to the full parse and its typed
 * drop). Only lengths are checked, and only supported_versions is read. Never throws.
 */
export function offersVersion(fields: HvrFields, version: number): boolean | undefined {
  const b = fields.body, n = b.length;
  let p = fields.offsets.extensions;
  if (p === n) return false; // no extensions block
  if (p + 2 > n) return undefined;
  const end = p + 2 + ((b[p] << 8) | b[p + 1]);
  if (end !== n) return undefined;
  p += 2;
  let found = false;
  while (p < end) {
    if (p + 4 > end) return undefined;
    const type = (b[p] << 8) | b[p + 1];
    const len = (b[p + 2] << 8) | b[p + 3];
    const data = p + 4;
    if (data + len > end) return undefined;
    if (type === 0x002b) {
      if (len < 1 || b[data] !== len - 1 || (b[data] & 1) !== 0) return undefined;
      for (let i = data + 1; i < data + len; i += 2) if (((b[i] << 8) | b[i + 1]) === version) found = true;
    }
    p = data + len;
  }
  return found;
}
