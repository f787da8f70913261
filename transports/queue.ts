/**
 * A bounded single-consumer async queue: producers push synchronously, consumers
 * `for await`. Closing lets the consumer drain what is buffered, then ends iteration.
 *
 * @module
 */

/** Bounded FIFO that is also an `AsyncIterable`. */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #head = 0;
  #waiters: ((r: IteratorResult<T, undefined>) => void)[] = [];
  #closed = false;
  readonly #limit: number;

  /** `limit` caps buffered items; pushes beyond it are refused. */
  constructor(limit: number = Infinity) {
    this.#limit = limit;
  }

  /** Items buffered and not yet consumed. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Adds an item; returns false (item not taken) when closed or full. */
  push(item: T): boolean {
    if (this.#closed) return false;
    const waiter = this.#waiters.shift();
    if (waiter) {
      waiter({ value: item, done: false });
      return true;
    }
    if (this.size >= this.#limit) return false;
    this.#items.push(item);
    return true;
  }

  /** Ends the queue: buffered items are still delivered, then iteration ends. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w({ value: undefined, done: true });
  }

  /** Ends the queue and discards buffered items; returns them. */
  drainAndClose(): T[] {
    const rest = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    this.close();
    return rest;
  }

  /** The next item, or `done` once closed and empty. */
  next(): Promise<IteratorResult<T, undefined>> {
    if (this.#head < this.#items.length) {
      const value = this.#items[this.#head];
      this.#items[this.#head++] = undefined as T;
      if (this.#head > 64 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Iterates until the queue is closed and drained. Breaking out does not close the queue. */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return {
      next: () => this.next(),
      return: () => Promise.resolve({ value: undefined, done: true }),
    };
  }
}
