/**
 * Why a TLS 1.3 server engine closed, and the one table mapping each reason to the alert we send
 * (RFC 8446 §6.2). Reasons the peer caused by sending an alert (`peer-alert`,
 * `peer-close-notify`) or that end without any alert (`end-of-stream`) map to no alert of ours.
 *
 * @module
 */

/** Every way a TLS 1.3 server engine can close. */
export type Tls13CloseReason =
  /** A message or record did not decode (bad lengths, trailing bytes) → decode_error. */
  | "decode-error"
  /** A field holds a value the RFC forbids (bad key share, CH2 that breaks the HRR rules, session id in QUIC) → illegal_parameter. */
  | "illegal-parameter"
  /** A message or record type not allowed in the current state → unexpected_message. */
  | "unexpected-message"
  /** A protected record failed authentication → bad_record_mac. */
  | "bad-record-mac"
  /** A record longer than 2^14 + 256 or than the advertised record_size_limit → record_overflow. */
  | "record-overflow"
  /** No acceptable suite, group, certificate or signature scheme → handshake_failure. */
  | "handshake-failure"
  /** A mandatory extension is missing (supported_versions, key_share, signature_algorithms, QUIC transport parameters) → missing_extension. */
  | "missing-extension"
  /** The client Finished does not verify → decrypt_error. */
  | "decrypt-error"
  /** The client does not offer TLS 1.3 → protocol_version. */
  | "protocol-version"
  /** The client offered ALPN protocols and none is acceptable → no_application_protocol. */
  | "no-application-protocol"
  /** More KeyUpdates in a row than `maxKeyUpdates` (default 64) without application data between them → unexpected_message. */
  | "key-update-flood"
  /** Skipped 0-RTT data exceeded `maxEarlyDataBytes` (RFC 8446 §4.2.10) → unexpected_message. */
  | "early-data-limit"
  /** A handshake message larger than the engine's cap → illegal_parameter (OpenSSL's "excessive message size"). */
  | "message-too-large"
  /** Client authentication is required and the client sent no certificate → certificate_required. */
  | "certificate-required"
  /** The client's certificate does not parse, or the application's verifier refused it → bad_certificate. */
  | "bad-certificate"
  /** Our own failure (e.g. a certificate selector that threw) → internal_error. */
  | "internal-error"
  /** The peer sent a fatal alert (or a warning other than close_notify/user_canceled). */
  | "peer-alert"
  /** The peer sent close_notify (graceful end). */
  | "peer-close-notify"
  /** We closed with `close()` (close_notify sent). */
  | "local-close"
  /** The transport ended (`end()`) without a close_notify. */
  | "end-of-stream";

/** An alert description with its RFC 8446 name. */
export interface AlertInfo {
  /** Alert description byte. */
  readonly description: number;
  /** RFC 8446 §6 name. */
  readonly name: string;
}

/** The alert each reason sends; `undefined` for reasons where we send none. */
export const TLS13_CLOSE_ALERTS: Readonly<Record<Tls13CloseReason, AlertInfo | undefined>> = Object.freeze({
  "decode-error": { description: 50, name: "decode_error" },
  "illegal-parameter": { description: 47, name: "illegal_parameter" },
  "unexpected-message": { description: 10, name: "unexpected_message" },
  "bad-record-mac": { description: 20, name: "bad_record_mac" },
  "record-overflow": { description: 22, name: "record_overflow" },
  "handshake-failure": { description: 40, name: "handshake_failure" },
  "missing-extension": { description: 109, name: "missing_extension" },
  "decrypt-error": { description: 51, name: "decrypt_error" },
  "protocol-version": { description: 70, name: "protocol_version" },
  "no-application-protocol": { description: 120, name: "no_application_protocol" },
  "key-update-flood": { description: 10, name: "unexpected_message" },
  "early-data-limit": { description: 10, name: "unexpected_message" },
  "message-too-large": { description: 47, name: "illegal_parameter" },
  "certificate-required": { description: 116, name: "certificate_required" },
  "bad-certificate": { description: 42, name: "bad_certificate" },
  "internal-error": { description: 80, name: "internal_error" },
  "peer-alert": undefined,
  "peer-close-notify": undefined,
  "local-close": { description: 0, name: "close_notify" },
  "end-of-stream": undefined,
});
