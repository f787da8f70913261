/**
 * TCP on `Deno.listen` (stable; no flag needed).
 *
 * @module
 */
import { type BindOptions, bindHost, peerFrom } from "./address.ts";
import { StreamGate, type StreamGateOptions, type TcpListener } from "./stream_gate.ts";
import { type DenoConnLike, denoGlobal } from "./runtime.ts";

/** True when running under Deno. */
export function denoTcpAvailable(): boolean {
  return typeof denoGlobal()?.listen === "function";
}

/**
 * Listens with `Deno.listen` and runs the gate on each connection. Throws when not under Deno.
 *
 * @example
 * ```ts ignore
 * import { listenTcpDeno, type StreamEngineFactory } from "@hellogate/hellogate/transports";
 * declare const engine: StreamEngineFactory;
 * const tcp = await listenTcpDeno({ port: 0, engine });
 * ```
 */
export function listenTcpDeno(options: BindOptions & StreamGateOptions): Promise<TcpListener> {
  const deno = denoGlobal();
  if (!deno?.listen) return Promise.reject(new Error("hellogate: Deno.listen is unavailable (not running under Deno)"));
  try {
    const listener = deno.listen({ hostname: bindHost(options), port: options.port ?? 0, transport: "tcp" });
    let closed = false;
    let gate = undefined as StreamGate | undefined;
    const closeConn = (c: DenoConnLike) => {
      try {
        c.close();
      } catch { /* already closed */ }
    };
    const loop = (async () => {
      while (!closed) {
        let conn: DenoConnLike;
        try {
          conn = await listener.accept();
        } catch {
          break;
        }
        if (!gate || closed) {
          closeConn(conn);
          continue;
        }
        gate.handle({
          readable: conn.readable,
          writable: conn.writable,
          peer: peerFrom(conn.remoteAddr.hostname, conn.remoteAddr.port),
          close: () => closeConn(conn),
        });
      }
    })();
    gate = new StreamGate({
      adapter: "Deno.listen",
      local: peerFrom(listener.addr.hostname, listener.addr.port),
      close: async () => {
        if (closed) return;
        closed = true;
        try {
          listener.close();
        } catch { /* closed */ }
        await loop;
      },
    }, options);
    return Promise.resolve(gate);
  } catch (e) {
    return Promise.reject(e);
  }
}
