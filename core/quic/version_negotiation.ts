/**
 * Version Negotiation packets (RFC 9000 §17.2.1, RFC 8999 §6): version 0, the client's
 * connection IDs swapped, then the supported versions. Stateless; the listener sends one only
 * in reply to a datagram of at least 1200 bytes, and it is always far smaller than that.
 *
 * @module
 */

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
  out[0] = 0x80 | 0x40 | (unusedBits & 0x7f);
  // bytes 1..4: version 0
  let at = 5;
  out[at++] = clientScid.length;
  out.set(clientScid, at);
  at += clientScid.length;
  out[at++] = clientDcid.length;
  out.set(clientDcid, at);
  at += clientDcid.length;
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
  if (packet.length < 7 || (packet[0] & 0x80) === 0) return undefined;
  if (packet[1] | packet[2] | packet[3] | packet[4]) return undefined;
  let at = 5;
  const dl = packet[at++];
  if (at + dl + 1 > packet.length) return undefined;
  const dcid = packet.subarray(at, at + dl);
  at += dl;
  const sl = packet[at++];
  if (at + sl > packet.length) return undefined;
  const scid = packet.subarray(at, at + sl);
  at += sl;
  if ((packet.length - at) % 4 !== 0) return undefined;
  const versions: number[] = [];
  for (; at < packet.length; at += 4) {
    versions.push(((packet[at] << 24) | (packet[at + 1] << 16) | (packet[at + 2] << 8) | packet[at + 3]) >>> 0);
  }
  return { dcid, scid, versions };
}
