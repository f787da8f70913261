/**
 * PSK binders (RFC 8446 §4.2.11.2, §7.1; RFC 9147 §5.9 uses the "dtls13" label prefix) so the
 * scripted client can offer a pre_shared_key whose binder a real server would accept. The key
 * schedule itself is the library's (`core/handshake/key_schedule.ts`) on the portable provider.
 *
 * @module
 */
import { portableProvider } from "../core/crypto/portable.ts";
import {
  binderFinishedKey as scheduleBinderFinishedKey,
  hkdfExpandLabel as scheduleHkdfExpandLabel,
} from "../core/handshake/key_schedule.ts";
import { hashBytes, type TranscriptHash } from "./transcript.ts";

/** HKDF-Expand-Label (RFC 8446 §7.1); `prefix` is `"tls13 "` or `"dtls13"` (RFC 9147 §5.9). */
export function hkdfExpandLabel(
  hash: TranscriptHash,
  secret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
  prefix: "tls13 " | "dtls13" = "tls13 ",
): Uint8Array {
  return scheduleHkdfExpandLabel(portableProvider, hash, secret, label, context, length, prefix);
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
  return scheduleBinderFinishedKey(portableProvider, hash, psk, external, prefix);
}

/** binder = HMAC(finished_key, Transcript-Hash(transcriptPrefix || truncated ClientHello)). */
export function computeBinder(
  hash: TranscriptHash,
  finishedKey: Uint8Array,
  transcript: Uint8Array,
): Uint8Array {
  return portableProvider.hmac(hash, finishedKey, hashBytes(hash, transcript));
}
