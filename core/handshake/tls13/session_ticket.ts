/**
 * Stateless session tickets (RFC 8446 §4.6.1, RFC 5077's idea): everything a resumption needs
 * (suite, PSK, issue time, lifetime, ticket_age_add, the original signature scheme, SNI)
 * sealed with AES-256-GCM under the server's ticket key, so any server holding the key can
 * resume, and the server keeps nothing per client. Layout: `01 || nonce(12) || AEAD(contents)`
 * with the version byte as AAD. And the NewSessionTicket message that carries a ticket.
 *
 * @module
 */
import type { CryptoProvider } from "../../crypto/provider.ts";
import { Reader } from "../../wire/reader.ts";
import { Writer } from "../../wire/writer.ts";
import { encodeTlsHandshake } from "../../wire/handshake_header.ts";

const VERSION = 1;

/** What a ticket carries. Contains the PSK: secret. */
export interface TicketContents {
  /** The suite of the original connection (a resumption must use one with the same hash). */
  readonly cipherSuite: number;
  /** Issue time, ms since the epoch (injected clock). */
  readonly issuedAt: number;
  /** ticket_lifetime in seconds. */
  readonly lifetimeSeconds: number;
  /** ticket_age_add. */
  readonly ageAdd: number;
  /** The signature scheme that authenticated the original handshake. */
  readonly signatureScheme: number;
  /** The resumption PSK. */
  readonly psk: Uint8Array;
  /** The server_name of the original connection ("" when none); a resumption must ask for the same name. */
  readonly serverName: string;
}

/** Seals `contents` under `key` (32 bytes). */
export function sealTicket(provider: CryptoProvider, key: Uint8Array, contents: TicketContents): Uint8Array {
  const w = new Writer(80);
  w.u16(contents.cipherSuite).u48(contents.issuedAt).u32(contents.lifetimeSeconds).u32(contents.ageAdd)
    .u16(contents.signatureScheme).vector(1, contents.psk).vector(2, latin1(contents.serverName));
  const plain = w.finish();
  const nonce = provider.random(12);
  const aad = new Uint8Array([VERSION]);
  const sealed = provider.aead("aes-256-gcm", key).seal(nonce, aad, plain);
  plain.fill(0);
  const out = new Uint8Array(1 + 12 + sealed.length);
  out[0] = VERSION;
  out.set(nonce, 1);
  out.set(sealed, 13);
  return out;
}

/** Opens a ticket; `undefined` for anything not sealed by `key` in this format (never throws on input). */
export function openTicket(provider: CryptoProvider, key: Uint8Array, ticket: Uint8Array): TicketContents | undefined {
  if (ticket.length < 1 + 12 + 16 || ticket[0] !== VERSION) return undefined;
  const plain = provider.aead("aes-256-gcm", key).open(ticket.subarray(1, 13), ticket.subarray(0, 1), ticket.subarray(13));
  if (!plain) return undefined;
  try {
    const r = new Reader(plain);
    const contents: TicketContents = {
      cipherSuite: r.u16("suite"),
      issuedAt: r.u48("issued_at"),
      lifetimeSeconds: r.u32("lifetime"),
      ageAdd: r.u32("age_add"),
      signatureScheme: r.u16("scheme"),
      psk: r.vectorBytes(1, "psk", 32, 48).slice(),
      serverName: String.fromCharCode(...r.vectorBytes(2, "server_name")),
    };
    r.expectEnd("ticket");
    return contents;
  } catch {
    return undefined;
  } finally {
    plain.fill(0);
  }
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** The NewSessionTicket handshake message (RFC 8446 §4.6.1), no extensions (no early data). */
export function encodeNewSessionTicket(lifetimeSeconds: number, ageAdd: number, nonce: Uint8Array, ticket: Uint8Array): Uint8Array {
  const w = new Writer(16 + nonce.length + ticket.length);
  w.u32(lifetimeSeconds).u32(ageAdd).vector(1, nonce).vector(2, ticket).u16(0);
  return encodeTlsHandshake(4, w.finish());
}
