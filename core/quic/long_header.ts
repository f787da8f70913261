/**
 * Long-header packet layout (RFC 8999 §5.1 invariants, RFC 9000 §17.2): the first byte, the
 * version, both connection IDs, and for Initial / 0-RTT / Handshake packets the token (Initial
 * only), the Length field and where the protected packet number starts. Nothing here removes
 * protection; offsets are absolute positions in the datagram, byte fields are zero-copy views.
 *
 * @module
 */
import { readVarint } from "./varint.ts";
import { longPacketType, type LongPacketType, type QuicVersionInfo } from "./versions.ts";

/** The version-independent part of a long header (RFC 8999 §5.1). */
export interface InvariantLongHeader {
  /** The first byte (still header-protected). */
  readonly first: number;
  /** Version (0 for Version Negotiation). */
  readonly version: number;
  /** Destination Connection ID (0..255 bytes under the invariants). */
  readonly dcid: Uint8Array;
  /** Source Connection ID. */
  readonly scid: Uint8Array;
  /** Offset just past the Source Connection ID. */
  readonly afterScid: number;
}

/** Reads the invariant long header at `at`; `undefined` when it is not a long header or truncated. */
export function readInvariantLongHeader(buf: Uint8Array, at: number): InvariantLongHeader | undefined {
  if (at + 7 > buf.length || (buf[at] & 0x80) === 0) return undefined;
  const version = ((buf[at + 1] << 24) | (buf[at + 2] << 16) | (buf[at + 3] << 8) | buf[at + 4]) >>> 0;
  const dl = buf[at + 5];
  const dEnd = at + 6 + dl;
  if (dEnd + 1 > buf.length) return undefined;
  const sl = buf[dEnd];
  const sEnd = dEnd + 1 + sl;
  if (sEnd > buf.length) return undefined;
  return {
    first: buf[at],
    version,
    dcid: buf.subarray(at + 6, dEnd),
    scid: buf.subarray(dEnd + 1, sEnd),
    afterScid: sEnd,
  };
}

/** The version-specific layout of a long-header packet of a supported version. */
export interface LongPacketLayout {
  /** Packet type. */
  readonly type: LongPacketType;
  /** Token (Initial packets; empty otherwise). */
  readonly token: Uint8Array;
  /** Offset of the (protected) packet number; for Retry, of the Retry Token. */
  readonly pnOffset: number;
  /** Offset just past this packet (the next coalesced packet starts here). */
  readonly end: number;
}

const NO_TOKEN = new Uint8Array(0);

/**
 * The layout after the connection IDs, or a reason string when the header is malformed
 * (`"truncated"`, `"bad-length"`). Retry packets extend to the end of the datagram.
 */
export function readLongPacketLayout(
  buf: Uint8Array,
  header: InvariantLongHeader,
  info: QuicVersionInfo,
): LongPacketLayout | "truncated" | "bad-length" {
  const type = longPacketType(info, header.first);
  let at = header.afterScid;
  if (type === "retry") return { type, token: NO_TOKEN, pnOffset: at, end: buf.length };
  let token: Uint8Array = NO_TOKEN;
  if (type === "initial") {
    const tl = readVarint(buf, at);
    if (!tl) return "truncated";
    if (tl.value < 0 || tl.next + tl.value > buf.length) return "bad-length";
    token = buf.subarray(tl.next, tl.next + tl.value);
    at = tl.next + tl.value;
  }
  const len = readVarint(buf, at);
  if (!len) return "truncated";
  if (len.value < 0 || len.next + len.value > buf.length) return "bad-length";
  return { type, token, pnOffset: len.next, end: len.next + len.value };
}

/**
 * Writes the invariant start of a long header (RFC 8999 §5.1) at offset 0 of `out`: `first`,
 * the 32-bit `version`, then each connection ID with its one-byte length. Returns the offset
 * after the Source Connection ID. The caller sizes `out` (7 bytes plus both IDs, at least) and
 * checks the ID lengths.
 */
export function writeLongHeaderStart(
  out: Uint8Array,
  first: number,
  version: number,
  dcid: Uint8Array,
  scid: Uint8Array,
): number {
  out[0] = first;
  out[1] = version >>> 24;
  out[2] = (version >>> 16) & 0xff;
  out[3] = (version >>> 8) & 0xff;
  out[4] = version & 0xff;
  let at = 5;
  out[at++] = dcid.length;
  out.set(dcid, at);
  at += dcid.length;
  out[at++] = scid.length;
  out.set(scid, at);
  return at + scid.length;
}
