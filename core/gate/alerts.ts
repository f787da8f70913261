/**
 * The one table that says which alert each gate reason is answered with (RFC 8446 §6.2,
 * RFC 9147 §5.1). The stream gate sends it for every reason that has one; the datagram gate
 * answers only (D)TLS 1.3 cookie and negotiation failures with an alert and drops everything
 * else silently, as DTLSv1_listen does (an unauthenticated datagram must not make us send).
 *
 * @module
 */
import type { AlertName } from "../constants/protocol.ts";
import type { DecodeErrorReason } from "../wire/decode_error.ts";
import type { DropReason } from "./outcome.ts";

/** The alert for each reason; `undefined`: nothing is sent (the peer's own alert, its close, a silent drop). */
export const GATE_ALERTS: { readonly [R in DropReason]: AlertName | undefined } = {
  // record layer
  "bad-record-version": "protocol_version",
  "bad-record-length": "record_overflow",
  "not-tls": undefined,
  "unexpected-record": "unexpected_message",
  "buffer-limit": "internal_error",
  // handshake message
  "not-client-hello": "unexpected_message",
  "message-too-large": "illegal_parameter",
  "malformed-client-hello": "decode_error",
  "illegal-compression-methods": "illegal_parameter",
  // negotiation
  "unsupported-version": "protocol_version",
  "no-common-cipher-suite": "handshake_failure",
  "no-common-group": "handshake_failure",
  // cookie and CH2 (never answered with a second HRR)
  "invalid-cookie": "illegal_parameter",
  "cookie-mismatch": "illegal_parameter",
  "client-hello-changed": "illegal_parameter",
  "legacy-cookie-not-empty": "illegal_parameter",
  // the peer ended it, or input after the end
  "peer-alert": undefined,
  "end-of-stream": undefined,
  "after-finish": undefined,
  // datagram only: silent drops
  "too-short": undefined,
  "not-handshake": undefined,
  "bad-epoch": undefined,
  "encrypted-record": undefined,
  "bad-handshake-fragment": undefined,
  "bad-message-seq": undefined,
  "bad-fragment": undefined,
  "reassembly-budget": undefined,
  "amplification-limit": undefined,
};

/**
 * The alert for `reason`. A ClientHello that fails to decode because of a duplicate extension or a
 * pre_shared_key that is not last is a well-formed message with an illegal value (RFC 8446 §4.2,
 * §4.2.11): illegal_parameter instead of decode_error.
 */
export function gateAlert(reason: DropReason, decodeError?: DecodeErrorReason): AlertName | undefined {
  if (reason === "malformed-client-hello" && (decodeError === "duplicate-extension" || decodeError === "psk-not-last")) {
    return "illegal_parameter";
  }
  return GATE_ALERTS[reason];
}
