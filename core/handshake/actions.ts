/**
 * What a stateful handshake engine (TLS 1.3 server, DTLS 1.2 server) tells its driver, in the
 * h11 / rustls-unbuffered style: the driver feeds bytes with `receive(bytes, now)` and then calls
 * `poll()` until it returns `{ kind: "need-data" }`. Every action is one thing to do: put bytes on
 * the wire, arm a timer, report the finished handshake, deliver plaintext, install QUIC keys, or
 * close. Engines never throw on remote input; misuse (writing before the handshake completes,
 * receiving after close) throws.
 *
 * @module
 */
import type { PeerAddress } from "../peer.ts";

/** QUIC encryption levels (RFC 9001 §4). */
export type QuicLevel = "initial" | "handshake" | "application";

/** Bytes to write to the peer: a stream chunk (TLS), one datagram (DTLS) or CRYPTO data (QUIC). */
export interface SendAction {
  /** Discriminant. */
  readonly kind: "send";
  /** Exact bytes. Datagram engines return one datagram per action. */
  readonly bytes: Uint8Array;
  /** DTLS epoch / TLS traffic epoch the bytes were protected under (0 = plaintext). */
  readonly epoch?: number;
  /** QUIC mode: the encryption level the CRYPTO bytes belong to. */
  readonly level?: QuicLevel;
  /** Short label for logs, e.g. `"server_hello"`, `"flight-4"`, `"retransmit"`, `"alert"`. */
  readonly label?: string;
}

/** Datagram engines: call `handleTimeout(now)` at (or after) `at` (milliseconds, injected clock). */
export interface TimerAction {
  /** Discriminant. */
  readonly kind: "timer";
  /** Absolute time (same clock as `now`) at which to call `handleTimeout`; `undefined` cancels the timer. */
  readonly at: number | undefined;
}

/** What the finished handshake negotiated (safe to log: no secrets). */
export interface HandshakeSummary {
  /** `"tls1.3"` or `"dtls1.2"`. */
  readonly protocol: "tls1.3" | "dtls1.2";
  /** Cipher suite code point. */
  readonly cipherSuite: number;
  /** Named group of the (EC)DHE exchange. */
  readonly group: number;
  /** SignatureScheme the server signed with. */
  readonly signatureScheme: number;
  /** Negotiated ALPN protocol, if any. */
  readonly alpn?: string;
  /** The server_name the client asked for, if any. */
  readonly sni?: string;
  /** The client's certificate chain (DER, leaf first), when one was requested and sent. */
  readonly peerCertificates?: readonly Uint8Array[];
  /** SHA-256 of the client's leaf certificate, lowercase hex with colons (SDP `a=fingerprint` style). */
  readonly peerCertificateFingerprint?: string;
  /** True when the address was validated by a stateless retry (HRR or HVR) before this engine. */
  readonly retried: boolean;
  /** DTLS-SRTP: the negotiated SRTP protection profile (RFC 5764). */
  readonly srtpProfile?: number;
  /** The validated peer. */
  readonly peer: PeerAddress;
}

/** The handshake finished; application data may flow. Emitted once. */
export interface HandshakeCompleteAction {
  /** Discriminant. */
  readonly kind: "handshake-complete";
  /** What was negotiated. */
  readonly summary: HandshakeSummary;
}

/** Decrypted application data from the peer. */
export interface ApplicationDataAction {
  /** Discriminant. */
  readonly kind: "application-data";
  /** The plaintext (owned by the caller). */
  readonly data: Uint8Array;
}

/**
 * QUIC mode: traffic secrets for one encryption level (RFC 9001 §4.1.4). Contains secrets:
 * never log it. `toJSON` and inspection are redacted by the engine.
 */
export interface QuicSecretsAction {
  /** Discriminant. */
  readonly kind: "quic-secrets";
  /** Which level the secrets protect. */
  readonly level: Exclude<QuicLevel, "initial">;
  /** The negotiated TLS 1.3 cipher suite (decides AEAD, hash and header protection). */
  readonly cipherSuite: number;
  /** client_handshake_traffic_secret or client_application_traffic_secret_0. */
  readonly clientSecret: Uint8Array;
  /** server_handshake_traffic_secret or server_application_traffic_secret_0. */
  readonly serverSecret: Uint8Array;
}

/** Whose alert closed the connection. */
export type AlertSender = "us" | "peer";

/**
 * The connection is over. Any `send` actions before it (e.g. our alert) must still be written.
 * One exception, TLS 1.3's half-close (RFC 8446 §6.1): `peer-close-notify` on an established
 * connection ends the peer's side only; `write()` still works and `close()` sends our close_notify.
 */
export interface ClosedAction<Reason extends string = string> {
  /** Discriminant. */
  readonly kind: "closed";
  /** Typed reason (each engine has its own union). */
  readonly reason: Reason;
  /** Human detail for logs (never secrets). */
  readonly detail: string;
  /** The alert that ended it, and who sent it; absent when the transport ended without one. */
  readonly alert?: { readonly description: number; readonly name: string; readonly sender: AlertSender };
}

/** Nothing more to do until more input (or a timer) arrives. */
export interface NeedDataAction {
  /** Discriminant. */
  readonly kind: "need-data";
}

/** Everything `poll()` can return. */
export type EngineAction<Reason extends string = string> =
  | SendAction
  | TimerAction
  | HandshakeCompleteAction
  | ApplicationDataAction
  | QuicSecretsAction
  | ClosedAction<Reason>
  | NeedDataAction;

/** The driving surface every stateful engine offers. */
export interface HandshakeEngine<Reason extends string = string> {
  /** Feeds bytes from the peer (a stream chunk, a datagram, or QUIC CRYPTO data with its level). */
  receive(bytes: Uint8Array, now: number): void;
  /** The next action; `{ kind: "need-data" }` once nothing is pending. */
  poll(): EngineAction<Reason>;
  /** Queues application data (throws before the handshake completes or after close). */
  write(data: Uint8Array): void;
  /** Starts a graceful close (close_notify). */
  close(): void;
}
