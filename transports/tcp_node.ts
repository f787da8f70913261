/**
 * TCP on `node:net`: the portable default (Deno, Bun and Node).
 *
 * @module
 */
import net from "node:net";
import { type BindOptions, bindHost, peerFrom } from "./address.ts";
import { StreamGate, type StreamGateOptions, type TcpListener } from "./stream_gate.ts";

/** Options for the TCP listeners: where to bind plus the gate options. */
export interface TcpListenOptions extends BindOptions, StreamGateOptions {}

/** A `node:net` socket as WHATWG streams (read backpressure through pause/resume). */
export function nodeSocketStreams(socket: net.Socket): {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
} {
  let readDone = false;
  let writeDone = false;
  const maybeDestroy = () => {
    if (readDone && writeDone) socket.destroy();
  };
  socket.on("error", () => {});
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      socket.on("data", (b: Uint8Array) => {
        if (readDone) return;
        controller.enqueue(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) socket.pause();
      });
      const finish = () => {
        if (readDone) return;
        readDone = true;
        try {
          controller.close();
        } catch { /* closed */ }
      };
      socket.on("end", finish);
      socket.on("close", finish);
      socket.on("error", (e: Error) => {
        if (readDone) return;
        readDone = true;
        try {
          controller.error(e);
        } catch { /* closed */ }
      });
    },
    pull() {
      socket.resume();
    },
    cancel() {
      readDone = true;
      socket.pause();
      maybeDestroy();
    },
  }, { highWaterMark: 4 });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) => {
        if (socket.destroyed) return reject(new Error("socket closed"));
        socket.write(chunk, (err) => (err ? reject(err) : resolve()));
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        writeDone = true;
        if (socket.destroyed) return resolve();
        // end()'s callback is not always called when the peer is gone (seen under Bun): the
        // socket closing, or at the latest one second, also ends the wait.
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          socket.off("close", finish);
          resolve();
          maybeDestroy();
        };
        const timer = setTimeout(() => {
          finish();
          socket.destroy();
        }, 1000);
        socket.once("close", finish);
        socket.end(finish);
      });
    },
    abort() {
      writeDone = true;
      socket.destroy();
    },
  });
  return { readable, writable };
}

/**
 * Listens with `node:net` and runs the gate on each connection.
 *
 * @example
 * ```ts
 * import { listenTcpNode, type StreamEngineFactory } from "@hellogate/hellogate/transports";
 * declare const engine: StreamEngineFactory;
 * const tcp = await listenTcpNode({ hostname: "127.0.0.1", port: 0, engine });
 * for await (const conn of tcp) console.log("accepted", conn.peer, conn.accepted.protocol);
 * ```
 */
export async function listenTcpNode(options: TcpListenOptions): Promise<TcpListener> {
  const host = bindHost(options);
  const sockets = new Set<net.Socket>();
  let gate = undefined as StreamGate | undefined;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    if (!gate) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const { readable, writable } = nodeSocketStreams(socket);
    gate.handle({
      readable,
      writable,
      peer: peerFrom(socket.remoteAddress ?? "", socket.remotePort ?? 0),
      close: () => socket.destroy(),
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", () => gate?.counters.drop("io-error"));
  const address = server.address() as net.AddressInfo;
  gate = new StreamGate({
    adapter: "node:net",
    local: peerFrom(address.address, address.port),
    close: () =>
      new Promise<void>((resolve) => {
        // Stop listening; connections already accepted are the caller's and stay open.
        server.close(() => {});
        resolve();
      }),
  }, options);
  return gate;
}
