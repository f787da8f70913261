/**
 * Bounded reassembly of the Initial CRYPTO stream before the client's address is validated.
 *
 * A post-quantum ClientHello (Chromium's X25519MLKEM768 share alone is 1216 bytes) does not fit
 * in one 1200-byte Initial datagram: its CRYPTO frames span two datagrams, in any order, and
 * clients also split and shuffle CRYPTO frames inside one packet. The listener first tries to
 * assemble the ClientHello from one datagram alone (no state at all); only when a part is
 * missing does it hold what it has here, under hard limits, because nothing here is verified
 * (the source address may be spoofed):
 *
 * - one entry per (peer, Destination Connection ID);
 * - `maxMessageBytes` per entry (no CRYPTO byte past that offset is held);
 * - `maxTotalBytes` across all entries, each charged its buffer plus a fixed overhead; when
 *   full, the oldest entries are evicted (a flood only displaces other unverified state);
 * - `expiryMs` after its first segment an entry is dropped;
 * - at most {@link MAX_CRYPTO_RANGES} disjoint ranges per entry.
 *
 * Overlapping bytes must agree with what is held; a conflict drops the entry.
 *
 * @module
 */
import { mergeByteRange } from "../wire/byte_ranges.ts";
import type { CryptoSegment } from "./frames.ts";

/** Limits of the CRYPTO reassembly budget. */
export interface CryptoReassemblyOptions {
  /** Bytes held across all peers, overhead included (default 512 KiB: ~340 partial post-quantum
   * ClientHellos, and the measured heap under a spoofed flood stays under 1 MiB). */
  readonly maxTotalBytes?: number;
  /** Largest ClientHello (handshake header included) held per entry (default 16 KiB). */
  readonly maxMessageBytes?: number;
  /** Lifetime of a partial ClientHello (default 2000 ms). */
  readonly expiryMs?: number;
}

/** Most disjoint byte ranges per entry. */
export const MAX_CRYPTO_RANGES = 32;
/** Fixed cost charged per entry on top of its buffer. */
export const CRYPTO_ENTRY_OVERHEAD_BYTES = 256;

/** Live counters of the budget. */
export interface CryptoReassemblyCounters {
  /** ClientHellos completed from one datagram without holding anything. */
  completedStateless: number;
  /** ClientHellos completed from held parts. */
  completedHeld: number;
  /** Entries evicted to make room. */
  evicted: number;
  /** Entries expired. */
  expired: number;
  /** Segments refused. */
  refused: number;
  /** Bytes charged now. */
  bytesInUse: number;
  /** Highest `bytesInUse` seen. */
  peakBytes: number;
  /** Entries held now. */
  entries: number;
}

/** Result of {@link CryptoReassembly.add}. */
export type CryptoAssembly =
  | {
    readonly kind: "complete";
    /** The whole ClientHello handshake message (4-byte header included), a fresh copy. */
    readonly message: Uint8Array;
    /** Datagram bytes the peer sent for it (all parts). */
    readonly bytesIn: number;
    /** Datagrams that carried it. */
    readonly datagrams: number;
  }
  | { readonly kind: "held"; readonly bytesHeld: number }
  | { readonly kind: "refused"; readonly detail: string };

interface Entry {
  buf: Uint8Array;
  ranges: number[];
  bytesIn: number;
  datagrams: number;
  readonly expires: number;
}

/** Merges `segments` into `e`, growing its buffer up to `limit`; a reason string when refused. */
function merge(e: Entry, segments: readonly CryptoSegment[], limit: number): true | string {
  for (const s of segments) {
    if (s.data.length === 0) continue;
    const start = s.offset, end = s.offset + s.data.length;
    if (end > limit) return `CRYPTO data past ${limit} bytes`;
    if (end > e.buf.length) {
      const grown = new Uint8Array(Math.min(limit, Math.max(end, e.buf.length * 2)));
      grown.set(e.buf);
      e.buf = grown;
    }
    const merged = mergeByteRange(e.buf, e.ranges, start, s.data, MAX_CRYPTO_RANGES);
    if (merged === "conflict") return "CRYPTO data conflicts with bytes held";
    if (merged === "too-many-ranges") return "too many CRYPTO gaps";
    e.ranges = merged;
  }
  return true;
}

/** `complete` when `[0, 4 + length)` is covered, `held` when not yet, a string when invalid. */
function check(e: Entry, limit: number): Uint8Array | "held" | string {
  const r = e.ranges;
  if (r.length === 0 || r[0] !== 0 || r[1] < 4) return "held";
  if (e.buf[0] !== 1) return `first handshake message is type ${e.buf[0]}, not ClientHello`;
  const total = 4 + ((e.buf[1] << 16) | (e.buf[2] << 8) | e.buf[3]);
  if (total > limit) return `ClientHello of ${total} bytes exceeds ${limit}`;
  return r[1] >= total ? e.buf.slice(0, total) : "held";
}

