// Support for the DTLS 1.2 interop tests (not a test file): a hellogate DTLS 1.2 echo server on
// loopback (listenDtls + Dtls12Server) that records handshakes, closes and exporter output; a
// lossy UDP relay that drops, duplicates, reorders or corrupts chosen datagrams; and a helper
// that runs a real client until it prints our echo.
import dgram from "node:dgram";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { sha256 } from "@noble/hashes/sha2.js";
import type { Dtls12ServerOptions } from "../../core/handshake/dtls12/server.ts";
import type { HandshakeSummary } from "../../core/handshake/actions.ts";
import { portableProvider } from "../../core/crypto/portable.ts";
import { type DtlsClosedInfo, type DtlsListener, listenDtls } from "../../transports/dtls_server.ts";
import { type Client, hex, requireTool, ROOT, spawnClient, within } from "./harness.ts";
import type { TestCertificate } from "./tls13_support.ts";

/** What the echo server saw. */
export interface DtlsEchoServer {
  readonly port: number;
  readonly listener: DtlsListener;
  readonly handshakes: HandshakeSummary[];
  readonly closes: DtlsClosedInfo[];
  /** SRTP keying material (60 bytes) of each established connection, when SRTP was negotiated. */
  readonly srtpKeys: Uint8Array[];
  /** Datagrams echoed. */
  echoed: number;
  close(): Promise<void>;
}

/** Starts listenDtls on `hostname` (default 127.0.0.1), port 0, with `cert`, echoing every datagram. */
export async function startDtlsEchoServer(
  cert: TestCertificate,
  extra: Partial<Dtls12ServerOptions> = {},
  hostname = "127.0.0.1",
): Promise<DtlsEchoServer> {
  const handshakes: HandshakeSummary[] = [], closes: DtlsClosedInfo[] = [], srtpKeys: Uint8Array[] = [];
  const listener = await listenDtls({
    hostname,
    port: 0,
    dtls: {
      certificateChain: [cert.certDer],
      signingKey: (extra.provider ?? portableProvider).importSigningKey(cert.keyPkcs8),
      ...extra,
    },
    onDtlsEvent: (e) => {
      if (e.event === "handshake") handshakes.push(e.summary);
      else closes.push(e.info);
    },
  });
  const server: DtlsEchoServer = {
    port: listener.addr.port,
    listener,
    handshakes,
    closes,
    srtpKeys,
    echoed: 0,
    close: () => listener.close(),
  };
  void (async () => {
    for await (const conn of listener) {
      if (conn.summary.srtpProfile !== undefined) srtpKeys.push(conn.exportKeyingMaterial("EXTRACTOR-dtls_srtp", 60));
      void (async () => {
        const w = conn.writable.getWriter();
        try {
          for await (const d of conn.readable) {
            await w.write(d);
            server.echoed++;
          }
        } catch { /* ended */ }
      })();
    }
  })();
  return server;
}

/** What a relay does with one datagram. */
export type RelayVerdict = "pass" | "drop" | "duplicate" | "hold" | "forge-and-replay";

/** One relayed datagram, for assertions. */
export interface RelayedDatagram {
  readonly dir: "c2s" | "s2c";
  readonly bytes: Uint8Array;
  readonly verdict: RelayVerdict;
}

/** A UDP relay between one client and the server. */
export interface LossyRelay {
  readonly port: number;
  readonly log: RelayedDatagram[];
  close(): Promise<void>;
}

/**
 * Starts a relay on 127.0.0.1:0 forwarding to `serverPort`. `policy` decides per datagram:
 * drop it, send it twice, hold it until the next datagram in the same direction has gone
 * (reordering), or send a copy with a flipped last byte, then the genuine one, then the
 * genuine one again (a forgery and a replay around the real datagram).
 */
