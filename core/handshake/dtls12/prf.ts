/**
 * The TLS 1.2 pseudo-random function and everything derived from it (RFC 5246 §5, §6.3,
 * §7.4.9, §8.1; RFC 7627 §4; RFC 5705 §4), computed through the provider's HMAC:
 *
 * - `P_hash(secret, seed) = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ...`,
 *   `A(0) = seed`, `A(i) = HMAC(secret, A(i-1))`; `PRF(secret, label, seed) = P_hash(secret, label || seed)`.
 * - master secret: `PRF(pms, "master secret", client_random || server_random)`, or with the
 *   extended master secret `PRF(pms, "extended master secret", session_hash)`.
 * - key block: `PRF(master, "key expansion", server_random || client_random)`.
 * - Finished: `PRF(master, "client finished" | "server finished", Hash(handshake_messages))[0..12]`.
 * - exporter: `PRF(master, label, client_random || server_random [|| u16 length || context])`.
 *
 * @module
 */
import { type CryptoProvider, type HashName, hashOutputLength } from "../../crypto/provider.ts";

const encoder = new TextEncoder();

/**
 * `PRF(secret, label, seed)` truncated to `length` bytes (RFC 5246 §5). `seed` may be given as
 * the parts it is the concatenation of.
 */
export function tls12Prf(
  provider: CryptoProvider,
  hash: HashName,
  secret: Uint8Array,
  label: string,
  seed: Uint8Array | readonly Uint8Array[],
  length: number,
): Uint8Array {
  const hashLength = hashOutputLength(hash);
  const parts = [encoder.encode(label), ...(seed instanceof Uint8Array ? [seed] : seed)];
  let n = hashLength;
  for (const part of parts) n += part.length;
  // One buffer `A(i) || label || seed`, the HMAC input of every output block; its tail alone is
  // `A(0) = label || seed`. Each round overwrites only the head.
  const input = new Uint8Array(n);
  for (let at = hashLength, i = 0; i < parts.length; at += parts[i++].length) input.set(parts[i], at);
  const out = new Uint8Array(length);
  let a: Uint8Array = input.subarray(hashLength);
  for (let done = 0; done < length; done += hashLength) {
    a = provider.hmac(hash, secret, a);
    input.set(a, 0);
    const block = provider.hmac(hash, secret, input);
    out.set(block.subarray(0, Math.min(hashLength, length - done)), done);
  }
  return out;
}

/** The 48-byte master secret; `sessionHash` selects the extended master secret (RFC 7627 §4). */
export function masterSecret(
  provider: CryptoProvider,
  hash: HashName,
  preMasterSecret: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  sessionHash: Uint8Array | undefined,
): Uint8Array {
  return sessionHash
    ? tls12Prf(provider, hash, preMasterSecret, "extended master secret", sessionHash, 48)
    : tls12Prf(provider, hash, preMasterSecret, "master secret", [clientRandom, serverRandom], 48);
}

/** Write keys and IVs of both directions (AEAD suites: no MAC keys; RFC 5246 §6.3). */
export interface KeyBlock {
  /** client_write_key. */
  readonly clientKey: Uint8Array;
  /** server_write_key. */
  readonly serverKey: Uint8Array;
  /** client_write_IV. */
  readonly clientIv: Uint8Array;
  /** server_write_IV. */
  readonly serverIv: Uint8Array;
}

/** Splits the key block for an AEAD suite. */
export function keyBlock(
  provider: CryptoProvider,
  hash: HashName,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  keyLength: number,
  ivLength: number,
): KeyBlock {
  const kb = tls12Prf(provider, hash, master, "key expansion", [serverRandom, clientRandom], 2 * (keyLength + ivLength));
  return {
    clientKey: kb.subarray(0, keyLength),
    serverKey: kb.subarray(keyLength, 2 * keyLength),
    clientIv: kb.subarray(2 * keyLength, 2 * keyLength + ivLength),
    serverIv: kb.subarray(2 * keyLength + ivLength, 2 * (keyLength + ivLength)),
  };
}

/** Finished.verify_data (12 bytes) over the transcript hash. */
export function finishedVerifyData(
  provider: CryptoProvider,
  hash: HashName,
  master: Uint8Array,
  sender: "client" | "server",
  transcriptHash: Uint8Array,
): Uint8Array {
  return tls12Prf(provider, hash, master, `${sender} finished`, transcriptHash, 12);
}

/**
 * Keying material exporter (RFC 5705 §4). `context` undefined means "no context" (different
 * from an empty context, which is encoded with its zero length).
 */
export function exportKeyingMaterial(
  provider: CryptoProvider,
  hash: HashName,
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  label: string,
  length: number,
  context?: Uint8Array,
): Uint8Array {
  if (context && context.length > 0xffff) throw new RangeError("exporter context exceeds 65535 bytes");
  const seed = context
    ? [clientRandom, serverRandom, Uint8Array.of(context.length >>> 8, context.length & 0xff), context]
    : [clientRandom, serverRandom];
  return tls12Prf(provider, hash, master, label, seed, length);
}
