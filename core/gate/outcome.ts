/**
 * What a listener returns for each input: exactly one {@link Outcome}. Listeners never throw
 * on remote input; every way a peer can fail is a typed {@link DropReason}.
 *
 * @module
 */
import type { ClientHello } from "../messages/client_hello.ts";
import type { KeyShareEntry } from "../messages/client_hello_extensions.ts";
import type { PeerAddress } from "../peer.ts";
import type { ProtocolName } from "../constants/versions.ts";
import type { AlertName } from "../constants/protocol.ts";
import type { HashName } from "../constants/cipher_suites.ts";

/**
 * Reasons both gates share: what is wrong with a ClientHello or its cookie, and the record-level
 * checks both framings make. One literal per distinct check.
 */
export type HelloRejectReason =
  /** Record version major byte is not 0xFE (datagram) / not a TLS version (stream). */
  | "bad-record-version"
  /** Record length runs past the datagram or exceeds the maximum. */
  | "bad-record-length"
  /** The handshake message is not a ClientHello. */
  | "not-client-hello"
  /** The ClientHello is larger than the listener's cap. */
  | "message-too-large"
  /** The ClientHello body does not decode (the detail names the field and the DecodeError reason). */
  | "malformed-client-hello"
  /** Nothing in the ClientHello's versions is enabled on this listener. */
  | "unsupported-version"
  /** The ClientHello offers no suite we accept. */
  | "no-common-cipher-suite"
  /** The ClientHello offers no group we accept. */
  | "no-common-group"
  /** Cookie bad in a way that must not be answered with another HVR/HRR (TLS 1.3 / DTLS 1.3). */
  | "invalid-cookie"
  /** CH2 does not match the cookie (suite not offered, wrong group, not exactly one share, early_data). */
  | "cookie-mismatch"
  /**
   * CH2 changed a part of CH1 that RFC 8446 §4.1.2 freezes (anything but key_share, early_data,
   * cookie, pre_shared_key and padding; key_share too after a cookie-only HRR): illegal_parameter.
   */
  | "client-hello-changed"
  /** A (D)TLS 1.3 ClientHello whose compression_methods is not exactly [0] (RFC 8446 §4.1.2): illegal_parameter. */
  | "illegal-compression-methods";

/** Why the `DatagramListener` dropped a datagram (DTLSv1_listen's order first). */
export type DatagramDropReason =
  | HelloRejectReason
  /** Datagram shorter than a DTLS record header (13 bytes). */
  | "too-short"
  /** First record is not a handshake record. */
  | "not-handshake"
  /** Epoch is not 0. */
  | "bad-epoch"
  /** A DTLS 1.3 unified-header (encrypted) record: nothing a stateless listener can read. */
  | "encrypted-record"
  /** The record does not hold exactly one handshake fragment header. */
  | "bad-handshake-fragment"
  /** message_seq is more than 1. */
  | "bad-message-seq"
  /** Fragment offset/length inconsistent with the message length. */
  | "bad-fragment"
  /** DTLS 1.3 ClientHello carries a non-empty legacy_cookie (RFC 9147 §5.3). */
  | "legacy-cookie-not-empty"
  /** A fragment could not be held: the reassembly budget is full or disabled. */
  | "reassembly-budget"
  /** A reply would exceed the amplification bound. */
  | "amplification-limit";

/** Why the `StreamListener` closed a stream (or dropped input after it finished). */
export type StreamCloseReason =
  | HelloRejectReason
  /** The first bytes are not TLS (e.g. an HTTP request). */
  | "not-tls"
  /** A record other than handshake (or the one allowed CCS) before the ClientHello. */
  | "unexpected-record"
  /** Buffered bytes exceeded the per-stream cap. */
  | "buffer-limit"
  /** The peer sent an alert. */
  | "peer-alert"
  /** The peer closed the stream before a ClientHello was accepted. */
  | "end-of-stream"
  /** Input after the listener already finished (accepted or closed). */
  | "after-finish";

/** Every reason either gate reports (the strings of the CLI's JSON `reason` field). */
export type DropReason = DatagramDropReason | StreamCloseReason;

/** Which reply a `send` outcome carries. */
export type SentMessage = "hello_verify_request" | "hello_retry_request" | "alert";

/** Reply bytes to send to the peer. The listener kept nothing. */
export interface SendOutcome {
  /** Discriminant. */
  readonly kind: "send";
  /** What the bytes are. */
  readonly message: SentMessage;
  /** Exact bytes to put on the wire (one datagram, or the next stream bytes). Never reused by the
   * listener; a DTLS HelloVerifyRequest is a view into a shared slab (`core/wire/byte_slab.ts`). */
  readonly bytes: Uint8Array;
  /** Protocol the reply speaks. */
  readonly protocol: ProtocolName;
  /** For alerts: the description sent. */
  readonly alert?: AlertName;
  /** For alerts: why. */
  readonly reason?: DropReason;
  /** Human detail for logs (never contains secrets). */
  readonly detail?: string;
}

