/**
 * DTLS 1.2 record protection for the AEAD suites (RFC 6347 §4.1.2.1, RFC 5246 §6.2.3.3,
 * RFC 5288 §3, RFC 7905 §2):
 *
 * - AES-GCM: nonce = 4-byte implicit salt (the key block's write IV) || 8-byte explicit nonce;
 *   the explicit nonce is sent in front of the ciphertext and we use epoch || sequence for it.
 * - ChaCha20-Poly1305: nonce = 12-byte write IV XOR (zero-padded epoch || sequence); nothing
 *   explicit on the wire.
 * - AAD (both) = epoch(2) || sequence(6) || type(1) || version(2) || plaintext length(2).
 *
 * Opening never throws on remote input: a record that does not authenticate yields `undefined`
 * (the caller drops it silently, RFC 6347 §4.1.2.7).
 *
 * @module
 */
import type { Aead, AeadName, CryptoProvider } from "../crypto/provider.ts";
import { DTLS_RECORD_HEADER_LENGTH, writeDtlsRecordHeader } from "../wire/record.ts";

/** AEAD tag length for every suite here. */
export const DTLS12_AEAD_TAG_LENGTH = 16;

/** Keys of one direction of one epoch. Contains secrets: keep it out of logs. */
export interface Dtls12TrafficKeys {
  /** The AEAD algorithm. */
  readonly aead: AeadName;
  /** The write key. */
  readonly key: Uint8Array;
  /** The write IV: 4 bytes for AES-GCM (implicit salt), 12 for ChaCha20-Poly1305. */
  readonly iv: Uint8Array;
}

/** Bytes a protected record adds to its plaintext (explicit nonce + tag). */
export function dtls12RecordOverhead(aead: AeadName): number {
  return (aead === "chacha20-poly1305" ? 0 : 8) + DTLS12_AEAD_TAG_LENGTH;
}

function writeSeq(out: Uint8Array, at: number, epoch: number, seq: number): void {
  const hi = Math.floor(seq / 0x1_0000_0000);
  const lo = seq >>> 0;
  out[at] = epoch >>> 8;
  out[at + 1] = epoch;
  out[at + 2] = hi >>> 8;
  out[at + 3] = hi;
  out[at + 4] = lo >>> 24;
  out[at + 5] = lo >>> 16;
  out[at + 6] = lo >>> 8;
  out[at + 7] = lo;
}

function additionalData(epoch: number, seq: number, type: number, version: number, length: number): Uint8Array {
  const aad = new Uint8Array(13);
  writeSeq(aad, 0, epoch, seq);
  aad[8] = type;
  aad[9] = version >>> 8;
  aad[10] = version;
  aad[11] = length >>> 8;
  aad[12] = length;
  return aad;
}

/** Seals and opens the records of one direction under one epoch's keys. */
export class Dtls12RecordCipher {
  /** Algorithm in use. */
  readonly aead: AeadName;
  readonly #cipher: Aead;
  readonly #iv: Uint8Array;

  /** Keys the AEAD once. Throws on a key or IV of the wrong length (misuse). */
  constructor(provider: CryptoProvider, keys: Dtls12TrafficKeys) {
    const ivLength = keys.aead === "chacha20-poly1305" ? 12 : 4;
    if (keys.iv.length !== ivLength) throw new RangeError(`${keys.aead} needs a ${ivLength}-byte write IV`);
    this.aead = keys.aead;
    this.#cipher = provider.aead(keys.aead, keys.key);
    this.#iv = keys.iv.slice();
  }

  /** AES-GCM: salt || epoch || sequence. ChaCha20-Poly1305: IV XOR (0000 || epoch || sequence). */
  #nonce(epoch: number, seq: number): Uint8Array {
    const nonce = new Uint8Array(12);
    writeSeq(nonce, 4, epoch, seq);
    if (this.aead === "chacha20-poly1305") for (let i = 0; i < 12; i++) nonce[i] ^= this.#iv[i];
    else nonce.set(this.#iv);
    return nonce;
  }

  /** Bytes this cipher adds to a record's plaintext. */
  get overhead(): number {
    return dtls12RecordOverhead(this.aead);
  }

  /** A whole protected record (13-byte header included). */
  seal(type: number, version: number, epoch: number, seq: number, plaintext: Uint8Array): Uint8Array {
    const nonce = this.#nonce(epoch, seq);
    const sealed = this.#cipher.seal(nonce, additionalData(epoch, seq, type, version, plaintext.length), plaintext);
    const explicit = this.aead === "chacha20-poly1305" ? 0 : 8;
    const length = explicit + sealed.length;
    const out = new Uint8Array(DTLS_RECORD_HEADER_LENGTH + length);
    writeDtlsRecordHeader(out, 0, type, version, epoch, seq, length);
    if (explicit) out.set(nonce.subarray(4), DTLS_RECORD_HEADER_LENGTH);
    out.set(sealed, DTLS_RECORD_HEADER_LENGTH + explicit);
    return out;
  }

  /**
   * The plaintext of a protected record's fragment (what follows the 13-byte header), or
   * `undefined` when it is too short or does not authenticate.
   */
  open(type: number, version: number, epoch: number, seq: number, fragment: Uint8Array): Uint8Array | undefined {
    let nonce: Uint8Array;
    let ciphertext: Uint8Array;
    if (this.aead === "chacha20-poly1305") {
      if (fragment.length < DTLS12_AEAD_TAG_LENGTH) return undefined;
      nonce = this.#nonce(epoch, seq);
      ciphertext = fragment;
    } else {
      if (fragment.length < 8 + DTLS12_AEAD_TAG_LENGTH) return undefined;
      nonce = new Uint8Array(12);
      nonce.set(this.#iv);
      nonce.set(fragment.subarray(0, 8), 4);
      ciphertext = fragment.subarray(8);
    }
    const length = ciphertext.length - DTLS12_AEAD_TAG_LENGTH;
    return this.#cipher.open(nonce, additionalData(epoch, seq, type, version, length), ciphertext);
  }

  /** Redacted: a cipher holds keys. */
  toJSON(): unknown {
    return { aead: this.aead };
  }
}
