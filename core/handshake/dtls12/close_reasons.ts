/**
 * Why a DTLS 1.2 server connection ended, and the one table mapping each reason to the alert
 * we send for it (RFC 5246 §7.2.2, RFC 6347 §4.1.2.7).
 *
 * @module
 */
import { alertName } from "../../constants/protocol.ts";

/** Every way a DTLS 1.2 server connection can end. */
export type Dtls12CloseReason =
  /** The peer sent close_notify (we answered with ours). */
  | "peer-closed"
  /** {@link Dtls12Server.close} was called (we sent close_notify). */
  | "local-close"
  /** The peer sent a fatal alert. */
  | "peer-alert"
  /** No suite the client offers is enabled for our certificate's key. */
  | "no-common-cipher-suite"
  /** No group the client offers is enabled. */
  | "no-common-group"
  /** The client allows no signature scheme our key can produce. */
  | "no-signature-scheme"
  /** The client's ALPN protocols and ours have nothing in common (RFC 7301 §3.2). */
  | "no-application-protocol"
  /** The client did not offer the extended master secret and it is required (RFC 7627 §5.2). */
  | "missing-extended-master-secret"
  /** The client offered only the null compression method's absence, or a secure renegotiation extension that is not empty. */
  | "bad-client-hello"
  /** A handshake message arrived out of place. */
  | "unexpected-message"
  /** A handshake message did not decode. */
  | "decode-error"
  /** The ClientKeyExchange point is not valid on the group. */
  | "invalid-key-share"
  /** The client's Finished.verify_data is wrong. */
  | "bad-finished"
  /** The client's certificate chain did not parse or its key is unusable. */
  | "bad-certificate"
  /** A client certificate was required and the client sent none. */
  | "certificate-required"
  /** The client's CertificateVerify signature does not verify. */
  | "bad-certificate-verify"
  /** The peer stopped answering: every retransmission of our flight went unanswered. */
  | "handshake-timeout"
  /** An internal failure (a bug or a provider error). */
  | "internal-error";

/** The alert description we send for each reason (undefined: none, or close_notify for orderly ends). */
export const DTLS12_CLOSE_ALERT: Readonly<Record<Dtls12CloseReason, number | undefined>> = {
  "peer-closed": 0,
  "local-close": 0,
  "peer-alert": undefined,
  "no-common-cipher-suite": 40,
  "no-common-group": 40,
  "no-signature-scheme": 40,
  "no-application-protocol": 120,
  "missing-extended-master-secret": 40,
  "bad-client-hello": 47,
  "unexpected-message": 10,
  "decode-error": 50,
  "invalid-key-share": 47,
  "bad-finished": 51,
  "bad-certificate": 42,
  // TLS 1.2 has no certificate_required (116 is TLS 1.3): handshake_failure per RFC 5246 §7.4.6.
  "certificate-required": 40,
  "bad-certificate-verify": 51,
  "handshake-timeout": undefined,
  "internal-error": 80,
};

/** The alert name for a description byte (re-exported for convenience). */
export { alertName };
