/**
 * Record content types, handshake message types and alert descriptions (RFC 8446 §5.1, §4,
 * §6; RFC 6347 §4.3.2 for hello_verify_request).
 *
 * @module
 */

/** TLSPlaintext / DTLSPlaintext content types. */
export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
  heartbeat: 24,
  tls12_cid: 25,
  ack: 26,
} as const;

/** Handshake message types. */
export const HandshakeType = {
  client_hello: 1,
  server_hello: 2,
  hello_verify_request: 3,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  certificate_request: 13,
  certificate_verify: 15,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

/** Alert descriptions used by the listeners. */
export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  record_overflow: 22,
  handshake_failure: 40,
  illegal_parameter: 47,
  decode_error: 50,
  protocol_version: 70,
  internal_error: 80,
  missing_extension: 109,
} as const;

/** Name of an alert description known to hellogate. */
export type AlertName = keyof typeof AlertDescription;

const ALERT_NAMES: Record<number, string> = {
  ...Object.fromEntries(Object.entries(AlertDescription).map(([k, v]) => [v, k])),
  20: "bad_record_mac",
  42: "bad_certificate",
  43: "unsupported_certificate",
  44: "certificate_revoked",
  45: "certificate_expired",
  46: "certificate_unknown",
  48: "unknown_ca",
  49: "access_denied",
  51: "decrypt_error",
  71: "insufficient_security",
  86: "inappropriate_fallback",
  90: "user_canceled",
  110: "unsupported_extension",
  112: "unrecognized_name",
  113: "bad_certificate_status_response",
  115: "unknown_psk_identity",
  116: "certificate_required",
  120: "no_application_protocol",
};

/** Human name of any alert description byte. */
export function alertName(value: number): string {
  return ALERT_NAMES[value] ?? `alert_${value}`;
}
