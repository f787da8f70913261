/**
 * KeyUpdate (RFC 8446 §4.6.3): one byte, update_not_requested(0) or update_requested(1); any
 * other value or length is a decode/illegal_parameter error.
 *
 * @module
 */
import { encodeTlsHandshake } from "../../wire/handshake_header.ts";

/** The KeyUpdate handshake message (4-byte header included). */
export function encodeKeyUpdate(updateRequested: boolean): Uint8Array {
  return encodeTlsHandshake(24, new Uint8Array([updateRequested ? 1 : 0]));
}

/** Decodes a KeyUpdate body: `true`/`false` for requested or not, or the error reason. */
export function decodeKeyUpdate(body: Uint8Array): boolean | "decode-error" | "illegal-parameter" {
  if (body.length !== 1) return "decode-error";
  if (body[0] > 1) return "illegal-parameter";
  return body[0] === 1;
}
