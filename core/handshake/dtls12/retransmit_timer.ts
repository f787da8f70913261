/**
 * The DTLS retransmission timer (RFC 6347 §4.2.4, §4.2.4.1): armed when a flight is sent and
 * a reply is expected; 1 s initially, doubled on every expiry, capped at 60 s; after too many
 * expiries the handshake is abandoned. Pure arithmetic on injected time: the driver arms a
 * real timer from the `at` value the engine reports.
 *
 * @module
 */

/** Timer settings. */
export interface RetransmitTimerOptions {
  /** First timeout in milliseconds (default 1000). */
  readonly initialMs?: number;
  /** Largest timeout in milliseconds (default 60 000). */
  readonly maxMs?: number;
  /** Expiries tolerated before giving up (default 6: about two minutes with the 60 s cap). */
  readonly maxRetransmissions?: number;
}

/** One connection's retransmission timer. */
export class RetransmitTimer {
  readonly #initial: number;
  readonly #max: number;
  readonly #maxCount: number;
  #timeout: number;
  #due: number | undefined;
  #count = 0;

  /** Throws `RangeError` on non-positive settings. */
  constructor(options: RetransmitTimerOptions = {}) {
    this.#initial = options.initialMs ?? 1000;
    this.#max = options.maxMs ?? 60_000;
    this.#maxCount = options.maxRetransmissions ?? 6;
    if (!(this.#initial > 0 && this.#max >= this.#initial && this.#maxCount >= 0)) {
      throw new RangeError("hellogate: retransmit timer needs 0 < initialMs <= maxMs and maxRetransmissions >= 0");
    }
    this.#timeout = this.#initial;
  }

  /** When the timer fires (absolute ms), or `undefined` when stopped. */
  get due(): number | undefined {
    return this.#due;
  }

  /** Expiries so far for the current flight. */
  get retransmissions(): number {
    return this.#count;
  }

  /** Current timeout length in ms. */
  get timeoutMs(): number {
    return this.#timeout;
  }

  /** Arms the timer for a newly sent flight (resets the backoff). Returns the due time. */
  start(now: number): number {
    this.#timeout = this.#initial;
    this.#count = 0;
    this.#due = now + this.#timeout;
    return this.#due;
  }

  /**
   * Called when the timer is due: doubles the timeout (capped) and re-arms it. Returns the new
   * due time, or `undefined` when the retransmission budget is spent (the timer stops).
   */
  expire(now: number): number | undefined {
    if (this.#count >= this.#maxCount) {
      this.#due = undefined;
      return undefined;
    }
    this.#count++;
    this.#timeout = Math.min(this.#timeout * 2, this.#max);
    this.#due = now + this.#timeout;
    return this.#due;
  }

  /** Stops the timer (the expected reply arrived). */
  stop(): void {
    this.#due = undefined;
  }
}
