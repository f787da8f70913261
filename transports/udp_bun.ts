/**
 * UDP on Bun's native `Bun.udpSocket`.
 *
 * @module
 */
import { type BindOptions, bindHost, isIpv6Host, peerFrom, sendHost } from "./address.ts";
import { type DatagramGateOptions, type DatagramSocketBinding, gateSocket, type UdpListener, type UdpSocketEvents } from "./datagram_gate.ts";
import { bunGlobal } from "./runtime.ts";

/** True when running under Bun (`Bun.udpSocket` exists). */
export function bunUdpAvailable(): boolean {
  return typeof bunGlobal()?.udpSocket === "function";
}

/** What every successful send returns (Bun sends synchronously): no promise allocated per datagram. */
const SENT: Promise<void> = Promise.resolve();

/**
 * Binds a native Bun UDP socket. Throws when not running under Bun.
 *
 * @example
 * ```ts ignore
 * import { listenUdpBun, type DatagramEngine } from "@hellogate/hellogate/transports";
 * declare const engine: DatagramEngine;
 * const udp = await listenUdpBun({ port: 0, engine }); // bun run ...
 * ```
 */
export function listenUdpBun(options: BindOptions & DatagramGateOptions): Promise<UdpListener> {
  return gateSocket((events) => bindUdpBun(bindHost(options), options.port ?? 0, events), options);
}

/** Binds a native Bun UDP socket on `host`:`port` (0: any free port) that reports to `events`. Throws when not under Bun. */
export async function bindUdpBun(host: string, port: number, events: UdpSocketEvents): Promise<DatagramSocketBinding> {
  const bun = bunGlobal();
  if (!bun?.udpSocket) throw new Error("hellogate: Bun.udpSocket is unavailable (not running under Bun)");
  const v6 = isIpv6Host(host);
  const socket = await bun.udpSocket({
    hostname: host,
    port,
    binaryType: "uint8array",
    socket: {
      data(_s, data, port, address) {
        // Copy: the runtime may reuse its receive buffer, and an engine may hold a fragment.
        events.datagram(new Uint8Array(data), peerFrom(address, port));
      },
      // An ICMP "port unreachable" for an earlier reply surfaces here (ECONNREFUSED); without a
      // handler Bun raises it as an uncaught error and the process dies. A peer that sends a
      // ClientHello and closes its port must not be able to do that.
      error() {
        events.error();
      },
    },
  });
  let closed = false;
  return {
    adapter: "Bun.udpSocket",
    local: peerFrom(socket.address.address, socket.port),
    send: (bytes, peer) => {
      if (closed) return Promise.reject(new Error("hellogate: socket closed"));
      try {
        // Bun throws synchronously (ECONNREFUSED) on the send after an ICMP error. That error
        // belongs to an earlier datagram (to another peer, often one that just closed its port),
        // and the failed call consumed it: send this datagram once more rather than lose it.
        try {
          socket.send(bytes, peer.port, sendHost(peer, v6));
        } catch {
          socket.send(bytes, peer.port, sendHost(peer, v6));
        }
      } catch (e) {
        return Promise.reject(e);
      }
      return SENT;
    },
    close: () => {
      if (!closed) {
        closed = true;
        socket.close();
      }
      return Promise.resolve();
    },
  };
}
