/**
 * Small address helpers shared by the adapters.
 *
 * @module
 */
import type { PeerAddress } from "../core/peer.ts";

/** Options naming the local address to bind. */
export interface BindOptions {
  /** Address to bind (default `"127.0.0.1"`; `"::1"` or `"::"` for IPv6). */
  hostname?: string;
  /** Port (default 0: the OS picks one; read it back from `addr.port`). */
  port?: number;
}

/** The hostname to bind (brackets stripped). */
export function bindHost(options: BindOptions): string {
  const h = options.hostname ?? "127.0.0.1";
  return h.startsWith("[") && h.endsWith("]") ? h.slice(1, -1) : h;
}

/** True when the hostname is an IPv6 literal. */
export function isIpv6Host(host: string): boolean {
  return host.includes(":");
}

/** A PeerAddress from a textual address and port as a socket API reports them. */
export function peerFrom(address: string, port: number): PeerAddress {
  const a = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  return { family: a.includes(":") ? "ipv6" : "ipv4", address: a, port };
}

/** The destination address string for a socket: an IPv6 socket reaches IPv4 peers through `::ffff:a.b.c.d`. */
export function sendHost(peer: PeerAddress, socketIsIpv6: boolean): string {
  if (socketIsIpv6 && peer.family === "ipv4") return `::ffff:${peer.address}`;
  return peer.address;
}
