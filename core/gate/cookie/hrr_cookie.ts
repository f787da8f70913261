/**
 * The TLS 1.3 / DTLS 1.3 HelloRetryRequest cookie (RFC 8446 §4.2.2, RFC 9147 §5.1).
 *
 * It carries everything needed to rebuild the HRR byte for byte and restart the transcript on
 * ClientHello2, so the server keeps no state:
 *
 * ```
 * 0        kind tag HRR_COOKIE_KIND (high nibble) | key id (low nibble)
 * 1..5     issue time, u32 Unix seconds
 * 5        protocol: 1 = TLS 1.3, 2 = DTLS 1.3
 * 6..8     selected cipher suite
 * 8..10    group requested by the HRR key_share, 0 = none (cookie-only HRR)
 * 10       hash length h (32 or 48, the suite's hash)
 * 11..     Hash(ClientHello1) over the TLS-style 4-byte-header message (also for DTLS 1.3)
 * ..+14    ClientHello1's body length (3 bytes) and the digest of its frozen parts (11 bytes;
 *          RFC 8446 §4.1.2, `core/gate/frozen_hello.ts`), opaque here
 * ..       application data length a (0..255), then a bytes
 * ..       peer-free tag: 4 bytes of HMAC(key, 0x00 || everything above)
 * last 16  MAC: 16 bytes of HMAC(key, everything above || peer binding)
 * ```
 *
 * Domain separation lies in the first byte of each MAC input: 0x00 for the peer-free tag, the
 * HRR kind tag 0xA_ for the MAC, and the HVR kind tag 0x5_ for HVR cookies, which share the key.
 * Keeping labels to one byte keeps the MAC inputs short.
 *
 * 78 bytes with SHA-256 and no application data, at most 349. When the MAC fails but the
 * peer-free tag matches, the cookie is authentic but bound to another address: `wrong-peer`
 * (a forgery passes the 32-bit tag with probability 2^-32 and is then still rejected). The tag
 * costs a second HMAC when issuing and only on the failure path when verifying.
 *
 * @module
 */
import { encodePeerBinding, PEER_BINDING_LENGTH, type PeerAddress } from "../../peer.ts";
import { tls13SuiteHash } from "../../constants/cipher_suites.ts";
import type { CookieKeyring } from "./keyring.ts";
import {
  checkCookieAge,
  type CookieCheckOptions,
  cookieSeconds,
  type CookieVerdict,
  HRR_COOKIE_KIND,
  HVR_COOKIE_KIND,
  HVR_COOKIE_SIZE,
  readU32,
  REJECTED,
  skewSeconds,
  writeU32,
} from "./verdict.ts";

/** What an HRR cookie records (the input of {@link issueHrrCookie}). */
export interface HrrCookieFields {
  /** The protocol the HRR is for. */
  protocol: "tls1.3" | "dtls1.3";
  /** The cipher suite the HRR selects. */
  cipherSuite: number;
  /** Group requested by the HRR key_share, `undefined` for a cookie-only HRR. */
  group: number | undefined;
  /** Hash(ClientHello1) with the suite's hash: 32 or 48 bytes. */
  clientHello1Hash: Uint8Array;
  /**
   * 14 bytes: ClientHello1's body length and the digest of its frozen parts (`hashAndFreeze`), which
   * ClientHello2 must reproduce. Defaults to 14 zero bytes, which no ClientHello2 matches: fails closed.
   */
  clientHello1Frozen?: Uint8Array;
  /** Opaque application data (at most 255 bytes), returned on verification. */
  appData?: Uint8Array;
}

/** Decoded fields of an authentic HRR cookie. Byte fields are views into the cookie. */
export interface HrrCookieInfo {
  /** The protocol the HRR was for. */
  protocol: "tls1.3" | "dtls1.3";
  /** The cipher suite the HRR selected. */
  cipherSuite: number;
  /** The group the HRR requested, `undefined` for a cookie-only HRR. */
  group: number | undefined;
  /** Hash(ClientHello1) (32 or 48 bytes). */
  clientHello1Hash: Uint8Array;
  /** ClientHello1's body length and frozen-parts digest (14 bytes, see `frozen_hello.ts`). */
  clientHello1Frozen: Uint8Array;
  /** Application data (possibly empty). */
  appData: Uint8Array;
}

