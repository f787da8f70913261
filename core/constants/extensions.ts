/**
 * TLS extension code points (IANA "TLS ExtensionType Values") that hellogate decodes or names.
 *
 * @module
 */
import { hex16, isGrease } from "./versions.ts";

/** Extension type code points. */
export const ExtensionType = {
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  padding: 21,
  encrypt_then_mac: 22,
  extended_master_secret: 23,
  compress_certificate: 27,
  record_size_limit: 28,
  session_ticket: 35,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  connection_id: 54,
  quic_transport_parameters: 57,
  application_settings: 17513,
  encrypted_client_hello: 0xfe0d,
  renegotiation_info: 0xff01,
} as const;

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ExtensionType).map(([k, v]) => [v, k]),
);

/** Human name of an extension type, e.g. `51` → `"key_share"`. */
export function extensionName(value: number): string {
  return NAMES[value] ?? (isGrease(value) ? "grease" : hex16(value));
}
