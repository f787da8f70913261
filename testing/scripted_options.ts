/**
 * Options of the scripted client (protocol, offers, fragmentation, randomness).
 *
 * @module
 */
import type { ExtensionToEncode } from "../core/messages/client_hello_encoder.ts";
import type { RandomSource } from "./random.ts";
import type { TranscriptHash } from "./transcript.ts";

/** The protocol the scripted client speaks. */
export type ScriptedProtocol = "dtls1.0" | "dtls1.2" | "dtls1.3" | "tls1.3";

/** A pre-shared key to offer (RFC 8446 §4.2.11); binders are computed for real. */
export interface ScriptedPsk {
  /** The PSK identity (a ticket or an external label); at least 1 byte. */
  readonly identity: Uint8Array;
  /** The PSK itself (the binder key is derived from it). */
  readonly secret: Uint8Array;
  /** obfuscated_ticket_age; 0 when omitted (external PSKs use 0). */
  readonly obfuscatedTicketAge?: number;
  /** Hash of the PSK's suite; `"sha256"` when omitted. */
  readonly hash?: TranscriptHash;
  /** External PSK ("ext binder") rather than resumption ("res binder"); default true. */
  readonly external?: boolean;
}

/** Options of {@link ScriptedClient}. Everything but `protocol` has a realistic default. */
export interface ScriptedClientOptions {
  /** What to speak. */
  readonly protocol: ScriptedProtocol;
  /** DTLS 1.3 only: also offer DTLS 1.2 (supported_versions FEFC FEFD, plus 1.2 suites/extensions). */
  readonly offerDtls13AndDtls12?: boolean;
  /** supported_groups; default `[x25519, secp256r1]` (X25519MLKEM768 is put first when `mlkemShare`). */
  readonly groups?: readonly number[];
  /** Groups that get a key_share in ClientHello1; default `[x25519]`; `[]` sends an empty key_share. */
  readonly keyShareGroups?: readonly number[];
  /** Cipher suites; a protocol-appropriate default list when omitted. */
  readonly cipherSuites?: readonly number[];
  /** signature_algorithms; a common default list when omitted (not sent by DTLS 1.0). */
  readonly signatureAlgorithms?: readonly number[];
  /** Send a 32-byte legacy_session_id (TLS 1.3 middlebox compatibility); default true for tls1.3 only. */
  readonly sessionId?: boolean;
  /** DTLS: fragment each ClientHello so that no datagram exceeds `mtu` bytes. */
  readonly mtu?: number;
  /** TLS: most handshake bytes per record (default 16384): smaller values split the ClientHello. */
  readonly tlsRecordPayload?: number;
  /** TLS: split the output stream into chunks of these sizes (cycled); one chunk when omitted. */
  readonly tlsChunkSizes?: readonly number[];
  /** Source of randomness (client random, session id, key shares); the platform CSPRNG by default. */
  readonly random?: RandomSource;
  /** server_name (SNI). */
  readonly serverName?: string;
  /** ALPN protocol names. */
  readonly alpn?: readonly string[];
  /** use_srtp protection profiles (DTLS, e.g. WebRTC's `[0x0007, 0x0001]`). */
  readonly srtpProfiles?: readonly number[];
  /** Add an X25519MLKEM768 (0x11ec) share of the real size, 1216 bytes (random ML-KEM part, real X25519 part). */
  readonly mlkemShare?: boolean;
  /** (D)TLS 1.3: offer this PSK (pre_shared_key last, psk_key_exchange_modes psk_dhe_ke). */
  readonly psk?: ScriptedPsk;
  /** (D)TLS 1.3 with a PSK: send early_data (removed again in ClientHello2). */
  readonly earlyData?: boolean;
  /** Extra extensions (GREASE, unknown types...) inserted before pre_shared_key. */
  readonly extraExtensions?: readonly ExtensionToEncode[];
  /** Record version of the ClientHello records (default: TLS 0301 then 0303; DTLS 1.0/1.2 FEFF; DTLS 1.3 FEFD). */
  readonly recordVersion?: number;
}
