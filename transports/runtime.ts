/**
 * Runtime detection without depending on any runtime's type definitions.
 *
 * @module
 */

/** Which JavaScript runtime is running. */
export type RuntimeName = "deno" | "bun" | "node";

/** The structural slice of `Deno` the adapters use. @internal */
export interface DenoLike {
  listen?: (options: { hostname?: string; port: number; transport?: "tcp" }) => DenoListenerLike;
  listenDatagram?: (options: { hostname?: string; port: number; transport: "udp" }) => DenoDatagramConnLike;
  version?: { deno: string };
}
/** @internal */
export interface DenoNetAddr {
  hostname: string;
  port: number;
  transport: string;
}
/** @internal */
export interface DenoConnLike {
  readonly remoteAddr: DenoNetAddr;
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  close(): void;
}
/** @internal */
export interface DenoListenerLike extends AsyncIterable<DenoConnLike> {
  readonly addr: DenoNetAddr;
  accept(): Promise<DenoConnLike>;
  close(): void;
}
/** @internal */
export interface DenoDatagramConnLike {
  readonly addr: DenoNetAddr;
  receive(p?: Uint8Array): Promise<[Uint8Array, DenoNetAddr]>;
  send(p: Uint8Array, addr: DenoNetAddr): Promise<number>;
  close(): void;
}

/** The structural slice of `Bun` the adapters use. @internal */
export interface BunLike {
  udpSocket?: (options: {
    hostname?: string;
    port?: number;
    binaryType?: "uint8array";
    socket?: { data?(socket: unknown, data: Uint8Array, port: number, address: string): void; error?(error: Error): void };
  }) => Promise<BunUdpSocketLike>;
  listen?: (options: {
    hostname: string;
    port: number;
    socket: BunSocketHandlers;
  }) => BunTcpListenerLike;
  version?: string;
}
/** @internal */
export interface BunUdpSocketLike {
  readonly port: number;
  readonly address: { address: string; family: string; port: number };
  send(data: Uint8Array, port: number, address: string): boolean;
  /** `[data, port, address, data, port, address, ...]` in one sendmmsg; returns how many went. */
  sendMany(packets: readonly (Uint8Array | number | string)[]): number;
  close(): void;
}
/** @internal */
export interface BunTcpSocketLike {
  data: unknown;
  readonly remoteAddress: string;
  readonly remotePort?: number;
  write(data: Uint8Array): number;
  end(): void;
  terminate?(): void;
  pause?(): void;
  resume?(): void;
}
/** @internal */
export interface BunSocketHandlers {
  open?(socket: BunTcpSocketLike): void;
  data?(socket: BunTcpSocketLike, data: Uint8Array): void;
  drain?(socket: BunTcpSocketLike): void;
  close?(socket: BunTcpSocketLike): void;
  end?(socket: BunTcpSocketLike): void;
  error?(socket: BunTcpSocketLike, error: Error): void;
  binaryType?: "uint8array";
}
/** @internal */
export interface BunTcpListenerLike {
  readonly port: number;
  readonly hostname: string;
  stop(closeActiveConnections?: boolean): void;
}

/** The `Deno` global, if running under Deno. @internal */
export function denoGlobal(): DenoLike | undefined {
  return (globalThis as unknown as { Deno?: DenoLike }).Deno;
}

/** The `Bun` global, if running under Bun. @internal */
export function bunGlobal(): BunLike | undefined {
  return (globalThis as unknown as { Bun?: BunLike }).Bun;
}

/** The current runtime (Bun and Deno first; anything else is treated as Node). */
export function currentRuntime(): RuntimeName {
  if (bunGlobal() !== undefined) return "bun";
  if (denoGlobal() !== undefined) return "deno";
  return "node";
}
