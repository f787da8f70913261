/**
 * Protocol version code points (RFC 8446 §4.2.1, RFC 6347 §4.1, RFC 9147 §5.3) and names.
 *
 * @module
 */

/** Wire values of protocol versions. DTLS counts down: 1.0 = FEFF, 1.2 = FEFD, 1.3 = FEFC. */
export const ProtocolVersion = {
  TLS1_0: 0x0301,
  TLS1_1: 0x0302,
  TLS1_2: 0x0303,
  TLS1_3: 0x0304,
  DTLS1_0: 0xfeff,
  DTLS1_2: 0xfefd,
  DTLS1_3: 0xfefc,
} as const;

/** A protocol hellogate can accept, by name. */
export type ProtocolName = "dtls1.0" | "dtls1.2" | "dtls1.3" | "tls1.2" | "tls1.3";

const NAMES: Record<number, string> = {
  0x0300: "ssl3.0",
  0x0301: "tls1.0",
  0x0302: "tls1.1",
  0x0303: "tls1.2",
  0x0304: "tls1.3",
  0xfeff: "dtls1.0",
  0xfefd: "dtls1.2",
  0xfefc: "dtls1.3",
};

/** True for the reserved GREASE values `0x?A?A` (RFC 8701 §2). */
export function isGrease(value: number): boolean {
  return (value & 0x0f0f) === 0x0a0a && (value >> 8) === (value & 0xff);
}

/** Human name of a version code point, e.g. `0xfefd` → `"dtls1.2"`; unknown → `"0x1234"`, GREASE → `"grease"`. */
export function versionName(value: number): string {
  return NAMES[value] ?? (isGrease(value) ? "grease" : hex16(value));
}

/** Formats a 16-bit code point as `0x` plus four hex digits. */
export function hex16(value: number): string {
  return "0x" + value.toString(16).padStart(4, "0");
}
