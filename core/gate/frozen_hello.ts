/**
 * The digest of a ClientHello's frozen parts: what RFC 8446 §4.1.2 forbids ClientHello2 to change
 * after a HelloRetryRequest. A stateless server cannot compare CH2 with a CH1 it did not keep, so
 * the HRR cookie carries this digest of CH1 and CH2 must produce the same one.
 *
 * RFC 8446 §4.1.2 lets CH2 differ from CH1 only by: key_share (replaced by one share of the group
 * the HRR asked for), early_data (removed), cookie (added), pre_shared_key (updated) and padding
 * (added, removed or resized). Everything else stays, in order. The digest therefore covers:
 *
 * - the fixed part, as raw bytes: legacy_version, random, legacy_session_id, (DTLS) the
 *   legacy_cookie, cipher_suites and compression_methods, each with its length prefix;
 * - CH1's length fields (handshake length, extensions length), which the cookie carries (the body
 *   length, 3 bytes): the input is then CH1's 4-byte-header message with the excluded extensions
 *   cut out. When CH1 has no excluded extension (most cookie-only HRRs) that is exactly the input
 *   of Hash(CH1), and both come from one SHA-256 pass ({@link hashAndFreeze}); otherwise they
 *   share the pass up to the first excluded extension;
 * - every extension except the five above (and `encrypted_client_hello`, see below), each as its
 *   raw type, length and data, in wire order: GREASE included, a reordering changes the digest;
 * - after a cookie-only HRR (no group requested), key_share too: RFC 8446 §4.1.2 allows
 *   replacing the shares only "if a key_share extension was supplied in the HelloRetryRequest".
 *
 * Excluded extensions are skipped wherever they sit, so a client that inserts the cookie in the
 * middle of its list (Chromium shuffles its extensions once per connection and puts the cookie
 * among them) still matches. Every included piece is self-delimiting (length-prefixed fields,
 * type-length-value extensions) and the sequence is parsed left to right, so two different
 * frozen parts cannot feed the same bytes to the hash.
 *
 * `encrypted_client_hello` (0xfe0d) is left out on purpose: with real ECH the outer
 * ClientHello2 carries a new ECH payload (draft-ietf-tls-esni §6.1.5, `enc` empty), and a
 * server without ECH must still complete that handshake on the outer hello; GREASE ECH is copied
 * unchanged (§6.2), which the exclusion also accepts.
 *
 * Why 11 bytes (88 bits) of SHA-256: the check enforces protocol conformance, it is not what
 * authenticates the handshake. The digest lives inside the MACed cookie, so only the client that
 * sent CH1 chooses what CH2 is compared with. An honest client's changed CH2 slips through with
 * probability 2^-88. A dishonest client that searches for two ClientHellos with the same
 * truncated digest needs about 2^44 SHA-256 evaluations and gains nothing it could not get by
 * sending the second hello as its first: the server negotiates from CH2, and the transcript
 * starts from Hash(CH1) of the CH1 the client itself sent. An on-path attacker cannot use a
 * collision either: it would need a second preimage of an honest client's CH1 (2^88), and any
 * change it makes to CH1 or CH2 already breaks both Finished messages. Eleven bytes (plus the
 * 3-byte length) rather than sixteen keep the HRR within the size of even a small key-share-less
 * DTLS 1.3 ClientHello1 (amplification at most 1x): the cookie is 78 bytes with SHA-256 and no
 * application data.
 *
 * @module
 */
import type { ClientHello } from "../messages/client_hello.ts";
import { ExtensionType } from "../constants/extensions.ts";
import { absorb, pad, SHA256_IV_I32, writeU32 } from "../crypto/sha256.ts";

/** Length of the frozen-parts digest. */
export const FROZEN_DIGEST_LENGTH = 11;
/** Length of the cookie field {@link hashAndFreeze} writes: CH1's body length (3 bytes) and the digest. */
export const FROZEN_FIELD_LENGTH = 3 + FROZEN_DIGEST_LENGTH;

/** A SHA-256 computation in progress over scattered ranges (scratch, reused: no allocation). */
class Sha256Run {
  readonly state = new Int32Array(8);
  readonly block = new Uint8Array(64);
  pos = 0;
  length = 0;
  reset(): void {
    this.state.set(SHA256_IV_I32);
    this.pos = 0;
    this.length = 0;
  }
  copyFrom(o: Sha256Run): void {
    this.state.set(o.state);
    this.block.set(o.block);
    this.pos = o.pos;
    this.length = o.length;
  }
  update(src: Uint8Array, start: number, end: number): void {
    this.pos = absorb(this.state, this.block, this.pos, src, start, end);
    this.length += end - start;
  }
  /** Finishes (FIPS 180-4 padding) and writes the first `n` bytes of the digest to `out[at..)`. */
  finish(out: Uint8Array, at: number, n: number): void {
    const state = this.state;
    pad(state, this.block, this.pos, this.length);
    for (let i = 0; i < 8; i++) writeU32(DIGEST, i * 4, state[i]);
    out.set(DIGEST.subarray(0, n), at);
  }
}

