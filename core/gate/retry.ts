/**
 * The (D)TLS 1.3 stateless retry, shared by both listeners: choose a suite and a group for a
 * ClientHello1, issue the HelloRetryRequest with its cookie, and on ClientHello2 verify the cookie,
 * check CH2 against it (RFC 8446 §4.1.2, §4.1.4) and rebuild the exact HRR and transcript prefix.
 *
 * CH2 must equal CH1 except where RFC 8446 §4.1.2 allows a change: the cookie binds a digest of
 * CH1's frozen parts (`frozen_hello.ts`) and any CH2 whose digest differs is refused with
 * `client-hello-changed` (illegal_parameter), key_share included after a cookie-only HRR. A
 * (D)TLS 1.3 ClientHello whose compression_methods is not exactly [0] is refused with
 * `illegal-compression-methods` (illegal_parameter), never answered with an HRR.
 *
 * @module
 */
import type { ClientHello } from "../messages/client_hello.ts";
import type { KeyShareEntry } from "../messages/client_hello_extensions.ts";
import type { PeerAddress } from "../peer.ts";
import type { RetryContext } from "./outcome.ts";
import { CipherSuite, type HashName, tls13SuiteHash } from "../constants/cipher_suites.ts";
import { clientShareLength, groupName, NamedGroup } from "../constants/groups.ts";
import { HandshakeType } from "../constants/protocol.ts";
import { digest, hashLength } from "../crypto/hash.ts";
import {
  encodeHelloRetryRequestMessage,
  type HelloRetryRequestFields,
  transcriptPrefix,
} from "../messages/hello_retry_request.ts";
import type { CookieKeyring } from "./cookie/keyring.ts";
import { issueHrrCookie, verifyHrrCookie } from "./cookie/hrr_cookie.ts";
import type { CookieRejection } from "./cookie/verdict.ts";
import {
  FROZEN_DIGEST_LENGTH,
  FROZEN_FIELD_LENGTH,
  hashAndFreeze,
  writeFrozenDigest,
  writeFrozenField,
} from "./frozen_hello.ts";

/** Default TLS 1.3 suite preference. */
export const DEFAULT_TLS13_CIPHER_SUITES: readonly number[] = [
  CipherSuite.TLS_AES_128_GCM_SHA256,
  CipherSuite.TLS_AES_256_GCM_SHA384,
  CipherSuite.TLS_CHACHA20_POLY1305_SHA256,
];

/** Default group preference: what @noble/curves can continue with. */
export const DEFAULT_GROUPS: readonly number[] = [NamedGroup.x25519, NamedGroup.secp256r1, NamedGroup.secp384r1];

/** Server preferences for the retry. */
export interface RetryPolicy {
  /** TLS 1.3 cipher suites, most preferred first. */
  readonly cipherSuites: readonly number[];
  /** Named groups, most preferred first. */
  readonly groups: readonly number[];
  /**
   * When the client already sent a usable share: `"when-needed"` (default) sends a cookie-only
   * HRR, as RFC 8446 §4.1.4 allows and OpenSSL does; `"always"` instead requests the most
   * preferred enabled group the client supports but sent no share for (falling back to
   * cookie-only when there is none). `"always"` works around clients that reject cookie-only
   * HRRs (GnuTLS 3.7 aborts with illegal_parameter), at the cost of a new key share.
   */
  readonly retryKeyShare?: RetryKeyShare;
}

/** See {@link RetryPolicy.retryKeyShare}. */
export type RetryKeyShare = "when-needed" | "always";

/** The cookie and (D)TLS 1.3 retry options both listeners share. */
export interface RetryOptions {
  /** Keys that issue and verify cookies (share one among a fleet with `CookieKeyring.derived`). */
  readonly keyring: CookieKeyring;
  /** (D)TLS 1.3 cipher suites, most preferred first (default AES-128-GCM, AES-256-GCM, ChaCha20). */
  readonly cipherSuites?: readonly number[];
  /** (D)TLS 1.3 groups, most preferred first (default x25519, secp256r1, secp384r1). */
  readonly groups?: readonly number[];
  /** Cookie-only HRR when the client sent a usable share (`"when-needed"`, default) or request another group (`"always"`); see {@link RetryPolicy.retryKeyShare}. */
  readonly retryKeyShare?: RetryKeyShare;
  /** Cookie lifetime in seconds (default 60). */
  readonly cookieLifetimeSeconds?: number;
  /** Optional application data (≤ 255 bytes) to carry in HRR cookies; returned in `retry.appData`. */
  readonly cookieAppData?: (peer: PeerAddress, clientHello: ClientHello) => Uint8Array | undefined;
}

