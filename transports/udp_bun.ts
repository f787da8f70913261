/**
 * UDP on Bun's native `Bun.udpSocket`.
 *
 * Replies sent from inside a `data` callback are batched: Bun already receives with recvmmsg
 * (about 8 datagrams per call under load) and calls `data` once per datagram, but each `send()`
 * is a sendmmsg of one. Replies the gate sends synchronously while a datagram is delivered (the
 * HelloVerifyRequests and HelloRetryRequests of the stateless path) are queued and leave
 * together from a `setImmediate` in ONE `sendMany()` (one sendmmsg, about 100 datagrams under the
 * bench load), which halves the system calls per reply (bench/README.md, "Where the time goes").
 * The queue is bounded ({@link MAX_BATCH} datagrams, beyond that a send is refused), close()
 * flushes it, and what the kernel does not take (`sendMany` returns fewer) is dropped and counted
 * as an `io-error`, as UDP drops it.
 *
 * Every other send (a handshake engine's flights, sent from promise continuations and timers)
 * goes out at once: batching those too left flights queued until some other event woke Bun's
 * loop, and each DTLS handshake then waited on the client's resend timer (the regression test
 * is in tests/interop/dtls12_mbedtls.test.ts).
 *
 * @module
 */
import { type BindOptions, bindHost, isIpv6Host, peerFrom, sendHost } from "./address.ts";
import { type DatagramGateOptions, type DatagramSocketBinding, gateSocket, SENT, type UdpListener, type UdpSocketEvents } from "./datagram_gate.ts";
import { bunGlobal } from "./runtime.ts";
import type { PeerAddress } from "../core/peer.ts";

/** True when running under Bun (`Bun.udpSocket` exists). */
export function bunUdpAvailable(): boolean {
  return typeof bunGlobal()?.udpSocket === "function";
}

/** The most datagrams queued for one `sendMany`; more in one turn are refused (`io-error`). */
export const MAX_BATCH = 1024;

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
  // True while a `data` callback runs: only replies sent synchronously from it are batched.
  let receiving = false;
  const socket = await bun.udpSocket({
    hostname: host,
    port,
    binaryType: "uint8array",
    socket: {
      data(_s, data, port, address) {
        // Bun (1.4) hands every datagram over in its own, exactly sized ArrayBuffer; that is
        // owned already. Anything else (a view into a reused receive buffer) is copied: an engine
        // may hold a fragment.
        const owned = data.byteOffset === 0 && data.buffer.byteLength === data.length ? data : new Uint8Array(data);
        receiving = true;
        try {
          events.datagram(owned, peerFrom(address, port));
        } finally {
          receiving = false;
        }
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
  // [bytes, port, host] triples for the next sendMany.
  const queue: (Uint8Array | number | string)[] = [];
  let flushScheduled = false;
  const flush = (): void => {
    flushScheduled = false;
    const count = queue.length / 3;
    if (count === 0 || closed) return;
    let sent: number;
    try {
      sent = onceMoreAfterIcmpError(() => socket.sendMany(queue));
    } catch {
      sent = 0;
    }
    queue.length = 0;
    for (let i = sent; i < count; i++) events.error();
  };
  const sendNow = (bytes: Uint8Array, peer: PeerAddress): Promise<void> => {
    try {
      onceMoreAfterIcmpError(() => socket.send(bytes, peer.port, sendHost(peer, v6)));
    } catch (e) {
      return Promise.reject(e);
    }
    return SENT;
  };
  return {
    adapter: "Bun.udpSocket",
    local: peerFrom(socket.address.address, socket.port),
    send: (bytes, peer) => {
      if (closed) return Promise.reject(new Error("hellogate: socket closed"));
      if (!receiving) return sendNow(bytes, peer);
      if (queue.length >= MAX_BATCH * 3) return Promise.reject(new Error("hellogate: send queue full"));
      queue.push(bytes, peer.port, sendHost(peer, v6));
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
      return SENT;
    },
    close: () => {
      if (!closed) {
        flush();
        closed = true;
        socket.close();
      }
      return Promise.resolve();
    },
  };
}

/**
 * Runs a send, and once more if it throws: Bun throws (ECONNREFUSED) for the ICMP error of an
 * EARLIER datagram, often to a peer that just closed its port, and the failed call consumed it.
 * A second throw is this send's own failure.
 */
function onceMoreAfterIcmpError<T>(send: () => T): T {
  try {
    return send();
  } catch {
    return send();
  }
}
