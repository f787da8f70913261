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
 * Why 12 bytes (96 bits) of SHA-256: the check enforces protocol conformance, it is not what
 * authenticates the handshake. The digest lives inside the MACed cookie, so only the client that
 * sent CH1 chooses what CH2 is compared with. An honest client's changed CH2 slips through with
 * probability 2^-96. A dishonest client that searches for two ClientHellos with the same
 * truncated digest needs about 2^48 SHA-256 evaluations and gains nothing it could not get by
 * sending the second hello as its first: the server negotiates from CH2, and the transcript
 * starts from Hash(CH1) of the CH1 the client itself sent. An on-path attacker cannot use a
 * collision either: it would need a second preimage of an honest client's CH1 (2^96), and any
 * change it makes to CH1 or CH2 already breaks both Finished messages. Twelve bytes rather than
 * sixteen keep the HRR within the size of even a small key-share-less DTLS 1.3 ClientHello1
 * (amplification at most 1x): the cookie is 76 bytes with SHA-256 and no application data.
 *
 * @module
 */
import type { ClientHello } from "../messages/client_hello.ts";
import { ExtensionType } from "../constants/extensions.ts";
import { absorb, compress, SHA256_IV_I32, writeU32 } from "../crypto/sha256.ts";

/** Length of the frozen-parts digest carried in HRR cookies. */
export const FROZEN_DIGEST_LENGTH = 12;

const STATE = new Int32Array(8);
const BLOCK = new Uint8Array(64);

/**
 * True for extensions RFC 8446 §4.1.2 lets ClientHello2 change (plus ECH, see the module
 * comment). key_share is handled separately: it is frozen after a cookie-only HRR.
 */
function mayChange(type: number): boolean {
  return type === ExtensionType.early_data || type === ExtensionType.cookie ||
    type === ExtensionType.pre_shared_key || type === ExtensionType.padding ||
    type === ExtensionType.encrypted_client_hello;
}

/**
 * Writes the 12-byte truncated SHA-256 of `ch`'s frozen parts into `out[at, at + 12)`.
 * `keyShareFrozen`: include key_share (true after, or for, a cookie-only HRR). Allocates nothing.
 */
export function writeFrozenDigest(ch: ClientHello, keyShareFrozen: boolean, out: Uint8Array, at: number): void {
  const b = ch.body, state = STATE, block = BLOCK;
  state.set(SHA256_IV_I32);
  const fixedEnd = ch.offsets.extensions;
  let pos = absorb(state, block, 0, b, 0, fixedEnd);
  let length = fixedEnd;
  for (const e of ch.extensions) {
    const t = e.type;
    if (mayChange(t) || (t === ExtensionType.key_share && !keyShareFrozen)) continue;
    const start = e.offset;
    const end = start + 4 + ((b[start + 2] << 8) | b[start + 3]);
    pos = absorb(state, block, pos, b, start, end);
    length += end - start;
  }
  block[pos++] = 0x80;
  if (pos > 56) {
    block.fill(0, pos);
    compress(state, block, 0);
    pos = 0;
  }
  block.fill(0, pos, 56);
  const bits = length * 8;
  writeU32(block, 56, Math.floor(bits / 0x100000000));
  writeU32(block, 60, bits >>> 0);
  compress(state, block, 0);
  for (let i = 0; i < FROZEN_DIGEST_LENGTH / 4; i++) writeU32(out, at + i * 4, state[i]);
}

/** The frozen-parts digest of `ch` as a new 12-byte array (see {@link writeFrozenDigest}). */
export function frozenDigest(ch: ClientHello, keyShareFrozen: boolean): Uint8Array {
  const out = new Uint8Array(FROZEN_DIGEST_LENGTH);
  writeFrozenDigest(ch, keyShareFrozen, out, 0);
  return out;
}
