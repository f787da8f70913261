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

/** The slice of `Deno.Conn` the reader and writer need. */
interface DenoReadableConn {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
}

/** First read buffer of a connection (a ClientHello is usually 0.2-2 KB). */
const FIRST_READ_BYTES = 512;
/** Largest read buffer: one TLS record and its header (a pending connection never needs more at once). */
const MAX_READ_BYTES = 16384 + 256 + 5;

/**
 * A `ReadableStream` over `conn.read()` with one reused buffer per connection: 2 KiB at first,
 * doubled each time a read fills it (up to one TLS record), each chunk copied out at its exact size.
 * Cancelling closes nothing by itself (the gate closes the connection).
 */
export function denoConnReadable(conn: DenoReadableConn): ReadableStream<Uint8Array> {
  const read = denoConnReader(conn);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: Uint8Array | null;
      try {
        chunk = await read();
      } catch (e) {
        controller.error(e);
        return;
      }
      try {
        if (chunk === null) controller.close();
        else controller.enqueue(chunk);
      } catch { /* cancelled while the read was in flight */ }
    },
  }, { highWaterMark: 0 });
}

/**
 * `read()` over `conn.read()` with one reused buffer: 512 bytes at first, doubled each time a read
 * fills it (up to one TLS record); each chunk is copied out at its exact size; `null` at end of stream.
 */
export function denoConnReader(conn: DenoReadableConn): () => Promise<Uint8Array | null> {
  let buf = new Uint8Array(FIRST_READ_BYTES);
  return async () => {
    const n = await conn.read(buf);
    if (n === null) return null;
    const chunk = buf.slice(0, n);
    if (n === buf.length && buf.length < MAX_READ_BYTES) buf = new Uint8Array(Math.min(buf.length * 2, MAX_READ_BYTES));
    return chunk;
  };
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
        const raw = conn as DenoConnLike & DenoReadableConn;
        const peer = peerFrom(conn.remoteAddr.hostname, conn.remoteAddr.port);
        const close = () => closeConn(conn);
        const read = denoConnReader(raw);
        gate.handle({
          // Streams only when asked for: the gate uses `lean` (direct reads) before accept.
          get readable() {
            return denoConnReadable(raw);
          },
          get writable() {
            return conn.writable;
          },
          peer,
          close,
          lean: {
            peer,
            read,
            async write(bytes: Uint8Array) {
              for (let at = 0; at < bytes.length;) at += await raw.write(bytes.subarray(at));
            },
            close,
            get writable() {
              return conn.writable;
            },
          },
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
