/**
 * The bounded pre-validation reassembly budget for fragmented DTLS ClientHellos.
 *
 * A ClientHello that needs to be whole before it can be answered (a DTLS 1.3 CH1, whose hash
 * goes into the cookie; a CH2 whose cookie lies past its first fragment) is held here until all
 * its fragments arrive (RFC 9147 §5.5: they may overlap and come out of order). Nothing here is
 * verified — the peer address may be spoofed — so every limit is hard:
 *
 * - one message per peer (a new message from the same peer replaces the old one);
 * - `maxMessageBytes` per message (per-address cap);
 * - `maxTotalBytes` for everything held, each entry charged its full message length plus a fixed
 *   overhead, so many tiny messages cannot exhaust memory either; when full the oldest entry is
 *   evicted (a flood only ever displaces other unverified state, and a real client's fragments,
 *   arriving within milliseconds of each other, complete before they are old);
 * - `expiryMs` after the first fragment an entry is dropped.
 *
 * No cryptography runs on a partial message. Overlapping bytes must agree with what is held;
 * a conflict drops the entry, so a spoofer can at worst delay a reassembly, never alter it.
 *
 * @module
 */
import { mergeByteRange } from "../wire/byte_ranges.ts";

/** Limits of the reassembly budget. */
export interface ReassemblyOptions {
  /** Bytes held across all peers, overhead included (default 1 MiB). */
  readonly maxTotalBytes?: number;
  /** Largest ClientHello held, i.e. the per-peer cap (default 8 KiB; post-quantum CHs are ~1.5-2 KiB). */
  readonly maxMessageBytes?: number;
  /** Lifetime of a partial message after its first fragment (default 2000 ms). */
  readonly expiryMs?: number;
}

/** Most disjoint byte ranges a partial message may consist of before it is dropped. */
export const MAX_RANGES = 32;

/** Fixed cost charged per held message on top of its length (object, map entry, range list). */
export const ENTRY_OVERHEAD_BYTES = 256;

/** Counters of the budget, readable at any time. */
export interface ReassemblyCounters {
  /** Fragments stored (or merged) into a partial message. */
  fragmentsHeld: number;
  /** Messages completed. */
  completed: number;
  /** Entries evicted to make room (oldest first). */
  evicted: number;
  /** Entries dropped on expiry. */
  expired: number;
  /** Entries replaced by a newer message from the same peer. */
  replaced: number;
  /** Fragments refused (too large, conflicting, disabled). */
  refused: number;
  /** Bytes currently charged. */
  bytesInUse: number;
  /** Highest `bytesInUse` seen. */
  peakBytes: number;
  /** Messages currently held. */
  entries: number;
}

interface Entry {
  readonly peerKey: string;
  readonly msgType: number;
  readonly messageSeq: number;
  readonly length: number;
  readonly expires: number;
  readonly buf: Uint8Array;
  /** Sorted, disjoint, non-adjacent [start, end) pairs already received. */
  ranges: number[];
  /** Datagram bytes contributed (for the amplification bound). */
  bytesIn: number;
  /** Record sequence number of the record carrying fragment offset 0, or -1 until seen. */
  firstRecordSequence: number;
}

/** One fragment offered to the budget. */
export interface FragmentInput {
  /** Handshake type. */
  readonly msgType: number;
  /** message_seq. */
  readonly messageSeq: number;
  /** Whole message length. */
  readonly length: number;
  /** fragment_offset. */
  readonly fragmentOffset: number;
  /** The fragment bytes. */
  readonly body: Uint8Array;
  /** Sequence number of the record that carried it. */
  readonly recordSequence: number;
}

/** Result of {@link ReassemblyBudget.add}. */
export type ReassemblyResult =
  | {
    readonly kind: "complete";
    /** The whole message body. */
    readonly body: Uint8Array;
    /** Datagram bytes the peer sent for this message (the `bytesIn` of all adds). */
    readonly bytesIn: number;
    /** Record sequence of the fragment at offset 0. */
    readonly firstRecordSequence: number;
  }
  | { readonly kind: "held"; readonly bytesNeeded: number }
  | { readonly kind: "refused"; readonly detail: string };

/** Bounded store of partial ClientHellos keyed by peer. */
export class ReassemblyBudget {
  readonly #entries = new Map<string, Entry>();
  readonly #maxTotal: number;
  readonly #maxMessage: number;
  readonly #expiryMs: number;
  /** Live counters. */
  readonly counters: ReassemblyCounters = {
    fragmentsHeld: 0,
    completed: 0,
    evicted: 0,
    expired: 0,
    replaced: 0,
    refused: 0,
    bytesInUse: 0,
    peakBytes: 0,
    entries: 0,
  };

