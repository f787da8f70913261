/**
 * TLS 1.3 record protection (RFC 8446 §5.2-§5.4): one direction's AEAD state. Seals content into
 * a TLSCiphertext record (outer type application_data, legacy version 0x0303, the real type
 * hidden in TLSInnerPlaintext, optional zero padding) and opens records back, tolerating any
 * padding. Per-record nonce = write_iv XOR the 64-bit record sequence number (§5.3); AAD = the
 * 5-byte record header (§5.2).
 *
 * Size limits: a TLSCiphertext fragment longer than 2^14 + 256 bytes, or a TLSInnerPlaintext
 * (content + type + padding) longer than the receive limit (2^14 + 1, or the `record_size_limit`
 * we advertised, RFC 8449 §4, which counts the type byte and padding) is `record-overflow`.
 *
 * Failures on remote input are returned as results, never thrown. Keys are held privately and
 * never appear in JSON or inspection output.
 *
 * @module
 */
import type { Aead, AeadName, CryptoProvider } from "../crypto/provider.ts";
import { trafficKeys } from "../handshake/key_schedule.ts";
import { TLS_RECORD_HEADER_LENGTH, writeTlsRecordHeader } from "../wire/record.ts";

/** Largest TLSInnerPlaintext content (2^14, RFC 8446 §5.1). */
export const MAX_TLS13_PLAINTEXT = 16384;
/** Largest TLSCiphertext fragment (2^14 + 256, RFC 8446 §5.2). */
export const MAX_TLS13_CIPHERTEXT = 16384 + 256;
const TAG = 16;
const CT_APPLICATION_DATA = 23;

/** AEAD of a TLS 1.3 cipher suite. */
export function suiteAead(cipherSuite: number): AeadName {
  switch (cipherSuite) {
    case 0x1301:
      return "aes-128-gcm";
    case 0x1302:
      return "aes-256-gcm";
    case 0x1303:
      return "chacha20-poly1305";
    default:
      throw new RangeError(`unsupported TLS 1.3 cipher suite 0x${cipherSuite.toString(16)}`);
  }
}

/** Result of {@link Tls13RecordProtection.open}. */
export type OpenedRecord =
  | {
    /** Success. */
    readonly ok: true;
    /** The real content type from TLSInnerPlaintext. */
    readonly contentType: number;
    /** The content, padding removed. */
    readonly content: Uint8Array;
  }
  | {
    /** Failure. */
    readonly ok: false;
    /**
     * `bad-record-mac`: authentication failed (RFC 8446 §5.2 → bad_record_mac);
     * `record-overflow`: the ciphertext or inner plaintext is too long (→ record_overflow);
     * `no-content-type`: the inner plaintext is all zeros (→ unexpected_message).
     */
    readonly reason: "bad-record-mac" | "record-overflow" | "no-content-type";
  };

/** One direction of TLS 1.3 record protection (keys derived from one traffic secret). */
export class Tls13RecordProtection {
  readonly #aead: Aead;
  readonly #iv: Uint8Array;
  readonly #nonce = new Uint8Array(12);
  /** The record header as AAD, rewritten per record (the AEAD reads it synchronously). */
  readonly #aad = new Uint8Array(TLS_RECORD_HEADER_LENGTH);
  #seq = 0;
  /** Largest TLSInnerPlaintext accepted by {@link open} (content + type + padding). */
  readonly receiveLimit: number;

  /**
   * Keys one direction from `secret` (a handshake or application traffic secret).
   * `receiveLimit` is the TLSInnerPlaintext limit for opening (default 2^14 + 1).
   */
  constructor(provider: CryptoProvider, cipherSuite: number, secret: Uint8Array, receiveLimit = MAX_TLS13_PLAINTEXT + 1) {
    const { key, iv } = trafficKeys(provider, cipherSuite, secret);
    this.#aead = provider.aead(suiteAead(cipherSuite), key);
    key.fill(0);
    this.#iv = iv;
    this.receiveLimit = Math.min(receiveLimit, MAX_TLS13_PLAINTEXT + 1);
  }

  /** Records sealed or opened so far (the next record's sequence number). */
  get sequence(): number {
    return this.#seq;
  }

  #nonceFor(): Uint8Array {
    const n = this.#nonce;
    n.set(this.#iv);
    // 64-bit big-endian sequence, left-padded to 12 bytes, XORed into the IV (RFC 8446 §5.3).
    let s = this.#seq;
    for (let i = 11; i >= 4 && s > 0; i--) {
      n[i] ^= s & 0xff;
      s = Math.floor(s / 256);
    }
    return n;
  }

  /**
   * Seals `content` of the real `contentType` into one whole TLSCiphertext record (header
   * included), with `padding` zero bytes. Throws RangeError when content + 1 + padding exceeds 2^14 + 1.
   */
  seal(contentType: number, content: Uint8Array, padding = 0): Uint8Array {
    const innerLength = content.length + 1 + padding;
    if (innerLength > MAX_TLS13_PLAINTEXT + 1) throw new RangeError("TLSInnerPlaintext too long");
    const inner = new Uint8Array(innerLength);
    inner.set(content);
    inner[content.length] = contentType;
    writeTlsRecordHeader(this.#aad, 0, CT_APPLICATION_DATA, 0x0303, innerLength + TAG);
    const sealed = this.#aead.seal(this.#nonceFor(), this.#aad, inner);
    this.#seq++;
    const out = new Uint8Array(TLS_RECORD_HEADER_LENGTH + sealed.length);
    out.set(this.#aad);
    out.set(sealed, TLS_RECORD_HEADER_LENGTH);
    return out;
  }

  /**
   * Opens the `fragment` of one TLSCiphertext record. The caller has checked the outer content
   * type is application_data; the AAD is the header such a record carries (type 23, 0x0303, length).
   */
  open(fragment: Uint8Array): OpenedRecord {
    if (fragment.length > MAX_TLS13_CIPHERTEXT) return { ok: false, reason: "record-overflow" };
    if (fragment.length < TAG + 1) return { ok: false, reason: "bad-record-mac" };
    if (fragment.length - TAG > this.receiveLimit) return { ok: false, reason: "record-overflow" };
    writeTlsRecordHeader(this.#aad, 0, CT_APPLICATION_DATA, 0x0303, fragment.length);
    const inner = this.#aead.open(this.#nonceFor(), this.#aad, fragment);
    // A record that fails authentication does not advance the sequence number, so skipped
    // 0-RTT records (RFC 8446 §4.2.10) leave the handshake records' numbering intact.
    if (!inner) return { ok: false, reason: "bad-record-mac" };
    this.#seq++;
    let i = inner.length - 1;
    while (i >= 0 && inner[i] === 0) i--;
    if (i < 0) return { ok: false, reason: "no-content-type" };
    return { ok: true, contentType: inner[i], content: inner.subarray(0, i) };
  }

  /** Redacted: keys never appear in JSON. */
  toJSON(): unknown {
    return { sequence: this.#seq, receiveLimit: this.receiveLimit };
  }
}