/** The bounded store of partial ClientHellos. */
export class CryptoReassembly {
  readonly #entries = new Map<string, Entry>();
  readonly #maxTotal: number;
  readonly #maxMessage: number;
  readonly #expiryMs: number;
  /** Live counters. */
  readonly counters: CryptoReassemblyCounters = {
    completedStateless: 0,
    completedHeld: 0,
    evicted: 0,
    expired: 0,
    refused: 0,
    bytesInUse: 0,
    peakBytes: 0,
    entries: 0,
  };

  /** Creates a budget; throws `RangeError` for negative or non-finite limits. */
  constructor(options: CryptoReassemblyOptions = {}) {
    this.#maxTotal = options.maxTotalBytes ?? 512 * 1024;
    this.#maxMessage = options.maxMessageBytes ?? 16384;
    this.#expiryMs = options.expiryMs ?? 2000;
    for (const [k, v] of [["maxTotalBytes", this.#maxTotal], ["maxMessageBytes", this.#maxMessage], ["expiryMs", this.#expiryMs]] as const) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`CRYPTO reassembly ${k} must be a finite number >= 0`);
    }
  }

  #remove(key: string, e: Entry): void {
    this.#entries.delete(key);
    this.counters.bytesInUse -= e.buf.length + CRYPTO_ENTRY_OVERHEAD_BYTES;
    this.counters.entries--;
  }

  /** Drops expired entries (insertion order is creation order). */
  sweep(now: number): void {
    for (const [key, e] of this.#entries) {
      if (e.expires > now) break;
      this.#remove(key, e);
      this.counters.expired++;
    }
  }

  /** True when something is held for `key`. */
  holds(key: string): boolean {
    return this.#entries.has(key);
  }

  /**
   * Adds one datagram's CRYPTO segments for `key` (peer + DCID). `datagramBytes` counts toward
   * the amplification bound of the completed ClientHello.
   */
  add(key: string, segments: readonly CryptoSegment[], datagramBytes: number, now: number): CryptoAssembly {
    this.sweep(now);
    const c = this.counters;
    const held = this.#entries.get(key);
    // Fast path: complete from this datagram alone, nothing stored.
    if (!held) {
      const scratch: Entry = { buf: new Uint8Array(0), ranges: [], bytesIn: datagramBytes, datagrams: 1, expires: 0 };
      const m = merge(scratch, segments, this.#maxMessage);
      if (m !== true) {
        c.refused++;
        return { kind: "refused", detail: m };
      }
      const done = check(scratch, this.#maxMessage);
      if (done instanceof Uint8Array) {
        c.completedStateless++;
        return { kind: "complete", message: done, bytesIn: datagramBytes, datagrams: 1 };
      }
      if (done !== "held") {
        c.refused++;
        return { kind: "refused", detail: done };
      }
      const cost = scratch.buf.length + CRYPTO_ENTRY_OVERHEAD_BYTES;
      if (cost > this.#maxTotal) {
        c.refused++;
        return { kind: "refused", detail: "reassembly budget too small" };
      }
      // Reserve the full per-entry cap up front would waste memory; charge what is held and let
      // growth be charged when it happens.
      while (c.bytesInUse + cost > this.#maxTotal && this.#entries.size > 0) {
        const [k, e] = this.#entries.entries().next().value!;
        this.#remove(k, e);
        c.evicted++;
      }
      const entry: Entry = { ...scratch, buf: scratch.buf.slice(), expires: now + this.#expiryMs };
      this.#entries.set(key, entry);
      c.entries++;
      c.bytesInUse += cost;
      if (c.bytesInUse > c.peakBytes) c.peakBytes = c.bytesInUse;
      return { kind: "held", bytesHeld: entry.buf.length };
    }
    const before = held.buf.length;
    const m = merge(held, segments, this.#maxMessage);
    if (m !== true) {
      this.#remove(key, held);
      // the buffer may have grown before the failure: uncharge the old size only
      c.bytesInUse += held.buf.length - before;
      c.refused++;
      return { kind: "refused", detail: m };
    }
    held.bytesIn += datagramBytes;
    held.datagrams++;
    const grownBy = held.buf.length - before;
    c.bytesInUse += grownBy;
    if (grownBy > 0) {
      // Stay within the global cap: evict others (oldest first), never the entry being grown.
      for (const [k, e] of this.#entries) {
        if (c.bytesInUse <= this.#maxTotal) break;
        if (k === key) continue;
        this.#remove(k, e);
        c.evicted++;
      }
      if (c.bytesInUse > this.#maxTotal) {
        this.#remove(key, held);
        c.refused++;
        return { kind: "refused", detail: "reassembly budget exhausted" };
      }
    }
    if (c.bytesInUse > c.peakBytes) c.peakBytes = c.bytesInUse;
    const done = check(held, this.#maxMessage);
    if (done instanceof Uint8Array) {
      this.#remove(key, held);
      c.completedHeld++;
      return { kind: "complete", message: done, bytesIn: held.bytesIn, datagrams: held.datagrams };
    }
    if (done !== "held") {
      this.#remove(key, held);
      c.refused++;
      return { kind: "refused", detail: done };
    }
    return { kind: "held", bytesHeld: held.buf.length };
  }
}