/** The input was discarded; nothing was sent and nothing kept. */
export interface DroppedOutcome<Reason extends DropReason = DropReason> {
  /** Discriminant. */
  readonly kind: "dropped";
  /** Typed reason. */
  readonly reason: Reason;
  /** Short human detail. */
  readonly detail: string;
}

/** A fragment or partial record was held; feed more input. */
export interface NeedMoreDataOutcome {
  /** Discriminant. */
  readonly kind: "need-more-data";
  /** Bytes still needed to complete the current unit, when known. */
  readonly bytesNeeded?: number;
}

/**
 * The stream is finished without an accept: either the peer sent an alert or closed, or we
 * send a fatal alert (`bytes`, to write before closing).
 */
export interface ClosedOutcome {
  /** Discriminant. */
  readonly kind: "closed";
  /** Why. */
  readonly reason: StreamCloseReason;
  /** Human detail. */
  readonly detail: string;
  /** Fatal alert record to write before closing, if we send one (tls-records framing). */
  readonly bytes?: Uint8Array;
  /** Our alert (sent in `bytes`, or for `handshake-messages` framing reported here for the transport to send its way). */
  readonly alert?: AlertName;
  /** The peer's alert description name, for `peer-alert` (kept apart from ours). */
  readonly peerAlert?: string;
}

/** TLS 1.3 / DTLS 1.3 facts negotiated by the stateless exchange, for the continuation. */
export interface RetryContext {
  /** Selected cipher suite (the same the HRR carried; RFC 8446 §4.1.4). */
  readonly cipherSuite: number;
  /** Hash of the suite. */
  readonly hash: HashName;
  /** Group the HRR requested, or the group of the client's usable share when the HRR requested none. */
  readonly group: number;
  /** The client's key share for `group` in CH2. */
  readonly keyShare: KeyShareEntry;
  /** Hash(ClientHello1) over the TLS-style (4-byte header) message. */
  readonly clientHello1Hash: Uint8Array;
  /** The HelloRetryRequest handshake message as it enters the transcript (4-byte TLS header). */
  readonly helloRetryRequest: Uint8Array;
  /** `message_hash(Hash(CH1)) || HRR` (RFC 8446 §4.4.1): append CH2 to continue the transcript. */
  readonly transcriptPrefix: Uint8Array;
  /** Application data carried in the cookie (empty when none). */
  readonly appData: Uint8Array;
}

/** DTLS record/message numbering the continuation must follow. */
export interface DatagramSequencing {
  /** Record sequence number of the (last) CH2 record: the server's first flight reuses it (RFC 6347 §4.2.1). */
  readonly recordSequence: number;
  /** message_seq of the accepted ClientHello. */
  readonly clientMessageSeq: number;
  /** message_seq the server's next handshake message must use. */
  readonly nextServerMessageSeq: number;
}

/**
 * The client proved its address; hand everything to the continuation.
 *
 * Nothing in it aliases the bytes given to `receive()`: the ClientHello is decoded from a private
 * copy (`clientHello`'s byte fields are views into `clientHelloMessage`), and `remainder` is a
 * copy too, so the caller may reuse its receive buffer at once. (The DTLS 1.0/1.2 listener
 * carves that copy from a shared 4 KiB slab, as it does its HelloVerifyRequest replies: the
 * array is private, but its `.buffer` is the slab; `core/wire/byte_slab.ts`.)
 */
export interface AcceptedOutcome {
  /** Discriminant. */
  readonly kind: "accepted";
  /** The validated peer. */
  readonly peer: PeerAddress;
  /** Negotiated protocol. */
  readonly protocol: ProtocolName;
  /** How the address was validated: a cookie round trip, or the transport itself (TCP, opt-in). */
  readonly addressValidated: "cookie" | "transport";
  /** The accepted ClientHello (CH2 after a cookie exchange), decoded. */
  readonly clientHello: ClientHello;
  /**
   * The accepted ClientHello as one whole handshake message, in the form its transcript hashes:
   * a 4-byte header for TLS and DTLS 1.3 (RFC 9147 §5.2), the unfragmented 12-byte DTLS header
   * for DTLS 1.0/1.2 (RFC 6347 §4.2.6).
   */
  readonly clientHelloMessage: Uint8Array;
  /** Bytes that followed the ClientHello (rest of the datagram / stream); never lost. */
  readonly remainder: Uint8Array;
  /** Cookie issue time, seconds since the epoch (absent when the transport validated). */
  readonly cookieIssuedAt?: number;
  /** (D)TLS 1.3 only. */
  readonly retry?: RetryContext;
  /** DTLS only. */
  readonly sequencing?: DatagramSequencing;
}

/** What `DatagramListener.receive` returns: a datagram gate never "closes" anything. */
export type DatagramOutcome =
  | SendOutcome
  | DroppedOutcome<DatagramDropReason>
  | NeedMoreDataOutcome
  | AcceptedOutcome;

/** What `StreamListener.receive` and `end` return. */
export type StreamOutcome =
  | SendOutcome
  | DroppedOutcome<StreamCloseReason>
  | NeedMoreDataOutcome
  | ClosedOutcome
  | AcceptedOutcome;

/** Either gate's outcome (for code that handles both, e.g. logging). */
export type Outcome = DatagramOutcome | StreamOutcome;