/** Maximum application data in an HRR cookie. */
export const HRR_COOKIE_MAX_APP_DATA = 255;
/** Length of the MAC at the end of an HRR cookie. */
export const HRR_COOKIE_MAC_LENGTH = 16;
/** Length of the peer-free tag before the MAC. */
export const HRR_COOKIE_PEER_FREE_TAG_LENGTH = 4;

const FIXED = 11;
/** Length of the frozen-parts field (`FROZEN_FIELD_LENGTH` in `core/gate/frozen_hello.ts`). */
const FROZEN = 14;
const TRAILER = HRR_COOKIE_PEER_FREE_TAG_LENGTH + HRR_COOKIE_MAC_LENGTH;
const PEER_FREE_DOMAIN = 0x00;
const PEER = new Uint8Array(PEER_BINDING_LENGTH);
const EMPTY = new Uint8Array(0);

/** Exact length of the HRR cookie for a hash of `hashLength` bytes and `appDataLength` bytes of data. */
export function hrrCookieLength(hashLength: number, appDataLength = 0): number {
  return FIXED + hashLength + FROZEN + 1 + appDataLength + TRAILER;
}

/**
 * Issues the cookie for a HelloRetryRequest sent to `peer` at `now` (ms since the Unix epoch).
 * Throws `TypeError` for caller misuse: a hash that is not 32/48 bytes or does not match the
 * suite's hash, more than 255 bytes of application data, an out-of-range suite or group, an
 * unparsable peer address.
 */
export function issueHrrCookie(
  keyring: CookieKeyring,
  peer: PeerAddress,
  fields: HrrCookieFields,
  now: number,
): Uint8Array {
  const { cipherSuite, group, clientHello1Hash: hash } = fields;
  const appData = fields.appData ?? EMPTY;
  const frozen = fields.clientHello1Frozen;
  if (frozen !== undefined && frozen.length !== FROZEN) throw new TypeError("clientHello1Frozen must be 14 bytes");
  const protocol = fields.protocol === "tls1.3" ? 1 : fields.protocol === "dtls1.3" ? 2 : 0;
  if (protocol === 0) throw new TypeError(`unknown HRR protocol: ${fields.protocol}`);
  if (!Number.isInteger(cipherSuite) || cipherSuite < 0 || cipherSuite > 0xffff) {
    throw new TypeError("cipherSuite must be a u16");
  }
  if (group !== undefined && (!Number.isInteger(group) || group < 1 || group > 0xffff)) {
    throw new TypeError("group must be a non-zero u16 or undefined");
  }
  if (hash.length !== 32 && hash.length !== 48) {
    throw new TypeError("clientHello1Hash must be 32 or 48 bytes");
  }
  const suiteHash = tls13SuiteHash(cipherSuite);
  if (suiteHash !== undefined && hash.length !== (suiteHash === "sha384" ? 48 : 32)) {
    throw new TypeError(`clientHello1Hash length does not match the ${suiteHash} of the cipher suite`);
  }
  if (appData.length > HRR_COOKIE_MAX_APP_DATA) throw new TypeError("appData is at most 255 bytes");
  const t = cookieSeconds(now);
  encodePeerBinding(peer, PEER); // validates the peer before anything else happens
  const slot = keyring.issuingKey(now);
  const cookie = new Uint8Array(hrrCookieLength(hash.length, appData.length));
  cookie[0] = (HRR_COOKIE_KIND << 4) | slot.id;
  writeU32(cookie, 1, t);
  cookie[5] = protocol;
  cookie[6] = cipherSuite >>> 8;
  cookie[7] = cipherSuite & 0xff;
  const g = group ?? 0;
  cookie[8] = g >>> 8;
  cookie[9] = g & 0xff;
  cookie[10] = hash.length;
  cookie.set(hash, FIXED);
  let at = FIXED + hash.length;
  if (frozen !== undefined) cookie.set(frozen, at); // else zeros: matches no ClientHello2
  at += FROZEN;
  cookie[at++] = appData.length;
  cookie.set(appData, at);
  at += appData.length;
  slot.key.begin().u8(PEER_FREE_DOMAIN).bytes(cookie, 0, at).finishInto(
    cookie,
    at,
    HRR_COOKIE_PEER_FREE_TAG_LENGTH,
  );
  at += HRR_COOKIE_PEER_FREE_TAG_LENGTH;
  slot.key.begin().bytes(cookie, 0, at).bytes(PEER).finishInto(cookie, at, HRR_COOKIE_MAC_LENGTH);
  return cookie;
}

