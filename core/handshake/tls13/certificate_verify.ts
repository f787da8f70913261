/**
 * CertificateVerify (RFC 8446 §4.4.3): the signature over 64 spaces, the context string
 * "TLS 1.3, server CertificateVerify", a zero byte and Transcript-Hash(ClientHello..Certificate),
 * and the scheme choice: the first scheme our key can sign with that the client offers in
 * signature_algorithms.
 *
 * @module
 */
import { Writer } from "../../wire/writer.ts";
import { encodeTlsHandshake } from "../../wire/handshake_header.ts";

const SERVER_CONTEXT = "TLS 1.3, server CertificateVerify";
const CLIENT_CONTEXT = "TLS 1.3, client CertificateVerify";

/** The content a CertificateVerify signs (RFC 8446 §4.4.3). */
export function certificateVerifyContent(transcriptHash: Uint8Array, side: "server" | "client" = "server"): Uint8Array {
  const context = side === "server" ? SERVER_CONTEXT : CLIENT_CONTEXT;
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  for (let i = 0; i < context.length; i++) out[64 + i] = context.charCodeAt(i);
  out[64 + context.length] = 0;
  out.set(transcriptHash, 65 + context.length);
  return out;
}

/**
 * True for schemes TLS 1.3 forbids in CertificateVerify: RSASSA-PKCS1-v1_5 (0x0401, 0x0501,
 * 0x0601) and SHA-1 / legacy ones (0x0201, 0x0203) (RFC 8446 §4.2.3, §4.4.3).
 */
export function isLegacySignatureScheme(scheme: number): boolean {
  return (scheme & 0xff) === 0x01 || scheme >> 8 === 0x02;
}

/** The first of `ours` (key preference) that `offered` contains and TLS 1.3 allows, or `undefined`. */
export function chooseSignatureScheme(ours: readonly number[], offered: readonly number[]): number | undefined {
  for (const s of ours) if (offered.includes(s) && !isLegacySignatureScheme(s)) return s;
  return undefined;
}

/** The CertificateVerify handshake message (4-byte header included). */
export function encodeCertificateVerify(scheme: number, signature: Uint8Array): Uint8Array {
  return encodeTlsHandshake(15, new Writer(4 + signature.length).u16(scheme).vector(2, signature).finish());
}
