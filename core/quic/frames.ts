/**
 * The frames a client may put in an Initial packet (RFC 9000 §12.4, Table 3): PADDING, PING,
 * ACK (0x02/0x03), CRYPTO and CONNECTION_CLOSE (0x1c). Any other frame type in an Initial is a
 * PROTOCOL_VIOLATION, reported here as `forbidden-frame`. CRYPTO data stays a zero-copy view
 * into the decrypted payload.
 *
 * @module
 */
import { readVarint, writeVarint } from "./varint.ts";

/** One CRYPTO frame's data at its stream offset. */
export interface CryptoSegment {
  /** Offset in the Initial CRYPTO stream. */
  readonly offset: number;
  /** The bytes (view into the payload). */
  readonly data: Uint8Array;
}

/** A peer's CONNECTION_CLOSE. */
export interface PeerClose {
  /** Error code. */
  readonly code: number;
  /** Reason phrase (UTF-8, lossy). */
  readonly reason: string;
}

/** What an Initial payload contained. */
export interface InitialFrames {
  /** CRYPTO frames in payload order. */
  readonly crypto: CryptoSegment[];
  /** An ACK frame was present. */
  ack: boolean;
  /** A PING frame was present. */
  ping: boolean;
  /** PADDING bytes. */
  padding: number;
  /** The peer's CONNECTION_CLOSE, if any. */
  close: PeerClose | undefined;
}

/** Why a payload did not parse. */
export type FrameFailure = "bad-frame" | "forbidden-frame" | "empty-payload";

/** Most CRYPTO frames accepted in one packet (a bound on work per packet). */
export const MAX_CRYPTO_FRAMES_PER_PACKET = 64;

/** Parses an Initial packet's payload. Never throws. */
export function parseInitialFrames(p: Uint8Array): InitialFrames | FrameFailure {
  if (p.length === 0) return "empty-payload";
  const out: InitialFrames = { crypto: [], ack: false, ping: false, padding: 0, close: undefined };
  let at = 0;
  while (at < p.length) {
    const t = readVarint(p, at);
    if (!t) return "bad-frame";
    at = t.next;
    switch (t.value) {
      case 0x00: {
        out.padding++;
        while (at < p.length && p[at] === 0) {
          at++;
          out.padding++;
        }
        break;
      }
      case 0x01:
        out.ping = true;
        break;
      case 0x02:
      case 0x03: {
        // Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range, ranges, ECN counts.
        const fields: number[] = [];
        for (let i = 0; i < 4; i++) {
          const v = readVarint(p, at);
          if (!v || v.value < 0) return "bad-frame";
          fields.push(v.value);
          at = v.next;
        }
        const ranges = fields[2];
        if (ranges > (p.length - at) / 2) return "bad-frame";
        const extra = ranges * 2 + (t.value === 0x03 ? 3 : 0);
        for (let i = 0; i < extra; i++) {
          const v = readVarint(p, at);
          if (!v) return "bad-frame";
          at = v.next;
        }
        out.ack = true;
        break;
      }
      case 0x06: {
        const off = readVarint(p, at);
        if (!off || off.value < 0) return "bad-frame";
        const len = readVarint(p, off.next);
        if (!len || len.value < 0 || len.next + len.value > p.length) return "bad-frame";
        if (out.crypto.length >= MAX_CRYPTO_FRAMES_PER_PACKET) return "bad-frame";
        out.crypto.push({ offset: off.value, data: p.subarray(len.next, len.next + len.value) });
        at = len.next + len.value;
        break;
      }
      case 0x1c: {
        const code = readVarint(p, at);
        if (!code) return "bad-frame";
        const ft = readVarint(p, code.next);
        if (!ft) return "bad-frame";
        const rl = readVarint(p, ft.next);
        if (!rl || rl.value < 0 || rl.next + rl.value > p.length) return "bad-frame";
        let reason = "";
        for (let i = rl.next; i < rl.next + rl.value && i < rl.next + 256; i++) {
          const c = p[i];
          reason += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : "?";
        }
        out.close = { code: code.value, reason };
        at = rl.next + rl.value;
        break;
      }
      default:
        return "forbidden-frame";
    }
  }
  return out;
}

/** Transport error codes the listener sends (RFC 9000 §20.1). */
export const TransportError = {
  NO_ERROR: 0x00,
  CONNECTION_REFUSED: 0x02,
  PROTOCOL_VIOLATION: 0x0a,
  INVALID_TOKEN: 0x0b,
} as const;

/** Encodes a transport CONNECTION_CLOSE frame (type 0x1c) with an empty reason. */
export function encodeConnectionClose(code: number, frameType = 0): Uint8Array {
  const out = new Uint8Array(1 + 8 + 8 + 1);
  out[0] = 0x1c;
  let at = writeVarint(out, 1, code);
  at = writeVarint(out, at, frameType);
  out[at++] = 0; // reason phrase length
  return out.subarray(0, at);
}

/** Encodes a CRYPTO frame (used by tests and the scripted client). */
export function encodeCryptoFrame(offset: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + 8 + 8 + data.length);
  out[0] = 0x06;
  let at = writeVarint(out, 1, offset);
  at = writeVarint(out, at, data.length);
  out.set(data, at);
  return out.subarray(0, at + data.length);
}
