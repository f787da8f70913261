/**
 * Options of the TLS 1.3 server engine ({@link Tls13ServerEngine}): the crypto provider, the
 * certificate(s) and how to pick one, ALPN, suite and group preferences, framing (TLS records or
 * QUIC), and the bounds that protect the engine.
 *
 * @module
 */
import type { CryptoProvider, SigningKey } from "../../crypto/provider.ts";
import type { PeerAddress } from "../../peer.ts";

/** A certificate chain (DER, leaf first) and the private key of its leaf. */
export interface ServerCertificate {
  /** DER certificates, leaf first. */
  readonly chain: readonly Uint8Array[];
  /** The leaf's private key (opaque; from `provider.importSigningKey` or `generateSigningKey`). */
  readonly key: SigningKey;
}

/** What a certificate selector sees of the ClientHello. */
export interface CertificateRequestInfo {
  /** The server_name the client asked for, if any. */
  readonly serverName?: string;
  /** The client's signature_algorithms. */
  readonly signatureAlgorithms: readonly number[];
}

/** Picks a certificate for a ClientHello; `undefined` = none fits (handshake_failure). */
export type CertificateSelector = (info: CertificateRequestInfo) => ServerCertificate | undefined;

/** Picks one of the client's ALPN protocols; `undefined` = none acceptable (no_application_protocol). */
export type AlpnSelector = (offered: readonly string[]) => string | undefined;

/** `tls-records` (TCP: TLSPlaintext/TLSCiphertext records) or `quic` (bare handshake messages per encryption level, RFC 9001). */
export type Tls13Framing = "tls-records" | "quic";

/** Stateless session tickets (opt-in): resumption with psk_dhe_ke (RFC 8446 §4.6.1, §2.2). */
export interface SessionTicketOptions {
  /** 32-byte AES-256-GCM key sealing the tickets; share it among servers that should resume each other's sessions; rotate it to expire all tickets. */
  readonly key: Uint8Array;
  /** Earlier keys still accepted for opening tickets (rotation grace), never used to seal. */
  readonly previousKeys?: readonly Uint8Array[];
  /** ticket_lifetime in seconds (default 7200, at most 604800). */
  readonly lifetimeSeconds?: number;
  /** NewSessionTickets sent after each full or resumed handshake (default 1, 0..8). */
  readonly count?: number;
}

/** Client authentication (opt-in, RFC 8446 §4.3.2). */
export interface ClientAuthOptions {
  /** `request`: ask, accept an empty Certificate; `require`: certificate_required without one. */
  readonly mode: "request" | "require";
  /**
   * Decides whether a presented chain (DER, leaf first) is acceptable (default: any chain whose
   * CertificateVerify verifies, as WebRTC does with fingerprints). `false` → bad_certificate.
   */
  readonly verify?: (chain: readonly Uint8Array[]) => boolean;
  /** signature_algorithms sent in the CertificateRequest (default ECDSA P-256/P-384, Ed25519, RSA-PSS). */
  readonly signatureAlgorithms?: readonly number[];
}

/** Options of {@link Tls13ServerEngine}. */
export interface Tls13ServerOptions {
  /** The crypto provider (`portableProvider`, or the native one from `transports/`). */
  readonly provider: CryptoProvider;
  /** Certificates to choose from: the first whose key can sign with a scheme the client offers. */
  readonly certificates?: readonly ServerCertificate[];
  /** Or a selector (SNI-based, say); takes precedence over `certificates`. */
  readonly selectCertificate?: CertificateSelector;
  /**
   * ALPN: our protocols in preference order, or a selector. When the client offers ALPN and
   * nothing matches, the handshake fails with no_application_protocol (RFC 7301 §3.2). Absent:
   * ALPN is ignored.
   */
  readonly alpn?: readonly string[] | AlpnSelector;
  /** TLS 1.3 suites, most preferred first (default AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305). */
  readonly cipherSuites?: readonly number[];
  /** Named groups, most preferred first (default x25519, secp256r1, secp384r1, X25519MLKEM768). */
  readonly groups?: readonly number[];
  /** Framing (default `tls-records`). */
  readonly framing?: Tls13Framing;
  /** QUIC mode (required there): our encoded transport parameters, sent in EncryptedExtensions (RFC 9001 §8.2). */
  readonly quicTransportParameters?: Uint8Array;
  /**
   * The record_size_limit we advertise when the client offers the extension (RFC 8449; 64..16385,
   * default 16385); protected records larger than it are refused with record_overflow.
   */
  readonly recordSizeLimit?: number;
  /** KeyUpdates accepted in a row without application data between them (default 64), then `key-update-flood`. */
  readonly maxKeyUpdates?: number;
  /** 0-RTT bytes skipped when the client offered early_data that we do not accept (default 65536), then `early-data-limit`. */
  readonly maxEarlyDataBytes?: number;
  /** Largest handshake message accepted, header included (default 65536). */
  readonly maxHandshakeMessageBytes?: number;
  /**
   * Without a stateless retry: when the ClientHello has no usable key share, send a (stateful)
   * HelloRetryRequest asking for one (default true); false fails with handshake_failure.
   */
  readonly statefulRetry?: boolean;
  /** The peer, for the summary (default: from the accepted outcome, else unspecified). */
  readonly peer?: PeerAddress;
  /**
   * Session tickets and resumption (default off). A resumed handshake skips Certificate and
   * CertificateVerify (its summary reports the original signature scheme) but always runs a
   * fresh (EC)DHE exchange (psk_dhe_ke); 0-RTT stays refused.
   */
  readonly sessionTickets?: SessionTicketOptions;
  /**
   * Client certificates (default off). The summary then carries `peerCertificates` and
   * `peerCertificateFingerprint`. No session tickets are issued on such connections.
   */
  readonly clientAuth?: ClientAuthOptions;
  /**
   * The current time (ms) for a ClientHello handed over in the constructor's `accepted`
   * (ticket expiry); default the cookie's issue time, else no resumption for that ClientHello.
   * Later input uses the `now` given to `receive`.
   */
  readonly now?: number;
}
