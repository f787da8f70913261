// Fake engines and loopback clients for the transport tests (not a test file itself).
import dgram from "node:dgram";
import net from "node:net";
import type { AcceptedOutcome, DatagramOutcome, StreamOutcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";
import type { DatagramEngine, StreamEngine } from "../transports/engine.ts";
import { AsyncQueue } from "../transports/queue.ts";

/** A fake AcceptedOutcome (only the fields the transports read are meaningful). */
export function fakeAccepted(peer: PeerAddress, remainder: Uint8Array, protocol: "dtls1.2" | "tls1.3"): AcceptedOutcome {
  return {
    kind: "accepted",
    peer,
    protocol,
    addressValidated: "cookie",
    clientHello: {} as AcceptedOutcome["clientHello"],
    clientHelloMessage: new Uint8Array(0),
    remainder,
  };
}

/** Reply the fake datagram engine sends for 0x01: 3 bytes, smaller than any request it answers. */
export const FAKE_HVR = new Uint8Array([0xaa, 0xbb, 0xcc]);

/**
 * Datagram engine: 0x01... (>= 3 bytes) -> send FAKE_HVR; 0x02 X... -> accepted, remainder = bytes
 * after the first two; 0x04 -> throws; anything else -> dropped "not-handshake".
 */
export class FakeDatagramEngine implements DatagramEngine {
  calls = 0;
  peers: PeerAddress[] = [];
  receive(datagram: Uint8Array, peer: PeerAddress, _now: number): DatagramOutcome {
    this.calls++;
    this.peers.push(peer);
    if (datagram[0] === 0x01 && datagram.length >= 3) {
      return { kind: "send", message: "hello_verify_request", protocol: "dtls1.2", bytes: FAKE_HVR };
    }
    if (datagram[0] === 0x02) return fakeAccepted(peer, datagram.slice(2), "dtls1.2");
    if (datagram[0] === 0x04) throw new Error("fake engine bug");
    return { kind: "dropped", reason: "not-handshake", detail: "fake" };
  }
}

/** Reply the fake stream engine sends for 0x01. */
export const FAKE_HRR = new Uint8Array([0xbb, 0x01]);
/** Alert the fake stream engine sends for 0x03. */
export const FAKE_ALERT = new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]);

/**
 * Stream engine, per chunk by its first byte: 0x01 -> send FAKE_HRR; 0x02 -> accepted with the
 * rest of the chunk as remainder; 0x03 -> closed with FAKE_ALERT; 0x05 -> dropped; else need more.
 * end() -> closed end-of-stream.
 */
export class FakeStreamEngine implements StreamEngine {
  chunks: Uint8Array[] = [];
  ended = 0;
  readonly peer: PeerAddress;
  constructor(peer: PeerAddress) {
    this.peer = peer;
  }
  receive(chunk: Uint8Array, _now: number): StreamOutcome {
    this.chunks.push(chunk);
    switch (chunk[0]) {
      case 0x01:
        return { kind: "send", message: "hello_retry_request", protocol: "tls1.3", bytes: FAKE_HRR };
      case 0x02:
        return fakeAccepted(this.peer, chunk.slice(1), "tls1.3");
      case 0x03:
        return { kind: "closed", reason: "malformed-client-hello", detail: "fake", bytes: FAKE_ALERT, alert: "decode_error" };
      case 0x05:
        return { kind: "dropped", reason: "not-tls", detail: "fake" };
      default:
        return { kind: "need-more-data" };
    }
  }
  end(_now: number): StreamOutcome {
    this.ended++;
    return { kind: "closed", reason: "end-of-stream", detail: "fake" };
  }
}

/** Rejects after `ms` unless `p` settles first: a safety net so a broken test fails instead of hanging. */
export function within<T>(p: Promise<T>, ms = 5000, what = "operation"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not complete within ${ms} ms`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

/** A loopback UDP client on node:dgram. */
export interface UdpClient {
  readonly port: number;
  send(bytes: Uint8Array, port: number): Promise<void>;
  recv(): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Binds a UDP client on 127.0.0.1 (or ::1). */
export async function udpClient(host = "127.0.0.1"): Promise<UdpClient> {
  const v6 = host.includes(":");
  const s = dgram.createSocket(v6 ? "udp6" : "udp4");
  await new Promise<void>((resolve) => s.bind(0, host, () => resolve()));
  const inbox = new AsyncQueue<Uint8Array>();
  s.on("message", (m: Uint8Array) => inbox.push(new Uint8Array(m)));
  return {
    port: s.address().port,
    send: (bytes, port) => new Promise((resolve, reject) => s.send(bytes, port, host, (e) => (e ? reject(e) : resolve()))),
    recv: async () => {
      const r = await within(inbox.next(), 5000, "udp recv");
      if (r.done) throw new Error("closed");
      return r.value;
    },
    close: () => new Promise((resolve) => s.close(() => resolve())),
  };
}

/** A loopback TCP client on node:net. */
export interface TcpClient {
  readonly port: number;
  write(bytes: Uint8Array): void;
  /** Reads until at least `n` bytes arrived (or EOF); returns what arrived. */
  read(n: number): Promise<Uint8Array>;
  /** Resolves with everything received once the server closes. */
  untilEnd(): Promise<Uint8Array>;
  end(): void;
  destroy(): void;
}

/** Connects a TCP client. */
export async function tcpClient(port: number, host = "127.0.0.1"): Promise<TcpClient> {
  const s = net.connect({ port, host });
  await within(new Promise<void>((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("error", reject);
  }), 5000, "tcp connect");
  s.on("error", () => {});
  let buf = new Uint8Array(0);
  let ended = false;
  let wake: (() => void) | undefined;
  s.on("data", (d: Uint8Array) => {
    const next = new Uint8Array(buf.length + d.length);
    next.set(buf);
    next.set(d, buf.length);
    buf = next;
    wake?.();
  });
  s.on("close", () => {
    ended = true;
    wake?.();
  });
  const waitFor = async (cond: () => boolean, what: string) => {
    while (!cond()) await within(new Promise<void>((r) => (wake = r)), 5000, what);
  };
  return {
    port: s.localPort ?? 0,
    write: (b) => void s.write(b),
    async read(n) {
      await waitFor(() => buf.length >= n || ended, "tcp read");
      const out = buf.slice(0, n);
      buf = buf.slice(out.length);
      return out;
    },
    async untilEnd() {
      await waitFor(() => ended, "tcp end");
      return buf;
    },
    end: () => void s.end(),
    destroy: () => void s.destroy(),
  };
}

/** Collects a ReadableStream until `n` bytes or its end. */
export async function readBytes(readable: ReadableStream<Uint8Array>, n: number): Promise<Uint8Array> {
  const reader = readable.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < n) {
    const r = await within(reader.read(), 5000, "stream read");
    if (r.done) break;
    parts.push(r.value);
    total += r.value.length;
  }
  reader.releaseLock();
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Current runtime, for tests that assert the runtime-specific path. */
export const runtime: "deno" | "bun" | "node" = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
  ? "bun"
  : typeof (globalThis as { Deno?: unknown }).Deno !== "undefined"
  ? "deno"
  : "node";
