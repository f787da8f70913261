/**
 * Transports for hellogate: UDP, TCP and WHATWG-stream adapters that drive the sans-I/O
 * listeners with real sockets under Deno, Bun and Node.
 *
 * - UDP: {@link listenUdp} (node:dgram by default; `adapter: "auto"` picks `Bun.udpSocket`
 *   under Bun, or `Deno.listenDatagram` under Deno when started with `--unstable-net`).
 *   Accepted peers become {@link DatagramConnection}s; their later datagrams (including the
 *   rest of a fragmented ClientHello) are routed to them, never lost.
 * - TCP: {@link listenTcp} (`Deno.listen` / `Bun.listen` by default, `adapter: "node"` for node:net).
 * - Streams: {@link acceptStream} over any `{ readable, writable }` pair (QUIC-like streams).
 *
 * Every listener is an async iterable of accepted connections, closes on an `AbortSignal`,
 * and keeps {@link TransportCounters} (HVR/HRR/alerts sent, accepted, dropped by reason,
 * bytes in/out, amplification) readable at any time.
 *
 * @example
 * ```ts
 * import { listenUdp, type DatagramEngine } from "@hellogate/hellogate/transports";
 * declare const engine: DatagramEngine; // e.g. new DatagramListener({ keyring })
 * const ac = new AbortController();
 * const udp = await listenUdp({ hostname: "127.0.0.1", port: 0, engine, signal: ac.signal });
 * for await (const conn of udp) {
 *   console.log("accepted", conn.accepted.protocol, "from", conn.peer);
 *   for await (const datagram of conn.datagrams) console.log(datagram.length);
 * }
 * ```
 *
 * @module
 */
export type { DatagramEngine, StreamEngine, StreamEngineFactory } from "./engine.ts";
export { type Clock, ManualClock, systemClock } from "./clock.ts";
export { AsyncQueue } from "./queue.ts";
export {
  type AcceptedEvent,
  type ClosedEvent,
  type CountersSnapshot,
  type DroppedEvent,
  type SentEvent,
  TransportCounters,
  type TransportDropReason,
  type TransportEvent,
  type TransportEventBase,
  type TransportKind,
} from "./counters.ts";
export type { BindOptions } from "./address.ts";
export type { ConnectionEndReason, DatagramConnection } from "./connection.ts";
export {
  DatagramGate,
  type DatagramGateOptions,
  type DatagramSocketBinding,
  type UdpAdapterName,
  type UdpListener,
} from "./datagram_gate.ts";
export { listenUdpNode, type UdpListenOptions } from "./udp_node.ts";
export { denoUdpAvailable, listenUdpDeno } from "./udp_deno.ts";
export { bunUdpAvailable, listenUdpBun } from "./udp_bun.ts";
export { autoUdpAdapter, listenUdp, type ListenUdpOptions, type UdpAdapterChoice } from "./udp.ts";
export {
  listenQuic,
  type ListenQuicOptions,
  type QuicConnection,
  type QuicEngine,
  type QuicTransportEvent,
  type QuicUdpAdapterChoice,
  type QuicUdpServer,
} from "./quic_udp.ts";
export type {
  QuicAccepted,
  QuicDropped,
  QuicDropReason,
  QuicNeedMoreData,
  QuicOutcome,
  QuicSend,
  QuicSentMessage,
} from "../core/quic/outcome.ts";
export type { QuicTokenKind, QuicTokenRejection } from "../core/quic/token.ts";
export type { QuicVersionName } from "../core/quic/versions.ts";
export {
  createNativeProvider,
  defaultCryptoProvider,
  type NativeCryptoFallback,
  type NativeCryptoProvider,
  nativeProvider,
} from "./native_crypto.ts";
export type {
  Aead,
  AeadName,
  CryptoProvider,
  EphemeralKey,
  HashName,
  HeaderProtectionName,
  RunningHash,
  SigningKey,
  SigningKeyKind,
} from "../core/crypto/provider.ts";
export {
  acceptStream,
  type AcceptedStream,
  type AcceptStreamOptions,
  type RejectedStream,
  type StreamAcceptResult,
  type StreamIO,
} from "./streams.ts";
export {
  type RawStreamConnection,
  StreamGate,
  type StreamGateOptions,
  type StreamServerBinding,
  type TcpAdapterName,
  type TcpConnection,
  type TcpListener,
} from "./stream_gate.ts";
export { listenTcpNode, nodeSocketStreams, type TcpListenOptions } from "./tcp_node.ts";
export { denoTcpAvailable, listenTcpDeno } from "./tcp_deno.ts";
export type { LeanConnection } from "./tcp_lean.ts";
export {
  DEFAULT_MAX_BUFFERED_HANDSHAKE_BYTES,
  DEFAULT_MAX_PENDING_HANDSHAKES,
  DEFAULT_MAX_PENDING_PER_SOURCE,
  DEFAULT_MIN_IDLE_BEFORE_EVICTION_MS,
  sourceKey,
} from "./tcp_fairness.ts";
export { bunTcpAvailable, listenTcpBun } from "./tcp_bun.ts";
export { autoTcpAdapter, listenTcp, type ListenTcpOptions, type TcpAdapterChoice } from "./tcp.ts";
export { currentRuntime, type RuntimeName } from "./runtime.ts";
export type { PeerAddress } from "../core/peer.ts";
export type * from "../core/gate/outcome.ts";
export type { ProtocolName } from "../core/constants/versions.ts";
export { AlertDescription, type AlertName } from "../core/constants/protocol.ts";
export type { ClientHello, ClientHelloOffsets, RawExtension } from "../core/messages/client_hello.ts";
export type {
  DecodedExtensions,
  KeyShareEntry,
  PreSharedKeyOffer,
  PskIdentity,
  UseSrtp,
} from "../core/messages/client_hello_extensions.ts";
export {
  type AcceptedByteStream,
  driveTlsHandshake,
  type DriveTlsOptions,
  type TlsClosedInfo,
  type TlsConnection,
  type TlsHandshakeFailure,
  type TlsHandshakeSuccess,
} from "./tls_connection.ts";
export { decideRetry, retryWhenBusy, type TlsLoad, type TlsRetryPolicy } from "./tls_retry_policy.ts";
export {
  listenTls,
  type ListenTlsOptions,
  type TlsEndEvent,
  type TlsEngineFactory,
  type TlsHandshakeEvent,
  type TlsListener,
  type TlsServerEvent,
} from "./tls_server.ts";
export type * from "../core/handshake/actions.ts";
export type * from "../core/gate/cookie/keyring.ts";
export type { CookieMacKey, MacStream } from "../core/gate/cookie/mac.ts";
export type { RetryKeyShare } from "../core/gate/retry.ts";
export { describeSummary, serveWwwPage, type WwwOptions, type WwwResult, wwwPage } from "./tls_www.ts";
export type {
  AlpnSelector,
  CertificateRequestInfo,
  CertificateSelector,
  ClientAuthOptions,
  ServerCertificate,
  SessionTicketOptions,
  Tls13Framing,
  Tls13ServerOptions,
} from "../core/handshake/tls13/mod.ts";
export {
  type DtlsClosedInfo,
  type DtlsCloseReason,
  type DtlsConnection,
  type DtlsEvent,
  type DtlsListener,
  listenDtls,
  type ListenDtlsOptions,
} from "./dtls_server.ts";
export type { ClientAuthMode, Dtls12ServerOptions } from "../core/handshake/dtls12/server.ts";
export type { Dtls12CloseReason } from "../core/handshake/dtls12/close_reasons.ts";
