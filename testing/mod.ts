/**
 * Test helpers for hellogate users: a scripted (D)TLS client that builds realistic first
 * flights (DTLS 1.0/1.2/1.3, TLS 1.3; real X25519/P-256 shares; post-quantum-size shares;
 * fragmentation at an MTU), checks a server's HelloVerifyRequest / HelloRetryRequest as a strict
 * client would and answers it; plus helpers to fragment, reorder and duplicate DTLS handshake
 * fragments for property tests.
 *
 * @example
 * ```ts
 * import { ScriptedClient } from "@hellogate/hellogate/testing";
 * const client = new ScriptedClient({ protocol: "dtls1.2", mtu: 200 });
 * const datagrams = client.firstFlight();
 * console.log(datagrams.every((d) => d.length <= 200));
 * ```
 *
 * @module
 */
export {
  type AlertReply,
  type ClientReply,
  type ErrorReply,
  HELLO_RETRY_REQUEST_RANDOM,
  type HelloRetryRequestReply,
  type HelloVerifyRequestReply,
  ScriptedClient,
  type ScriptedClientOptions,
  type ScriptedProtocol,
  type ScriptedPsk,
  type ServerHelloReply,
  TLS_CCS_RECORD,
} from "./scripted_client.ts";
export {
  concatBytes,
  dtlsHandshakeFragment,
  type DtlsRecordParams,
  fragmentAtCuts,
  type FragmentedFlight,
  fragmentForMtu,
  fragmentHandshakeMessage,
  type HandshakeMessageParts,
  packDatagrams,
  rearrange,
  splitStream,
  wrapInDtlsRecords,
} from "./fragment.ts";
export { cryptoRandom, type RandomSource, seededRandom } from "./random.ts";
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
} from "../core/messages/client_hello_encoder.ts";
export {
  hashBytes,
  hashLength,
  messageHash,
  tlsHandshakeMessage,
  type TranscriptHash,
} from "./transcript.ts";
export { binderFinishedKey, computeBinder, hkdfExpandLabel } from "./psk_binder.ts";
export { readServerFlight, type ServerFlightItem, type ServerHandshakeMessage } from "./server_flight.ts";
export { Dtls12TestClient, type Dtls12TestClientOptions, type Dtls12TestClientResult } from "./dtls12_client.ts";
export {
  connectInMemory,
  type InMemoryPair,
  pump,
  type Tls13ClientEvent,
  type Tls13ClientOutput,
  type Tls13ClientState,
  type Tls13SessionTicket,
  Tls13TestClient,
  type Tls13TestClientOptions,
} from "./tls13_client.ts";
