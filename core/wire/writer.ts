/**
 * A growable big-endian byte writer with length-prefixed vectors.
 *
 * Writers are used only for bytes we produce (replies, test flights); they throw a plain
 * `RangeError` for caller mistakes such as a vector longer than its prefix allows.
 *
 * @module
 */

/** Appends big-endian integers and byte strings to an internal buffer. */
export class Writer {
  #buf: Uint8Array;
  #len = 0;

  /** Starts with `capacity` bytes; grows by doubling. */
  constructor(capacity = 256) {
    this.#buf = new Uint8Array(capacity);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }

  #ensure(n: number): void {
    const need = this.#len + n;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  /** Writes one byte. */
  u8(v: number): this {
    this.#ensure(1);
    this.#buf[this.#len++] = v;
    return this;
  }

  /** Writes a big-endian 16-bit integer. */
  u16(v: number): this {
    this.#ensure(2);
    const b = this.#buf, p = this.#len;
    b[p] = v >>> 8;
    b[p + 1] = v;
    this.#len = p + 2;
    return this;
  }

  /** Writes a big-endian 24-bit integer. */
  u24(v: number): this {
    this.#ensure(3);
    const b = this.#buf, p = this.#len;
    b[p] = v >>> 16;
    b[p + 1] = v >>> 8;
    b[p + 2] = v;
    this.#len = p + 3;
    return this;
  }

  /** Writes a big-endian 32-bit integer. */
  u32(v: number): this {
    this.#ensure(4);
    const b = this.#buf, p = this.#len;
    b[p] = v >>> 24;
    b[p + 1] = v >>> 16;
    b[p + 2] = v >>> 8;
    b[p + 3] = v;
    this.#len = p + 4;
    return this;
  }

  /** Writes a big-endian 48-bit integer (0 .. 2^48-1). */
  u48(v: number): this {
    const hi = Math.floor(v / 0x1_0000_0000);
    this.u16(hi);
    return this.u32(v >>> 0);
  }

  /** Appends raw bytes. */
  bytes(data: Uint8Array): this {
    this.#ensure(data.length);
    this.#buf.set(data, this.#len);
    this.#len += data.length;
    return this;
  }

  /** Appends a vector with a `prefix`-byte length (RFC 8446 §3.4), checking that it fits. */
  vector(prefix: 1 | 2 | 3, data: Uint8Array): this {
    const max = prefix === 1 ? 0xff : prefix === 2 ? 0xffff : 0xffffff;
    if (data.length > max) throw new RangeError(`vector of ${data.length} bytes exceeds ${prefix}-byte prefix`);
    if (prefix === 1) this.u8(data.length);
    else if (prefix === 2) this.u16(data.length);
    else this.u24(data.length);
    return this.bytes(data);
  }

  /**
   * Writes a vector whose body is produced by `body`; the length prefix is patched afterwards.
   */
  nested(prefix: 1 | 2 | 3, body: (w: this) => void): this {
    const at = this.#len;
    this.#ensure(prefix);
    this.#len += prefix;
    body(this);
    const len = this.#len - at - prefix;
    const max = prefix === 1 ? 0xff : prefix === 2 ? 0xffff : 0xffffff;
    if (len > max) throw new RangeError(`nested vector of ${len} bytes exceeds ${prefix}-byte prefix`);
    const b = this.#buf;
    if (prefix === 1) b[at] = len;
    else if (prefix === 2) {
      b[at] = len >>> 8;
      b[at + 1] = len;
    } else {
      b[at] = len >>> 16;
      b[at + 1] = len >>> 8;
      b[at + 2] = len;
    }
    return this;
  }

  /** Returns a copy of the written bytes, exactly `length` long. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}
