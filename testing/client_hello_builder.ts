/**
 * The ClientHello builder of the scripted client: default suite and extension lists per
 * protocol, the extensions of ClientHello1 in a realistic order, and the pre_shared_key
 * placeholder whose binder the client fills in.
 *
 * @module
 */
import {
  encodeAlpn,
  encodeKeyShareClient,
  encodeServerName,
  encodeSupportedVersionsClient,
  encodeU16List,
  encodeU8Vector,
  type ExtensionToEncode,
} from "../core/messages/client_hello_encoder.ts";
import type { KeyShareEntry } from "../core/messages/client_hello_extensions.ts";
import { hashLength, type TranscriptHash } from "./transcript.ts";
import type { ScriptedClientOptions, ScriptedProtocol, ScriptedPsk } from "./scripted_options.ts";

/** Group code points the scripted client makes real key shares for. */
export const X25519 = 0x001d, SECP256R1 = 0x0017, X25519MLKEM768 = 0x11ec;
/** Extension code points the scripted client sends. */
export const EXT = {
  server_name: 0,
  supported_groups: 10,
  ec_point_formats: 11,
  signature_algorithms: 13,
  use_srtp: 14,
  alpn: 16,
  extended_master_secret: 23,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  key_share: 51,
  renegotiation_info: 0xff01,
} as const;

/** signature_algorithms when none are given. */
export const DEFAULT_SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0807];
/** Default (D)TLS 1.3 suites. */
export const TLS13_SUITES = [0x1301, 0x1302, 0x1303];
/** Default DTLS 1.2 suites. */
export const DTLS12_SUITES = [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0x00ff];
/** Default DTLS 1.0 suites. */
export const DTLS10_SUITES = [0xc009, 0xc013, 0xc00a, 0xc014, 0x002f, 0x0035, 0x00ff];

/** Transcript hash of a TLS 1.3 suite. */
export function suiteHash(suite: number): TranscriptHash | undefined {
  if (suite === 0x1302) return "sha384";
  if (suite === 0x1301 || suite === 0x1303 || suite === 0x1304 || suite === 0x1305) return "sha256";
  return undefined;
}

/** Byte-wise equality. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `0x1234` form. */
export function hex16(v: number): string {
  return "0x" + v.toString(16).padStart(4, "0");
}

/** True for the protocols that offer (D)TLS 1.3. */
export function tls13Offered(p: ScriptedProtocol): boolean {
  return p === "tls1.3" || p === "dtls1.3";
}

/**
 * The extensions of a scripted ClientHello1 in a realistic order for `options.protocol`
 * (TLS 1.2-style extensions for DTLS 1.0/1.2; supported_versions, psk_key_exchange_modes and
 * key_share for (D)TLS 1.3; extra extensions, early_data, then pre_shared_key last).
 */
export function scriptedExtensions(
  c: { readonly options: ScriptedClientOptions; readonly groups: readonly number[]; readonly supportedVersions: readonly number[] },
  shares: KeyShareEntry[],
): ExtensionToEncode[] {
  const o = c.options, p = o.protocol;
  const tls13 = tls13Offered(p);
  const tls12Style = p === "dtls1.0" || p === "dtls1.2" || (p === "dtls1.3" && o.offerDtls13AndDtls12);
  const ext: ExtensionToEncode[] = [];
  if (o.serverName !== undefined) ext.push({ type: EXT.server_name, data: encodeServerName(o.serverName) });
  if (tls12Style) ext.push({ type: EXT.ec_point_formats, data: new Uint8Array([3, 0, 1, 2]) });
  ext.push({ type: EXT.supported_groups, data: encodeU16List(c.groups) });
  if (tls12Style) {
    ext.push({ type: EXT.extended_master_secret, data: new Uint8Array(0) });
  }
  if (p !== "dtls1.0") {
    ext.push({
      type: EXT.signature_algorithms,
      data: encodeU16List(o.signatureAlgorithms ?? DEFAULT_SIGALGS),
    });
  }
  if (o.srtpProfiles) {
    const w = new Uint8Array(2 + 2 * o.srtpProfiles.length + 1);
    w[0] = (2 * o.srtpProfiles.length) >>> 8;
    w[1] = 2 * o.srtpProfiles.length;
    o.srtpProfiles.forEach((v, i) => {
      w[2 + 2 * i] = v >>> 8;
      w[3 + 2 * i] = v;
    });
    ext.push({ type: EXT.use_srtp, data: w }); // trailing 0 = empty srtp_mki
  }
  if (o.alpn) ext.push({ type: EXT.alpn, data: encodeAlpn(o.alpn) });
  if (tls13) {
    ext.push({ type: EXT.supported_versions, data: encodeSupportedVersionsClient(c.supportedVersions) });
    ext.push({ type: EXT.psk_key_exchange_modes, data: encodeU8Vector(new Uint8Array([1])) });
    ext.push({ type: EXT.key_share, data: encodeKeyShareClient(shares) });
  }
  for (const e of o.extraExtensions ?? []) ext.push(e);
  if (o.earlyData) ext.push({ type: EXT.early_data, data: new Uint8Array(0) });
  if (o.psk) ext.push({ type: EXT.pre_shared_key, data: pskPlaceholder(c.options.psk!) });
  return ext;
}

/** pre_shared_key with a zero binder; the client fills in the real one. */
export function pskPlaceholder(psk: ScriptedPsk): Uint8Array {
  const hl = hashLength(psk.hash ?? "sha256");
  const idLen = psk.identity.length;
  if (idLen < 1 || idLen > 0xfff0) throw new RangeError("psk identity must be 1..65520 bytes");
  const out = new Uint8Array(2 + 2 + idLen + 4 + 2 + 1 + hl);
  const v = new DataView(out.buffer);
  v.setUint16(0, 2 + idLen + 4);
  v.setUint16(2, idLen);
  out.set(psk.identity, 4);
  v.setUint32(4 + idLen, (psk.obfuscatedTicketAge ?? 0) >>> 0);
  v.setUint16(8 + idLen, 1 + hl);
  out[10 + idLen] = hl;
  return out;
}
