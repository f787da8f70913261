/**
 * hellogate: a stateless cookie gate in front of DTLS 1.0/1.2/1.3 and TLS 1.3 handshakes.
 *
 * A listener consumes bytes and returns one outcome: send a HelloVerifyRequest or
 * HelloRetryRequest, `accepted` (the peer proved its address; everything the handshake needs to
 * continue is attached), `need-more-data`, or `dropped` / `closed` with a typed reason. Nothing is
 * allocated for a peer until its cookie verifies. Wire codecs live in `./wire`, sockets in
 * `./transports`, test clients in `./testing`.
 *
 * @example
 * ```ts
 * import { CookieKeyring, DatagramListener } from "@hellogate/hellogate";
 * const listener = new DatagramListener({ keyring: CookieKeyring.random() });
 * declare const datagram: Uint8Array;
 * const out = listener.receive(datagram, { family: "ipv4", address: "192.0.2.7", port: 5000 }, Date.now());
 * if (out.kind === "send") console.log("reply with", out.message);
 * ```
 *
 * @module
 */
// The gate: listeners, keyring, outcomes.
export {
  DatagramListener,
  type DatagramListenerCounters,
  type DatagramListenerOptions,
  type DtlsVersionName,
} from "./core/gate/datagram_listener.ts";
export {
  DEFAULT_STREAM_MAX_BUFFERED_BYTES,
  DEFAULT_STREAM_MAX_RECORD_BYTES,
  type StreamFraming,
  StreamListener,
  type StreamListenerCounters,
  type StreamListenerOptions,
  type StreamListenerState,
} from "./core/gate/stream_listener.ts";
export type * from "./core/gate/outcome.ts";
export { GATE_ALERTS } from "./core/gate/alerts.ts";
export {
  DEFAULT_GROUPS,
  DEFAULT_TLS13_CIPHER_SUITES,
  type RetryKeyShare,
  type RetryOptions,
  type RetryPolicy,
} from "./core/gate/retry.ts";
export type { ReassemblyCounters, ReassemblyOptions } from "./core/gate/reassembly.ts";
export {
  CookieKeyring,
  type DerivedKeyringOptions,
  type KeyringOptions,
  MIN_SECRET_LENGTH,
} from "./core/gate/cookie/keyring.ts";
export type { CookieRejection } from "./core/gate/cookie/verdict.ts";
// Peers.
export { formatPeer, normalizePeer, type PeerAddress, parsePeer, UNSPECIFIED_PEER } from "./core/peer.ts";
// ClientHello parsing.
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
export { DecodeError, type DecodeErrorReason } from "./core/wire/decode_error.ts";
// Constants and names.
export { isGrease, ProtocolVersion, type ProtocolName, versionName } from "./core/constants/versions.ts";
export { CipherSuite, cipherSuiteName, type HashName } from "./core/constants/cipher_suites.ts";
export { groupName, NamedGroup } from "./core/constants/groups.ts";
export { ExtensionType, extensionName } from "./core/constants/extensions.ts";
export { AlertDescription, alertName, type AlertName, ContentType, HandshakeType } from "./core/constants/protocol.ts";
// Crypto provider (the portable one; the native one is in ./transports).
export {
  type Aead,
  type AeadName,
  type CryptoProvider,
  type EphemeralKey,
  type HeaderProtectionName,
  type RunningHash,
  SignatureScheme,
  signatureSchemeName,
  type SigningKey,
  type SigningKeyKind,
} from "./core/crypto/provider.ts";
export { createPortableProvider, portableProvider } from "./core/crypto/portable.ts";
// Stateful engines: the action union they share.
export type * from "./core/handshake/actions.ts";
// The TLS 1.3 server engine (records or QUIC mode), continuing from the gate or from a first ClientHello.
export {
  type AlertInfo,
  type AlpnSelector,
  type CertificateRequestInfo,
  type CertificateSelector,
  type ClientAuthOptions,
  DEFAULT_ENGINE_CIPHER_SUITES,
  DEFAULT_ENGINE_GROUPS,
  type ServerCertificate,
  type SessionTicketOptions,
  TLS13_CLOSE_ALERTS,
  type Tls13CloseReason,
  type Tls13Framing,
  Tls13ServerEngine,
  type Tls13ServerOptions,
  type Tls13ServerState,
} from "./core/handshake/tls13/mod.ts";
// The DTLS 1.2 server engine, continuing from the datagram gate's HelloVerifyRequest exchange.
export {
  type ClientAuthMode,
  Dtls12Server,
  type Dtls12ServerOptions,
  type Dtls12ServerState,
  type Dtls12ServerStats,
} from "./core/handshake/dtls12/server.ts";
export { DTLS12_CLOSE_ALERT, type Dtls12CloseReason } from "./core/handshake/dtls12/close_reasons.ts";
export { SrtpProfile } from "./core/handshake/dtls12/srtp.ts";
// Certificates: PEM, the X.509 fields the engines use, self-signed end-entity certificates.
export { loadServerCertificate } from "./core/pki/load.ts";
export { decodePem, encodePem, type PemBlock } from "./core/pki/pem.ts";
export { type CertificateInfo, parseCertificate } from "./core/pki/x509.ts";
export {
  generateSelfSignedCertificate,
  type SelfSignedCertificate,
  type SelfSignedOptions,
} from "./core/pki/self_signed.ts";
