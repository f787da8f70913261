/**
 * The TLS 1.3 key schedule (RFC 8446 §7.1), through the crypto provider: HKDF-Expand-Label,
 * Derive-Secret, the early / handshake / master secret chain, traffic keys (§7.3), Finished keys
 * (§4.4.4), the next-generation secret for KeyUpdate (§7.2), the exporter (§7.5), and the QUIC
 * packet-protection keys (RFC 9001 §5.1, RFC 9369 §3.3.2: "quic key/iv/hp/ku" for v1,
 * "quicv2 key/iv/hp/ku" for v2).
 *
 * Every function is pure: secrets in, secrets out. Nothing here logs or keeps what it derives.
 *
 * @module
 */
import type { CryptoProvider, HashName } from "../crypto/provider.ts";
import { hashOutputLength } from "../crypto/provider.ts";

const EMPTY = new Uint8Array(0);
const LABEL_CACHE = new Map<string, Uint8Array>();

function labelBytes(label: string): Uint8Array {
  let b = LABEL_CACHE.get(label);
  if (!b) {
    b = new Uint8Array(label.length);
    for (let i = 0; i < label.length; i++) b[i] = label.charCodeAt(i);
    LABEL_CACHE.set(label, b);
  }
  return b;
}

/**
 * The HkdfLabel structure (RFC 8446 §7.1): `u16 length || u8 len || "tls13 " + label || u8 len || context`.
 * `prefix` is `"tls13 "` for TLS and QUIC, `"dtls13"` for DTLS 1.3 (RFC 9147 §5.9).
 */
export function hkdfLabel(length: number, label: string, context: Uint8Array, prefix = "tls13 "): Uint8Array {
  const full = labelBytes(prefix + label);
  if (full.length > 255 || context.length > 255) throw new RangeError("HKDF label or context too long");
  const info = new Uint8Array(4 + full.length + context.length);
  info[0] = length >>> 8;
  info[1] = length & 0xff;
  info[2] = full.length;
  info.set(full, 3);
  info[3 + full.length] = context.length;
  info.set(context, 4 + full.length);
  return info;
}

/** HKDF-Expand-Label(Secret, Label, Context, Length) (RFC 8446 §7.1). */
export function hkdfExpandLabel(
  provider: CryptoProvider,
  hash: HashName,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
  prefix = "tls13 ",
): Uint8Array {
  const info = hkdfLabel(length, label, context, prefix);
  if (length > hashOutputLength(hash)) return provider.hkdfExpand(hash, secret, info, length);
  // HKDF-Expand with L <= HashLen is one block: T(1) = HMAC(PRK, info || 0x01) (RFC 5869 §2.3).
  // One HMAC call instead of the provider's general HKDF: measurably cheaper where each
  // provider call crosses into native code (Deno's node:crypto), identical output everywhere.
  const block = new Uint8Array(info.length + 1);
  block.set(info);
  block[info.length] = 1;
  const t = provider.hmac(hash, secret, block);
  return t.length === length ? t : t.slice(0, length);
}

/** Derive-Secret(Secret, Label, Messages) given `transcriptHash` = Transcript-Hash(Messages) (RFC 8446 §7.1). */
export function deriveSecret(
  provider: CryptoProvider,
  hash: HashName,
  secret: Uint8Array,
  label: string,
  transcriptHash: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(provider, hash, secret, label, transcriptHash, hashOutputLength(hash));
}

/** The traffic key and IV of one direction (RFC 8446 §7.3). Secret material: never log. */
export interface TrafficKeys {
  /** write_key. */
  readonly key: Uint8Array;
  /** write_iv (12 bytes). */
  readonly iv: Uint8Array;
}

/** AEAD key length of a TLS 1.3 suite (16 for AES-128-GCM, 32 for AES-256-GCM and ChaCha20-Poly1305). */
export function suiteKeyLength(cipherSuite: number): number {
  if (cipherSuite === 0x1301) return 16;
  if (cipherSuite === 0x1302 || cipherSuite === 0x1303) return 32;
  throw new RangeError(`unsupported TLS 1.3 cipher suite 0x${cipherSuite.toString(16)}`);
}

/** Hash of a TLS 1.3 suite we implement (throws for others: caller misuse). */
export function suiteHash(cipherSuite: number): HashName {
  if (cipherSuite === 0x1301 || cipherSuite === 0x1303) return "sha256";
  if (cipherSuite === 0x1302) return "sha384";
  throw new RangeError(`unsupported TLS 1.3 cipher suite 0x${cipherSuite.toString(16)}`);
}

