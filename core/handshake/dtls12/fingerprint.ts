/**
 * The little X.509 the server engine needs from a client certificate (RFC 5280 §4.1): the
 * SubjectPublicKeyInfo of the leaf (to verify CertificateVerify) and the SHA-256 fingerprint
 * in SDP `a=fingerprint` form (RFC 8122 §5). No path validation: DTLS-SRTP peers are
 * self-signed and authenticated by fingerprint.
 *
 * @module
 */
import { derChildren, readDer } from "../../crypto/der.ts";
import { DecodeError } from "../../wire/decode_error.ts";

/** The DER SubjectPublicKeyInfo inside a certificate (a copy). Throws {@link DecodeError} on malformed DER. */
export function certificateSpki(cert: Uint8Array): Uint8Array {
  const top = readDer(cert, 0);
  if (top.tag !== 0x30 || top.end !== cert.length) throw new DecodeError("illegal-value", "certificate", 0);
  const [tbs] = derChildren(cert, top);
  if (!tbs || tbs.tag !== 0x30) throw new DecodeError("illegal-value", "certificate.tbs", top.start);
  const fields = derChildren(cert, tbs);
  // version [0] EXPLICIT is optional; then serial, signature, issuer, validity, subject, spki.
  const first = fields[0]?.tag === 0xa0 ? 1 : 0;
  const spki = fields[first + 5];
  if (!spki || spki.tag !== 0x30) throw new DecodeError("illegal-value", "certificate.spki", tbs.start);
  // Re-read with its header: the SPKI element starts before its content.
  let headerLength = 2;
  const len = spki.end - spki.start;
  if (len >= 0x80) headerLength += len < 0x100 ? 1 : len < 0x10000 ? 2 : 3;
  return cert.slice(spki.start - headerLength, spki.end);
}

/** `ab:cd:...` — lowercase hex pairs joined by colons (RFC 8122 §5 syntax; compare case-insensitively). */
export function formatFingerprint(digest: Uint8Array): string {
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(":");
}