  /** Creates a budget; throws `RangeError` for negative or non-finite limits. */
  constructor(options: ReassemblyOptions = {}) {
    this.#maxTotal = options.maxTotalBytes ?? 1 << 20;
    this.#maxMessage = options.maxMessageBytes ?? 8192;
    this.#expiryMs = options.expiryMs ?? 2000;
    for (const [k, v] of [["maxTotalBytes", this.#maxTotal], ["maxMessageBytes", this.#maxMessage], ["expiryMs", this.#expiryMs]] as const) {
      if (!Number.isFinite(v) || v < 0) throw new RangeError(`reassembly ${k} must be a finite number >= 0`);
    }
  }

  /** False when the budget holds nothing at all (`maxTotalBytes` 0): OpenSSL's strict behaviour. */
  get enabled(): boolean {
    return this.#maxTotal > 0 && this.#maxMessage > 0;
  }

  /** The per-message cap. */
  get maxMessageBytes(): number {
    return this.#maxMessage;
  }

  #remove(key: string, e: Entry): void {
    this.#entries.delete(key);
    this.counters.bytesInUse -= e.length + ENTRY_OVERHEAD_BYTES;
    this.counters.entries--;
  }

  /** True when a partial message from `peerKey` is held. */
  holds(peerKey: string): boolean {
    return this.#entries.has(peerKey);
  }

  /** Drops the partial message of `peerKey` with `messageSeq`, if held. */
  discard(peerKey: string, messageSeq: number): void {
    const e = this.#entries.get(peerKey);
    if (e && e.messageSeq === messageSeq) this.#remove(peerKey, e);
  }

  /** Drops expired entries (oldest first; insertion order is creation order). */
  sweep(now: number): void {
    for (const [key, e] of this.#entries) {
      if (e.expires > now) break;
      this.#remove(key, e);
      this.counters.expired++;
    }
  }

  /**
   * Adds one fragment from `peerKey`. `datagramBytes` is what this datagram contributes toward
   * the amplification bound (count it once per datagram).
   */
  add(peerKey: string, f: FragmentInput, datagramBytes: number, now: number): ReassemblyResult {
    this.sweep(now);
    const c = this.counters;
    if (!this.enabled) {
      c.refused++;
      return { kind: "refused", detail: "reassembly disabled" };
    }
    if (f.length > this.#maxMessage) {
      c.refused++;
      return { kind: "refused", detail: `message of ${f.length} bytes exceeds ${this.#maxMessage}` };
    }
    const cost = f.length + ENTRY_OVERHEAD_BYTES;
    if (cost > this.#maxTotal) {
      c.refused++;
      return { kind: "refused", detail: "message larger than the whole budget" };
    }
    let e = this.#entries.get(peerKey);
    if (e && (e.msgType !== f.msgType || e.messageSeq !== f.messageSeq || e.length !== f.length)) {
      this.#remove(peerKey, e);
      c.replaced++;
      e = undefined;
    }
    if (!e) {
      while (c.bytesInUse + cost > this.#maxTotal) {
        const oldest = this.#entries.entries().next().value!;
        this.#remove(oldest[0], oldest[1]);
        c.evicted++;
      }
      e = {
        peerKey,
        msgType: f.msgType,
        messageSeq: f.messageSeq,
        length: f.length,
        expires: now + this.#expiryMs,
        buf: new Uint8Array(f.length),
        ranges: [],
        bytesIn: 0,
        firstRecordSequence: -1,
      };
      this.#entries.set(peerKey, e);
      c.entries++;
      c.bytesInUse += cost;
      if (c.bytesInUse > c.peakBytes) c.peakBytes = c.bytesInUse;
    }
    const merged = mergeByteRange(e.buf, e.ranges, f.fragmentOffset, f.body, MAX_RANGES);
    if (typeof merged === "string") {
      this.#remove(peerKey, e);
      c.refused++;
      return { kind: "refused", detail: "fragment conflicts with bytes held, or too many gaps" };
    }
    e.ranges = merged;
    e.bytesIn += datagramBytes;
    if (f.fragmentOffset === 0) e.firstRecordSequence = f.recordSequence;
    c.fragmentsHeld++;
    if (e.ranges.length === 2 && e.ranges[0] === 0 && e.ranges[1] === e.length) {
      this.#remove(peerKey, e);
      c.completed++;
      return { kind: "complete", body: e.buf, bytesIn: e.bytesIn, firstRecordSequence: e.firstRecordSequence };
    }
    let have = 0;
    for (let i = 0; i < e.ranges.length; i += 2) have += e.ranges[i + 1] - e.ranges[i];
    return { kind: "held", bytesNeeded: e.length - have };
  }
}
