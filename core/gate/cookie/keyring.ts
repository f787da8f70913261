/**
 * Cookie keys: which key issues a cookie now, and which keys still verify.
 *
 * Three ways to get keys, all with a 4-bit key id carried in every cookie:
 * - {@link CookieKeyring.random}: a random key per rotation (one server).
 * - {@link CookieKeyring.fromSecret}: key n = HKDF-SHA256(secret, label || n), n = rotations
 *   so far (servers sharing the secret and rotating in lockstep agree).
 * - {@link CookieKeyring.derived}: key of epoch e = HKDF-SHA256(master, label || e) with
 *   e = floor(nowSeconds / rotateEverySeconds), so every server of a fleet sharing the master
 *   secret issues and verifies the same cookies without talking to each other. The key of the
 *   next epoch is also accepted up to the verifier's clock skew before the epoch starts, so a
 *   server whose clock runs slightly ahead does not break its neighbours' clients.
 *
 * The current key issues; the previous key still verifies for `graceSeconds` after it was
 * replaced. Keys are derived only when the caller's clock (`now`, milliseconds) reaches a new
 * epoch or on {@link CookieKeyring.rotate}, never because of anything a peer sent. Secrets are
 * kept in private fields and never appear in errors, `JSON.stringify` or inspection output.
 *
 * @module
 */
import { expand, extract } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { CookieMacKey } from "./mac.ts";

/** Options shared by every keyring. */
export interface KeyringOptions {
  /** How long (seconds) the previous key still verifies after a rotation; default 60. For a
   * derived keyring it is capped at `rotateEverySeconds` (only one previous epoch is kept). */
  graceSeconds?: number;
}

/** Options of {@link CookieKeyring.derived}. */
export interface DerivedKeyringOptions extends KeyringOptions {
  /** Epoch length in seconds (>= 1); the key changes at every multiple of it (Unix time). */
  rotateEverySeconds: number;
}

/** A key as the cookie codecs use it: its 4-bit id and the pre-keyed MAC. */
export interface CookieKeySlot {
  /** Key id (0..15) written into cookies. */
  readonly id: number;
  /**
   * The pre-keyed MAC (redacted when printed).
   * @internal For the cookie codecs; not part of the public API.
   */
  readonly key: CookieMacKey;
}

/** Minimum secret length accepted by {@link CookieKeyring.fromSecret} and {@link CookieKeyring.derived}. */
export const MIN_SECRET_LENGTH = 16;

const DEFAULT_GRACE_SECONDS = 60;
const KEY_LENGTH = 32;
const EPOCH_LABEL = /* @__PURE__ */ new TextEncoder().encode("hellogate cookie epoch key v1");
const SECRET_LABEL = /* @__PURE__ */ new TextEncoder().encode("hellogate cookie secret key v1");

interface Slot {
  id: number;
  key: CookieMacKey;
}

function info(label: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(label.length + 8);
  out.set(label);
  const hi = Math.floor(n / 0x100000000);
  const lo = n >>> 0;
  const at = label.length;
  out[at] = hi >>> 24;
  out[at + 1] = (hi >>> 16) & 0xff;
  out[at + 2] = (hi >>> 8) & 0xff;
  out[at + 3] = hi & 0xff;
  out[at + 4] = lo >>> 24;
  out[at + 5] = (lo >>> 16) & 0xff;
  out[at + 6] = (lo >>> 8) & 0xff;
  out[at + 7] = lo & 0xff;
  return out;
}

function keyFrom(prk: Uint8Array, label: Uint8Array, n: number): CookieMacKey {
  const bytes = expand(sha256, prk, info(label, n), KEY_LENGTH);
  const key = new CookieMacKey(bytes);
  bytes.fill(0);
  return key;
}

function checkSecret(secret: Uint8Array, what: string): void {
  if (!(secret instanceof Uint8Array) || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`${what} must be a Uint8Array of at least ${MIN_SECRET_LENGTH} bytes`);
  }
}

