/**
 * hellogate: a stateless cookie gate in front of DTLS 1.0/1.2/1.3 and TLS 1.3 handshakes.
 *
 * A listener consumes bytes and returns one {@link Outcome}: send a HelloVerifyRequest or
 * HelloRetryRequest, `accepted` (the peer proved its address; everything the handshake needs to
 * continue is attached), `need-more-data`, or `dropped` with a typed reason. Nothing is allocated
 * for a peer until its cookie verifies.
 *
 * @example
 * ```ts
 * import { parseClientHello, groupName } from "@hellogate/hellogate";
 * declare const body: Uint8Array;
 * const ch = parseClientHello(body, { dtls: false });
 * console.log(ch.supportedGroups?.map(groupName));
 * ```
 *
 * @module
 */
export { DecodeError, type DecodeErrorReason } from "./core/wire/decode_error.ts";
export { Reader } from "./core/wire/reader.ts";
export { Writer } from "./core/wire/writer.ts";
export {
  dtlsRecords,
  type DtlsRecord,
  encodeDtlsRecord,
  encodeTlsRecord,
  isDtlsUnifiedHeader,
  peekTlsRecordHeader,
  readDtlsRecord,
  type TlsRecordHeader,
} from "./core/wire/record.ts";
export {
  type DtlsHandshakeFragment,
  encodeDtlsHandshake,
  encodeTlsHandshake,
  readDtlsHandshakeFragment,
} from "./core/wire/handshake_header.ts";
export { isGrease, ProtocolVersion, type ProtocolName, versionName } from "./core/constants/versions.ts";
export { CipherSuite, cipherSuiteName, type HashName, tls13SuiteHash } from "./core/constants/cipher_suites.ts";
export { clientShareLength, groupName, NamedGroup } from "./core/constants/groups.ts";
export { ExtensionType, extensionName } from "./core/constants/extensions.ts";
export { AlertDescription, alertName, type AlertName, ContentType, HandshakeType } from "./core/constants/protocol.ts";
export {
  type ClientHello,
  type ClientHelloOffsets,
  findExtension,
  parseClientHello,
  type ParseClientHelloOptions,
  type RawExtension,
} from "./core/messages/client_hello.ts";
export type {
  DecodedExtensions,
  KeyShareEntry,
  PreSharedKeyOffer,
  PskIdentity,
  UseSrtp,
} from "./core/messages/client_hello_extensions.ts";
export {
  type ClientHelloFields,
  encodeAlpn,
  encodeClientHello,
  encodeCookieExtension,
  encodeKeyShareClient,
  encodeServerName,
  encodeSupportedVersionsClient,
  encodeU16List,
  encodeU8Vector,
  type ExtensionToEncode,
} from "./core/messages/client_hello_encoder.ts";
export { formatPeer, normalizePeer, type PeerAddress, parsePeer, UNSPECIFIED_PEER } from "./core/peer.ts";
export type * from "./core/gate/outcome.ts";
export {
  CookieKeyring,
  type CookieKeySlot,
  type DerivedKeyringOptions,
  type KeyringOptions,
  MIN_SECRET_LENGTH,
} from "./core/gate/cookie/keyring.ts";
export { HVR_COOKIE_LENGTH, type HvrCookieInfo, issueHvrCookie, verifyHvrCookie } from "./core/gate/cookie/hvr_cookie.ts";
export {
  HRR_COOKIE_MAC_LENGTH,
  HRR_COOKIE_MAX_APP_DATA,
  HRR_COOKIE_PEER_FREE_TAG_LENGTH,
  type HrrCookieFields,
  type HrrCookieInfo,
  hrrCookieLength,
  issueHrrCookie,
  verifyHrrCookie,
} from "./core/gate/cookie/hrr_cookie.ts";
export {
  type CookieCheckOptions,
  type CookieRejected,
  type CookieRejection,
  type CookieVerdict,
  DEFAULT_COOKIE_LIFETIME_SECONDS,
  DEFAULT_MAX_CLOCK_SKEW_SECONDS,
} from "./core/gate/cookie/verdict.ts";
export { CookieMacKey, MacStream } from "./core/gate/cookie/mac.ts";
export {
  DatagramListener,
  type DatagramListenerCounters,
  type DatagramListenerOptions,
  type DtlsVersionName,
} from "./core/gate/datagram_listener.ts";
export {
  ENTRY_OVERHEAD_BYTES,
  MAX_RANGES,
  ReassemblyBudget,
  type ReassemblyCounters,
  type ReassemblyOptions,
  type ReassemblyResult,
  type FragmentInput,
} from "./core/gate/reassembly.ts";
export {
  DEFAULT_GROUPS,
  DEFAULT_TLS13_CIPHER_SUITES,
  negotiate,
  type Negotiation,
  type RetryKeyShare,
  type RetryOptions,
  type RetryPolicy,
} from "./core/gate/retry.ts";
export {
  CHANGE_CIPHER_SPEC_RECORD,
  encodeHelloRetryRequestBody,
  encodeHelloRetryRequestMessage,
  encodeMessageHash,
  HELLO_RETRY_REQUEST_RANDOM,
  type HelloRetryRequestFields,
  transcriptPrefix,
} from "./core/messages/hello_retry_request.ts";
export { encodeHelloVerifyRequest, type HelloVerifyRequestFields } from "./core/messages/hello_verify_request.ts";
export {
  DEFAULT_STREAM_MAX_BUFFERED_BYTES,
  DEFAULT_STREAM_MAX_RECORD_BYTES,
  type StreamFraming,
  StreamListener,
  type StreamListenerCounters,
  type StreamListenerOptions,
  type StreamListenerState,
} from "./core/gate/stream_listener.ts";
