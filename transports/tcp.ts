/**
 * TCP listener with the adapter chosen explicitly or automatically.
 *
 * @module
 */
import type { BindOptions } from "./address.ts";
import type { StreamGateOptions, TcpListener } from "./stream_gate.ts";
import { bunTcpAvailable, listenTcpBun } from "./tcp_bun.ts";
import { denoTcpAvailable, listenTcpDeno } from "./tcp_deno.ts";
import { listenTcpNode } from "./tcp_node.ts";

/** `"auto"` (the runtime's native API, the default), `"node"` (node:net), `"deno"` (Deno.listen) or `"bun"` (Bun.listen). */
export type TcpAdapterChoice = "node" | "deno" | "bun" | "auto";

/** Options for {@link listenTcp}. */
export interface ListenTcpOptions extends BindOptions, StreamGateOptions {
  /**
   * Adapter (default `"auto"`: Deno.listen / Bun.listen, whose pending connections cost a
   * fraction of node:net's memory under Deno, about 15 KB against 39 KB).
   */
  adapter?: TcpAdapterChoice;
}

/** Which adapter `"auto"` picks in this process. */
export function autoTcpAdapter(): "node" | "deno" | "bun" {
  if (bunTcpAvailable()) return "bun";
  if (denoTcpAvailable()) return "deno";
  return "node";
}

/**
 * Listens for TCP and runs a stream engine per connection (e.g. a `StreamListener`).
 *
 * @example
 * ```ts
 * import { listenTcp, type StreamEngineFactory } from "@hellogate/hellogate/transports";
 * declare const engine: StreamEngineFactory;
 * const tcp = await listenTcp({ hostname: "127.0.0.1", port: 0, engine, adapter: "auto" });
 * const conn = await tcp.accept();
 * console.log(conn?.accepted.protocol);
 * await tcp.close();
 * ```
 */
export function listenTcp(options: ListenTcpOptions): Promise<TcpListener> {
  const choice = options.adapter ?? "auto";
  const adapter = choice === "auto" ? autoTcpAdapter() : choice;
  switch (adapter) {
    case "node":
      return listenTcpNode(options);
    case "deno":
      return listenTcpDeno(options);
    case "bun":
      return listenTcpBun(options);
    default:
      return Promise.reject(new RangeError(`hellogate: unknown TCP adapter ${String(choice)}`));
  }
}
