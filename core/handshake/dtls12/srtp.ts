/**
 * DTLS-SRTP (RFC 5764 §4.1): the protection profiles the engine can select, the server's
 * `use_srtp` extension, and the SRTP keying-material length each profile exports
 * (label `EXTRACTOR-dtls_srtp`, RFC 5764 §4.2).
 *
 * @module
 */

/** SRTP protection profile code points (RFC 5764 §4.1.2, RFC 7714 §14.2). */
export const SrtpProfile = {
  SRTP_AES128_CM_HMAC_SHA1_80: 0x0001,
  SRTP_AES128_CM_HMAC_SHA1_32: 0x0002,
  SRTP_AEAD_AES_128_GCM: 0x0007,
  SRTP_AEAD_AES_256_GCM: 0x0008,
} as const;

/** Master key and salt lengths of each profile. */
const KEYING: Record<number, { key: number; salt: number }> = {
  0x0001: { key: 16, salt: 14 },
  0x0002: { key: 16, salt: 14 },
  0x0007: { key: 16, salt: 12 },
  0x0008: { key: 32, salt: 12 },
};

/** The exporter label for SRTP keys. */
export const SRTP_EXPORTER_LABEL = "EXTRACTOR-dtls_srtp";

/** Bytes of keying material for `profile`: 2 × (master key + master salt); undefined if unknown. */
export function srtpKeyingMaterialLength(profile: number): number | undefined {
  const k = KEYING[profile];
  return k ? 2 * (k.key + k.salt) : undefined;
}

/** Human name of a profile. */
export function srtpProfileName(profile: number): string {
  for (const [k, v] of Object.entries(SrtpProfile)) if (v === profile) return k;
  return "0x" + profile.toString(16).padStart(4, "0");
}

/** The first of `preference` the client offers. */
export function selectSrtpProfile(offered: readonly number[], preference: readonly number[]): number | undefined {
  return preference.find((p) => offered.includes(p) && KEYING[p] !== undefined);
}

/** The server's use_srtp extension_data: one profile, empty MKI. */
export function encodeServerUseSrtp(profile: number): Uint8Array {
  return new Uint8Array([0, 2, profile >>> 8, profile, 0]);
}
