/**
 * UDP listener with the adapter chosen explicitly or automatically.
 *
 * @module
 */
import type { BindOptions } from "./address.ts";
import type { DatagramGateOptions, DatagramSocketBinding, UdpListener, UdpSocketEvents } from "./datagram_gate.ts";
import { bindUdpBun, bunUdpAvailable, listenUdpBun } from "./udp_bun.ts";
import { bindUdpDeno, denoUdpAvailable, listenUdpDeno } from "./udp_deno.ts";
import { bindUdpNode, listenUdpNode } from "./udp_node.ts";

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

/**
 * Binds just the socket of the chosen adapter on `host`:`port` (0: any free port), reporting to
 * `events`: for a front door that routes datagrams itself (the QUIC one) instead of through a
 * {@link listenUdp} gate.
 */
export function bindUdp(choice: UdpAdapterChoice, host: string, port: number, events: UdpSocketEvents): Promise<DatagramSocketBinding> {
  const adapter = choice === "auto" ? autoUdpAdapter() : choice;
  switch (adapter) {
    case "node":
      return bindUdpNode(host, port, events);
    case "deno":
      try {
        return Promise.resolve(bindUdpDeno(host, port, events));
      } catch (e) {
        return Promise.reject(e);
      }
    case "bun":
      return bindUdpBun(host, port, events);
    default:
      return Promise.reject(new RangeError(`hellogate: unknown UDP adapter ${String(choice)}`));
  }
}
