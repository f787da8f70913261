/**
 * UDP on `node:dgram`: the portable default. Works unflagged under Deno, Bun and Node.
 *
 * @module
 */
import dgram from "node:dgram";
import { type BindOptions, bindHost, isIpv6Host, peerFrom, sendHost } from "./address.ts";
import { type DatagramGateOptions, type DatagramSocketBinding, gateSocket, type UdpListener, type UdpSocketEvents } from "./datagram_gate.ts";

/** Options for the UDP listeners: where to bind plus the gate options. */
export interface UdpListenOptions extends BindOptions, DatagramGateOptions {}

/**
 * Binds a `node:dgram` socket and drives `options.engine` with it.
 *
 * @example
 * ```ts
 * import { listenUdpNode, type DatagramEngine } from "@hellogate/hellogate/transports";
 * declare const engine: DatagramEngine;
 * const udp = await listenUdpNode({ hostname: "127.0.0.1", port: 0, engine });
 * for await (const conn of udp) {
 *   for await (const datagram of conn.datagrams) console.log(conn.peer, datagram.length);
 * }
 * ```
 */
export function listenUdpNode(options: UdpListenOptions): Promise<UdpListener> {
  return gateSocket((events) => bindUdpNode(bindHost(options), options.port ?? 0, events), options);
}

/** Binds a `node:dgram` socket on `host`:`port` (0: any free port) that reports to `events`. */
export async function bindUdpNode(host: string, port: number, events: UdpSocketEvents): Promise<DatagramSocketBinding> {
  const v6 = isIpv6Host(host);
  const socket = dgram.createSocket({ type: v6 ? "udp6" : "udp4" });
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    socket.once("error", onError);
    socket.bind(port, host, () => {
      socket.off("error", onError);
      resolve();
    });
  });
  const local = socket.address();
  let closed = false;
  socket.on("error", () => events.error());
  socket.on("message", (msg: Uint8Array, rinfo: { address: string; port: number }) => {
    events.datagram(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength), peerFrom(rinfo.address, rinfo.port));
  });
  return {
    adapter: "node:dgram",
    local: peerFrom(local.address, local.port),
    send: (bytes, peer) =>
      new Promise<void>((resolve, reject) => {
        if (closed) return reject(new Error("hellogate: socket closed"));
        const host = sendHost(peer, v6);
        // Under Bun a send can fail with the ECONNREFUSED of an earlier datagram's ICMP error
        // (often a peer that just closed its port); that call consumed the error, so retry once.
        socket.send(bytes, peer.port, host, (err) => {
          if (!err) return resolve();
          if (closed) return reject(err);
          socket.send(bytes, peer.port, host, (again) => (again ? reject(again) : resolve()));
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (closed) return resolve();
        closed = true;
        socket.close(() => resolve());
      }),
  };
}
