/**
 * Stream sniffing for {@link StreamListener}: recognition of streams that are not TLS at all
 * (HTTP requests, SSLv2-format hellos, SSH). Record and message framing live in `core/record/`.
 *
 * @module
 */
import { ContentType } from "../constants/protocol.ts";

/** True for the record content types a TLS peer may send in plaintext (20-24). */
export function isTlsContentType(type: number): boolean {
  return type >= ContentType.change_cipher_spec && type <= ContentType.heartbeat;
}

/** Request-line starts of HTTP/1.x methods (first four bytes) and the HTTP/2 preface. */
const HTTP_PREFIXES: readonly (readonly [string, string])[] = [
  ["GET ", "GET"],
  ["POST", "POST"],
  ["PUT ", "PUT"],
  ["HEAD", "HEAD"],
  ["DELE", "DELETE"],
  ["OPTI", "OPTIONS"],
  ["PATC", "PATCH"],
  ["CONN", "CONNECT"],
  ["TRAC", "TRACE"],
];

function ascii(bytes: ArrayLike<number>, n: number): string {
  let s = "";
  for (let i = 0; i < n && i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/**
 * Names what a stream that does not start with a TLS record is, from its first bytes (at most
 * 4 are looked at): `HTTP request (GET)`, `HTTP/2 connection preface (PRI)`, `SSLv2-format
 * ClientHello`, `SSH`, or the first byte in hex.
 */
export function describeNonTls(bytes: ArrayLike<number>, n: number): string {
  const head = ascii(bytes, Math.min(n, 4));
  if (head === "PRI ") return "HTTP/2 connection preface (PRI), not TLS";
  for (const [p, name] of HTTP_PREFIXES) if (head === p) return `HTTP request (${name}), not TLS`;
  if (head === "SSH-") return "SSH protocol banner, not TLS";
  if (n >= 4 && (bytes[0] & 0x80) !== 0 && bytes[2] === 0x01 && bytes[3] === 0x03) {
    return "SSLv2-format ClientHello (RFC 6101 §E.2), not supported";
  }
  const b0 = bytes[0];
  const printable = b0 >= 0x20 && b0 < 0x7f ? ` ('${String.fromCharCode(b0)}')` : "";
  return `first byte 0x${b0.toString(16).padStart(2, "0")}${printable} is not a TLS record content type`;
}
