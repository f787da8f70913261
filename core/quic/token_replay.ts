/**
 * An optional single-use filter for address-validation tokens (RFC 9000 §8.1.3-8.1.4 ask servers
 * to limit token reuse): the first Initial carrying a given token is let through, a later one
 * within the token's lifetime is refused. It only ever holds tokens that already verified
 * (sealed by us, for the sending address), so a spoofer cannot fill it without first receiving
 * our Retries at many addresses; it is still bounded: at most `maxEntries` tokens, the oldest
 * forgotten first (a forgotten token can be replayed again: size it for your rate x lifetime).
 *
 * Keyed by the token's 12-byte random nonce; an entry lives until the token would expire.
 *
 * @module
 */
import { TOKEN_NONCE_OFFSET } from "./token.ts";

/** Options of {@link TokenReplayFilter}. */
export interface TokenReplayOptions {
  /** Tokens remembered at most (default 65 536; about 100 bytes each). */
  maxEntries?: number;
}

/** Counters of the filter. */
export interface TokenReplayCounters {
  /** Tokens seen for the first time. */
  firstUse: number;
  /** Repeated uses refused. */
  replays: number;
  /** Entries forgotten early because the filter was full. */
  evicted: number;
  /** Entries held now. */
  entries: number;
}

/** The bounded set of used tokens. */
export class TokenReplayFilter {
  readonly #seen = new Map<string, number>();
  readonly #max: number;
  /** Live counters. */
  readonly counters: TokenReplayCounters = { firstUse: 0, replays: 0, evicted: 0, entries: 0 };

  /** Throws `TypeError` for a bad size. */
  constructor(options: TokenReplayOptions = {}) {
    this.#max = options.maxEntries ?? 65536;
    if (!Number.isInteger(this.#max) || this.#max < 1) throw new TypeError("maxEntries must be an integer >= 1");
  }

  #key(token: Uint8Array): string {
    let key = "";
    const end = Math.min(token.length, TOKEN_NONCE_OFFSET + 12);
    for (let i = TOKEN_NONCE_OFFSET; i < end; i++) key += String.fromCharCode(token[i]);
    return key;
  }

  /** True when `token` was already used and has not expired at `now` (counts a replay). */
  used(token: Uint8Array, now: number): boolean {
    const until = this.#seen.get(this.#key(token));
    if (until !== undefined && until > now) {
      this.counters.replays++;
      return true;
    }
    return false;
  }

  /**
   * Records the use of `token` (keyed by its random nonce), remembered until `expiresAt` (ms). Call it
   * when the attempt is accepted: the datagrams of one multi-datagram ClientHello all carry the
   * same token.
   */
  markUsed(token: Uint8Array, expiresAt: number, now: number): void {
    const key = this.#key(token);
    this.#seen.delete(key);
    // Insertion order ~ expiry order: drop expired entries from the front, and the oldest when full.
    for (const [k, t] of this.#seen) {
      if (t > now && this.#seen.size < this.#max) break;
      this.#seen.delete(k);
      if (t > now) this.counters.evicted++;
    }
    this.#seen.set(key, expiresAt);
    this.counters.firstUse++;
    this.counters.entries = this.#seen.size;
  }
}
