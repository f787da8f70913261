/**
 * The TLS handshake-message assembler (RFC 8446 §4): whole handshake messages (4-byte header:
 * msg_type(1) length(3)) from handshake-record payloads or a QUIC CRYPTO stream, whatever their
 * split. Policy-free: it enforces only its size cap, checked as soon as a header is known, and
 * grows its buffer only as bytes arrive. Used by the stateless gate and the TLS 1.3 engine.
 *
 * @example
 * ```ts
 * import { TlsHandshakeAssembler } from "./tls_handshake_assembler.ts";
 * const asm = new TlsHandshakeAssembler();
 * asm.push(new Uint8Array([20, 0, 0, 2, 0xaa]));
 * asm.next(); // { kind: "need-data", bytesNeeded: 1 }
 * asm.push(new Uint8Array([0xbb]));
 * asm.next(); // { kind: "message", msgType: 20, body: aa bb, message: 14 00 00 02 aa bb }
 * ```
 *
 * @module
 */
import { ByteQueue } from "./byte_queue.ts";
import { TLS_HANDSHAKE_HEADER_LENGTH } from "../wire/handshake_header.ts";

/** Default cap on a whole message (header included): 64 KiB, room for post-quantum ClientHellos and long chains. */
export const DEFAULT_MAX_MESSAGE_BYTES = 65536;

/** One whole handshake message; `message` (header + body) is what the transcript hashes. Views: copy to keep. */
export interface HandshakeMessageRead {
  /** Discriminant. */
  readonly kind: "message";
  /** HandshakeType. */
  readonly msgType: number;
  /** The body (after the 4-byte header). */
  readonly body: Uint8Array;
  /** Header and body. */
  readonly message: Uint8Array;
}

/** What {@link TlsHandshakeAssembler.next} returns. */
export type HandshakeStep =
  | HandshakeMessageRead
  /** The next message is incomplete. */
  | { readonly kind: "need-data"; readonly bytesNeeded: number }
  /** A header declares a message longer than the cap. Sticky. */
  | {
    readonly kind: "error";
    readonly reason: "message-too-large";
    readonly detail: string;
    readonly msgType: number;
    readonly length: number;
  };

/** Options of a {@link TlsHandshakeAssembler}. */
export interface TlsHandshakeAssemblerOptions {
  /** Largest message accepted, 4-byte header included (default {@link DEFAULT_MAX_MESSAGE_BYTES}). */
  readonly maxMessageBytes?: number;
}

/** Reassembles TLS handshake messages. */
export class TlsHandshakeAssembler {
  readonly #q = new ByteQueue();
  readonly #max: number;
  #failed: HandshakeStep | undefined;

  /** Throws `RangeError` for a cap below 4. */
  constructor(options: TlsHandshakeAssemblerOptions = {}) {
    this.#max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(this.#max) || this.#max < TLS_HANDSHAKE_HEADER_LENGTH) {
      throw new RangeError("maxMessageBytes must be an integer >= 4");
    }
  }

  /** Bytes held (part of a message, or messages not read yet). */
  get buffered(): number {
    return this.#q.length;
  }

  /** The type of the next message once its first byte is known. */
  get pendingType(): number | undefined {
    return this.#q.length > 0 ? this.#q.at(0) : undefined;
  }

  /** The next message's declared total length (header included) once its header is known. */
  get pendingLength(): number | undefined {
    const q = this.#q;
    if (q.length < TLS_HANDSHAKE_HEADER_LENGTH) return undefined;
    return TLS_HANDSHAKE_HEADER_LENGTH + ((q.at(1) << 16) | (q.at(2) << 8) | q.at(3));
  }

  /** Appends handshake bytes. */
  push(bytes: Uint8Array): void {
    this.#q.push(bytes);
  }

  /** The next whole message, or why there is none. */
  next(): HandshakeStep {
    if (this.#failed) return this.#failed;
    const q = this.#q;
    const avail = q.length;
    if (avail < TLS_HANDSHAKE_HEADER_LENGTH) {
      q.settle();
      return { kind: "need-data", bytesNeeded: TLS_HANDSHAKE_HEADER_LENGTH - avail };
    }
    const total = this.pendingLength!;
    if (total > this.#max) {
      const msgType = q.at(0), length = total - TLS_HANDSHAKE_HEADER_LENGTH;
      return this.#failed = {
        kind: "error",
        reason: "message-too-large",
        detail: `handshake message type ${msgType} of ${length} bytes exceeds ${this.#max - TLS_HANDSHAKE_HEADER_LENGTH}`,
        msgType,
        length,
      };
    }
    if (avail < total) {
      q.settle();
      return { kind: "need-data", bytesNeeded: total - avail };
    }
    const message = q.take(total);
    return { kind: "message", msgType: message[0], body: message.subarray(TLS_HANDSHAKE_HEADER_LENGTH), message };
  }

  /** Removes and returns every byte held (a copy). */
  drain(): Uint8Array {
    return this.#q.takeAll().slice();
  }

  /** Forgets everything held. */
  clear(): void {
    this.#q.clear();
  }
}
