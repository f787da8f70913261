/**
 * Time for the transports: the current time and one-shot timers, injectable so tests drive
 * idle and handshake timeouts with a {@link ManualClock} instead of sleeping.
 *
 * @module
 */

/** A clock: `now()` in milliseconds since the Unix epoch, and cancellable one-shot timers. */
export interface Clock {
  /** Current time, milliseconds since the Unix epoch. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds; returns a function that cancels the timer. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** The real clock: `Date.now()` and `setTimeout`. */
export const systemClock: Clock = Object.freeze({
  now: (): number => Date.now(),
  setTimer(ms: number, fn: () => void): () => void {
    const handle = setTimeout(fn, ms);
    return () => clearTimeout(handle);
  },
});

interface PendingTimer {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A clock that only moves when told to: {@link ManualClock.advance} runs every timer that
 * falls due, in order. For tests.
 *
 * @example
 * ```ts
 * import { ManualClock } from "@hellogate/hellogate/transports";
 * const clock = new ManualClock(1_700_000_000_000);
 * let fired = false;
 * clock.setTimer(1000, () => { fired = true; });
 * clock.advance(1000);
 * console.log(fired); // true
 * ```
 */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: PendingTimer[] = [];

  /** Starts at `start` milliseconds since the epoch. */
  constructor(start = 0) {
    this.#now = start;
  }

  /** Current (manual) time in milliseconds. */
  now(): number {
    return this.#now;
  }

  /** Schedules `fn` at `now() + ms`. */
  setTimer(ms: number, fn: () => void): () => void {
    const timer: PendingTimer = { due: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      const i = this.#timers.indexOf(timer);
      if (i >= 0) this.#timers.splice(i, 1);
    };
  }

  /** Number of timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing due timers (including ones they schedule) in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: PendingTimer | undefined;
      for (const t of this.#timers) {
        if (t.due <= target && (!next || t.due < next.due || (t.due === next.due && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
    }
    this.#now = target;
  }
}
