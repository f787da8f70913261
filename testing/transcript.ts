/**
 * TLS 1.3 transcript helpers (RFC 8446 §4.4.1) computed independently of the listeners, so a
 * test can compare a listener's transcript with the client's own.
 *
 * @module
 */
import { sha256, sha384 } from "@noble/hashes/sha2.js";

/** Transcript hash functions of TLS 1.3 suites. */
export type TranscriptHash = "sha256" | "sha384";

/** Hashes `data` with the named function. */
export function hashBytes(hash: TranscriptHash, data: Uint8Array): Uint8Array {
  return hash === "sha384" ? sha384(data) : sha256(data);
}

/** Output length of the named hash. */
export function hashLength(hash: TranscriptHash): number {
  return hash === "sha384" ? 48 : 32;
}

/** A handshake message in TLS form: msg_type(1) length(3) body (RFC 8446 §4; RFC 9147 §5.2). */
export function tlsHandshakeMessage(msgType: number, body: Uint8Array): Uint8Array {
  if (body.length > 0xffffff) throw new RangeError("handshake body exceeds 2^24-1 bytes");
  const out = new Uint8Array(4 + body.length);
  out[0] = msgType;
  out[1] = body.length >>> 16;
  out[2] = body.length >>> 8;
  out[3] = body.length;
  out.set(body, 4);
  return out;
}

/**
 * The synthetic `message_hash` message that replaces ClientHello1 in the transcript after a
 * HelloRetryRequest (RFC 8446 §4.4.1): `FE 00 00 HashLen || Hash(ClientHello1)`, where
 * `clientHello1` is the whole message in TLS form (4-byte header).
 */
export function messageHash(hash: TranscriptHash, clientHello1: Uint8Array): Uint8Array {
  return tlsHandshakeMessage(254, hashBytes(hash, clientHello1));
}