function checkGrace(options: KeyringOptions | undefined): number {
  const g = options?.graceSeconds ?? DEFAULT_GRACE_SECONDS;
  if (typeof g !== "number" || !Number.isFinite(g) || g < 0) {
    throw new TypeError("graceSeconds must be a finite number >= 0");
  }
  return g;
}

function checkNow(now: number): void {
  if (typeof now !== "number" || !Number.isFinite(now) || now < 0) {
    throw new TypeError("now must be a finite number of milliseconds since the Unix epoch");
  }
}

type Kind = "random" | "secret" | "derived";

/**
 * The keys that issue and verify cookies. Create one with {@link CookieKeyring.random},
 * {@link CookieKeyring.fromSecret} or {@link CookieKeyring.derived}.
 *
 * @example
 * ```ts
 * import { CookieKeyring } from "@hellogate/hellogate";
 * declare const master: Uint8Array; // the same 32 secret bytes on every server
 * const keyring = CookieKeyring.derived(master, { rotateEverySeconds: 300 });
 * console.log(JSON.stringify(keyring)); // no secret in here
 * ```
 */
export class CookieKeyring {
  readonly #kind: Kind;
  readonly #graceMs: number;
  /** HKDF pseudo-random key (secret and derived keyrings). */
  readonly #prk: Uint8Array | undefined;
  readonly #rotateSeconds: number;
  /** Rotation count (random/secret) or current epoch (derived). */
  #n: number;
  #current: Slot;
  #previous: Slot | undefined;
  /** Previous key verifies while `now < #previousUntil` (ms). */
  #previousUntil = -Infinity;
  /** Derived only: the next epoch's key. */
  #next: Slot | undefined;

  private constructor(
    kind: Kind,
    graceSeconds: number,
    prk: Uint8Array | undefined,
    rotateSeconds: number,
    startAt: number,
  ) {
    this.#kind = kind;
    this.#graceMs = graceSeconds * 1000;
    this.#prk = prk;
    this.#rotateSeconds = rotateSeconds;
    this.#n = startAt;
    this.#current = { id: startAt & 15, key: this.#make(startAt) };
    if (kind === "derived") {
      this.#previous = { id: (startAt - 1) & 15, key: this.#make(startAt - 1) };
      this.#next = { id: (startAt + 1) & 15, key: this.#make(startAt + 1) };
    }
  }

  /** A keyring with a fresh random key (`crypto.getRandomValues`); `rotate` draws a new one. */
  static random(options?: KeyringOptions): CookieKeyring {
    return new CookieKeyring("random", checkGrace(options), undefined, 0, 0);
  }

  /**
   * A keyring whose n-th key (n = number of rotations) is HKDF-SHA256(secret, label || n).
   * Throws `TypeError` when `secret` is shorter than 16 bytes. The secret is not kept, only its
   * HKDF pseudo-random key.
   */
  static fromSecret(secret: Uint8Array, options?: KeyringOptions): CookieKeyring {
    checkSecret(secret, "secret");
    const grace = checkGrace(options);
    return new CookieKeyring("secret", grace, extract(sha256, secret), 0, 0);
  }

  /**
   * A fleet keyring: the key of epoch e = floor(nowSeconds / rotateEverySeconds) is
   * HKDF-SHA256(masterSecret, label || e). Keys follow the `now` passed to issue/verify (never
   * backwards). Throws `TypeError` for a master secret under 16 bytes or a bad period.
   */
  static derived(masterSecret: Uint8Array, options: DerivedKeyringOptions): CookieKeyring {
    checkSecret(masterSecret, "masterSecret");
    const r = options?.rotateEverySeconds;
    if (typeof r !== "number" || !Number.isFinite(r) || r < 1) {
      throw new TypeError("rotateEverySeconds must be a finite number >= 1");
    }
    const grace = Math.min(checkGrace(options), r);
    return new CookieKeyring("derived", grace, extract(sha256, masterSecret), r, 0);
  }