/**
 * Validates the shared options and returns the policy and cookie lifetime; throws `TypeError` /
 * `RangeError` for caller misuse (empty lists, non-TLS 1.3 suites, unknown retryKeyShare, a
 * lifetime that is not positive).
 */
export function retrySettingsOf(options: RetryOptions): { policy: RetryPolicy; lifetimeSeconds: number } {
  const policy: RetryPolicy = {
    cipherSuites: options.cipherSuites ?? DEFAULT_TLS13_CIPHER_SUITES,
    groups: options.groups ?? DEFAULT_GROUPS,
    retryKeyShare: options.retryKeyShare ?? "when-needed",
  };
  if (policy.retryKeyShare !== "when-needed" && policy.retryKeyShare !== "always") {
    throw new TypeError(`retryKeyShare must be "when-needed" or "always"`);
  }
  if (policy.cipherSuites.length === 0) throw new TypeError("cipherSuites must not be empty");
  for (const s of policy.cipherSuites) {
    if (!tls13SuiteHash(s)) throw new TypeError(`cipher suite 0x${s.toString(16)} is not a TLS 1.3 suite`);
  }
  if (policy.groups.length === 0) throw new TypeError("groups must not be empty");
  const lifetimeSeconds = options.cookieLifetimeSeconds ?? 60;
  if (!(lifetimeSeconds > 0)) throw new RangeError("cookieLifetimeSeconds must be > 0");
  return { policy, lifetimeSeconds };
}

/** Result of {@link negotiate}. */
export type Negotiation =
  | {
    readonly ok: true;
    readonly cipherSuite: number;
    readonly hash: HashName;
    /** The group the handshake will use. */
    readonly group: number;
    /** True when CH1 already carries a share of `group`: the HRR then requests no key_share. */
    readonly shareSent: boolean;
  }
  | {
    readonly ok: false;
    readonly reason: "no-common-cipher-suite" | "no-common-group" | "illegal-compression-methods";
    /** Human detail; the alert for `reason` comes from the gate's one table (core/gate/alerts.ts). */
    readonly detail: string;
  };

/**
 * RFC 8446 §4.1.2: every TLS 1.3 ClientHello's compression_methods is exactly one zero byte;
 * anything else must be aborted with illegal_parameter. Returns the failure detail, or undefined.
 */
export function compressionProblem(ch: ClientHello): string | undefined {
  const b = ch.body, at = ch.offsets.compressionMethods;
  if (b[at] === 1 && b[at + 1] === 0) return undefined;
  const methods = [...b.subarray(at + 1, at + 1 + b[at])].slice(0, 8).join(", ");
  return `compression_methods [${methods}${b[at] > 8 ? ", ..." : ""}] is not [0] (RFC 8446 §4.1.2)`;
}

function usableShare(ch: ClientHello, group: number): KeyShareEntry | undefined {
  const shares = ch.keyShares;
  if (!shares) return undefined;
  for (const s of shares) {
    if (s.group !== group) continue;
    const want = clientShareLength(group);
    return want === undefined || want === s.keyExchange.length ? s : undefined;
  }
  return undefined;
}

/**
 * Picks the suite (server preference among the offered) and the group: a group the client
 * already sent a well-formed share for wins (then the HRR carries no key_share, RFC 8446
 * §4.1.4 forbids requesting a group the client sent); otherwise the most preferred group the
 * client supports, to be requested in the HRR.
 */
