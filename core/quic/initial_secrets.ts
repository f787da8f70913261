/**
 * Initial packet keys (RFC 9001 §5.2, RFC 9369 §3.3.1): both directions' secrets come from the
 * client's first Destination Connection ID and the version's salt, so anyone on the path can
 * derive them: Initial protection proves nothing about the sender, it only keeps out
 * off-path confusion. The listener derives the client's per DCID (a small FIFO cache by DCID,
 * nothing per peer) and the server's only to seal a CONNECTION_CLOSE.
 *
 * @module
 */
import type { Aead, CryptoProvider } from "../crypto/provider.ts";
import { hkdfExpandLabel, quicPacketKeys, type QuicPacketKeys } from "../handshake/key_schedule.ts";
import type { QuicVersionInfo } from "./versions.ts";

const EMPTY = new Uint8Array(0);
const TLS_AES_128_GCM_SHA256 = 0x1301;

/** The Initial secrets of both directions. Secret material: never log. */
export interface InitialSecrets {
  /** client_initial_secret. */
  readonly client: Uint8Array;
  /** server_initial_secret. */
  readonly server: Uint8Array;
}

/** HKDF-Extract(salt, dcid), then "client in" / "server in" (RFC 9001 §5.2). */
export function initialSecrets(provider: CryptoProvider, info: QuicVersionInfo, dcid: Uint8Array): InitialSecrets {
  const initial = provider.hkdfExtract("sha256", info.initialSalt, dcid);
  return {
    client: hkdfExpandLabel(provider, "sha256", initial, "client in", EMPTY, 32),
    server: hkdfExpandLabel(provider, "sha256", initial, "server in", EMPTY, 32),
  };
}

/** Packet keys derived from one direction's Initial secret (AES-128-GCM, "quic"/"quicv2" labels). */
export function initialPacketKeys(provider: CryptoProvider, info: QuicVersionInfo, secret: Uint8Array): QuicPacketKeys {
  return quicPacketKeys(provider, TLS_AES_128_GCM_SHA256, secret, info.labelVersion);
}

/** Keys ready to protect or unprotect packets: the keyed AEAD, IV and header-protection mask. */
export interface PacketProtector {
  /** AES-128-GCM keyed with the packet key. */
  readonly aead: Aead;
  /** The 12-byte IV. */
  readonly iv: Uint8Array;
  /** Header-protection mask function (5 bytes per 16-byte sample). */
  readonly mask: (sample: Uint8Array) => Uint8Array;
}

/** Builds a {@link PacketProtector} for AES-128-GCM packet keys. */
export function protectorOf(provider: CryptoProvider, keys: QuicPacketKeys): PacketProtector {
  return {
    aead: provider.aead("aes-128-gcm", keys.key),
    iv: keys.iv,
    mask: provider.headerProtection("aes-128", keys.hp),
  };
}

/** The client's and server's Initial protectors for `dcid` (client: to open, server: to seal). */
export function initialProtectors(
  provider: CryptoProvider,
  info: QuicVersionInfo,
  dcid: Uint8Array,
): { client: PacketProtector; server: PacketProtector } {
  const s = initialSecrets(provider, info, dcid);
  return {
    client: protectorOf(provider, initialPacketKeys(provider, info, s.client)),
    server: protectorOf(provider, initialPacketKeys(provider, info, s.server)),
  };
}

/** Only the client's Initial protector (what the listener needs to read a datagram). */
export function clientInitialProtector(provider: CryptoProvider, info: QuicVersionInfo, dcid: Uint8Array): PacketProtector {
  return oneSideProtector(provider, info, dcid, "client in");
}

/** Only the server's Initial protector (what the listener seals a CONNECTION_CLOSE with). */
export function serverInitialProtector(provider: CryptoProvider, info: QuicVersionInfo, dcid: Uint8Array): PacketProtector {
  return oneSideProtector(provider, info, dcid, "server in");
}

function oneSideProtector(provider: CryptoProvider, info: QuicVersionInfo, dcid: Uint8Array, label: "client in" | "server in"): PacketProtector {
  const initial = provider.hkdfExtract("sha256", info.initialSalt, dcid);
  const secret = hkdfExpandLabel(provider, "sha256", initial, label, EMPTY, 32);
  return protectorOf(provider, initialPacketKeys(provider, info, secret));
}
