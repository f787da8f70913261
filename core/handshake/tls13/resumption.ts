/**
 * Accepting a resumption PSK offered in a ClientHello (RFC 8446 §4.2.9, §4.2.11): only
 * psk_dhe_ke (the (EC)DHE exchange always runs, so forward secrecy is kept); the first identity
 * that is one of our tickets, unexpired, for a suite with the negotiated hash and the same
 * server_name, is selected, and
 * its binder MUST verify (decrypt_error otherwise). Identities we cannot use are skipped: the
 * handshake then falls back to a full one, as the RFC allows.
 *
 * @module
 */
import type { ClientHello } from "../../messages/client_hello.ts";
import type { CryptoProvider, HashName } from "../../crypto/provider.ts";
import { hashOutputLength } from "../../crypto/provider.ts";
import { binderFinishedKey, suiteHash } from "../key_schedule.ts";
import { constantTimeEqual } from "./finished.ts";
import { openTicket, type TicketContents } from "./session_ticket.ts";

/** How many offered identities are tried at most (each costs one AEAD open). */
export const MAX_PSK_IDENTITIES_TRIED = 4;

/** Result of {@link selectResumption}. */
export type ResumptionChoice =
  | { readonly kind: "none" }
  | { readonly kind: "accept"; readonly index: number; readonly ticket: TicketContents }
  | { readonly kind: "fail"; readonly reason: "decrypt-error" | "illegal-parameter"; readonly detail: string };

/**
 * Picks a ticket from `ch`'s pre_shared_key offer and verifies its binder over
 * `transcriptPrefix || ClientHello truncated before the binders` (`message` = the ClientHello
 * with its 4-byte header; `transcriptPrefix` = `message_hash || HRR` after a retry, else empty).
 * `now` in ms; `undefined` = unknown time, nothing is resumed.
 */
export function selectResumption(
  provider: CryptoProvider,
  ch: ClientHello,
  message: Uint8Array,
  transcriptPrefix: Uint8Array | undefined,
  hash: HashName,
  ticketKeys: readonly Uint8Array[],
  now: number | undefined,
): ResumptionChoice {
  const offer = ch.preSharedKey;
  if (!offer || now === undefined) return { kind: "none" };
  if (!ch.pskKeyExchangeModes?.includes(1)) return { kind: "none" }; // psk_dhe_ke only
  if (offer.identities.length !== offer.binders.length) {
    return { kind: "fail", reason: "illegal-parameter", detail: "pre_shared_key identities and binders differ in number" };
  }
  const n = Math.min(offer.identities.length, MAX_PSK_IDENTITIES_TRIED);
  for (let i = 0; i < n; i++) {
    let t: TicketContents | undefined;
    for (const key of ticketKeys) if ((t = openTicket(provider, key, offer.identities[i].identity))) break;
    if (!t) continue;
    if (suiteHash0(t.cipherSuite) !== hash) continue;
    if (now < t.issuedAt - 60_000 || now - t.issuedAt > t.lifetimeSeconds * 1000) continue;
    // The certificate that authenticated the session was chosen for its server_name: resume only
    // under the same name (RFC 6066 §3, RFC 8446 §4.6.1).
    if (t.serverName !== (ch.serverName ?? "")) continue;
    const binder = offer.binders[i];
    if (binder.length !== hashOutputLength(hash)) {
      return { kind: "fail", reason: "decrypt-error", detail: "PSK binder of the wrong length" };
    }
    const truncated = message.subarray(0, 4 + offer.bindersOffset);
    const h = provider.runningHash(hash);
    if (transcriptPrefix) h.update(transcriptPrefix);
    h.update(truncated);
    const expected = provider.hmac(hash, binderFinishedKey(provider, hash, t.psk), h.digest());
    if (!constantTimeEqual(expected, binder)) {
      return { kind: "fail", reason: "decrypt-error", detail: "the PSK binder does not verify" };
    }
    return { kind: "accept", index: i, ticket: t };
  }
  return { kind: "none" };
}

function suiteHash0(suite: number): HashName | undefined {
  try {
    return suiteHash(suite);
  } catch {
    return undefined;
  }
}
