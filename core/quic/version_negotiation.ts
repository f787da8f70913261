/**
 * Version Negotiation packets (RFC 9000 §17.2.1, RFC 8999 §6): version 0, the client's
 * connection IDs swapped, then the supported versions. Stateless; the listener sends one only
 * in reply to a datagram of at least 1200 bytes, and it is always far smaller than that.
 *
 * @module
 */
import { readInvariantLongHeader, writeLongHeaderStart } from "./long_header.ts";

/**
 * Encodes a Version Negotiation packet answering a client whose long header carried `clientDcid`
 * and `clientScid`. `unusedBits` fills the first byte's low seven bits (RFC 9000: arbitrary, with
 * 0x40 set so it looks like a QUIC packet); default 0x40.
 */
export function encodeVersionNegotiation(
  clientDcid: Uint8Array,
  clientScid: Uint8Array,
  versions: readonly number[],
  unusedBits = 0x40,
): Uint8Array {
  const out = new Uint8Array(7 + clientDcid.length + clientScid.length + 4 * versions.length);
  // Version 0; the client's Source Connection ID becomes the Destination one.
  let at = writeLongHeaderStart(out, 0x80 | 0x40 | (unusedBits & 0x7f), 0, clientScid, clientDcid);
  for (const v of versions) {
    out[at] = v >>> 24;
    out[at + 1] = (v >>> 16) & 0xff;
    out[at + 2] = (v >>> 8) & 0xff;
    out[at + 3] = v & 0xff;
    at += 4;
  }
  return out;
}

/** Decodes the version list of a Version Negotiation packet (for tests and the CLI). */
export function decodeVersionNegotiation(
  packet: Uint8Array,
): { dcid: Uint8Array; scid: Uint8Array; versions: number[] } | undefined {
  const h = readInvariantLongHeader(packet, 0);
  if (!h || h.version !== 0) return undefined;
  const { dcid, scid } = h;
  let at = h.afterScid;
  if ((packet.length - at) % 4 !== 0) return undefined;
  const versions: number[] = [];
  for (; at < packet.length; at += 4) {
    versions.push(((packet[at] << 24) | (packet[at + 1] << 16) | (packet[at + 2] << 8) | packet[at + 3]) >>> 0);
  }
  return { dcid, scid, versions };
}
