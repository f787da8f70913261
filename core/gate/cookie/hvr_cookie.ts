/**
 * The DTLS 1.0/1.2 HelloVerifyRequest cookie (RFC 6347 §4.2.1): exactly 32 bytes, since DTLS 1.0
 * allows at most 32 and some clients keep only 32.
 *
 * Layout: byte 0 = kind tag {@link HVR_COOKIE_KIND} (high nibble) | key id (low nibble);
 * bytes 1-4 = issue time (u32 Unix seconds); bytes 5-31 = HMAC-SHA256 truncated to 27 bytes
 * (216 bits) over
 *
 *   cookie[0..5) || peer binding (19 bytes, core/peer.ts) ||
 *   ClientHello body[0, cookie) || body[cipher_suites, extensions)
 *
 * The domain label is the first byte: its high nibble is the HVR kind tag, so no HVR MAC input
 * can equal an HRR one (those start with 0x00 or the HRR tag 0xA_). A longer ASCII label would
 * push the inputs of real DTLS 1.2 ClientHellos (OpenSSL: 95 bound bytes, 28 suites) from two
 * SHA-256 blocks to three, a third more work on the hot path.
 *
 * i.e. the raw bytes of the five fields RFC 6347 names: legacy_version, random, session_id (with
 * its length byte), cipher_suites and compression_methods (with their length prefixes). Never the
 * extensions (clients offering DTLS 1.2 and 1.3 change them between the two ClientHellos) and never
 * the record sequence number. IPv4 and IPv4-mapped IPv6 peers bind identically.
 *
 * A cookie presented from another address is reported as `bad-mac`, not `wrong-peer`: telling
 * them apart would need a second, peer-free tag, which would cost either MAC bits in the fixed
 * 32 bytes or a second HMAC on this hot path. The HRR cookie, which has room, does report it.
 *
 * @module
 */
import type { ClientHello } from "../../messages/client_hello.ts";
import { encodePeerBinding, PEER_BINDING_LENGTH, type PeerAddress } from "../../peer.ts";
import type { CookieKeyring } from "./keyring.ts";
import type { CookieMacKey, MacStream } from "./mac.ts";
import {
  checkCookieAge,
  type CookieCheckOptions,
  cookieSeconds,
  type CookieVerdict,
  HRR_COOKIE_KIND,
  HRR_COOKIE_MIN_LENGTH,
  HVR_COOKIE_KIND,
  readU32,
  REJECTED,
  skewSeconds,
  writeU32,
} from "./verdict.ts";

/** Length of every HelloVerifyRequest cookie. */
export const HVR_COOKIE_LENGTH = 32;

/** Decoded fields of an HVR cookie beyond issue time and key id (none). */
// deno-lint-ignore no-empty-interface
export interface HvrCookieInfo {}

const HEADER_LENGTH = 5;
const TAG_LENGTH = HVR_COOKIE_LENGTH - HEADER_LENGTH;
const PEER = new Uint8Array(PEER_BINDING_LENGTH);

function mac(key: CookieMacKey, cookie: Uint8Array, at: number, peer: PeerAddress, ch: ClientHello): MacStream {
  encodePeerBinding(peer, PEER);
  const body = ch.body, o = ch.offsets;
  return key.begin()
    .bytes(cookie, at, at + HEADER_LENGTH)
    .bytes(PEER)
    .bytes(body, 0, o.cookie)
    .bytes(body, o.cipherSuites, o.extensions);
}

/**
 * Issues the 32-byte cookie for a HelloVerifyRequest answering `ch` from `peer` at `now`
 * (ms since the Unix epoch). Throws `TypeError` only for caller misuse (an unparsable peer
 * address, `now` out of range).
 */
export function issueHvrCookie(
  keyring: CookieKeyring,
  peer: PeerAddress,
  ch: ClientHello,
  now: number,
): Uint8Array {
  const cookie = new Uint8Array(HVR_COOKIE_LENGTH);
  writeHvrCookie(keyring, peer, ch, now, cookie, 0);
  return cookie;
}

/**
 * Like {@link issueHvrCookie}, but writes the 32 bytes into `out` at `at` (so a listener can
 * build the whole HelloVerifyRequest in one allocation).
 */
export function writeHvrCookie(
  keyring: CookieKeyring,
  peer: PeerAddress,
  ch: ClientHello,
  now: number,
  out: Uint8Array,
  at: number,
): void {
  if (at < 0 || at + HVR_COOKIE_LENGTH > out.length) throw new RangeError("HVR cookie does not fit in the output");
  const t = cookieSeconds(now);
  const slot = keyring.issuingKey(now);
  out[at] = (HVR_COOKIE_KIND << 4) | slot.id;
  writeU32(out, at + 1, t);
  mac(slot.key, out, at, peer, ch).finishInto(out, at + HEADER_LENGTH, TAG_LENGTH);
}

/**
 * Verifies the cookie a DTLS 1.0/1.2 ClientHello echoed (`ch.legacyCookie`). Returns `ok` with
 * the issue time and key id, or the rejection reason. Allocates nothing unless the cookie is
 * authentic; compares the MAC in constant time.
 */
export function verifyHvrCookie(
  keyring: CookieKeyring,
  cookie: Uint8Array,
  peer: PeerAddress,
  ch: ClientHello,
  now: number,
  options?: CookieCheckOptions,
): CookieVerdict<HvrCookieInfo> {
  const skew = skewSeconds(options);
  if (cookie.length === 0) return REJECTED["malformed"];
  const kind = cookie[0] >>> 4;
  if (cookie.length !== HVR_COOKIE_LENGTH || kind !== HVR_COOKIE_KIND) {
    return kind === HRR_COOKIE_KIND && cookie.length >= HRR_COOKIE_MIN_LENGTH
      ? REJECTED["wrong-protocol"]
      : REJECTED["malformed"];
  }
  const keyId = cookie[0] & 15;
  const key = keyring.verifyingKey(keyId, now, skew);
  if (key === undefined) return REJECTED["unknown-key"];
  if (!mac(key, cookie, 0, peer, ch).finishEquals(cookie, HEADER_LENGTH, TAG_LENGTH)) return REJECTED["bad-mac"];
  const issuedAt = readU32(cookie, 1);
  return checkCookieAge(issuedAt, now, skew, options) ?? { ok: true, issuedAt, keyId };
}