  #make(n: number): CookieMacKey {
    if (this.#kind === "random") {
      const bytes = crypto.getRandomValues(new Uint8Array(KEY_LENGTH));
      const key = new CookieMacKey(bytes);
      bytes.fill(0);
      return key;
    }
    return keyFrom(this.#prk!, this.#kind === "derived" ? EPOCH_LABEL : SECRET_LABEL, n);
  }

  /** Derived keyrings: move to the epoch of `now` (forward only). */
  #sync(now: number): void {
    const epoch = Math.floor(Math.floor(now / 1000) / this.#rotateSeconds);
    if (epoch <= this.#n) return;
    const prev = this.#previous!, cur = this.#current, next = this.#next!;
    if (epoch === this.#n + 1) {
      prev.key.destroy();
      this.#previous = cur;
      this.#current = next;
      this.#next = prev;
      prev.id = (epoch + 1) & 15;
      prev.key = this.#make(epoch + 1);
    } else {
      for (const [slot, e] of [[prev, epoch - 1], [cur, epoch], [next, epoch + 1]] as const) {
        slot.key.destroy();
        slot.id = e & 15;
        slot.key = this.#make(e);
      }
    }
    this.#n = epoch;
  }

  /**
   * Manual rotation at time `now` (ms): random keyrings draw a new random key, secret keyrings
   * move to the next derived key; the replaced key still verifies for `graceSeconds` after
   * `now`. Derived keyrings rotate by the clock only, so this just moves them to the epoch of
   * `now`.
   */
  rotate(now: number): void {
    checkNow(now);
    if (this.#kind === "derived") {
      this.#sync(now);
      return;
    }
    this.#previous?.key.destroy();
    this.#previous = this.#current;
    this.#previousUntil = now + this.#graceMs;
    this.#n++;
    this.#current = { id: this.#n & 15, key: this.#make(this.#n) };
  }

  /**
   * The key that issues cookies at `now` (ms).
   * @internal For the cookie codecs; not part of the public API.
   */
  issuingKey(now: number): CookieKeySlot {
    if (this.#kind === "derived") this.#sync(now);
    return this.#current;
  }

  /**
   * The key with id `keyId` if it may verify a cookie at `now` (ms), else `undefined`.
   * `skewSeconds` lets a derived keyring accept the next epoch's key that early. Used by the
   * cookie codecs; allocates nothing.
   * @internal For the cookie codecs; not part of the public API.
   */
  verifyingKey(keyId: number, now: number, skewSeconds: number): CookieMacKey | undefined {
    if (this.#kind === "derived") {
      this.#sync(now);
      if (keyId === this.#current.id) return this.#current.key;
      const nowSec = now / 1000;
      const start = this.#n * this.#rotateSeconds;
      if (keyId === this.#previous!.id && nowSec < start + this.#graceMs / 1000) return this.#previous!.key;
      if (keyId === this.#next!.id && nowSec + skewSeconds >= start + this.#rotateSeconds) {
        return this.#next!.key;
      }
      return undefined;
    }
    if (keyId === this.#current.id) return this.#current.key;
    if (this.#previous !== undefined && keyId === this.#previous.id && now < this.#previousUntil) {
      return this.#previous.key;
    }
    return undefined;
  }

  /** Redacted description: kind, settings and key ids, never key material. */
  toJSON(): unknown {
    return {
      kind: this.#kind,
      graceSeconds: this.#graceMs / 1000,
      ...(this.#kind === "derived" ? { rotateEverySeconds: this.#rotateSeconds, epoch: this.#n } : {}),
      currentKeyId: this.#current.id,
      previousKeyId: this.#previous?.id,
      secret: "[redacted]",
    };
  }

  /** Redacted. */
  toString(): string {
    return `CookieKeyring ${JSON.stringify(this.toJSON())}`;
  }

  /** Redacted inspection (Deno). */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** Redacted inspection (Node, Bun). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
