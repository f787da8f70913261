/**
 * Small shared test helpers: hex encoding/decoding and loading of `tests/fixtures/*.hex`.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** Decodes hex, ignoring whitespace. Throws on odd length or a non-hex digit (test input only). */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (clean.length % 2 !== 0) throw new Error(`odd hex length ${clean.length}`);
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new Error("non-hex digit");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Lowercase hex of `bytes`. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Path of `tests/fixtures/NAME.hex`. */
export function fixturePath(name: string): string {
  const url = new URL(`../fixtures/${name}.hex`, import.meta.url);
  return decodeURIComponent(url.pathname);
}

/**
 * Reads `tests/fixtures/NAME.hex`: one datagram (DTLS) or stream prefix (TLS) per non-empty,
 * non-`#` line.
 */
export function loadHexFixture(name: string): Uint8Array[] {
  const text = readFileSync(fixturePath(name), "utf8");
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith("#"))
    .map(hex);
}

/** Names (without `.hex`) of the real-client capture fixtures, grouped by transport. */
export const DTLS_FIXTURES = [
  "dtls10-gnutls",
  "dtls10-openssl",
  "dtls12-gnutls",
  "dtls12-gnutls-mtu128",
  "dtls12-openssl",
  "dtls12-openssl-mtu256",
  "dtls12-openssl-mtu256-frag",
] as const;

/** TLS capture fixtures (one stream prefix each). */
export const TLS_FIXTURES = ["tls13-gnutls", "tls13-node", "tls13-openssl", "tls13-openssl-p256"] as const;
