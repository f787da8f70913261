/**
 * How transport events look on stdout: one JSON object per line (`--json`, the stable contract
 * documented in cli.ts and README.md) or one human line, plus the counter summary.
 *
 * @module
 */
import { formatPeer } from "../core/peer.ts";
import type { TransportCounters, TransportEvent } from "../transports/counters.ts";

/** The JSON-lines form of a transport event (`sent` | `accepted` | `dropped` | `closed`). */
export function eventJson(e: TransportEvent): Record<string, unknown> {
  const o: Record<string, unknown> = { event: e.event, transport: e.transport, peer: formatPeer(e.peer) };
  if ("protocol" in e && e.protocol) o.protocol = e.protocol;
  if (e.event === "sent") {
    o.message = e.message;
    if (e.reason) o.reason = e.reason;
  }
  if (e.event === "dropped" || e.event === "closed") {
    o.reason = e.reason;
    o.detail = e.detail;
  }
  o.bytesIn = e.bytesIn;
  o.bytesOut = e.bytesOut;
  return o;
}

const MESSAGE_TEXT: Record<string, string> = {
  hello_verify_request: "HVR",
  hello_retry_request: "HRR",
  alert: "alert",
};

/** The human one-line form of a transport event. */
export function eventText(e: TransportEvent): string {
  const peer = formatPeer(e.peer);
  switch (e.event) {
    case "sent":
      return `${MESSAGE_TEXT[e.message]} sent to ${peer} (${e.protocol}, ${e.bytesIn} B in, ${e.bytesOut} B out${
        e.reason ? `, ${e.reason}` : ""
      })`;
    case "accepted":
      return `accepted ${e.protocol} with peer ${peer} (${e.transport})`;
    case "dropped":
      return `dropped ${e.transport} input from ${peer}: ${e.reason} (${e.detail})`;
    case "closed":
      return `closed ${e.transport} ${peer}: ${e.reason} (${e.detail})`;
  }
}

/** The totals line printed when `listen` stops (text mode). */
export function counterLine(c: TransportCounters): string {
  return `HVR ${c.hvrSent}  HRR ${c.hrrSent}  alerts ${c.alertsSent}  accepted ${c.accepted}  dropped ${c.droppedTotal}  ` +
    `in ${c.bytesIn} B  out ${c.bytesOut} B  amplification ${c.amplification.toFixed(2)}x`;
}
