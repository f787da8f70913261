/**
 * TCP on `Deno.listen` (stable; no flag needed).
 *
 * Reads go through {@link denoConnReadable} rather than `conn.readable`: Deno's own stream
 * allocates a 64 KiB buffer for every pending read, so each idle connection waiting for its
 * ClientHello held ~80 KB (issue 12). Ours starts at 2 KiB and grows only for connections
 * that fill it.
 *
 * @module
 */
import { type BindOptions, bindHost, peerFrom } from "./address.ts";
import { StreamGate, type StreamGateOptions, type TcpListener } from "./stream_gate.ts";
import { type DenoConnLike, denoGlobal } from "./runtime.ts";

/** The slice of `Deno.Conn` the reader needs. */
interface DenoReadableConn {
  read(p: Uint8Array): Promise<number | null>;
}

/** First read buffer of a connection (a ClientHello is usually 0.2-2 KB). */
const FIRST_READ_BYTES = 2048;
/** Largest read buffer (what `conn.readable` uses for every read). */
const MAX_READ_BYTES = 65536;

/**
 * A `ReadableStream` over `conn.read()` with one reused buffer per connection: 2 KiB at first,
 * doubled each time a read fills it (up to 64 KiB), each chunk copied out at its exact size.
 * Cancelling closes nothing by itself (the gate closes the connection).
 */
export function denoConnReadable(conn: DenoReadableConn): ReadableStream<Uint8Array> {
  let buf = new Uint8Array(FIRST_READ_BYTES);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let n: number | null;
      try {
        n = await conn.read(buf);
      } catch (e) {
        controller.error(e);
        return;
      }
      if (n === null) {
        controller.close();
        return;
      }
      try {
        controller.enqueue(buf.slice(0, n));
      } catch { /* cancelled while the read was in flight */ }
      if (n === buf.length && buf.length < MAX_READ_BYTES) buf = new Uint8Array(buf.length * 2);
    },
  }, { highWaterMark: 0 });
}

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
          readable: denoConnReadable(conn as DenoConnLike & DenoReadableConn),
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
