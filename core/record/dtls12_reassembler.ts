/**
 * Bounded DTLS handshake-message reassembly (RFC 6347 §4.2.2, RFC 9147 §5.5): fragments with
 * 12-byte headers arrive out of order, duplicated and overlapping; whole messages come out in
 * message_seq order. Policy-free: it knows nothing of handshake states, only of message
 * numbers and byte budgets, so the gate and the engines can share it.
 *
 * Bounds: a message longer than `maxMessageBytes` is refused, at most `maxPendingMessages`
 * future messages are held, and they hold at most `maxBufferedBytes` bytes together.
 *
 * @module
 */
import { mergeByteRange } from "../wire/byte_ranges.ts";
import { DTLS_HANDSHAKE_HEADER_LENGTH, type DtlsHandshakeFragment, writeDtlsHandshakeHeader } from "../wire/handshake_header.ts";

/** Limits of a {@link HandshakeReassembler}. */
export interface HandshakeReassemblerOptions {
  /** message_seq of the first message expected. */
  readonly firstMessageSeq: number;
  /** Largest handshake message body accepted (default 65 536). */
  readonly maxMessageBytes?: number;
  /** Most messages buffered ahead of the next expected one, including it (default 8). */
  readonly maxPendingMessages?: number;
  /** Most body bytes buffered over all pending messages (default 131 072). */
  readonly maxBufferedBytes?: number;
}

/** A complete handshake message. */
export interface ReassembledMessage {
  /** HandshakeType. */
  readonly msgType: number;
  /** message_seq. */
  readonly messageSeq: number;
  /** The whole body. */
  readonly body: Uint8Array;
  /** The message as the DTLS 1.2 transcript hashes it: one 12-byte header, offset 0, fragment_length = length. */
  readonly transcriptBytes: Uint8Array;
}

/** What {@link HandshakeReassembler.add} did with a fragment. */
export type FragmentVerdict =
  /** Held (it may have completed the next message: call {@link HandshakeReassembler.next}). */
  | "accepted"
  /** A fragment of a message already delivered: a retransmission by the peer. */
  | "old"
  /** Bytes already held (an exact or covered duplicate). */
  | "duplicate"
  /** Too far ahead, too large, or over the byte budget: dropped, the peer will retransmit. */
  | "over-budget"
  /** Same message_seq with a different type or length than earlier fragments, or data that contradicts held bytes. */
  | "inconsistent";

interface Pending {
  msgType: number;
  /** The whole message as {@link ReassembledMessage.transcriptBytes}: header space, then the body. */
  message: Uint8Array;
  /** View of `message` after its 12-byte header. */
  body: Uint8Array;
  /** Sorted, disjoint, non-adjacent [start, end) ranges received, flat (core/wire/byte_ranges.ts). */
  ranges: number[];
}

function covered(ranges: readonly number[], start: number, end: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (ranges[i] <= start && end <= ranges[i + 1]) return true;
  return false;
}

/** Most disjoint ranges one message may have before it is dropped (a bound on hostile fragmenting). */
const MAX_RANGES = 64;

/** Reassembles one direction's handshake messages. */
export class HandshakeReassembler {
  readonly #maxMessage: number;
  readonly #maxPending: number;
  readonly #maxBytes: number;
  #nextSeq: number;
  #pending = new Map<number, Pending>();
  #buffered = 0;

  /** Throws `RangeError` on invalid limits. */
  constructor(options: HandshakeReassemblerOptions) {
    this.#nextSeq = options.firstMessageSeq;
    this.#maxMessage = options.maxMessageBytes ?? 65_536;
    this.#maxPending = options.maxPendingMessages ?? 8;
    this.#maxBytes = options.maxBufferedBytes ?? 131_072;
    if (!(this.#maxMessage >= 1 && this.#maxPending >= 1 && this.#maxBytes >= 1)) {
      throw new RangeError("hellogate: reassembler limits must be >= 1");
    }
  }

  /** message_seq of the next message {@link next} will return. */
  get nextMessageSeq(): number {
    return this.#nextSeq;
  }

  /** Body bytes currently held. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Offers one fragment (its body is copied when held). */
  add(fragment: DtlsHandshakeFragment): FragmentVerdict {
    const seq = fragment.messageSeq;
    if (seq < this.#nextSeq) return "old";
    if (seq >= this.#nextSeq + this.#maxPending || fragment.length > this.#maxMessage) return "over-budget";
    let p = this.#pending.get(seq);
    if (p) {
      if (p.msgType !== fragment.msgType || p.body.length !== fragment.length) return "inconsistent";
    } else {
      if (this.#buffered + fragment.length > this.#maxBytes) return "over-budget";
      const message = new Uint8Array(DTLS_HANDSHAKE_HEADER_LENGTH + fragment.length);
      p = { msgType: fragment.msgType, message, body: message.subarray(DTLS_HANDSHAKE_HEADER_LENGTH), ranges: [] };
      this.#pending.set(seq, p);
      this.#buffered += fragment.length;
    }
    const start = fragment.fragmentOffset, end = start + fragment.fragmentLength;
    if (fragment.length === 0) {
      p.ranges = [0, 0];
      return "accepted";
    }
    if (end === start) return "duplicate";
    // Overlapping bytes, whole or partial, must agree with what we hold.
    const duplicate = covered(p.ranges, start, end);
    const merged = mergeByteRange(p.body, p.ranges, start, fragment.body, MAX_RANGES);
    if (merged === "conflict") return "inconsistent";
    if (merged === "too-many-ranges") {
      this.#pending.delete(seq);
      this.#buffered -= p.body.length;
      return "over-budget";
    }
    p.ranges = merged;
    return duplicate ? "duplicate" : "accepted";
  }

  /** The next complete message in order, or `undefined` while it is incomplete. */
  next(): ReassembledMessage | undefined {
    const p = this.#pending.get(this.#nextSeq);
    if (!p) return undefined;
    const n = p.body.length;
    if (!(p.ranges.length === 2 && p.ranges[0] === 0 && p.ranges[1] === n)) return undefined;
    const seq = this.#nextSeq++;
    this.#pending.delete(seq);
    this.#buffered -= n;
    // The body was reassembled in place behind room for the header: no copy at delivery.
    writeDtlsHandshakeHeader(p.message, 0, p.msgType, n, seq, 0, n);
    return { msgType: p.msgType, messageSeq: seq, body: p.body, transcriptBytes: p.message };
  }
}
