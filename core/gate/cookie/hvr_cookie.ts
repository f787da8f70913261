/**
 * The DTLS 1.0/1.2 HelloVerifyRequest cookie (RFC 6347 §4.2.1): exactly 32 bytes, since DTLS 1.0
 * allows at most 32 and some clients keep only 32.
 *
 * Layout: byte 0 = kind tag {@link HVR_COOKIE_KIND} (high nibble) | key id (low nibble);
 * bytes 1-4 = issue time (u32 Unix seconds); bytes 5-31 = the key's one-pass cascade MAC
 * (`CookieMacKey.beginCascade`, core/gate/cookie/mac.ts) truncated to 27 bytes (216 bits) over
 *
 *   cookie[0..5) || compact peer binding || ClientHello body[0, cookie) ||
 *   body[compression_methods, extensions)
 *
 * i.e. the issue time and key id, the client's address and port, and the raw bytes of
 * legacy_version, random, session_id (with its length byte) and compression_methods (with its
 * length byte). Never the extensions (clients offering DTLS 1.2 and 1.3 change them between the
 * two ClientHellos) and never the record sequence number.
 *
 * Compact peer binding ({@link hvrPeerBinding}): IPv4 (and IPv4-mapped IPv6) = 0x04 || 4-byte
 * address || port (7 bytes); other IPv6 = 0x06 || 16-byte address || port (19 bytes); unknown
 * (`unspec`) = 0x00 || port (3 bytes). The first byte tells the lengths apart, so the encoding
 * is injective and IPv4 and IPv4-mapped IPv6 peers bind identically.
 *
 * Why this MAC and these fields (the choices that make the cookie cheap). The cookie is opaque
 * to clients, so its MAC is ours to choose. For the usual DTLS 1.2 ClientHello (empty
 * session_id, one compression method) the MAC input is 5 + 7 + 35 + 2 = 49 bytes from an IPv4
 * peer and 61 from an IPv6 one: with the cascade's 2-byte length prefix both fit ONE 64-byte
 * block, so a cookie costs ONE SHA-256 compression. HMAC-SHA256 needed two (the message block
 * and the outer hash) and three when the cipher suites (58 bytes for OpenSSL's 28) were bound
 * too. Every HVR and every accept computes one cookie MAC, so this is the largest single cost
 * of both paths (bench/breakdown.ts). ClientHellos with a session_id take two blocks.
 *
 * Security argument:
 * - PRF: the cascade is a PRF under the assumptions of HMAC's own proof (mac.ts gives the
 *   argument: a pseudorandom chaining value from the key block, then a cascade over a
 *   prefix-free encoding). The key is 32 bytes (random, or HKDF-SHA256 output for fleet
 *   keyrings: `keyring.ts`), pre-keyed once per key; its cascade state is independent of the
 *   HMAC states the HRR cookie uses under the same key.
 * - Truncation: 216 of 256 bits. A forger without the key succeeds with probability 2^-216 per
 *   try; truncating a PRF's output leaves a PRF. The domain byte (high nibble = HVR kind) keeps
 *   HVR inputs apart from other cookie inputs.
 * - What a valid cookie proves: the holder received our HelloVerifyRequest sent to that address
 *   and port, for that client random and session_id, within the cookie lifetime (issue time is
 *   bound). That is all a return-routability check needs: a spoofing client never sees the HVR.
 * - Not binding cipher_suites: RFC 6347 §4.2.1 requires the CLIENT to repeat version, random,
 *   session_id, cipher_suites and compression_method, and says the server MAY use them to make
 *   the cookie. Binding the suites adds no address validation: the random (32 bytes, fresh per
 *   handshake) already ties the cookie to this handshake, and everything the server negotiates
 *   comes from ClientHello2, which the listener parses and validates in full before `accepted`.
 *   A client that changes its suite list between the two hellos is accepted, as OpenSSL's
 *   default (address-only) cookie accepts it.
 * - Fleets: servers sharing a keyring secret verify each other's cookies as before. A server of
 *   an earlier release (HMAC-SHA256 tags) and one of this release do not: during a rolling
 *   upgrade a CH2 that reaches the other kind gets a fresh HelloVerifyRequest (RFC 6347 treats
 *   an invalid cookie like none), and the client's next ClientHello passes.
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
const COMPACT = new Uint8Array(PEER_BINDING_LENGTH);

/**
 * The compact peer binding the HVR cookie MACs (see the module notes), written into `out`;
 * returns its length (7, 19 or 3). Throws `TypeError` for an address that does not parse.
 */
export function hvrPeerBinding(peer: PeerAddress, out: Uint8Array = new Uint8Array(PEER_BINDING_LENGTH)): number {
  encodePeerBinding(peer, PEER); // tag 4 (IPv4, mapped form), 6 or 0 || 16-byte address || port
  const tag = PEER[0];
  out[0] = tag;
  if (tag === 4) {
    out[1] = PEER[13], out[2] = PEER[14], out[3] = PEER[15], out[4] = PEER[16];
    out[5] = PEER[17], out[6] = PEER[18];
    return 7;
  }
  if (tag === 6) {
    for (let i = 1; i < PEER_BINDING_LENGTH; i++) out[i] = PEER[i];
    return PEER_BINDING_LENGTH;
  }
  out[1] = PEER[17], out[2] = PEER[18];
  return 3;
}

/** The ClientHello fields an HVR cookie binds: the raw body and the offsets of its fields. */
export type HvrBoundHello = Pick<ClientHello, "body" | "offsets">;

/** Number of bytes the HVR cookie MAC absorbs for this peer and ClientHello (bench and tests). */
export function hvrMacInputLength(peer: PeerAddress, ch: HvrBoundHello): number {
  const o = ch.offsets;
  return HEADER_LENGTH + hvrPeerBinding(peer, COMPACT) + o.cookie + (o.extensions - o.compressionMethods);
}

function mac(key: CookieMacKey, cookie: Uint8Array, at: number, peer: PeerAddress, ch: HvrBoundHello): MacStream {
  const peerLength = hvrPeerBinding(peer, COMPACT);
  const body = ch.body, o = ch.offsets;
  return key.beginCascade(HEADER_LENGTH + peerLength + o.cookie + (o.extensions - o.compressionMethods))
    .bytes(cookie, at, at + HEADER_LENGTH)
    .bytes(COMPACT, 0, peerLength)
    .bytes(body, 0, o.cookie)
    .bytes(body, o.compressionMethods, o.extensions);
}

/**
 * Issues the 32-byte cookie for a HelloVerifyRequest answering `ch` from `peer` at `now`
 * (ms since the Unix epoch). Throws `TypeError` only for caller misuse (an unparsable peer
 * address, `now` out of range).
 */
export function issueHvrCookie(
  keyring: CookieKeyring,
  peer: PeerAddress,
  ch: HvrBoundHello,
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
  ch: HvrBoundHello,
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
  ch: HvrBoundHello,
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
