/**
 * The one error type that untrusted bytes can produce.
 *
 * Every decoder in hellogate throws only {@link DecodeError}; listeners catch it and turn it
 * into a typed `dropped` or `closed` outcome. Anything else escaping a decoder is a bug.
 *
 * @module
 */

/** Why a decoder rejected its input. Each reason is distinct so counters and tests can tell them apart. */
export type DecodeErrorReason =
  /** The input ended before the field was complete. */
  | "truncated"
  /** Bytes remained after a structure that must fill its container exactly. */
  | "trailing-bytes"
  /** A length prefix or fixed length that the protocol forbids (odd, too short, too long). */
  | "bad-length"
  /** A value outside what the protocol allows at that position. */
  | "illegal-value"
  /** The same extension appeared twice in one message (RFC 8446 §4.2). */
  | "duplicate-extension"
  /** pre_shared_key was not the last extension (RFC 8446 §4.2.11). */
  | "psk-not-last"
  /** A ClientHello with no cipher suites (RFC 8446 §4.1.2 / RFC 5246 §7.4.1.2: at least one). */
  | "empty-cipher-suites"
  /** A ClientHello with no compression methods. */
  | "empty-compression-methods"
  /** A list that must not be empty is empty. */
  | "empty-list";

/**
 * A typed decoding failure: names the reason, the field being decoded and the byte offset
 * (relative to the start of the buffer given to the decoder) where decoding failed.
 */
export class DecodeError extends Error {
  /** Machine-readable reason. */
  readonly reason: DecodeErrorReason;
  /** The protocol field being decoded, e.g. `"client_hello.cipher_suites"`. */
  readonly field: string;
  /** Byte offset in the decoder's input where the problem was found. */
  readonly offset: number;

  /** Creates a decode error; the message is derived from the parts. */
  constructor(reason: DecodeErrorReason, field: string, offset: number, detail?: string) {
    super(`${reason} in ${field} at offset ${offset}${detail ? `: ${detail}` : ""}`);
    this.name = "DecodeError";
    this.reason = reason;
    this.field = field;
    this.offset = offset;
  }
}
