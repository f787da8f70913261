/**
 * UDP on `Deno.listenDatagram`. That API is unstable: Deno must run with `--unstable-net`
 * (or `"unstable": ["net"]` in deno.json). Without it {@link denoUdpAvailable} is false,
 * {@link listenUdpDeno} throws, and `listenUdp({ adapter: "auto" })` falls back to node:dgram.
 *
 * @module
 */
import { type BindOptions, bindHost, isIpv6Host, peerFrom, sendHost } from "./address.ts";
import { type DatagramGateOptions, type DatagramSocketBinding, gateSocket, type UdpListener, type UdpSocketEvents } from "./datagram_gate.ts";
import { denoGlobal } from "./runtime.ts";

/** The largest UDP payload over IPv4 (65,535 - 8 - 20): Deno's own default receive size. */
const MAX_UDP_PAYLOAD = 65_507;

/** True when running under Deno with `Deno.listenDatagram` available (`--unstable-net`). */
export function denoUdpAvailable(): boolean {
  return typeof denoGlobal()?.listenDatagram === "function";
}

/**
 * Binds a native Deno UDP socket. Throws when not under Deno or without `--unstable-net`.
 *
 * @example
 * ```ts ignore
 * import { listenUdpDeno, type DatagramEngine } from "@hellogate/hellogate/transports";
 * declare const engine: DatagramEngine;
 * const udp = await listenUdpDeno({ port: 0, engine }); // deno run --unstable-net ...
 * ```
 */
export function listenUdpDeno(options: BindOptions & DatagramGateOptions): Promise<UdpListener> {
  return gateSocket((events) => bindUdpDeno(bindHost(options), options.port ?? 0, events), options);
}

/**
 * Binds a native Deno UDP socket on `host`:`port` (0: any free port) that reports to `events`.
 * Throws when not under Deno or without `--unstable-net`.
 */
export function bindUdpDeno(host: string, port: number, events: UdpSocketEvents): DatagramSocketBinding {
  const deno = denoGlobal();
  if (!deno?.listenDatagram) {
    throw new Error(
      "hellogate: Deno.listenDatagram is unavailable (run Deno with --unstable-net), " +
        "or use listenUdpNode / listenUdp({ adapter: \"auto\" })",
    );
  }
  const v6 = isIpv6Host(host);
  const conn = deno.listenDatagram({ hostname: host, port, transport: "udp" });
  let closed = false;
  // Deno's receive() without a buffer allocates (and zeroes) a fresh 65,507-byte array for every
  // datagram; handing it one reused buffer and copying out the bytes received (a ClientHello is
  // a few hundred) halved the CPU per send+receive pair here (25 -> 13 us on a loaded 2-core
  // EPYC). One receive is in flight at a time, and the copy is made before the next one starts.
  const receiveBuffer = new Uint8Array(MAX_UDP_PAYLOAD);
  const loop = (async () => {
    while (!closed) {
      let got: [Uint8Array, { hostname: string; port: number }];
      try {
        got = await conn.receive(receiveBuffer);
      } catch {
        if (closed) break;
        events.error();
        continue;
      }
      // Copy: the buffer is reused, and an engine or connection may keep the datagram.
      events.datagram(got[0].slice(), peerFrom(got[1].hostname, got[1].port));
    }
  })();
  return {
    adapter: "Deno.listenDatagram",
    local: peerFrom(conn.addr.hostname, conn.addr.port),
    // Not an async function: one promise per datagram (Deno's own), not three (async wrapper,
    // await, caller's catch chain on a fresh promise).
    send: (bytes, peer) =>
      closed
        ? Promise.reject(new Error("hellogate: socket closed"))
        : conn.send(bytes, { transport: "udp", hostname: sendHost(peer, v6), port: peer.port }) as Promise<unknown> as Promise<void>,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        conn.close();
      } catch { /* already closed */ }
      await loop;
    },
  };
}
