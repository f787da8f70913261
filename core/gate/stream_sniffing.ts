/**
 * Byte-stream framing helpers for {@link StreamListener}: reassembly of TLS handshake messages
 * (4-byte headers, RFC 8446 §4) from any chunking of their bytes, and recognition of streams
 * that are not TLS at all (HTTP requests, SSLv2-format hellos, SSH).
 *
 * Everything here is bounded: the assembler refuses a message longer than its cap as soon as the
 * 4-byte header is known, and grows its buffer only as bytes actually arrive.
 *
 * @module
 */
import { ContentType, HandshakeType } from "../constants/protocol.ts";

/** Size of a TLS handshake message header: msg_type(1) length(3). */
const HEADER = 4;

/** What {@link HandshakeAssembler.push} found. */
export type AssemblerStep =
  /** Every input byte was taken; the message is still incomplete. */
  | { readonly kind: "partial" }
  /**
   * A whole message (4-byte header included). `end` is the input offset just after it. The bytes
   * are a view: into the input when the message arrived in one piece, else into the assembler's
   * own buffer (which it then forgets, so the view stays valid).
   */
  | { readonly kind: "message"; readonly message: Uint8Array; readonly end: number }
  /** The message is not a ClientHello (`msgType` says what it is). */
  | { readonly kind: "not-client-hello"; readonly msgType: number }
  /** The header declares a message longer than the cap. */
  | { readonly kind: "too-large"; readonly length: number };

const PARTIAL: AssemblerStep = Object.freeze({ kind: "partial" });

/**
 * Reassembles one ClientHello handshake message (4-byte header) from arbitrarily split input.
 * Zero-copy when a whole message arrives in one piece; otherwise it copies into a buffer that
 * grows with the bytes received, never beyond `maxMessageBytes`.
 */
export class HandshakeAssembler {
  readonly #max: number;
  readonly #header: number[] = [0, 0, 0, 0];
  #headerFill = 0;
  /** Whole message length (header included), once the header is known. */
  #total = 0;
  #buf: Uint8Array | undefined;
  #fill = 0;

  /** `maxMessageBytes`: the largest message (4-byte header included) that will be held. */
  constructor(maxMessageBytes: number) {
    this.#max = maxMessageBytes;
  }

  /** Bytes currently held (header bytes included). */
  get held(): number {
    return this.#total === 0 ? this.#headerFill : this.#fill;
  }

  /** True while part of a message is held. */
  get inProgress(): boolean {
    return this.#headerFill > 0;
  }

  /** Bytes still missing from the current message (4 when nothing is held: at least a header). */
  get needed(): number {
    return this.#total === 0 ? HEADER - this.#headerFill : this.#total - this.#fill;
  }

  /** Forgets everything held (and releases the buffer). */
  reset(): void {
    this.#headerFill = 0;
    this.#total = 0;
    this.#buf = undefined;
    this.#fill = 0;
  }

  /**
   * Takes bytes from `src[from, src.length)` up to the end of the current message. Returns at
   * the first complete message or error, or `partial` when the input ran out.
   */
  push(src: Uint8Array, from: number): AssemblerStep {
    const n = src.length;
    // Fast path: nothing held and the whole message is in the input.
    if (this.#headerFill === 0 && n - from >= HEADER) {
      const type = src[from];
      const length = (src[from + 1] << 16) | (src[from + 2] << 8) | src[from + 3];
      if (type !== HandshakeType.client_hello) return { kind: "not-client-hello", msgType: type };
      if (HEADER + length > this.#max) return { kind: "too-large", length };
      if (n - from >= HEADER + length) {
        return { kind: "message", message: src.subarray(from, from + HEADER + length), end: from + HEADER + length };
      }
    }
    let p = from;
    if (this.#total === 0) {
      while (this.#headerFill < HEADER && p < n) this.#header[this.#headerFill++] = src[p++];
      if (this.#headerFill < HEADER) return PARTIAL;
      const h = this.#header;
      const length = (h[1] << 16) | (h[2] << 8) | h[3];
      if (h[0] !== HandshakeType.client_hello) return { kind: "not-client-hello", msgType: h[0] };
      if (HEADER + length > this.#max) return { kind: "too-large", length };
      this.#total = HEADER + length;
      this.#buf = new Uint8Array(Math.min(this.#total, Math.max(256, 2 * (n - p + HEADER))));
      this.#buf.set(h);
      this.#fill = HEADER;
    }
    const take = Math.min(this.#total - this.#fill, n - p);
    if (take > 0) {
      let buf = this.#buf!;
      if (this.#fill + take > buf.length) {
        const grown = new Uint8Array(Math.min(this.#total, Math.max(this.#fill + take, 2 * buf.length)));
        grown.set(buf.subarray(0, this.#fill));
        buf = this.#buf = grown;
      }
      buf.set(src.subarray(p, p + take), this.#fill);
      this.#fill += take;
      p += take;
    }
    if (this.#fill < this.#total) return PARTIAL;
    const message = this.#buf!.subarray(0, this.#total);
    this.reset();
    return { kind: "message", message, end: p };
  }
}

/** True for the record content types a TLS peer may send in plaintext (20-24). */
export function isTlsContentType(type: number): boolean {
  return type >= ContentType.change_cipher_spec && type <= ContentType.heartbeat;
}

/** Request-line starts of HTTP/1.x methods (first four bytes) and the HTTP/2 preface. */
const HTTP_PREFIXES: readonly (readonly [string, string])[] = [
  ["GET ", "GET"],
  ["POST", "POST"],
  ["PUT ", "PUT"],
  ["HEAD", "HEAD"],
  ["DELE", "DELETE"],
  ["OPTI", "OPTIONS"],
  ["PATC", "PATCH"],
  ["CONN", "CONNECT"],
  ["TRAC", "TRACE"],
];

function ascii(bytes: ArrayLike<number>, n: number): string {
  let s = "";
  for (let i = 0; i < n && i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/**
 * Names what a stream that does not start with a TLS record is, from its first bytes (at most
 * 4 are looked at): `HTTP request (GET)`, `HTTP/2 connection preface (PRI)`, `SSLv2-format
 * ClientHello`, `SSH`, or the first byte in hex.
 */
export function describeNonTls(bytes: ArrayLike<number>, n: number): string {
  const head = ascii(bytes, Math.min(n, 4));
  if (head === "PRI ") return "HTTP/2 connection preface (PRI), not TLS";
  for (const [p, name] of HTTP_PREFIXES) if (head === p) return `HTTP request (${name}), not TLS`;
  if (head === "SSH-") return "SSH protocol banner, not TLS";
  if (n >= 4 && (bytes[0] & 0x80) !== 0 && bytes[2] === 0x01 && bytes[3] === 0x03) {
    return "SSLv2-format ClientHello (RFC 6101 §E.2), not supported";
  }
  const b0 = bytes[0];
  const printable = b0 >= 0x20 && b0 < 0x7f ? ` ('${String.fromCharCode(b0)}')` : "";
  return `first byte 0x${b0.toString(16).padStart(2, "0")}${printable} is not a TLS record content type`;
}