export function negotiate(ch: ClientHello, policy: RetryPolicy): Negotiation {
  const compression = compressionProblem(ch);
  if (compression !== undefined) {
    return { ok: false, reason: "illegal-compression-methods", detail: compression };
  }
  let cipherSuite = -1;
  for (const s of policy.cipherSuites) {
    if (ch.cipherSuites.includes(s) && tls13SuiteHash(s)) {
      cipherSuite = s;
      break;
    }
  }
  if (cipherSuite < 0) {
    return {
      ok: false,
      reason: "no-common-cipher-suite",
      detail: "no offered TLS 1.3 suite is enabled",
    };
  }
  const hash = tls13SuiteHash(cipherSuite)!;
  const supported = ch.supportedGroups ?? [];
  for (const g of policy.groups) {
    if (supported.includes(g) && usableShare(ch, g)) {
      if (policy.retryKeyShare === "always") {
        for (const h of policy.groups) {
          if (supported.includes(h) && !ch.keyShares?.some((s) => s.group === h)) {
            return { ok: true, cipherSuite, hash, group: h, shareSent: false };
          }
        }
      }
      return { ok: true, cipherSuite, hash, group: g, shareSent: true };
    }
  }
  for (const g of policy.groups) {
    if (supported.includes(g)) return { ok: true, cipherSuite, hash, group: g, shareSent: false };
  }
  return { ok: false, reason: "no-common-group", detail: "no offered group is enabled" };
}

/**
 * Hash(ClientHello1) over the message with a TLS-style 4-byte header (RFC 8446 §4.4.1; RFC 9147
 * §5.2 says DTLS 1.3 hashes the same form).
 */
export function clientHelloHash(hash: HashName, body: Uint8Array): Uint8Array {
  const header = new Uint8Array([HandshakeType.client_hello, body.length >>> 16, body.length >>> 8, body.length]);
  return digest(hash, header, body);
}

/** Wraps a ClientHello body in a 4-byte TLS handshake header. */
export function clientHelloMessage(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = HandshakeType.client_hello;
  out[1] = body.length >>> 16;
  out[2] = body.length >>> 8;
  out[3] = body.length;
  out.set(body, 4);
  return out;
}

/**
 * Issues the HRR for CH1 (call {@link negotiate} first: it also refuses bad compression_methods):
 * the cookie, which binds Hash(CH1) and the digest of CH1's frozen parts, and the HRR's fields (encode them with
 * `encodeTlsHelloRetryRequestFlight`, `encodeDtlsHelloRetryRequestDatagram` or
 * `encodeHelloRetryRequestMessage`).
 */
export function buildRetry(
  keyring: CookieKeyring,
  peer: PeerAddress,
  ch1: ClientHello,
  n: Extract<Negotiation, { ok: true }>,
  now: number,
  dtls: boolean,
  appData?: Uint8Array,
): { fields: HelloRetryRequestFields; cookie: Uint8Array; requestedGroup: number | undefined } {
  const requestedGroup = n.shareSent ? undefined : n.group;
  // A cookie-only HRR (no group requested) freezes key_share too (RFC 8446 §4.1.2). With SHA-256,
  // Hash(CH1) and the frozen digest come from one pass.
  const keyShareFrozen = requestedGroup === undefined;
  let clientHello1Hash: Uint8Array;
  if (n.hash === "sha256") {
    hashAndFreeze(ch1, keyShareFrozen, HASH, FROZEN_FIELD);
    clientHello1Hash = HASH;
  } else {
    clientHello1Hash = clientHelloHash(n.hash, ch1.body);
    writeFrozenField(ch1, keyShareFrozen, FROZEN_FIELD);
  }
  const cookie = issueHrrCookie(keyring, peer, {
    protocol: dtls ? "dtls1.3" : "tls1.3",
    cipherSuite: n.cipherSuite,
    group: requestedGroup,
    clientHello1Hash,
    clientHello1Frozen: FROZEN_FIELD,
    appData,
  }, now);
  const fields: HelloRetryRequestFields = {
    dtls,
    sessionIdEcho: dtls ? EMPTY : ch1.legacySessionId,
    cipherSuite: n.cipherSuite,
    selectedGroup: requestedGroup,
    cookie,
  };
  return { fields, cookie, requestedGroup };
}

const EMPTY = new Uint8Array(0);
// Scratch (issue and check are synchronous and never re-entered; the cookie copies what it keeps).
const HASH = new Uint8Array(32);
const FROZEN_FIELD = new Uint8Array(FROZEN_FIELD_LENGTH);
const FROZEN = new Uint8Array(FROZEN_DIGEST_LENGTH);

/** Why {@link checkSecondClientHello} refused a ClientHello2. */
export type SecondHelloFailureReason =
  | "invalid-cookie"
  | "cookie-mismatch"
  | "client-hello-changed"
  | "illegal-compression-methods";

