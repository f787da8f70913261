/**
 * Peer addresses as transports report them, and their canonical binding form for cookies.
 *
 * @module
 */

/** Where a datagram or stream came from. `unspec` is for transports that cannot say. */
export interface PeerAddress {
  /** Address family. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) binds like IPv4. */
  readonly family: "ipv4" | "ipv6" | "unspec";
  /** Textual address (`"127.0.0.1"`, `"::1"`); empty for `unspec`. */
  readonly address: string;
  /** Port; 0 for `unspec`. */
  readonly port: number;
}

/** The peer used when a transport cannot identify the sender (like OpenSSL's AF_UNSPEC). */
export const UNSPECIFIED_PEER: PeerAddress = Object.freeze({ family: "unspec", address: "", port: 0 });

/** Length of {@link encodePeerBinding}'s output. */
export const PEER_BINDING_LENGTH = 19;

function parseIpv4(s: string, out: Uint8Array, at: number): boolean {
  // Hand-rolled (no split/regex): this runs once per datagram on the listener's hot path.
  let part = 0, digits = 0, n = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      if (++digits > 3) return false;
      n = n * 10 + (c - 48);
    } else if (c === 46) {
      if (digits === 0 || n > 255 || part > 3) return false;
      out[at + part++] = n;
      n = 0;
      digits = 0;
    } else return false;
  }
  return part === 4;
}

function parseIpv6(input: string, out: Uint8Array): boolean {
  let s = input;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  const words: number[] = [];
  let tailV4: Uint8Array | undefined;
  const lastColon = s.lastIndexOf(":");
  if (s.indexOf(".", lastColon) >= 0) {
    tailV4 = new Uint8Array(4);
    if (!parseIpv4(s.slice(lastColon + 1), tailV4, 0)) return false;
    s = s.slice(0, lastColon + 1) + "0:0";
  }
  const dbl = s.indexOf("::");
  if (dbl !== s.lastIndexOf("::")) return false;
  const parseGroup = (g: string): number => /^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : -1;
  if (dbl >= 0) {
    const head = s.slice(0, dbl) === "" ? [] : s.slice(0, dbl).split(":");
    const tail = s.slice(dbl + 2) === "" ? [] : s.slice(dbl + 2).split(":");
    if (head.length + tail.length > 7) return false;
    for (const g of head) words.push(parseGroup(g));
    for (let i = head.length + tail.length; i < 8; i++) words.push(0);
    for (const g of tail) words.push(parseGroup(g));
  } else {
    for (const g of s.split(":")) words.push(parseGroup(g));
  }
  if (words.length !== 8 || words.some((w) => w < 0)) return false;
  for (let i = 0; i < 8; i++) {
    out[i * 2] = words[i] >> 8;
    out[i * 2 + 1] = words[i] & 0xff;
  }
  if (tailV4) out.set(tailV4, 12);
  return true;
}

/**
 * Canonical 19-byte binding of a peer: family tag (1 byte: 4, 6 or 0), 16-byte address
 * (IPv4 as the IPv4-mapped IPv6 form `::ffff:a.b.c.d`, so both spellings bind identically) and
 * 2-byte port. Throws `TypeError` for an address that does not parse: transports must report
 * real addresses, so this is caller misuse.
 */
export function encodePeerBinding(peer: PeerAddress, out = new Uint8Array(PEER_BINDING_LENGTH)): Uint8Array {
  out.fill(0, 0, 17);
  if (peer.family === "unspec") {
    out[0] = 0;
  } else if (peer.family === "ipv4" || (peer.address.indexOf(":") < 0 && peer.address.indexOf(".") > 0)) {
    out[0] = 4;
    out[11] = 0xff;
    out[12] = 0xff;
    if (!parseIpv4(peer.address, out, 13)) throw new TypeError(`invalid IPv4 address: ${peer.address}`);
  } else {
    const addr = new Uint8Array(16);
    if (!parseIpv6(peer.address, addr)) throw new TypeError(`invalid IPv6 address: ${peer.address}`);
    out.set(addr, 1);
    const mapped = addr.subarray(0, 10).every((b) => b === 0) && addr[10] === 0xff && addr[11] === 0xff;
    out[0] = mapped ? 4 : 6;
  }
  out[17] = peer.port >>> 8;
  out[18] = peer.port & 0xff;
  return out;
}

/** Formats a peer as `ip:port` (IPv6 as `[addr]:port`); `unspec` as `"unspec"`. */
export function formatPeer(peer: PeerAddress): string {
  if (peer.family === "unspec") return "unspec";
  return peer.family === "ipv6" ? `[${peer.address}]:${peer.port}` : `${peer.address}:${peer.port}`;
}

/**
 * Parses `ip:port` or `[ipv6]:port` into a {@link PeerAddress}; an IPv4-mapped IPv6 address
 * yields family `ipv4` with the dotted address. Throws `TypeError` on bad input.
 */
export function parsePeer(text: string): PeerAddress {
  let host: string, portText: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") throw new TypeError(`bad peer: ${text}`);
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon < 0) throw new TypeError(`bad peer: ${text}`);
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new TypeError(`bad port in: ${text}`);
  return normalizePeer({ family: host.includes(":") ? "ipv6" : "ipv4", address: host, port: Number(portText) });
}

const NORMALIZE_SCRATCH = new Uint8Array(PEER_BINDING_LENGTH);

/**
 * True for a dotted quad in canonical form (four decimal parts 0-255, no leading zeros): the
 * form sockets report and the one {@link normalizePeer} returns unchanged, so the per-datagram
 * call can skip the parse and string rebuild.
 */
function isCanonicalIpv4(s: string): boolean {
  let parts = 0, digits = 0, n = 0, lead = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      if (digits === 0) lead = c;
      else if (lead === 48) return false; // leading zero
      if (++digits > 3) return false;
      n = n * 10 + (c - 48);
    } else if (c === 46) {
      if (digits === 0 || n > 255 || ++parts > 4) return false;
      n = 0;
      digits = 0;
    } else return false;
  }
  return parts === 4;
}

/** Returns the peer with an IPv4-mapped IPv6 address rewritten as IPv4 (validating it). */
export function normalizePeer(peer: PeerAddress): PeerAddress {
  if (peer.family === "unspec") return UNSPECIFIED_PEER;
  if (peer.family === "ipv4" && isCanonicalIpv4(peer.address)) return peer;
  // Scratch output: transports call this per datagram, and a typed-array allocation costs more
  // than the parse under Deno (~0.7 µs).
  const b = encodePeerBinding(peer, NORMALIZE_SCRATCH);
  if (b[0] === 4) {
    const address = `${b[13]}.${b[14]}.${b[15]}.${b[16]}`;
    return peer.family === "ipv4" && peer.address === address ? peer : { family: "ipv4", address, port: peer.port };
  }
  return peer;
}
