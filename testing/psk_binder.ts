/**
 * PSK binders (RFC 8446 §4.2.11.2, §7.1; RFC 9147 §5.9 uses the "dtls13" label prefix) so the
 * scripted client can offer a pre_shared_key whose binder a real server would accept.
 *
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { expand, extract } from "@noble/hashes/hkdf.js";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import { hashBytes, hashLength, type TranscriptHash } from "./transcript.ts";

function hashFn(hash: TranscriptHash) {
  return hash === "sha384" ? sha384 : sha256;
}

/** HKDF-Expand-Label (RFC 8446 §7.1); `prefix` is `"tls13 "` or `"dtls13"` (RFC 9147 §5.9). */
export function hkdfExpandLabel(
  hash: TranscriptHash,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
  prefix: "tls13 " | "dtls13" = "tls13 ",
): Uint8Array {
  const fullLabel = new TextEncoder().encode(prefix + label);
  const info = new Uint8Array(2 + 1 + fullLabel.length + 1 + context.length);
  info[0] = length >>> 8;
  info[1] = length;
  info[2] = fullLabel.length;
  info.set(fullLabel, 3);
  info[3 + fullLabel.length] = context.length;
  info.set(context, 4 + fullLabel.length);
  return expand(hashFn(hash), secret, info, length);
}

/**
 * The binder finished_key for a PSK: early_secret = HKDF-Extract(0, PSK); binder_key =
 * Derive-Secret(early_secret, "ext binder" | "res binder", ""); finished_key =
 * HKDF-Expand-Label(binder_key, "finished", "", HashLen).
 */
export function binderFinishedKey(
  hash: TranscriptHash,
  psk: Uint8Array,
  external: boolean,
  prefix: "tls13 " | "dtls13" = "tls13 ",
): Uint8Array {
  const len = hashLength(hash);
  const early = extract(hashFn(hash), psk, new Uint8Array(len));
  const binderKey = hkdfExpandLabel(
    hash,
    early,
    external ? "ext binder" : "res binder",
    hashBytes(hash, new Uint8Array(0)),
    len,
    prefix,
  );
  return hkdfExpandLabel(hash, binderKey, "finished", new Uint8Array(0), len, prefix);
}

/** binder = HMAC(finished_key, Transcript-Hash(transcriptPrefix || truncated ClientHello)). */
export function computeBinder(
  hash: TranscriptHash,
  finishedKey: Uint8Array,
  transcript: Uint8Array,
): Uint8Array {
  return hmac(hashFn(hash), finishedKey, hashBytes(hash, transcript));
}
