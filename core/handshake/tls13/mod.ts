/**
 * The TLS 1.3 server engine and what it is built from: one import for transports and tests.
 *
 * @module
 */
export { Tls13ServerEngine, type Tls13ServerState } from "./server.ts";
export type {
  AlpnSelector,
  ClientAuthOptions,
  CertificateRequestInfo,
  CertificateSelector,
  ServerCertificate,
  SessionTicketOptions,
  Tls13Framing,
  Tls13ServerOptions,
} from "./options.ts";
export { type AlertInfo, TLS13_CLOSE_ALERTS, type Tls13CloseReason } from "./close_reason.ts";
export { DEFAULT_ENGINE_CIPHER_SUITES, DEFAULT_ENGINE_GROUPS } from "./negotiation.ts";
