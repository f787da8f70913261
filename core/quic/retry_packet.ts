/**
 * Retry packets (RFC 9000 §17.2.5) and their integrity tag (RFC 9001 §5.8, RFC 9369 §3.3.3):
 * AES-128-GCM with the version's fixed key and nonce, empty plaintext, over the Retry
 * pseudo-packet `ODCID length || ODCID || Retry packet without the tag`.
 *
 * @module
 */
import type { Aead, CryptoProvider } from "../crypto/provider.ts";
import { writeLongHeaderStart } from "./long_header.ts";
import type { QuicVersionInfo } from "./versions.ts";

/** Length of the Retry Integrity Tag. */
export const RETRY_TAG_LENGTH = 16;
const EMPTY = new Uint8Array(0);
/** The fixed-key Retry AEAD per provider and version (public keys: caching them is safe). */
const RETRY_AEADS = new WeakMap<CryptoProvider, Map<number, Aead>>();

function retryAead(provider: CryptoProvider, info: QuicVersionInfo): Aead {
  let m = RETRY_AEADS.get(provider);
  if (!m) RETRY_AEADS.set(provider, m = new Map());
  let a = m.get(info.version);
  if (!a) m.set(info.version, a = provider.aead("aes-128-gcm", info.retryKey));
  return a;
}

/** What goes into a Retry packet. */
export interface RetryFields {
  /** Version the client used. */
  readonly info: QuicVersionInfo;
  /** Destination Connection ID: the client's Source Connection ID. */
  readonly dcid: Uint8Array;
  /** Source Connection ID: the server's new connection ID (the client's next DCID). */
  readonly scid: Uint8Array;
  /** The Retry token. */
  readonly token: Uint8Array;
  /** The Destination Connection ID of the client's Initial (bound by the tag). */
  readonly originalDcid: Uint8Array;
  /** The four unused low bits of the first byte (RFC 9000: arbitrary); default 0xf. */
  readonly unusedBits?: number;
}

/** Computes the Retry Integrity Tag of `retryWithoutTag` for `originalDcid`. */
export function retryIntegrityTag(
  provider: CryptoProvider,
  info: QuicVersionInfo,
  originalDcid: Uint8Array,
  retryWithoutTag: Uint8Array,
): Uint8Array {
  const pseudo = new Uint8Array(1 + originalDcid.length + retryWithoutTag.length);
  pseudo[0] = originalDcid.length;
  pseudo.set(originalDcid, 1);
  pseudo.set(retryWithoutTag, 1 + originalDcid.length);
  return retryAead(provider, info).seal(info.retryNonce, pseudo, EMPTY);
}

/** Encodes a Retry packet with its integrity tag. Throws `RangeError` for connection IDs over 20 bytes. */
export function encodeRetry(provider: CryptoProvider, f: RetryFields): Uint8Array {
  if (f.dcid.length > 20 || f.scid.length > 20 || f.originalDcid.length > 20) {
    throw new RangeError("QUIC v1/v2 connection IDs are at most 20 bytes");
  }
  const len = 1 + 4 + 1 + f.dcid.length + 1 + f.scid.length + f.token.length;
  const out = new Uint8Array(len + RETRY_TAG_LENGTH);
  const first = 0xc0 | (f.info.typeBits.retry << 4) | ((f.unusedBits ?? 0xf) & 0x0f);
  const at = writeLongHeaderStart(out, first, f.info.version, f.dcid, f.scid);
  out.set(f.token, at);
  out.set(retryIntegrityTag(provider, f.info, f.originalDcid, out.subarray(0, len)), len);
  return out;
}

/** True when `retry` (a whole Retry packet) carries a valid integrity tag for `originalDcid`. */
export function verifyRetryIntegrity(
  provider: CryptoProvider,
  info: QuicVersionInfo,
  originalDcid: Uint8Array,
  retry: Uint8Array,
): boolean {
  if (retry.length < 7 + RETRY_TAG_LENGTH) return false;
  const body = retry.subarray(0, retry.length - RETRY_TAG_LENGTH);
  const tag = retryIntegrityTag(provider, info, originalDcid, body);
  let diff = 0;
  for (let i = 0; i < RETRY_TAG_LENGTH; i++) diff |= tag[i] ^ retry[body.length + i];
  return diff === 0;
}
