/**
 * Bodies of the messages a DTLS 1.2 server sends (RFC 5246 §7.4, RFC 8422 §5.4, RFC 6347):
 * ServerHello, Certificate, ServerKeyExchange (ECDHE, signed), CertificateRequest,
 * ServerHelloDone, Finished. Each returns the handshake body (no 12-byte header).
 *
 * @module
 */
import { Writer } from "../../wire/writer.ts";

/** One ServerHello extension. */
export interface ServerExtension {
  /** Extension type. */
  readonly type: number;
  /** extension_data. */
  readonly data: Uint8Array;
}

/** ServerHello body: server_version, random, session_id, cipher_suite, compression 0, extensions. */
export function encodeServerHello(
  version: number,
  random: Uint8Array,
  sessionId: Uint8Array,
  cipherSuite: number,
  extensions: readonly ServerExtension[],
): Uint8Array {
  const w = new Writer(128);
  w.u16(version).bytes(random).u8(sessionId.length).bytes(sessionId).u16(cipherSuite).u8(0);
  if (extensions.length > 0) {
    let n = 0;
    for (const e of extensions) n += 4 + e.data.length;
    w.u16(n);
    for (const e of extensions) w.u16(e.type).u16(e.data.length).bytes(e.data);
  }
  return w.finish();
}

/** Certificate body: `certificate_list<0..2^24-1>` of `ASN.1Cert<1..2^24-1>`. */
export function encodeCertificate(chain: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const c of chain) n += 3 + c.length;
  const w = new Writer(3 + n);
  w.u24(n);
  for (const c of chain) w.u24(c.length).bytes(c);
  return w.finish();
}

/** ServerECDHParams (RFC 8422 §5.4): curve_type named_curve(3), the group, our public point. */
export function encodeEcdhParams(group: number, publicKey: Uint8Array): Uint8Array {
  return new Writer(4 + publicKey.length).u8(3).u16(group).u8(publicKey.length).bytes(publicKey).finish();
}

/** The bytes ServerKeyExchange signs: client_random || server_random || ServerECDHParams. */
export function serverKeyExchangeSignedData(
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  params: Uint8Array,
): Uint8Array {
  return new Writer(64 + params.length).bytes(clientRandom).bytes(serverRandom).bytes(params).finish();
}

/** ServerKeyExchange body: params || SignatureAndHashAlgorithm || signature<0..2^16-1>. */
export function encodeServerKeyExchange(params: Uint8Array, scheme: number, signature: Uint8Array): Uint8Array {
  return new Writer(params.length + 4 + signature.length).bytes(params).u16(scheme).u16(signature.length).bytes(signature)
    .finish();
}

/**
 * CertificateRequest body (RFC 5246 §7.4.4): certificate_types, supported_signature_algorithms,
 * an empty certificate_authorities list (self-signed client certificates are allowed).
 */
export function encodeCertificateRequest(certificateTypes: readonly number[], schemes: readonly number[]): Uint8Array {
  const w = new Writer(8 + certificateTypes.length + 2 * schemes.length);
  w.u8(certificateTypes.length);
  for (const t of certificateTypes) w.u8(t);
  w.u16(2 * schemes.length);
  for (const s of schemes) w.u16(s);
  w.u16(0);
  return w.finish();
}
