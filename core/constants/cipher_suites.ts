/**
 * Cipher suite code points (IANA TLS registry) that hellogate names in logs and selects for
 * TLS 1.3 HelloRetryRequests, with the hash each TLS 1.3 suite uses for the transcript.
 *
 * @module
 */
import { hex16, isGrease } from "./versions.ts";

/** TLS 1.3 cipher suites (RFC 8446 §B.4, RFC 9150 excluded) and common TLS 1.2 ones by name. */
export const CipherSuite = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  TLS_AES_128_CCM_SHA256: 0x1304,
  TLS_AES_128_CCM_8_SHA256: 0x1305,
  TLS_EMPTY_RENEGOTIATION_INFO_SCSV: 0x00ff,
  TLS_FALLBACK_SCSV: 0x5600,
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 0xc02b,
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 0xc02f,
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 0xc02c,
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 0xc030,
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca9,
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 0xcca8,
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 0xc009,
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 0xc013,
  TLS_RSA_WITH_AES_128_GCM_SHA256: 0x009c,
  TLS_RSA_WITH_AES_128_CBC_SHA: 0x002f,
} as const;

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(CipherSuite).map(([k, v]) => [v, k]),
);

/** Human name of a cipher suite, e.g. `0x1301` → `"TLS_AES_128_GCM_SHA256"`. */
export function cipherSuiteName(value: number): string {
  return NAMES[value] ?? (isGrease(value) ? "grease" : hex16(value));
}

/** The transcript hash of a TLS 1.3 suite. */
export type HashName = "sha256" | "sha384";

/** Hash function of a TLS 1.3 cipher suite, or `undefined` when it is not a TLS 1.3 suite we know. */
export function tls13SuiteHash(suite: number): HashName | undefined {
  switch (suite) {
    case 0x1301:
    case 0x1303:
    case 0x1304:
    case 0x1305:
      return "sha256";
    case 0x1302:
      return "sha384";
    default:
      return undefined;
  }
}