/** [sender]_write_key / [sender]_write_iv from a traffic secret (RFC 8446 §7.3). */
export function trafficKeys(provider: CryptoProvider, cipherSuite: number, secret: Uint8Array): TrafficKeys {
  const hash = suiteHash(cipherSuite);
  return {
    key: hkdfExpandLabel(provider, hash, secret, "key", EMPTY, suiteKeyLength(cipherSuite)),
    iv: hkdfExpandLabel(provider, hash, secret, "iv", EMPTY, 12),
  };
}

/** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4). */
export function finishedKey(provider: CryptoProvider, hash: HashName, baseKey: Uint8Array): Uint8Array {
  return hkdfExpandLabel(provider, hash, baseKey, "finished", EMPTY, hashOutputLength(hash));
}

/** verify_data = HMAC(finished_key, Transcript-Hash(...)) (RFC 8446 §4.4.4). */
export function finishedVerifyData(
  provider: CryptoProvider,
  hash: HashName,
  baseKey: Uint8Array,
  transcriptHash: Uint8Array,
): Uint8Array {
  return provider.hmac(hash, finishedKey(provider, hash, baseKey), transcriptHash);
}

/** application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length) (RFC 8446 §7.2). */
export function nextTrafficSecret(provider: CryptoProvider, hash: HashName, secret: Uint8Array): Uint8Array {
  return hkdfExpandLabel(provider, hash, secret, "traffic upd", EMPTY, hashOutputLength(hash));
}

/** Every secret of a full (EC)DHE handshake without PSK. Secret material: never log. */
export interface HandshakeSecrets {
  /** Early Secret = HKDF-Extract(0, 0). */
  readonly earlySecret: Uint8Array;
  /** Handshake Secret = HKDF-Extract(Derive-Secret(Early, "derived", ""), (EC)DHE). */
  readonly handshakeSecret: Uint8Array;
  /** client_handshake_traffic_secret. */
  readonly clientHandshakeTrafficSecret: Uint8Array;
  /** server_handshake_traffic_secret. */
  readonly serverHandshakeTrafficSecret: Uint8Array;
  /** Master Secret = HKDF-Extract(Derive-Secret(Handshake, "derived", ""), 0). */
  readonly masterSecret: Uint8Array;
}

/**
 * The handshake-stage part of the key schedule (RFC 8446 §7.1): from the (EC)DHE shared secret
 * and Transcript-Hash(ClientHello..ServerHello); `psk` (resumption, psk_dhe_ke) replaces the
 * all-zero input of the Early Secret.
 */
export function handshakeSecrets(
  provider: CryptoProvider,
  hash: HashName,
  sharedSecret: Uint8Array,
  helloHash: Uint8Array,
  psk?: Uint8Array,
): HandshakeSecrets {
  const len = hashOutputLength(hash);
  const zeros = new Uint8Array(len);
  const emptyHash = provider.hash(hash, EMPTY);
  const earlySecret = provider.hkdfExtract(hash, zeros, psk ?? zeros);
  const derivedEarly = deriveSecret(provider, hash, earlySecret, "derived", emptyHash);
  const handshakeSecret = provider.hkdfExtract(hash, derivedEarly, sharedSecret);
  const derivedHs = deriveSecret(provider, hash, handshakeSecret, "derived", emptyHash);
  return {
    earlySecret,
    handshakeSecret,
    clientHandshakeTrafficSecret: deriveSecret(provider, hash, handshakeSecret, "c hs traffic", helloHash),
    serverHandshakeTrafficSecret: deriveSecret(provider, hash, handshakeSecret, "s hs traffic", helloHash),
    masterSecret: provider.hkdfExtract(hash, derivedHs, zeros),
  };
}

/** The application-stage secrets (RFC 8446 §7.1). Secret material: never log. */
export interface ApplicationSecrets {
  /** client_application_traffic_secret_0. */
  readonly clientApplicationTrafficSecret: Uint8Array;
  /** server_application_traffic_secret_0. */
  readonly serverApplicationTrafficSecret: Uint8Array;
  /** exporter_master_secret. */
  readonly exporterMasterSecret: Uint8Array;
}

/** Application secrets from the Master Secret and Transcript-Hash(ClientHello..server Finished). */
export function applicationSecrets(
  provider: CryptoProvider,
  hash: HashName,
  masterSecret: Uint8Array,
  serverFinishedHash: Uint8Array,
): ApplicationSecrets {
  return {
    clientApplicationTrafficSecret: deriveSecret(provider, hash, masterSecret, "c ap traffic", serverFinishedHash),
    serverApplicationTrafficSecret: deriveSecret(provider, hash, masterSecret, "s ap traffic", serverFinishedHash),
    exporterMasterSecret: deriveSecret(provider, hash, masterSecret, "exp master", serverFinishedHash),
  };
}

