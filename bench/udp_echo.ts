/**
 * UDP end-to-end bench, the physical limit: a raw UDP echo server on 127.0.0.1 (port 0) using
 * the SAME socket API as the hellogate adapter under test (node:dgram, Deno.listenDatagram or
 * Bun.udpSocket), with the same receive/send pattern, minus the engine. Prints
 * `{"event":"ready","port":N,"adapter":"..."}`, echoes every datagram until stdin closes, then
 * prints `{"event":"stopped","echoed":N}` and exits.
 *
 * Usage: `deno run -A --no-check [--unstable-net] bench/udp_echo.ts [node|deno|bun|auto] [replyBytes]`
 * or `bun bench/udp_echo.ts [auto] [replyBytes]` (replyBytes: echo only the first N bytes; 0 = all). Driven by bench/udp_bench.mjs.
 *
 * @module
 */
import dgram from "node:dgram";
import process from "node:process";
import { bunGlobal, denoGlobal } from "../transports/runtime.ts";
import { adapterArg, serveUntilStdinEnds } from "./udp_common.ts";

const adapter = adapterArg(process.argv[2]);
// Reply with the first N bytes of each datagram (0 = the whole datagram). The bench passes 60, the
// size of the HelloVerifyRequest the gate answers this ClientHello with, so both servers send the
// same bytes per reply and the echo is the limit for exactly the same traffic.
const replyBytes = Number(process.argv[3] ?? 0);
const cut = (d: Uint8Array): Uint8Array => (replyBytes > 0 && d.length > replyBytes ? d.subarray(0, replyBytes) : d);
const HOST = "127.0.0.1";
let echoed = 0;
let errors = 0;
let port: number;
let name: string;
let stop: () => Promise<void>;

if (adapter === "bun") {
  const bun = bunGlobal();
  if (!bun?.udpSocket) throw new Error("Bun.udpSocket is unavailable");
  // The adapter's pattern (transports/udp_bun.ts): replies queued during one event-loop turn
  // leave together in one sendMany (sendmmsg) from a setImmediate; datagrams Bun hands over in
  // their own buffer are used as they are.
  const queue: (Uint8Array | number | string)[] = [];
  let scheduled = false;
  let sock: { sendMany(p: (Uint8Array | number | string)[]): number } | undefined;
  const flush = () => {
    scheduled = false;
    if (queue.length === 0 || !sock) return;
    try {
      sock.sendMany(queue);
    } catch {
      errors++;
    }
    queue.length = 0;
  };
  const socket = await bun.udpSocket({
    hostname: HOST,
    port: 0,
    binaryType: "uint8array",
    socket: {
      data(s, data, fromPort, address) {
        sock = s as typeof sock;
        const owned = data.byteOffset === 0 && data.buffer.byteLength === data.length ? data : new Uint8Array(data);
        queue.push(cut(owned), fromPort, address);
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
        echoed++;
      },
    },
  });
  port = socket.port;
  name = "Bun.udpSocket";
  stop = () => Promise.resolve(socket.close());
} else if (adapter === "deno") {
  const deno = denoGlobal();
  if (!deno?.listenDatagram) throw new Error("Deno.listenDatagram is unavailable (run with --unstable-net)");
  const conn = deno.listenDatagram({ hostname: HOST, port: 0, transport: "udp" });
  let closed = false;
  const loop = (async () => {
    while (!closed) {
      let got: [Uint8Array, { hostname: string; port: number; transport: string }];
      try {
        got = await conn.receive();
      } catch {
        if (closed) break;
        errors++;
        continue;
      }
      // Like the adapter: the send is started, not awaited, before the next receive.
      conn.send(cut(got[0]), { transport: "udp", hostname: got[1].hostname, port: got[1].port }).catch(() => errors++);
      echoed++;
    }
  })();
  port = conn.addr.port;
  name = "Deno.listenDatagram";
  stop = async () => {
    closed = true;
    conn.close();
    await loop;
  };
} else {
  const socket = dgram.createSocket({ type: "udp4" });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, HOST, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  socket.on("error", () => errors++);
  socket.on("message", (msg: Uint8Array, rinfo: { address: string; port: number }) => {
    socket.send(cut(msg), rinfo.port, rinfo.address, (err) => {
      if (err) errors++;
    });
    echoed++;
  });
  port = socket.address().port;
  name = "node:dgram";
  stop = () => new Promise<void>((resolve) => socket.close(() => resolve()));
}

serveUntilStdinEnds({ port, adapter: name, replyBytes }, async () => {
  await stop();
  return { echoed, errors };
});
