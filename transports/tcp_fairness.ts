/**
 * Fair sharing of the pending-handshake slots of a TCP listener, so that no single host can lock
 * everyone else out (issue 12): a per-source cap (an IPv4 address, or an IPv6 /64, counts as one
 * source), a global cap, and a global budget of bytes buffered for incomplete ClientHellos.
 *
 * When a cap is reached the newcomer is never refused: the *oldest idle* pending handshake is
 * closed to make room (the one that received nothing for the longest time) — for the per-source
 * cap, the oldest idle of that same source, once it has been idle for `minIdleBeforeEvictionMs`
 * (a burst of short connections from one address, e.g. a NAT, may run past the per-source cap
 * for that long: the global cap still bounds everything); for the global cap, the oldest idle of
 * the source holding the most slots (the longest idle among equally busy ones), whatever its age.
 * A flooder therefore only ever evicts its
 * own connections, while a real client, whose handshake is a few round trips of activity, keeps
 * its slot. When buffered bytes exceed the budget, the handshake holding the most bytes is closed.
 *
 * Slots are freed the moment the handshake ends (peer closed, accepted, rejected, evicted), not
 * when the socket has finished closing. Pure bookkeeping: no timers, no I/O; `O(1)` per event
 * except evictions under the global cap (linear in the number of sources) and over the budget
 * (linear in the number of pending handshakes).
 *
 * @module
 */
import { encodePeerBinding, PEER_BINDING_LENGTH, type PeerAddress } from "../core/peer.ts";

/** Default of {@link FairnessOptions.maxPendingHandshakes}. */
export const DEFAULT_MAX_PENDING_HANDSHAKES = 1024;
/** Default of {@link FairnessOptions.maxPendingPerSource}. */
export const DEFAULT_MAX_PENDING_PER_SOURCE = 128;
/** Default of {@link FairnessOptions.minIdleBeforeEvictionMs}. */
export const DEFAULT_MIN_IDLE_BEFORE_EVICTION_MS = 1000;
/** Default of {@link FairnessOptions.maxBufferedHandshakeBytes}: 8 MiB. */
export const DEFAULT_MAX_BUFFERED_HANDSHAKE_BYTES = 8 * 1024 * 1024;

/** The caps a {@link PendingHandshakes} table enforces. */
export interface FairnessOptions {
  /** Handshakes in progress at once, over all sources (default 1024). */
  maxPendingHandshakes?: number;
  /** Handshakes in progress at once from one source: an IPv4 address or an IPv6 /64 (default 128). */
  maxPendingPerSource?: number;
  /** Bytes buffered by all pending handshakes together (incomplete ClientHellos; default 8 MiB). */
  maxBufferedHandshakeBytes?: number;
  /**
   * The per-source cap closes a source's oldest handshake only once it has been idle this long
   * (default 1000 ms; 0 = at once); younger ones are admitted past it, within the global cap.
   */
  minIdleBeforeEvictionMs?: number;
}

/** One pending handshake. */
export interface PendingSlot {
  /** The source it counts against. */
  readonly source: string;
  /** Last time (ms) it received bytes, or when it connected. */
  lastActivity: number;
  /** Bytes it currently buffers (incomplete ClientHello). */
  buffered: number;
  /** Called once when the table closes this handshake to make room. */
  readonly evict: (reason: EvictionReason) => void;
  /** True once released. */
  released: boolean;
}

/** Why a pending handshake was closed to make room. */
export type EvictionReason = "evicted-idle" | "handshake-budget";

const SCRATCH = new Uint8Array(PEER_BINDING_LENGTH);

/**
 * The fairness key of a peer: `4:a.b.c.d` for IPv4 (IPv4-mapped IPv6 included), `6:` and the
 * first 64 bits in hex for IPv6, the raw text for anything unparsable.
 */
export function sourceKey(peer: PeerAddress): string {
  if (peer.family === "unspec") return "unspec";
  try {
    const b = encodePeerBinding(peer, SCRATCH);
    if (b[0] === 4) return `4:${b[13]}.${b[14]}.${b[15]}.${b[16]}`;
    let s = "6:";
    for (let i = 1; i < 9; i++) s += b[i].toString(16).padStart(2, "0");
    return s;
  } catch {
    return `?:${peer.address}`;
  }
}

function capOf(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 1)) throw new RangeError(`hellogate: ${name} must be >= 1`);
  return Math.floor(value);
}

/**
 * The table of pending handshakes with per-source and global caps and a byte budget. Both the
 * whole table and each source keep their slots in least-recently-active order (a `Map`'s
 * insertion order, refreshed on activity), so the oldest idle is the first entry.
 */