/** resumption_master_secret from Transcript-Hash(ClientHello..client Finished) (RFC 8446 §7.1). */
export function resumptionMasterSecret(
  provider: CryptoProvider,
  hash: HashName,
  masterSecret: Uint8Array,
  clientFinishedHash: Uint8Array,
): Uint8Array {
  return deriveSecret(provider, hash, masterSecret, "res master", clientFinishedHash);
}

/**
 * TLS-Exporter(label, context_value, key_length) (RFC 8446 §7.5):
 * HKDF-Expand-Label(Derive-Secret(exporter_master_secret, label, ""), "exporter", Hash(context_value), key_length).
 */
export function exportKeyingMaterial(
  provider: CryptoProvider,
  hash: HashName,
  exporterMasterSecret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const secret = deriveSecret(provider, hash, exporterMasterSecret, label, provider.hash(hash, EMPTY));
  return hkdfExpandLabel(provider, hash, secret, "exporter", provider.hash(hash, context), length);
}

/** QUIC version for packet-protection labels: 1 (RFC 9001) or 2 (RFC 9369). */
export type QuicVersionLabel = 1 | 2;

/** QUIC packet-protection keys for one direction of one level (RFC 9001 §5.1). Secret material. */
export interface QuicPacketKeys {
  /** AEAD key ("quic key"). */
  readonly key: Uint8Array;
  /** AEAD IV ("quic iv"), 12 bytes. */
  readonly iv: Uint8Array;
  /** Header-protection key ("quic hp"). */
  readonly hp: Uint8Array;
}

/** QUIC packet keys from a TLS traffic secret (RFC 9001 §5.1; v2 labels per RFC 9369 §3.3.2). */
export function quicPacketKeys(
  provider: CryptoProvider,
  cipherSuite: number,
  secret: Uint8Array,
  version: QuicVersionLabel = 1,
): QuicPacketKeys {
  const hash = suiteHash(cipherSuite);
  const p = version === 2 ? "quicv2 " : "quic ";
  const keyLen = suiteKeyLength(cipherSuite);
  return {
    key: hkdfExpandLabel(provider, hash, secret, p + "key", EMPTY, keyLen),
    iv: hkdfExpandLabel(provider, hash, secret, p + "iv", EMPTY, 12),
    hp: hkdfExpandLabel(provider, hash, secret, p + "hp", EMPTY, keyLen),
  };
}

/** The next QUIC 1-RTT secret for a key update ("quic ku" / "quicv2 ku", RFC 9001 §6.1). */
export function quicNextSecret(
  provider: CryptoProvider,
  cipherSuite: number,
  secret: Uint8Array,
  version: QuicVersionLabel = 1,
): Uint8Array {
  const hash = suiteHash(cipherSuite);
  return hkdfExpandLabel(provider, hash, secret, version === 2 ? "quicv2 ku" : "quic ku", EMPTY, hashOutputLength(hash));
}

/**
 * The PSK binder's finished_key (RFC 8446 §4.2.11.2, §7.1): binder_key = Derive-Secret(
 * HKDF-Extract(0, PSK), "res binder" | "ext binder", ""), then the "finished" expansion.
 * `prefix` is the label prefix of {@link hkdfLabel} (`"dtls13"` for DTLS 1.3).
 */
export function binderFinishedKey(
  provider: CryptoProvider,
  hash: HashName,
  psk: Uint8Array,
  external = false,
  prefix = "tls13 ",
): Uint8Array {
  const len = hashOutputLength(hash);
  const early = provider.hkdfExtract(hash, new Uint8Array(len), psk);
  const label = external ? "ext binder" : "res binder";
  const binderKey = hkdfExpandLabel(provider, hash, early, label, provider.hash(hash, EMPTY), len, prefix);
  return hkdfExpandLabel(provider, hash, binderKey, "finished", EMPTY, len, prefix);
}

/** The PSK of a NewSessionTicket: HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length) (RFC 8446 §4.6.1). */
export function resumptionPsk(provider: CryptoProvider, hash: HashName, resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Uint8Array {
  return hkdfExpandLabel(provider, hash, resumptionMasterSecret, "resumption", ticketNonce, hashOutputLength(hash));
}
