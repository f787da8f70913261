/**
 * Named groups (RFC 8446 §4.2.7, RFC 7919, draft-ietf-tls-ecdhe-mlkem) with their names and the
 * exact key_share length each one requires, so a share of the wrong size is rejected early.
 *
 * @module
 */
import { hex16, isGrease } from "./versions.ts";

/** Named group code points. */
export const NamedGroup = {
  secp256r1: 0x0017,
  secp384r1: 0x0018,
  secp521r1: 0x0019,
  x25519: 0x001d,
  x448: 0x001e,
  ffdhe2048: 0x0100,
  ffdhe3072: 0x0101,
  ffdhe4096: 0x0102,
  ffdhe6144: 0x0103,
  ffdhe8192: 0x0104,
  MLKEM512: 0x0200,
  MLKEM768: 0x0201,
  MLKEM1024: 0x0202,
  SecP256r1MLKEM768: 0x11eb,
  X25519MLKEM768: 0x11ec,
  SecP384r1MLKEM1024: 0x11ed,
  X25519Kyber768Draft00: 0x6399,
} as const;

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(NamedGroup).map(([k, v]) => [v, k]),
);

/** Human name of a group, e.g. `29` → `"x25519"`. */
export function groupName(value: number): string {
  return NAMES[value] ?? (isGrease(value) ? "grease" : hex16(value));
}

/** Client key_share length each known group requires (RFC 8446 §4.2.8.2; ML-KEM hybrids per the draft). */
export function clientShareLength(group: number): number | undefined {
  switch (group) {
    case 0x0017:
      return 65;
    case 0x0018:
      return 97;
    case 0x0019:
      return 133;
    case 0x001d:
      return 32;
    case 0x001e:
      return 56;
    case 0x0100:
      return 256;
    case 0x0101:
      return 384;
    case 0x0102:
      return 512;
    case 0x0103:
      return 768;
    case 0x0104:
      return 1024;
    case 0x0200:
      return 800;
    case 0x0201:
      return 1184;
    case 0x0202:
      return 1568;
    case 0x11eb:
      return 65 + 1184;
    case 0x11ec:
      return 1184 + 32;
    case 0x11ed:
      return 97 + 1568;
    case 0x6399:
      return 32 + 1184;
    default:
      return undefined;
  }
}
