/**
 * What the TLS 1.3 server engine picks from a ClientHello (RFC 8446 §4.1.1, §4.2, §9.2): the
 * version (TLS 1.3 via supported_versions, else protocol_version), the suite (server
 * preference), the group (a group the client sent a well-formed share for wins; otherwise the
 * most preferred group it supports, for a HelloRetryRequest), the certificate and signature
 * scheme, and ALPN. Every refusal names the {@link Tls13CloseReason} it closes with.
 *
 * @module
 */
import type { ClientHello } from "../../messages/client_hello.ts";
import { clientShareLength } from "../../constants/groups.ts";
import type { CryptoProvider, HashName } from "../../crypto/provider.ts";
import type { Tls13CloseReason } from "./close_reason.ts";
import type { ServerCertificate, Tls13ServerOptions } from "./options.ts";
import { chooseSignatureScheme } from "./certificate_verify.ts";
import { suiteHash } from "../key_schedule.ts";

/** Default suite preference. */
export const DEFAULT_ENGINE_CIPHER_SUITES: readonly number[] = [0x1301, 0x1302, 0x1303];
/** Default group preference (X25519MLKEM768 last: used when a client sends only that share). */
export const DEFAULT_ENGINE_GROUPS: readonly number[] = [0x001d, 0x0017, 0x0018, 0x11ec];

/** A successful negotiation. */
export interface Tls13Choice {
  /** Discriminant. */
  readonly ok: true;
  /** Selected suite. */
  readonly cipherSuite: number;
  /** Its hash. */
  readonly hash: HashName;
  /** Selected group. */
  readonly group: number;
  /** The client's share for `group`; `undefined` when a HelloRetryRequest must ask for it. */
  readonly clientShare: Uint8Array | undefined;
  /** Certificate to send. */
  readonly certificate: ServerCertificate;
  /** Signature scheme for CertificateVerify. */
  readonly signatureScheme: number;
  /** Selected ALPN protocol. */
  readonly alpn: string | undefined;
  /** The client's server_name. */
  readonly sni: string | undefined;
}

/** A refusal with the reason the engine closes with. */
export interface Tls13Refusal {
  /** Discriminant. */
  readonly ok: false;
  /** Close reason (decides the alert). */
  readonly reason: Tls13CloseReason;
  /** Human detail. */
  readonly detail: string;
}

function refuse(reason: Tls13CloseReason, detail: string): Tls13Refusal {
  return { ok: false, reason, detail };
}

/** The suite: the first of `ours` the client offers. */
export function chooseCipherSuite(ch: ClientHello, ours: readonly number[]): number | undefined {
  for (const s of ours) if (ch.cipherSuites.includes(s)) return s;
  return undefined;
}

/** The client's well-formed share for `group`, if it sent one. */
export function clientShareFor(ch: ClientHello, group: number): Uint8Array | undefined {
  for (const s of ch.keyShares ?? []) {
    if (s.group !== group) continue;
    const want = clientShareLength(group);
    return want === undefined || want === s.keyExchange.length ? s.keyExchange : undefined;
  }
  return undefined;
}

