/**
 * The QUIC front door (RFC 9000 §8.1, RFC 9001, RFC 9369) in one import: the sans-I/O
 * {@link QuicListener} (Initial decryption, Version Negotiation, Retry with sealed tokens,
 * NEW_TOKEN, the per-attempt decision), its outcome types, the token sealer, and the packet
 * building blocks (Initial keys, packet protection, Retry integrity tag) for custom experiments.
 *
 * @example
 * ```ts
 * import { CookieKeyring } from "@hellogate/hellogate";
 * import { QuicListener } from "./mod.ts";
 * const quic = new QuicListener({ keyring: CookieKeyring.random() });
 * declare const datagram: Uint8Array;
 * const out = quic.receive(datagram, { family: "ipv4", address: "192.0.2.1", port: 4433 }, Date.now());
 * if (out.kind === "send") console.log(out.message, out.bytes.length); // "retry", ...
 * if (out.kind === "accepted") console.log(out.versionName, out.sni, out.alpn);
 * ```
 *
 * @module
 */
export {
  MIN_INITIAL_DATAGRAM,
  MIN_INITIAL_DCID,
  QUIC_TRANSPORT_PARAMETERS,
  type QuicAttempt,
  type QuicDecision,
  QuicListener,
  type QuicListenerCounters,
  type QuicListenerOptions,
} from "./listener.ts";
export { type TokenReplayCounters, TokenReplayFilter, type TokenReplayOptions } from "./token_replay.ts";
export { retryUnderLoad, type RetryUnderLoad, type RetryUnderLoadOptions } from "./retry_policy.ts";
export type {
  QuicAccepted,
  QuicDropped,
  QuicDropReason,
  QuicNeedMoreData,
  QuicOutcome,
  QuicSend,
  QuicSentMessage,
} from "./outcome.ts";
export {
  DEFAULT_NEW_TOKEN_LIFETIME_SECONDS,
  DEFAULT_RETRY_TOKEN_LIFETIME_SECONDS,
  type QuicTokenAccepted,
  type QuicTokenKind,
  type QuicTokenOptions,
  type QuicTokenRejected,
  type QuicTokenRejection,
  QuicTokenSealer,
  type QuicTokenVerdict,
  type RetryTokenFields,
  TOKEN_REJECTED,
  type TokenContext,
} from "./token.ts";
export {
  type CryptoAssembly,
  CryptoReassembly,
  type CryptoReassemblyCounters,
  type CryptoReassemblyOptions,
} from "./crypto_reassembly.ts";
export {
  type LongPacketType,
  QUIC_V1,
  QUIC_V2,
  type QuicVersionInfo,
  quicVersionByName,
  quicVersionInfo,
  type QuicVersionName,
  V1_INFO,
  V2_INFO,
} from "./versions.ts";
export {
  clientInitialProtector,
  initialPacketKeys,
  initialProtectors,
  initialSecrets,
  type InitialSecrets,
  type PacketProtector,
  protectorOf,
} from "./initial_secrets.ts";
export { type OpenedPacket, type OpenFailure, openLongPacket, sealLongPacket } from "./packet_protection.ts";
export { encodeRetry, RETRY_TAG_LENGTH, type RetryFields, retryIntegrityTag, verifyRetryIntegrity } from "./retry_packet.ts";
export { decodeVersionNegotiation, encodeVersionNegotiation } from "./version_negotiation.ts";
export {
  type CryptoSegment,
  encodeConnectionClose,
  encodeCryptoFrame,
  type FrameFailure,
  type InitialFrames,
  parseInitialFrames,
  type PeerClose,
  TransportError,
} from "./frames.ts";
export { type InvariantLongHeader, type LongPacketLayout, readInvariantLongHeader, readLongPacketLayout } from "./long_header.ts";
export { readVarint, type VarintRead, varintLength, writeVarint } from "./varint.ts";
export {
  decodeTransportParameters,
  encodeTransportParameters,
  integerParameter,
  integerValue,
  serverConnectionIdParameters,
  type TransportParameter,
  TransportParameterId,
} from "./transport_parameters.ts";
