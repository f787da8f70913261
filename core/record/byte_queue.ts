/**
 * The input buffer the stream readers share: bytes pushed in any chunking, read front to back.
 * Zero-copy while a whole unit lies inside the chunk last pushed; only a partial unit left over at
 * the end of a chunk is copied, into a buffer that grows geometrically (so a peer dribbling one
 * byte at a time costs O(n), not O(n²)).
 *
 * Views returned by {@link ByteQueue.take} point into the pushed chunk or into the queue's own
 * buffer; the queue never writes into a region it has handed out, so a view stays valid until
 * the caller reuses the chunk it pushed.
 *
 * @module
 */

const EMPTY = new Uint8Array(0);

/** A FIFO of bytes with cheap reads from the front. */
export class ByteQueue {
  /** Current input: a caller's chunk (not owned) or our buffer (owned). */
  #in: Uint8Array = EMPTY;
  #pos = 0;
  #end = 0;
  #owned = false;

  /** Bytes held and not yet read. */
  get length(): number {
    return this.#end - this.#pos;
  }

  /** Appends `chunk`. The queue keeps a view of it until it is read or {@link settle}d. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#pos === this.#end) {
      this.#in = chunk;
      this.#pos = 0;
      this.#end = chunk.length;
      this.#owned = false;
      return;
    }
    const held = this.#end - this.#pos;
    const need = held + chunk.length;
    if (this.#owned && this.#pos + need <= this.#in.length) {
      this.#in.set(chunk, this.#end);
      this.#end += chunk.length;
      return;
    }
    const buf = new Uint8Array(Math.max(need, this.#owned ? 2 * this.#in.length : need));
    buf.set(this.#in.subarray(this.#pos, this.#end));
    buf.set(chunk, held);
    this.#in = buf;
    this.#pos = 0;
    this.#end = need;
    this.#owned = true;
  }

  /** The byte at `offset` from the front (caller checks `offset < length`). */
  at(offset: number): number {
    return this.#in[this.#pos + offset];
  }

  /** A view of the next `n` bytes without consuming them (caller checks `n <= length`). */
  peek(n: number): Uint8Array {
    return this.#in.subarray(this.#pos, this.#pos + n);
  }

  /** Consumes and returns the next `n` bytes as a view (caller checks `n <= length`). */
  take(n: number): Uint8Array {
    const v = this.#in.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return v;
  }

  /** Consumes everything held and returns it as a view. */
  takeAll(): Uint8Array {
    return this.take(this.#end - this.#pos);
  }

  /**
   * Makes the queue independent of the caller's chunk: bytes still held are copied into an
   * owned buffer. Readers call it before reporting that they need more data.
   */
  settle(): void {
    if (this.#owned) return;
    if (this.#pos === this.#end) {
      this.#in = EMPTY;
      this.#pos = this.#end = 0;
      return;
    }
    const held = this.#in.slice(this.#pos, this.#end);
    this.#in = held;
    this.#pos = 0;
    this.#end = held.length;
    this.#owned = true;
  }

  /** Forgets everything and releases the buffer. */
  clear(): void {
    this.#in = EMPTY;
    this.#pos = this.#end = 0;
    this.#owned = false;
  }
}