/** Negotiates everything for one ClientHello. `pinned` fixes suite/group (after a retry). */
export function negotiateTls13(
  ch: ClientHello,
  options: Tls13ServerOptions,
  provider: CryptoProvider,
  pinned?: { readonly cipherSuite: number; readonly group: number },
): Tls13Choice | Tls13Refusal {
  // RFC 8446 §D.5: an SSL 3.0-or-older legacy_version is a protocol_version abort.
  if (ch.legacyVersion <= 0x0300) return refuse("protocol-version", "legacy_version 0x0300 or below");
  if (!ch.supportedVersions?.includes(0x0304)) {
    return refuse("protocol-version", "the client does not offer TLS 1.3 in supported_versions");
  }
  if (ch.compressionMethods.length !== 1 || ch.compressionMethods[0] !== 0) {
    return refuse("illegal-parameter", "TLS 1.3 requires compression_methods = [null]");
  }
  const sigAlgs = ch.signatureAlgorithms;
  if (!sigAlgs) return refuse("missing-extension", "no signature_algorithms");
  if (!ch.keyShares) return refuse("missing-extension", "no key_share");
  if (!ch.supportedGroups) return refuse("missing-extension", "no supported_groups");
  // RFC 8446 §4.2.9: a pre_shared_key offer needs psk_key_exchange_modes.
  if (ch.preSharedKey && !ch.pskKeyExchangeModes) return refuse("missing-extension", "pre_shared_key without psk_key_exchange_modes");
  // RFC 8446 §4.2.8: one share per group, each for a group in supported_groups, each well formed.
  const seen = new Set<number>();
  for (const share of ch.keyShares) {
    if (seen.has(share.group)) return refuse("illegal-parameter", `two key shares for group 0x${share.group.toString(16)}`);
    seen.add(share.group);
    if (!ch.supportedGroups.includes(share.group)) {
      return refuse("illegal-parameter", `key share for group 0x${share.group.toString(16)} not in supported_groups`);
    }
    const want = clientShareLength(share.group);
    if (want !== undefined && want !== share.keyExchange.length && provider.supportsGroup(share.group)) {
      return refuse("illegal-parameter", `key share of ${share.keyExchange.length} bytes for group 0x${share.group.toString(16)}`);
    }
  }

  const suites = options.cipherSuites ?? DEFAULT_ENGINE_CIPHER_SUITES;
  const cipherSuite = pinned ? (ch.cipherSuites.includes(pinned.cipherSuite) ? pinned.cipherSuite : undefined)
    : chooseCipherSuite(ch, suites);
  if (cipherSuite === undefined) return refuse("handshake-failure", "no common cipher suite");

  const groups = (options.groups ?? DEFAULT_ENGINE_GROUPS).filter((g) => provider.supportsGroup(g));
  let group: number | undefined;
  let clientShare: Uint8Array | undefined;
  if (pinned) {
    group = pinned.group;
    clientShare = clientShareFor(ch, group);
    if (!clientShare) return refuse("illegal-parameter", "the ClientHello has no usable share of the retried group");
  } else {
    for (const g of groups) {
      if (!ch.supportedGroups.includes(g)) continue;
      const share = clientShareFor(ch, g);
      if (share) {
        group = g;
        clientShare = share;
        break;
      }
    }
    if (group === undefined) {
      // A HelloRetryRequest must not ask for a group the client already sent a share for (§4.1.4).
      for (const g of groups) {
        if (ch.supportedGroups.includes(g) && !seen.has(g)) {
          group = g;
          break;
        }
      }
    }
    if (group === undefined) return refuse("handshake-failure", "no common group");
  }

  const sni = ch.serverName;
  let certificate: ServerCertificate | undefined;
  let signatureScheme: number | undefined;
  if (options.selectCertificate) {
    certificate = options.selectCertificate({ serverName: sni, signatureAlgorithms: sigAlgs });
    if (certificate) signatureScheme = chooseSignatureScheme(certificate.key.schemes, sigAlgs);
  } else {
    for (const c of options.certificates ?? []) {
      const s = chooseSignatureScheme(c.key.schemes, sigAlgs);
      if (s !== undefined) {
        certificate = c;
        signatureScheme = s;
        break;
      }
    }
  }
  if (!certificate) return refuse("handshake-failure", "no certificate for this ClientHello");
  if (signatureScheme === undefined) return refuse("handshake-failure", "no common signature scheme");

  let alpn: string | undefined;
  if (options.alpn && ch.alpn) {
    if (typeof options.alpn === "function") alpn = options.alpn(ch.alpn);
    else alpn = options.alpn.find((p) => ch.alpn!.includes(p));
    if (alpn === undefined || !ch.alpn.includes(alpn)) {
      return refuse("no-application-protocol", "none of the client's ALPN protocols is acceptable");
    }
  }
  return {
    ok: true,
    cipherSuite,
    hash: suiteHash(cipherSuite),
    group,
    clientShare,
    certificate,
    signatureScheme,
    alpn,
    sni,
  };
}
