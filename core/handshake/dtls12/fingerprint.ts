/**
 * The certificate fingerprint a DTLS-SRTP peer is matched by: SHA-256 of the DER certificate
 * in SDP `a=fingerprint` syntax (RFC 8122 §5). Certificates are parsed by `core/pki/x509.ts`.
 *
 * @module
 */

/** `ab:cd:...` — lowercase hex pairs joined by colons (RFC 8122 §5 syntax; compare case-insensitively). */
export function formatFingerprint(digest: Uint8Array): string {
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(":");
}
