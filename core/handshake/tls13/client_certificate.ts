/**
 * Client authentication (RFC 8446 §4.3.2, §4.4.2, §4.4.3): the CertificateRequest the server
 * sends (empty context, signature_algorithms), and the parsing of the client's Certificate.
 *
 * @module
 */
import { Reader } from "../../wire/reader.ts";
import { Writer } from "../../wire/writer.ts";
import { encodeTlsHandshake } from "../../wire/handshake_header.ts";

/** The CertificateRequest handshake message (4-byte header included): empty context, signature_algorithms. */
export function encodeCertificateRequest(signatureAlgorithms: readonly number[]): Uint8Array {
  const w = new Writer(16 + 2 * signatureAlgorithms.length);
  w.u8(0).nested(2, (w) => w.u16(13).nested(2, (w) => w.nested(2, (w) => signatureAlgorithms.forEach((s) => w.u16(s)))));
  return encodeTlsHandshake(13, w.finish());
}

/**
 * Parses a Certificate message body sent in reply to our CertificateRequest (empty context):
 * the DER chain, leaf first (possibly empty). Throws `DecodeError` when malformed; returns
 * `"bad-context"` when the certificate_request_context is not the (empty) one we sent.
 */
export function parseClientCertificate(body: Uint8Array): Uint8Array[] | "bad-context" {
  const r = new Reader(body);
  const context = r.vectorBytes(1, "certificate_request_context");
  const list = new Reader(r.vectorBytes(3, "certificate_list"));
  r.expectEnd("certificate");
  if (context.length !== 0) return "bad-context";
  const chain: Uint8Array[] = [];
  while (list.remaining > 0) {
    chain.push(list.vectorBytes(3, "cert_data", 1).slice());
    list.vectorBytes(2, "extensions");
  }
  return chain;
}

/** Parses a CertificateVerify body: scheme and signature. Throws `DecodeError` when malformed. */
export function parseCertificateVerify(body: Uint8Array): { scheme: number; signature: Uint8Array } {
  const r = new Reader(body);
  const scheme = r.u16("algorithm");
  const signature = r.vectorBytes(2, "signature", 1);
  r.expectEnd("certificate_verify");
  return { scheme, signature };
}

/** SHA-256 fingerprint as lowercase hex with colons (SDP `a=fingerprint` style). */
export function fingerprintHex(digest: Uint8Array): string {
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(":");
}