/** Result of {@link checkSecondClientHello}. */
export type SecondHelloCheck =
  | { readonly ok: true; readonly retry: RetryContext; readonly issuedAt: number }
  | {
    readonly ok: false;
    readonly reason: SecondHelloFailureReason;
    readonly detail: string;
    /** For `invalid-cookie`: the verifier's reason (for counters; never told to the peer). */
    readonly cookieRejection?: CookieRejection;
  };

/**
 * Verifies CH2's cookie and checks CH2 against it. `ch2.cookie` must be present. On success the
 * HRR is rebuilt from cookie + CH2 and the transcript prefix `message_hash || HRR` returned.
 */
export function checkSecondClientHello(
  keyring: CookieKeyring,
  peer: PeerAddress,
  ch2: ClientHello,
  now: number,
  dtls: boolean,
  policy: RetryPolicy,
  lifetimeSeconds: number,
): SecondHelloCheck {
  const cookie = ch2.cookie!;
  const v = verifyHrrCookie(keyring, cookie, peer, now, { lifetimeSeconds });
  if (!v.ok) return { ok: false, reason: "invalid-cookie", detail: `cookie ${v.reason}`, cookieRejection: v.reason };
  if (v.protocol !== (dtls ? "dtls1.3" : "tls1.3")) {
    return { ok: false, reason: "invalid-cookie", detail: "cookie for another protocol", cookieRejection: "wrong-protocol" };
  }
  const hash = tls13SuiteHash(v.cipherSuite);
  if (!hash || v.clientHello1Hash.length !== hashLength(hash)) {
    return { ok: false, reason: "invalid-cookie", detail: "cookie suite/hash inconsistent", cookieRejection: "malformed" };
  }
  const compression = compressionProblem(ch2);
  if (compression !== undefined) return { ok: false, reason: "illegal-compression-methods", detail: compression };
  const field = v.clientHello1Frozen; // CH1's body length (3 bytes), then its frozen digest
  writeFrozenDigest(ch2, v.group === undefined, (field[0] << 16) | (field[1] << 8) | field[2], FROZEN, 0);
  for (let i = 0; i < FROZEN_DIGEST_LENGTH; i++) {
    if (FROZEN[i] !== field[3 + i]) {
      return {
        ok: false,
        reason: "client-hello-changed",
        detail: v.group === undefined
          ? "CH2 changed a part of CH1 that RFC 8446 §4.1.2 freezes (key_share included after a cookie-only HRR)"
          : "CH2 changed a part of CH1 that RFC 8446 §4.1.2 freezes",
      };
    }
  }
  if (!ch2.cipherSuites.includes(v.cipherSuite)) {
    return { ok: false, reason: "cookie-mismatch", detail: "CH2 does not offer the HRR's cipher suite" };
  }
  if (ch2.earlyData) return { ok: false, reason: "cookie-mismatch", detail: "CH2 carries early_data" };
  let share: KeyShareEntry | undefined;
  if (v.group !== undefined) {
    const shares = ch2.keyShares ?? [];
    if (shares.length !== 1 || shares[0].group !== v.group) {
      return {
        ok: false,
        reason: "cookie-mismatch",
        detail: `CH2 must carry exactly one key share, of ${groupName(v.group)}`,
      };
    }
    share = usableShare(ch2, v.group);
    if (!share) return { ok: false, reason: "cookie-mismatch", detail: "key share has the wrong length" };
  } else {
    for (const g of policy.groups) {
      if ((ch2.supportedGroups ?? []).includes(g)) share = usableShare(ch2, g);
      if (share) break;
    }
    if (!share) return { ok: false, reason: "cookie-mismatch", detail: "CH2 has no usable key share" };
  }
  const helloRetryRequest = encodeHelloRetryRequestMessage({
    dtls,
    sessionIdEcho: dtls ? EMPTY : ch2.legacySessionId,
    cipherSuite: v.cipherSuite,
    selectedGroup: v.group,
    cookie,
  });
  return {
    ok: true,
    issuedAt: v.issuedAt,
    retry: {
      cipherSuite: v.cipherSuite,
      hash,
      group: share.group,
      keyShare: share,
      clientHello1Hash: v.clientHello1Hash,
      helloRetryRequest,
      transcriptPrefix: transcriptPrefix(v.clientHello1Hash, helloRetryRequest),
      appData: v.appData,
    },
  };
}
