/**
 * UDP listener with the adapter chosen explicitly or automatically.
 *
 * @module
 */
import type { BindOptions } from "./address.ts";
import type { DatagramGateOptions, UdpListener } from "./datagram_gate.ts";
import { bunUdpAvailable, listenUdpBun } from "./udp_bun.ts";
import { denoUdpAvailable, listenUdpDeno } from "./udp_deno.ts";
import { listenUdpNode } from "./udp_node.ts";

/**
 * Which UDP implementation to use: `"node"` (node:dgram, the default: works everywhere),
 * `"deno"` (needs `--unstable-net`), `"bun"`, or `"auto"` (the runtime's native socket when
 * available, else node:dgram).
 */
export type UdpAdapterChoice = "node" | "deno" | "bun" | "auto";

/** Options for {@link listenUdp}. */
export interface ListenUdpOptions extends BindOptions, DatagramGateOptions {
  /** Adapter (default `"node"`). */
  adapter?: UdpAdapterChoice;
}

/** Which adapter `"auto"` picks in this process. */
export function autoUdpAdapter(): "node" | "deno" | "bun" {
  if (bunUdpAvailable()) return "bun";
  if (denoUdpAvailable()) return "deno";
  return "node";
}

/**
 * Binds a UDP socket and drives `options.engine` (e.g. a `DatagramListener`) with it.
 *
 * @example
 * ```ts
 * import { listenUdp, type DatagramEngine } from "@hellogate/hellogate/transports";
 * declare const engine: DatagramEngine;
 * const ac = new AbortController();
 * const udp = await listenUdp({ hostname: "::1", port: 0, engine, adapter: "auto", signal: ac.signal });
 * console.log(udp.adapter, udp.addr.port, udp.counters.amplification);
 * ac.abort();
 * ```
 */
export function listenUdp(options: ListenUdpOptions): Promise<UdpListener> {
  const choice = options.adapter ?? "node";
  const adapter = choice === "auto" ? autoUdpAdapter() : choice;
  switch (adapter) {
    case "node":
      return listenUdpNode(options);
    case "deno":
      return listenUdpDeno(options);
    case "bun":
      return listenUdpBun(options);
    default:
      return Promise.reject(new RangeError(`hellogate: unknown UDP adapter ${String(choice)}`));
  }
}
