/**
 * The DTLS anti-replay sliding window (RFC 6347 §4.1.2.6): a bitmap of the last 64 record
 * sequence numbers seen in one epoch. A record is checked with {@link ReplayWindow.isFresh}
 * before it is authenticated and marked with {@link ReplayWindow.mark} only after its
 * authentication succeeded, so forged records cannot move the window.
 *
 * @module
 */

/** Width of the window (the RFC's suggested minimum is 32; 64 is what implementations use). */
export const REPLAY_WINDOW_SIZE = 64;

/** One epoch's replay window. Sequence numbers are 48-bit, exact in a JS number. */
export class ReplayWindow {
  /** Highest sequence number marked so far (-1 before the first). */
  #top = -1;
  /** seen[seq % 64] === 1 when `seq` (within the window) was marked. */
  readonly #seen = new Uint8Array(REPLAY_WINDOW_SIZE);

  /** Highest sequence number accepted so far (-1 when none). */
  get highest(): number {
    return this.#top;
  }

  /** False when `seq` is a duplicate or lies to the left of the window (too old to tell). */
  isFresh(seq: number): boolean {
    if (seq > this.#top) return true;
    if (this.#top - seq >= REPLAY_WINDOW_SIZE) return false;
    return this.#seen[seq % REPLAY_WINDOW_SIZE] === 0;
  }

  /** Records `seq` as received (call after the record authenticated). */
  mark(seq: number): void {
    if (seq > this.#top) {
      const advance = seq - this.#top;
      if (advance >= REPLAY_WINDOW_SIZE) this.#seen.fill(0);
      else for (let s = this.#top + 1; s < seq; s++) this.#seen[s % REPLAY_WINDOW_SIZE] = 0;
      this.#top = seq;
    } else if (this.#top - seq >= REPLAY_WINDOW_SIZE) {
      return;
    }
    this.#seen[seq % REPLAY_WINDOW_SIZE] = 1;
  }
}
