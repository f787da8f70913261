/**
 * What verifying a cookie returns, the checks shared by both cookie kinds, and the kind tags
 * that tell an HVR cookie from an HRR cookie.
 *
 * Rejections are preallocated frozen objects: verifying a bad cookie allocates nothing.
 *
 * @module
 */

/** Options for cookie verification. */
export interface CookieCheckOptions {
  /** How long (seconds) a cookie verifies after it was issued; default 60. */
  lifetimeSeconds?: number;
  /** How far (seconds) a cookie's issue time may lie ahead of `now` (fleet clock skew); default 5. */
  maxClockSkewSeconds?: number;
}

/**
 * Why a cookie was rejected. The peer must not learn which (an HVR peer just gets a new HVR);
 * the reasons are for our own counters.
 * - `malformed`: wrong length or layout, unknown kind tag.
 * - `bad-mac`: the MAC does not verify (forged, corrupted, or bound to other ClientHello fields;
 *   for the 32-byte HVR cookie also a different peer, see `wrong-peer`).
 * - `unknown-key`: the key id is not a key that verifies now (rotated out past the grace window).
 * - `expired`: older than the lifetime.
 * - `from-the-future`: issued later than `now` plus the allowed clock skew.
 * - `wrong-peer`: authentic, but issued to another address or port (HRR cookies only).
 * - `wrong-protocol`: an HVR cookie presented as an HRR cookie or vice versa.
 */
export type CookieRejection =
  | "malformed"
  | "bad-mac"
  | "unknown-key"
  | "expired"
  | "from-the-future"
  | "wrong-peer"
  | "wrong-protocol";

/** A rejection verdict. */
export interface CookieRejected {
  /** Not verified. */
  readonly ok: false;
  /** Why. */
  readonly reason: CookieRejection;
}

/** Result of verifying a cookie: `ok` with the decoded fields, or a rejection reason. */
export type CookieVerdict<T> =
  | ({ ok: true; issuedAt: number /* unix seconds */; keyId: number } & T)
  | { ok: false; reason: CookieRejection };

const rejection = (reason: CookieRejection): CookieRejected => Object.freeze({ ok: false, reason });

/** The preallocated rejection for each reason. */
export const REJECTED: Readonly<Record<CookieRejection, CookieRejected>> = /* @__PURE__ */ Object.freeze({
  "malformed": rejection("malformed"),
  "bad-mac": rejection("bad-mac"),
  "unknown-key": rejection("unknown-key"),
  "expired": rejection("expired"),
  "from-the-future": rejection("from-the-future"),
  "wrong-peer": rejection("wrong-peer"),
  "wrong-protocol": rejection("wrong-protocol"),
});

/** Default cookie lifetime (seconds), as in mbedTLS and OpenSSL's newer DTLS listener. */
export const DEFAULT_COOKIE_LIFETIME_SECONDS = 60;
/** Default tolerated clock skew (seconds). */
export const DEFAULT_MAX_CLOCK_SKEW_SECONDS = 5;

/** Kind tag (high nibble of byte 0) of a HelloVerifyRequest cookie. */
export const HVR_COOKIE_KIND = 0x5;
/** Kind tag (high nibble of byte 0) of a HelloRetryRequest cookie. */
export const HRR_COOKIE_KIND = 0xa;

/** Length of every HVR cookie (see hvr_cookie.ts). */
export const HVR_COOKIE_SIZE = 32;
/** Length of the shortest HRR cookie (see hrr_cookie.ts): SHA-256 hash, no application data. */
export const HRR_COOKIE_MIN_LENGTH = 64;

/** Converts `now` (ms) to the u32 seconds written in cookies; throws `TypeError` when out of range. */
export function cookieSeconds(now: number): number {
  const s = Math.floor(now / 1000);
  if (!(s >= 0 && s <= 0xffffffff)) {
    throw new TypeError("now must be milliseconds since the Unix epoch (0 .. 2^32 s)");
  }
  return s;
}

/** The tolerated clock skew in seconds; throws `TypeError` on a bad option. */
export function skewSeconds(options: CookieCheckOptions | undefined): number {
  const v = options?.maxClockSkewSeconds ?? DEFAULT_MAX_CLOCK_SKEW_SECONDS;
  if (!(v >= 0)) throw new TypeError("maxClockSkewSeconds must be a number >= 0");
  return v;
}

/**
 * The time check of an authentic cookie issued at `issuedAt` (seconds): `undefined` when it is
 * within its lifetime, else the rejection. Throws `TypeError` on bad options.
 */
export function checkCookieAge(
  issuedAt: number,
  now: number,
  skew: number,
  options: CookieCheckOptions | undefined,
): CookieRejected | undefined {
  const lifetime = options?.lifetimeSeconds ?? DEFAULT_COOKIE_LIFETIME_SECONDS;
  if (!(lifetime >= 0)) throw new TypeError("lifetimeSeconds must be a number >= 0");
  const nowSec = Math.floor(now / 1000);
  if (issuedAt > nowSec + skew) return REJECTED["from-the-future"];
  if (nowSec - issuedAt > lifetime) return REJECTED["expired"];
  return undefined;
}

/** Reads a big-endian u32. */
export function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** Writes a big-endian u32. */
export function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}
