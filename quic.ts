/**
 * hellogate's QUIC front door (RFC 9000 §8.1, RFC 9001, RFC 9369), sans-I/O: `QuicListener`
 * decrypts client Initials, answers with Version Negotiation or a Retry carrying a sealed token,
 * and hands an accepted attempt (peer, version, connection IDs, the ClientHello and its CRYPTO
 * bytes) to the TLS 1.3 engine in QUIC mode. The packet building blocks (Initial secrets,
 * header and packet protection, frames, Retry integrity tag, transport parameters) are here too,
 * for custom QUIC experiments. Sockets: `listenQuic` in `./transports`.
 *
 * @example
 * ```ts
 * import { QuicListener } from "@hellogate/hellogate/quic";
 * import { CookieKeyring } from "@hellogate/hellogate";
 * const listener = new QuicListener({ keyring: CookieKeyring.random() });
 * declare const datagram: Uint8Array;
 * const out = listener.receive(datagram, { family: "ipv4", address: "192.0.2.7", port: 4433 }, Date.now());
 * if (out.kind === "send") console.log(out.message); // "retry" or "version_negotiation"
 * ```
 *
 * @module
 */
export * from "./core/quic/mod.ts";
export type { QuicPacketKeys } from "./core/handshake/key_schedule.ts";
