/**
 * Packet protection of long-header packets (RFC 9001 §5.3, §5.4): header protection removal
 * (the 16-byte sample 4 bytes after the packet-number offset masks the first byte's low four
 * bits and the packet number) followed by AEAD open, where the nonce is the IV XOR the packet
 * number and the AAD is the unprotected header. The reverse ({@link sealLongPacket}) is for the
 * server's own Initial packets (CONNECTION_CLOSE) and for tests.
 *
 * The caller's datagram is never modified: the unprotected header is copied.
 *
 * @module
 */
import type { PacketProtector } from "./initial_secrets.ts";

/** A packet whose protection was removed. */
export interface OpenedPacket {
  /** The packet number (for a first Initial the truncated value is the full one). */
  readonly packetNumber: number;
  /** Packet number length in bytes (1..4). */
  readonly packetNumberLength: number;
  /** The unprotected header (a copy), first byte through packet number. */
  readonly header: Uint8Array;
  /** The decrypted payload (frames). */
  readonly payload: Uint8Array;
}

/** Why {@link openLongPacket} failed. */
export type OpenFailure = "too-short-for-sample" | "reserved-bits" | "decrypt-failed";

function nonceFor(iv: Uint8Array, pn: number): Uint8Array {
  const nonce = iv.slice();
  let v = pn;
  for (let i = 11; i >= 4 && v > 0; i--) {
    nonce[i] ^= v & 0xff;
    v = Math.floor(v / 256);
  }
  return nonce;
}

/**
 * Removes header protection and decrypts the long-header packet `buf[start, end)` whose packet
 * number starts at `pnOffset`.
 */
export function openLongPacket(
  keys: PacketProtector,
  buf: Uint8Array,
  start: number,
  pnOffset: number,
  end: number,
): OpenedPacket | OpenFailure {
  const sampleAt = pnOffset + 4;
  if (sampleAt + 16 > end) return "too-short-for-sample";
  const mask = keys.mask(buf.subarray(sampleAt, sampleAt + 16));
  const first = buf[start] ^ (mask[0] & 0x0f);
  const pnLen = (first & 3) + 1;
  const header = buf.slice(start, pnOffset + pnLen);
  header[0] = first;
  let pn = 0;
  for (let i = 0; i < pnLen; i++) {
    const b = buf[pnOffset + i] ^ mask[1 + i];
    header[pnOffset - start + i] = b;
    pn = pn * 256 + b;
  }
  const payload = keys.aead.open(nonceFor(keys.iv, pn), header, buf.subarray(pnOffset + pnLen, end));
  if (!payload) return "decrypt-failed";
  // RFC 9000 §17.2: reserved bits are checked only after protection is removed.
  if ((first & 0x0c) !== 0) return "reserved-bits";
  return { packetNumber: pn, packetNumberLength: pnLen, header, payload };
}

/**
 * Protects a long-header packet: `header` is the unprotected header ending with the packet
 * number (`pnLength` bytes, also encoded in the first byte's low bits), whose Length field
 * already counts packet number + payload + 16. Returns header || ciphertext with header
 * protection applied. Throws `RangeError` when the payload is too short to sample.
 */
export function sealLongPacket(
  keys: PacketProtector,
  header: Uint8Array,
  packetNumber: number,
  pnLength: number,
  payload: Uint8Array,
): Uint8Array {
  if (pnLength + payload.length + 16 < 20) throw new RangeError("payload too short for the header-protection sample");
  const sealed = keys.aead.seal(nonceFor(keys.iv, packetNumber), header, payload);
  const out = new Uint8Array(header.length + sealed.length);
  out.set(header);
  out.set(sealed, header.length);
  const pnOffset = header.length - pnLength;
  const mask = keys.mask(out.subarray(pnOffset + 4, pnOffset + 20));
  out[0] ^= mask[0] & 0x0f;
  for (let i = 0; i < pnLength; i++) out[pnOffset + i] ^= mask[1 + i];
  return out;
}