export async function startLossyRelay(
  serverPort: number,
  policy: (dir: "c2s" | "s2c", bytes: Uint8Array, index: number) => RelayVerdict,
): Promise<LossyRelay> {
  const front = dgram.createSocket("udp4"); // faces the client
  const back = dgram.createSocket("udp4"); // faces the server
  const log: RelayedDatagram[] = [];
  let client: { port: number; address: string } | undefined;
  const counts = { c2s: 0, s2c: 0 };
  const held: Record<"c2s" | "s2c", Uint8Array | undefined> = { c2s: undefined, s2c: undefined };
  const send = (dir: "c2s" | "s2c", b: Uint8Array) => {
    if (dir === "c2s") back.send(b, serverPort, "127.0.0.1");
    else if (client) front.send(b, client.port, client.address);
  };
  const handle = (dir: "c2s" | "s2c", msg: Uint8Array) => {
    const bytes = new Uint8Array(msg);
    const verdict = policy(dir, bytes, counts[dir]++);
    log.push({ dir, bytes, verdict });
    if (verdict === "drop") return;
    if (verdict === "hold") {
      held[dir] = bytes;
      return;
    }
    if (verdict === "forge-and-replay") {
      const bad = bytes.slice();
      bad[bad.length - 1] ^= 0x5a;
      send(dir, bad);
    }
    send(dir, bytes);
    if (verdict === "duplicate" || verdict === "forge-and-replay") send(dir, bytes);
    const h = held[dir];
    if (h) {
      held[dir] = undefined;
      send(dir, h);
    }
  };
  front.on("message", (m, r) => {
    client = { port: r.port, address: r.address };
    handle("c2s", m);
  });
  back.on("message", (m) => handle("s2c", m));
  await new Promise<void>((r) => front.bind(0, "127.0.0.1", () => r()));
  await new Promise<void>((r) => back.bind(0, "127.0.0.1", () => r()));
  return {
    port: front.address().port,
    log,
    close: async () => {
      await new Promise<void>((r) => front.close(() => r()));
      await new Promise<void>((r) => back.close(() => r()));
    },
  };
}

/**
 * Spawns a client, writes `line` to its stdin, and waits until its stdout shows the line (our
 * echo). Throws with the client's output on timeout. The caller kills the client.
 */
export async function runUntilEcho(cmd: string, args: string[], line: string, ms = 10_000): Promise<Client> {
  const c = spawnClient(cmd, args, ms + 2_000);
  c.child.stdin!.write(line + "\n");
  try {
    await within(
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (c.stdout.includes(line)) resolve();
        };
        c.child.stdout!.on("data", check);
        c.done.then(() => {
          check();
          reject(new Error(`client exited (code ${c.exitCode}) before the echo`));
        });
      }),
      ms,
      `the echo of "${line}"`,
    );
  } catch (e) {
    await c.kill();
    throw new Error(`${(e as Error).message}\n$ ${c.command}\nstdout:\n${c.stdout.slice(-3000)}\nstderr:\n${c.stderr.slice(-3000)}`);
  }
  return c;
}

/** Record content types and epochs in a datagram (our own minimal parse, independent of core/). */
export function recordTypes(d: Uint8Array): { type: number; epoch: number; firstByte: number }[] {
  const out: { type: number; epoch: number; firstByte: number }[] = [];
  for (let at = 0; at + 13 <= d.length;) {
    const len = (d[at + 11] << 8) | d[at + 12];
    out.push({ type: d[at], epoch: (d[at + 3] << 8) | d[at + 4], firstByte: d[at + 13] });
    at += 13 + len;
  }
  return out;
}

/**
 * Compiles a C client from `tests/interop/` once per source version (cached in the temp
 * directory by source hash) and returns its path. Fails naming the apt packages when gcc or the
 * library headers are missing.
 */
export function compileCClient(source: string, header: string, libs: string[], aptPackage: string): string {
  try {
    requireTool("gcc");
  } catch {
    throw new Error(`interop: "gcc" not found on PATH; install it: apt-get install gcc ${aptPackage}`);
  }
  if (!existsSync(header)) throw new Error(`interop: ${header} not found; install it: apt-get install ${aptPackage}`);
  const path = join(ROOT, "tests/interop", source);
  const src = readFileSync(path);
  const dir = join(tmpdir(), "hellogate-build", hex(sha256(src)).slice(0, 16));
  const bin = join(dir, source.replace(/\.c$/, ""));
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  try {
    execFileSync("gcc", ["-O1", "-o", tmp, path, ...libs], { stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = (e as { stderr?: Uint8Array }).stderr;
    throw new Error(`interop: compiling ${source} failed (apt-get install ${aptPackage}):\n${err ? new TextDecoder().decode(err) : e}`);
  }
  renameSync(tmp, bin);
  return bin;
}
