/**
 * What long-running commands report periodically: rates since the last report (datagrams/s,
 * HVR/s, HRR/s), totals (accepted, drops with the top reasons) and handshakes in progress. A
 * one-line live status on a terminal, or `{"event":"stats",...}` lines with `--json --stats N`.
 *
 * @module
 */
import type { TransportCounters } from "../transports/counters.ts";
import type { CountersSnapshot } from "../transports/counters.ts";

/** One periodic report. */
export interface StatsSample {
  /** Seconds covered by the rates. */
  readonly intervalSeconds: number;
  /** Datagrams fed to the UDP gate since start. */
  readonly datagrams: number;
  /** Datagrams per second over the interval. */
  readonly datagramsPerSecond: number;
  /** HelloVerifyRequests per second over the interval. */
  readonly hvrPerSecond: number;
  /** HelloRetryRequests per second over the interval. */
  readonly hrrPerSecond: number;
  /** Handshakes started and not yet accepted or closed. */
  readonly handshakesInProgress: number;
  /** `serve`: TLS handshakes completed since start. */
  readonly handshakesCompleted?: number;
  /** `serve`: TLS handshakes that failed after the gate since start. */
  readonly handshakesFailed?: number;
  /** The counters at this moment. */
  readonly counters: CountersSnapshot;
}

/** Accumulates what the counters do not hold (datagrams, handshakes in progress) and samples rates. */
export class LiveStats {
  /** Datagrams fed to the UDP gate. */
  datagrams = 0;
  /** Where "handshakes in progress" comes from (the listener's own count); 0 when unset. */
  inProgressSource: (() => number) | undefined;
  /** When set, more counters merged into every sample (e.g. handshakes completed). */
  extra: (() => Record<string, number>) | undefined;
  readonly #counters: TransportCounters;
  #last: { at: number; datagrams: number; hvr: number; hrr: number };

  /** Starts sampling at time `now` (ms). */
  constructor(counters: TransportCounters, now: number) {
    this.#counters = counters;
    this.#last = { at: now, datagrams: 0, hvr: counters.hvrSent, hrr: counters.hrrSent };
  }

  /** Rates since the previous sample (or the start) and the current totals. */
  sample(now: number): StatsSample {
    const c = this.#counters;
    const seconds = Math.max((now - this.#last.at) / 1000, 1e-3);
    const rate = (n: number) => Math.round((n / seconds) * 10) / 10;
    const s: StatsSample = {
      intervalSeconds: Math.round(seconds * 1000) / 1000,
      datagrams: this.datagrams,
      datagramsPerSecond: rate(this.datagrams - this.#last.datagrams),
      hvrPerSecond: rate(c.hvrSent - this.#last.hvr),
      hrrPerSecond: rate(c.hrrSent - this.#last.hrr),
      handshakesInProgress: this.inProgressSource?.() ?? 0,
      ...this.extra?.(),
      counters: c.snapshot(),
    };
    this.#last = { at: now, datagrams: this.datagrams, hvr: c.hvrSent, hrr: c.hrrSent };
    return s;
  }
}

/** The `{"event":"stats",...}` JSON line for a sample. */
export function statsJson(s: StatsSample): Record<string, unknown> {
  return { event: "stats", ...s };
}

/** The one-line live status, e.g. `120 datagrams/s  HVR 100/s  HRR 20/s  accepted 7  dropped 3 (bad-record 2, ...)  in progress 1`. */
export function statsLine(s: StatsSample): string {
  const top = Object.entries(s.counters.dropped).sort((a, b) => b[1] - a[1]).slice(0, 2);
  const more = Object.keys(s.counters.dropped).length > top.length ? ", ..." : "";
  const drops = top.length ? ` (${top.map(([k, v]) => `${k} ${v}`).join(", ")}${more})` : "";
  return `${s.datagramsPerSecond} datagrams/s  HVR ${s.hvrPerSecond}/s  HRR ${s.hrrPerSecond}/s  ` +
    `accepted ${s.counters.accepted}  dropped ${s.counters.droppedTotal}${drops}  in progress ${s.handshakesInProgress}`;
}
