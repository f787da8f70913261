/**
 * The `handshake` and `closed` JSON lines of `serve`, shared by TLS 1.3 over TCP
 * (`cli/serve.ts`) and DTLS 1.2 over UDP (`cli/serve_udp.ts`): the fields both carry, in the
 * order the CLI contract prints them. Each command adds its own fields and text line.
 *
 * @module
 */
import { formatPeer, type PeerAddress } from "../core/peer.ts";
import { cipherSuiteName } from "../core/constants/cipher_suites.ts";
import { groupName } from "../core/constants/groups.ts";
import { signatureSchemeName } from "../core/crypto/provider.ts";
import type { AlertSender } from "../core/handshake/actions.ts";

/** What {@link handshakeFields} reads from a handshake summary. */
export interface HandshakeBasics {
  /** `"tls1.3"` or `"dtls1.2"`. */
  readonly protocol: string;
  /** IANA cipher suite number. */
  readonly cipherSuite: number;
  /** IANA named group number. */
  readonly group: number;
  /** IANA signature scheme number. */
  readonly signatureScheme: number;
}

/** What {@link closedFields} reads from a connection's closed info. */
export interface ClosedBasics {
  /** Typed close reason. */
  readonly reason: string;
  /** Human detail (never secrets). */
  readonly detail: string;
  /** The alert that ended it and who sent it, when there was one. */
  readonly alert?: { readonly name: string; readonly sender: AlertSender };
  /** Whether the handshake had completed. */
  readonly established: boolean;
}

/** The fields {@link handshakeFields} returns. */
export interface HandshakeJson {
  readonly event: "handshake";
  readonly transport: "tcp" | "udp";
  readonly peer: string;
  readonly protocol: string;
  readonly cipherSuite: string;
  readonly group: string;
  readonly signature: string;
}

/** `{event:"handshake", transport, peer, protocol, cipherSuite, group, signature}` with names, not numbers. */
export function handshakeFields(transport: "tcp" | "udp", peer: PeerAddress, s: HandshakeBasics): HandshakeJson {
  return {
    event: "handshake",
    transport,
    peer: formatPeer(peer),
    protocol: s.protocol,
    cipherSuite: cipherSuiteName(s.cipherSuite),
    group: groupName(s.group),
    signature: signatureSchemeName(s.signatureScheme),
  };
}

/** `{event:"closed", transport, peer, reason, detail, alert?, alertSender?, established}`. */
export function closedFields(transport: "tcp" | "udp", peer: PeerAddress, i: ClosedBasics): Record<string, unknown> & { peer: string } {
  return {
    event: "closed",
    transport,
    peer: formatPeer(peer),
    reason: i.reason,
    detail: i.detail,
    ...(i.alert ? { alert: i.alert.name, alertSender: i.alert.sender } : {}),
    established: i.established,
  };
}

/** ` (sent NAME)` or ` (received NAME)` for the text line; empty without an alert. */
export function alertText(i: ClosedBasics): string {
  return i.alert ? ` (${i.alert.sender === "us" ? "sent" : "received"} ${i.alert.name})` : "";
}