export class PendingHandshakes {
  /** Global cap. */
  readonly maxPending: number;
  /** Per-source cap. */
  readonly maxPerSource: number;
  /** Byte budget. */
  readonly maxBuffered: number;
  /** See {@link FairnessOptions.minIdleBeforeEvictionMs}. */
  readonly minIdleMs: number;
  readonly #all = new Map<PendingSlot, true>();
  readonly #bySource = new Map<string, Map<PendingSlot, true>>();
  #buffered = 0;

  /** Validates the caps; throws `RangeError` for a cap below 1. */
  constructor(options: FairnessOptions = {}) {
    this.maxPending = capOf(options.maxPendingHandshakes, DEFAULT_MAX_PENDING_HANDSHAKES, "maxPendingHandshakes");
    this.maxPerSource = capOf(options.maxPendingPerSource, DEFAULT_MAX_PENDING_PER_SOURCE, "maxPendingPerSource");
    this.maxBuffered = capOf(
      options.maxBufferedHandshakeBytes,
      DEFAULT_MAX_BUFFERED_HANDSHAKE_BYTES,
      "maxBufferedHandshakeBytes",
    );
    const minIdle = options.minIdleBeforeEvictionMs ?? DEFAULT_MIN_IDLE_BEFORE_EVICTION_MS;
    if (!(minIdle >= 0)) throw new RangeError("hellogate: minIdleBeforeEvictionMs must be >= 0");
    this.minIdleMs = minIdle;
  }

  /** Handshakes in progress. */
  get size(): number {
    return this.#all.size;
  }

  /** Bytes buffered by pending handshakes. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Sources with at least one pending handshake. */
  get sources(): number {
    return this.#bySource.size;
  }

  /** Pending handshakes of `peer`'s source. */
  pendingFrom(peer: PeerAddress): number {
    return this.#bySource.get(sourceKey(peer))?.size ?? 0;
  }

  /**
   * Makes room for a new handshake from `peer` (evicting as needed) and registers it. `evict` is
   * called (synchronously, at most once) if the table later closes it to make room.
   */
  admit(peer: PeerAddress, now: number, evict: (reason: EvictionReason) => void): PendingSlot {
    const source = sourceKey(peer);
    let mine = this.#bySource.get(source);
    while (mine && mine.size >= this.maxPerSource) {
      const oldest = first(mine);
      if (now - oldest.lastActivity < this.minIdleMs) break; // a burst: the global cap still holds
      this.#evict(oldest, "evicted-idle");
    }
    while (this.#all.size >= this.maxPending) this.#evict(this.#globalVictim(), "evicted-idle");
    const slot: PendingSlot = { source, lastActivity: now, buffered: 0, evict, released: false };
    mine = this.#bySource.get(source);
    if (!mine) this.#bySource.set(source, mine = new Map());
    mine.set(slot, true);
    this.#all.set(slot, true);
    return slot;
  }

  /**
   * The handshake received bytes at `now` and now buffers `buffered` bytes: refresh its place
   * and enforce the byte budget (which may evict this very slot: check `slot.released`).
   */
  activity(slot: PendingSlot, now: number, buffered: number): void {
    if (slot.released) return;
    slot.lastActivity = now;
    this.#all.delete(slot);
    this.#all.set(slot, true);
    const mine = this.#bySource.get(slot.source)!;
    mine.delete(slot);
    mine.set(slot, true);
    this.#buffered += buffered - slot.buffered;
    slot.buffered = buffered;
    while (this.#buffered > this.maxBuffered && this.#all.size > 0) {
      let victim = slot;
      for (const s of this.#all.keys()) if (s.buffered > victim.buffered) victim = s;
      this.#evict(victim, "handshake-budget");
    }
  }

  /** The handshake ended (accepted, rejected, peer closed): free its slot. Idempotent. */
  release(slot: PendingSlot): void {
    if (slot.released) return;
    slot.released = true;
    this.#all.delete(slot);
    this.#buffered -= slot.buffered;
    slot.buffered = 0;
    const mine = this.#bySource.get(slot.source);
    if (mine) {
      mine.delete(slot);
      if (mine.size === 0) this.#bySource.delete(slot.source);
    }
  }

  /** A snapshot of the pending slots, least recently active first. */
  slots(): PendingSlot[] {
    return [...this.#all.keys()];
  }

  /** The oldest idle slot of the busiest source; among equally busy sources, the longest idle. */
  #globalVictim(): PendingSlot {
    let victim: PendingSlot | undefined, size = 0;
    for (const m of this.#bySource.values()) {
      const oldest = first(m);
      if (m.size > size || (m.size === size && oldest.lastActivity < victim!.lastActivity)) {
        victim = oldest;
        size = m.size;
      }
    }
    return victim!;
  }

  #evict(slot: PendingSlot, reason: EvictionReason): void {
    this.release(slot);
    try {
      slot.evict(reason);
    } catch { /* the callback must not break the table */ }
  }
}

function first(m: Map<PendingSlot, true>): PendingSlot {
  return m.keys().next().value!;
}