const A = new Sha256Run();
const B = new Sha256Run();
const DIGEST = new Uint8Array(32);
const HDR = new Uint8Array(4);
const EXT_LEN = new Uint8Array(2);

/**
 * True for extensions RFC 8446 §4.1.2 lets ClientHello2 change (plus ECH, see the module
 * comment); key_share too unless it is frozen (after a cookie-only HRR).
 */
function excluded(type: number, keyShareFrozen: boolean): boolean {
  return type === ExtensionType.early_data || type === ExtensionType.cookie ||
    type === ExtensionType.pre_shared_key || type === ExtensionType.padding ||
    type === ExtensionType.encrypted_client_hello || (type === ExtensionType.key_share && !keyShareFrozen);
}

function setHeader(length: number): void {
  HDR[0] = 1; // client_hello
  HDR[1] = length >>> 16;
  HDR[2] = (length >>> 8) & 0xff;
  HDR[3] = length & 0xff;
}

/**
 * ClientHello1, one pass: writes Hash(CH1) (SHA-256 over the 4-byte-header message, RFC 8446
 * §4.4.1) to `hashOut[0, 32)` and the cookie field — CH1's body length (3 bytes) and its frozen
 * digest — to `frozenOut[0, 14)`. `keyShareFrozen`: the HRR requests no group (cookie-only).
 */
export function hashAndFreeze(ch: ClientHello, keyShareFrozen: boolean, hashOut: Uint8Array, frozenOut: Uint8Array): void {
  const b = ch.body, n = b.length, ext = ch.offsets.extensions;
  setHeader(n);
  A.reset();
  A.update(HDR, 0, 4);
  A.update(b, 0, ext < n ? ext + 2 : n);
  let forked = false;
  for (const e of ch.extensions) {
    const start = e.offset;
    const end = start + 4 + ((b[start + 2] << 8) | b[start + 3]);
    if (excluded(e.type, keyShareFrozen)) {
      if (!forked) {
        B.copyFrom(A);
        forked = true;
      }
    } else if (forked) {
      B.update(b, start, end);
    }
    A.update(b, start, end);
  }
  A.finish(hashOut, 0, 32);
  frozenOut[0] = n >>> 16;
  frozenOut[1] = (n >>> 8) & 0xff;
  frozenOut[2] = n & 0xff;
  if (forked) B.finish(frozenOut, 3, FROZEN_DIGEST_LENGTH);
  else frozenOut.set(hashOut.subarray(0, FROZEN_DIGEST_LENGTH), 3);
}

/** Writes the cookie field (CH1's body length and frozen digest) without Hash(CH1) (for SHA-384 suites). */
export function writeFrozenField(ch: ClientHello, keyShareFrozen: boolean, frozenOut: Uint8Array): void {
  const n = ch.body.length;
  frozenOut[0] = n >>> 16;
  frozenOut[1] = (n >>> 8) & 0xff;
  frozenOut[2] = n & 0xff;
  writeFrozenDigest(ch, keyShareFrozen, n, frozenOut, 3);
}

/**
 * Writes the frozen digest of `ch` as if its length fields were CH1's (`ch1Length`, the body
 * length the cookie carries) into `out[at, at + 11)`: for ClientHello2, compare with the
 * cookie's. Allocates nothing.
 */
export function writeFrozenDigest(
  ch: ClientHello,
  keyShareFrozen: boolean,
  ch1Length: number,
  out: Uint8Array,
  at: number,
): void {
  const b = ch.body, ext = ch.offsets.extensions;
  setHeader(ch1Length);
  B.reset();
  B.update(HDR, 0, 4);
  B.update(b, 0, ext);
  if (ext < b.length) {
    const extLen = (ch1Length - ext - 2) & 0xffff;
    EXT_LEN[0] = extLen >>> 8;
    EXT_LEN[1] = extLen & 0xff;
    B.update(EXT_LEN, 0, 2);
  }
  for (const e of ch.extensions) {
    if (excluded(e.type, keyShareFrozen)) continue;
    const start = e.offset;
    B.update(b, start, start + 4 + ((b[start + 2] << 8) | b[start + 3]));
  }
  B.finish(out, at, FROZEN_DIGEST_LENGTH);
}

/** The frozen digest of `ch` with its own length fields, as a new 11-byte array (tests, tools). */
export function frozenDigest(ch: ClientHello, keyShareFrozen: boolean): Uint8Array {
  const out = new Uint8Array(FROZEN_DIGEST_LENGTH);
  writeFrozenDigest(ch, keyShareFrozen, ch.body.length, out, 0);
  return out;
}
