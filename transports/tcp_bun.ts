/**
 * TCP on Bun's native `Bun.listen`.
 *
 * @module
 */
import { type BindOptions, bindHost, peerFrom } from "./address.ts";
import { StreamGate, type StreamGateOptions, type TcpListener } from "./stream_gate.ts";
import { bunGlobal, type BunTcpSocketLike } from "./runtime.ts";

/** True when running under Bun. */
export function bunTcpAvailable(): boolean {
  return typeof bunGlobal()?.listen === "function";
}

interface BunSocketState {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  enqueue(data: Uint8Array): void;
  end(error?: Error): void;
  drain(): void;
}

function bunSocketStreams(socket: BunTcpSocketLike): BunSocketState {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let readDone = false;
  let ended = false;
  let pending: { rest: Uint8Array; resolve: () => void; reject: (e: Error) => void } | undefined;
  const readable = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    pull() {
      socket.resume?.();
    },
    cancel() {
      readDone = true;
    },
  }, { highWaterMark: 4 });
  const flush = () => {
    while (pending) {
      const n = socket.write(pending.rest);
      if (n < 0) {
        const p = pending;
        pending = undefined;
        p.reject(new Error("socket closed"));
        return;
      }
      if (n >= pending.rest.length) {
        const p = pending;
        pending = undefined;
        p.resolve();
        return;
      }
      pending.rest = pending.rest.subarray(n);
      if (n === 0) return; // wait for drain
    }
  };
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      if (ended) return Promise.reject(new Error("socket closed"));
      return new Promise<void>((resolve, reject) => {
        pending = { rest: chunk, resolve, reject };
        flush();
      });
    },
    close() {
      socket.end();
    },
    abort() {
      (socket.terminate ?? socket.end).call(socket);
    },
  });
  return {
    readable,
    writable,
    enqueue(data) {
      if (readDone) return;
      controller.enqueue(data);
      if ((controller.desiredSize ?? 1) <= 0) socket.pause?.();
    },
    end(error) {
      ended = true;
      if (pending) {
        const p = pending;
        pending = undefined;
        p.reject(error ?? new Error("socket closed"));
      }
      if (readDone) return;
      readDone = true;
      try {
        if (error) controller.error(error);
        else controller.close();
      } catch { /* closed */ }
    },
    drain: flush,
  };
}

/**
 * Listens with `Bun.listen` and runs the gate on each connection. Throws when not under Bun.
 *
 * @example
 * ```ts ignore
 * import { listenTcpBun, type StreamEngineFactory } from "@hellogate/hellogate/transports";
 * declare const engine: StreamEngineFactory;
 * const tcp = await listenTcpBun({ port: 0, engine });
 * ```
 */
export function listenTcpBun(options: BindOptions & StreamGateOptions): Promise<TcpListener> {
  const bun = bunGlobal();
  if (!bun?.listen) return Promise.reject(new Error("hellogate: Bun.listen is unavailable (not running under Bun)"));
  try {
    let gate = undefined as StreamGate | undefined;
    const state = (s: BunTcpSocketLike) => s.data as BunSocketState | undefined;
    const server = bun.listen({
      hostname: bindHost(options),
      port: options.port ?? 0,
      socket: {
        binaryType: "uint8array",
        open(socket) {
          if (!gate || gate.closed) {
            socket.end();
            return;
          }
          const st = bunSocketStreams(socket);
          socket.data = st;
          gate.handle({
            readable: st.readable,
            writable: st.writable,
            peer: peerFrom(socket.remoteAddress, socket.remotePort ?? 0),
            close: () => {
              st.end();
              socket.end(); // graceful FIN (terminate() would send a reset)
            },
          });
        },
        data(socket, data) {
          state(socket)?.enqueue(new Uint8Array(data));
        },
        drain(socket) {
          state(socket)?.drain();
        },
        end(socket) {
          state(socket)?.end();
        },
        close(socket) {
          state(socket)?.end();
        },
        error(socket, error) {
          state(socket)?.end(error);
        },
      },
    });
    let closed = false;
    gate = new StreamGate({
      adapter: "Bun.listen",
      local: peerFrom(server.hostname, server.port),
      close: () => {
        if (!closed) {
          closed = true;
          server.stop(false);
        }
        return Promise.resolve();
      },
    }, options);
    return Promise.resolve(gate);
  } catch (e) {
    return Promise.reject(e);
  }
}
