/**
 * What {@link QuicListener.receive} returns: exactly one {@link QuicOutcome} per datagram.
 * Remote input never throws; every way a datagram can fail is a {@link QuicDropReason}.
 *
 * @module
 */
import type { ClientHello } from "../messages/client_hello.ts";
import type { PeerAddress } from "../peer.ts";
import type { QuicTokenKind, QuicTokenRejection } from "./token.ts";
import type { QuicVersionName } from "./versions.ts";

/** Why a datagram was dropped. One literal per distinct check. */
export type QuicDropReason =
  /** Too short to hold a long header, or its connection ID lengths run past the datagram. */
  | "too-short"
  /** A short-header (1-RTT) packet: this front door has no connection for it. */
  | "short-header"
  /** A Version Negotiation packet (version 0): never answered. */
  | "version-negotiation"
  /** Unknown version in a datagram under 1200 bytes: no Version Negotiation (RFC 9000 §6.1). */
  | "unsupported-version"
  /** A 0-RTT, Handshake or Retry packet first in the datagram. */
  | "not-initial"
  /** An Initial in a datagram under 1200 bytes (RFC 9000 §14.1). */
  | "datagram-too-small"
  /** Destination Connection ID under 8 bytes on a first Initial (RFC 9000 §7.2). */
  | "dcid-too-short"
  /** A connection ID over 20 bytes (RFC 9000 §17.2). */
  | "cid-too-long"
  /** Token or Length field malformed or past the datagram. */
  | "bad-header"
  /** Packet too short to take the header-protection sample. */
  | "too-short-for-sample"
  /** AEAD authentication failed (wrong keys, corrupted, not QUIC). */
  | "decrypt-failed"
  /** Reserved header bits not zero after protection removal (RFC 9000 §17.2). */
  | "reserved-bits"
  /** A frame that does not parse, or an empty payload. */
  | "bad-frame"
  /** A frame type not allowed in Initial packets (RFC 9000 §12.4). */
  | "forbidden-frame"
  /** The client sent CONNECTION_CLOSE. */
  | "peer-closed"
  /** No CRYPTO data (e.g. only ACK / PING / PADDING). */
  | "no-crypto"
  /** The CRYPTO stream cannot be reassembled within the budget (too large, conflicting, not a ClientHello). */
  | "crypto-refused"
  /** The ClientHello does not parse. */
  | "bad-client-hello"
  /** A ClientHello that does not offer TLS 1.3 or lacks quic_transport_parameters (RFC 9001 §8.2). */
  | "not-quic-tls"
  /** An invalid Retry token, dropped because `invalidToken: "drop"`. */
  | "invalid-token"
  /** A valid token used a second time while `singleUseTokens` is on. */
  | "token-replayed"
  /** The decision function said `"ignore"`. */
  | "ignored";

/** A dropped datagram. */
export interface QuicDropped {
  /** Dropped. */
  readonly kind: "dropped";
  /** Why. */
  readonly reason: QuicDropReason;
  /** Short human detail (no secrets). */
  readonly detail: string;
  /** The token verdict when a token was involved. */
  readonly tokenRejection?: QuicTokenRejection;
}

/** Which packet a `send` outcome carries. */
export type QuicSentMessage = "retry" | "version-negotiation" | "connection-close";

/** Bytes to send back to the peer (the only thing a caller transmits before accepting). */
export interface QuicSend {
  /** Send `bytes` to `peer`. */
  readonly kind: "send";
  /** What they are. */
  readonly message: QuicSentMessage;
  /** The datagram to send (always smaller than the one that caused it). */
  readonly bytes: Uint8Array;
  /** Destination. */
  readonly peer: PeerAddress;
  /** QUIC version of the reply (0 for Version Negotiation). */
  readonly version: number;
  /** CONNECTION_CLOSE only: the transport error code (0x0b INVALID_TOKEN, 0x02 CONNECTION_REFUSED). */
  readonly errorCode?: number;
  /** CONNECTION_CLOSE for a bad token: why the token failed. */
  readonly tokenRejection?: QuicTokenRejection;
}

/** Part of a ClientHello is held; more Initial datagrams are needed. */
export interface QuicNeedMoreData {
  /** Waiting. */
  readonly kind: "need-more-data";
  /** CRYPTO bytes held for this attempt. */
  readonly bytesHeld: number;
}

/** A connection attempt the caller accepted: everything the TLS 1.3 engine (QUIC mode) needs. */
export interface QuicAccepted {
  /** Accepted. */
  readonly kind: "accepted";
  /** Client address. */
  readonly peer: PeerAddress;
  /** QUIC version number. */
  readonly version: number;
  /** `"quic-v1"` or `"quic-v2"`. */
  readonly versionName: QuicVersionName;
  /** Original Destination Connection ID (the first Initial's; from the token after a Retry). */
  readonly originalDcid: Uint8Array;
  /** The SCID of our Retry (the client's current DCID), when a Retry happened. */
  readonly retryScid: Uint8Array | undefined;
  /** The Destination Connection ID of this Initial (Initial keys derive from it). */
  readonly clientDcid: Uint8Array;
  /** The client's Source Connection ID (our DCID from now on). */
  readonly clientScid: Uint8Array;
  /** True when the address was validated by a token. */
  readonly validated: boolean;
  /** Which token validated it. */
  readonly validatedBy: QuicTokenKind | undefined;
  /** The token the client sent (empty when none). */
  readonly token: Uint8Array;
  /** The parsed ClientHello (views into {@link clientHelloMessage}). */
  readonly clientHello: ClientHello;
  /** The ClientHello handshake message, 4-byte header included (the transcript starts with it). */
  readonly clientHelloMessage: Uint8Array;
  /** The Initial CRYPTO stream received so far, from offset 0 (today: exactly the ClientHello). */
  readonly cryptoData: Uint8Array;
  /** server_name, if any. */
  readonly sni: string | undefined;
  /** ALPN protocols offered. */
  readonly alpn: readonly string[] | undefined;
  /** quic_transport_parameters (0x39) extension data. */
  readonly transportParameters: Uint8Array;
  /** Largest Initial packet number received (to acknowledge). */
  readonly largestPacketNumber: number;
  /** UDP payload bytes received for this ClientHello. */
  readonly bytesReceived: number;
  /** Datagrams that carried it. */
  readonly datagrams: number;
  /** Bytes the server may send before validation: 3x received (RFC 9000 §8.1); `Infinity` once validated. */
  readonly amplificationLimit: number;
}

/** The outcome of one datagram. */
export type QuicOutcome = QuicSend | QuicAccepted | QuicNeedMoreData | QuicDropped;
