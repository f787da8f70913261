/**
 * Decoders for the messages a DTLS 1.2 client sends after its ClientHello (RFC 5246 §7.4,
 * RFC 8422 §5.7): Certificate, ClientKeyExchange (ECDHE), CertificateVerify, Finished. Each
 * reads a whole handshake body and throws {@link DecodeError} on malformed input (the engine
 * turns that into a `decode_error` alert); trailing bytes are an error.
 *
 * @module
 */
import { Reader } from "../../wire/reader.ts";
import { DecodeError } from "../../wire/decode_error.ts";

/** Certificate: the chain, leaf first (may be empty when the client has no certificate). */
export function decodeCertificate(body: Uint8Array): Uint8Array[] {
  const r = new Reader(body);
  const [start, end] = r.vector(3, "certificate.certificate_list");
  r.expectEnd("certificate");
  const list = new Reader(body, start, end);
  const out: Uint8Array[] = [];
  while (list.remaining > 0) out.push(list.vectorBytes(3, "certificate.cert", 1).slice());
  return out;
}

/** ClientKeyExchange for ECDHE: `ClientECDiffieHellmanPublic` = `opaque point<1..2^8-1>`. */
export function decodeClientKeyExchange(body: Uint8Array): Uint8Array {
  const r = new Reader(body);
  const point = r.vectorBytes(1, "client_key_exchange.ecdh_Yc", 1).slice();
  r.expectEnd("client_key_exchange");
  return point;
}

/** CertificateVerify (TLS 1.2 digitally-signed): scheme and signature. */
export function decodeCertificateVerify(body: Uint8Array): { scheme: number; signature: Uint8Array } {
  const r = new Reader(body);
  const scheme = r.u16("certificate_verify.algorithm");
  const signature = r.vectorBytes(2, "certificate_verify.signature", 1).slice();
  r.expectEnd("certificate_verify");
  return { scheme, signature };
}

/** Finished: exactly 12 bytes of verify_data for every suite here (RFC 5246 §7.4.9). */
export function decodeFinished(body: Uint8Array): Uint8Array {
  if (body.length !== 12) {
    throw new DecodeError("bad-length", "finished.verify_data", 0, `expected 12 bytes, got ${body.length}`);
  }
  return body.slice();
}
