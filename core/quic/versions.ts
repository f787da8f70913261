/**
 * The QUIC versions the front door speaks: v1 (RFC 9000/9001) and v2 (RFC 9369), with what
 * differs between them: the Initial salt, the HKDF label prefix, the long-header packet type
 * bits and the Retry integrity key and nonce.
 *
 * @module
 */

/** QUIC version 1 (RFC 9000). */
export const QUIC_V1 = 0x00000001;
/** QUIC version 2 (RFC 9369). */
export const QUIC_V2 = 0x6b3343cf;

/** Names of the versions the listener supports. */
export type QuicVersionName = "quic-v1" | "quic-v2";

/** Long-header packet types, independent of the version's bit encoding. */
export type LongPacketType = "initial" | "0rtt" | "handshake" | "retry";

/** What a supported version changes. */
export interface QuicVersionInfo {
  /** Human name. */
  readonly name: QuicVersionName;
  /** The 32-bit version number. */
  readonly version: number;
  /** Initial salt (RFC 9001 §5.2, RFC 9369 §3.3.1). */
  readonly initialSalt: Uint8Array;
  /** 1 for "quic key/iv/hp" labels, 2 for "quicv2 ..." (RFC 9369 §3.3.2). */
  readonly labelVersion: 1 | 2;
  /** Two-bit long-header type code of each packet type (RFC 9000 §17.2, RFC 9369 §3.2). */
  readonly typeBits: Readonly<Record<LongPacketType, number>>;
  /** Retry integrity AES-128-GCM key (RFC 9001 §5.8, RFC 9369 §3.3.3). */
  readonly retryKey: Uint8Array;
  /** Retry integrity nonce. */
  readonly retryNonce: Uint8Array;
}

function hex(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** QUIC v1. */
export const V1_INFO: QuicVersionInfo = Object.freeze({
  name: "quic-v1",
  version: QUIC_V1,
  initialSalt: hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
  labelVersion: 1,
  typeBits: Object.freeze({ initial: 0, "0rtt": 1, handshake: 2, retry: 3 }),
  retryKey: hex("be0c690b9f66575a1d766b54e368c84e"),
  retryNonce: hex("461599d35d632bf2239825bb"),
});

/** QUIC v2. */
export const V2_INFO: QuicVersionInfo = Object.freeze({
  name: "quic-v2",
  version: QUIC_V2,
  initialSalt: hex("0dede3def700a6db819381be6e269dcbf9bd2ed9"),
  labelVersion: 2,
  typeBits: Object.freeze({ initial: 1, "0rtt": 2, handshake: 3, retry: 0 }),
  retryKey: hex("8fb4b01b56ac48e260fbcbcead7ccc92"),
  retryNonce: hex("d86969bc2d7c6d9990efb04a"),
});

/** The version info for a version number, or `undefined` when not supported. */
export function quicVersionInfo(version: number): QuicVersionInfo | undefined {
  return version === QUIC_V1 ? V1_INFO : version === QUIC_V2 ? V2_INFO : undefined;
}

/** The version info by name. */
export function quicVersionByName(name: QuicVersionName): QuicVersionInfo {
  if (name === "quic-v1") return V1_INFO;
  if (name === "quic-v2") return V2_INFO;
  throw new TypeError(`unknown QUIC version name: ${String(name)}`);
}

/** Decodes the two type bits of a long header's first byte for `info`'s version. */
export function longPacketType(info: QuicVersionInfo, firstByte: number): LongPacketType {
  const bits = (firstByte >> 4) & 3;
  const t = info.typeBits;
  return bits === t.initial ? "initial" : bits === t["0rtt"] ? "0rtt" : bits === t.handshake ? "handshake" : "retry";
}