/**
 * Verifies the cookie a ClientHello2 echoed in its cookie extension. Returns `ok` with the
 * decoded fields (views into `cookie`), issue time and key id, or the rejection reason. The
 * caller still checks that ClientHello2 fits the decoded suite, group and frozen digest. Allocates nothing
 * unless the cookie is authentic; compares MACs in constant time.
 */
export function verifyHrrCookie(
  keyring: CookieKeyring,
  cookie: Uint8Array,
  peer: PeerAddress,
  now: number,
  options?: CookieCheckOptions,
): CookieVerdict<HrrCookieInfo> {
  const skew = skewSeconds(options);
  const n = cookie.length;
  if (n === 0) return REJECTED["malformed"];
  const kind = cookie[0] >>> 4;
  if (kind !== HRR_COOKIE_KIND) {
    return kind === HVR_COOKIE_KIND && n === HVR_COOKIE_SIZE
      ? REJECTED["wrong-protocol"]
      : REJECTED["malformed"];
  }
  if (n < hrrCookieLength(32)) return REJECTED["malformed"];
  const protocol = cookie[5];
  const hashLength = cookie[10];
  if ((protocol !== 1 && protocol !== 2) || (hashLength !== 32 && hashLength !== 48)) {
    return REJECTED["malformed"];
  }
  if (n < hrrCookieLength(hashLength)) return REJECTED["malformed"];
  const frozenAt = FIXED + hashLength;
  const appAt = frozenAt + FROZEN + 1;
  const appLength = cookie[appAt - 1];
  if (n !== hrrCookieLength(hashLength, appLength)) return REJECTED["malformed"];
  const keyId = cookie[0] & 15;
  const key = keyring.verifyingKey(keyId, now, skew);
  if (key === undefined) return REJECTED["unknown-key"];
  encodePeerBinding(peer, PEER);
  const macAt = n - HRR_COOKIE_MAC_LENGTH;
  if (!key.begin().bytes(cookie, 0, macAt).bytes(PEER).finishEquals(cookie, macAt, HRR_COOKIE_MAC_LENGTH)) {
    const tagAt = macAt - HRR_COOKIE_PEER_FREE_TAG_LENGTH;
    const peerFree = key.begin().u8(PEER_FREE_DOMAIN).bytes(cookie, 0, tagAt)
      .finishEquals(cookie, tagAt, HRR_COOKIE_PEER_FREE_TAG_LENGTH);
    return peerFree ? REJECTED["wrong-peer"] : REJECTED["bad-mac"];
  }
  const issuedAt = readU32(cookie, 1);
  const aged = checkCookieAge(issuedAt, now, skew, options);
  if (aged !== undefined) return aged;
  const group = (cookie[8] << 8) | cookie[9];
  return {
    ok: true,
    issuedAt,
    keyId,
    protocol: protocol === 1 ? "tls1.3" : "dtls1.3",
    cipherSuite: (cookie[6] << 8) | cookie[7],
    group: group === 0 ? undefined : group,
    clientHello1Hash: cookie.subarray(FIXED, FIXED + hashLength),
    clientHello1Frozen: cookie.subarray(frozenAt, frozenAt + FROZEN),
    appData: cookie.subarray(appAt, appAt + appLength),
  };
}
