// Interop harness (not a test file): spawn real clients with a deadline, run a test-local
// server loop that feeds a core listener and records the whole wire conversation, and parse
// the captured bytes with our OWN small record/handshake parser (independent of core/).
import { concatBytes } from "../../testing/fragment.ts";
import dgram from "node:dgram";
import net from "node:net";
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, appendFileSync, constants as fsConstants } from "node:fs";
import { delimiter, join } from "node:path";
import process from "node:process";
import { sha256, sha384 } from "@noble/hashes/sha2.js";
import type { DatagramListener } from "../../core/gate/datagram_listener.ts";
import type { StreamListener } from "../../core/gate/stream_listener.ts";
import type { AcceptedOutcome, Outcome } from "../../core/gate/outcome.ts";
import type { PeerAddress } from "../../core/peer.ts";

/** Repository root. */
export const ROOT: string = new URL("../..", import.meta.url).pathname;
/** How to install the clients this suite needs. */
export const INSTALL_HINT = "apt-get install openssl gnutls-bin";
/** Per-case deadline for anything we wait on. */
export const CASE_TIMEOUT_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// tools and processes

/**
 * The Debian package that brings each system client the tests run (apt-get install NAME).
 * Add a row when a test starts using a new client (and the package to .ci/apt-packages.txt).
 */
export const APT_PACKAGES: Readonly<Record<string, string>> = {
  openssl: "openssl",
  "gnutls-cli": "gnutls-bin",
  "gnutls-serv": "gnutls-bin",
  curl: "curl",
  chromium: "chromium",
  gtlsclient: "ngtcp2-client",
  gcc: "gcc",
  cc: "gcc",
  node: "nodejs",
};

/**
 * Test-only switch: `HELLOGATE_HIDE_TOOLS=gnutls-cli,curl` makes `findTool`, `requireTool` and
 * `toolSkip` treat those clients as absent, to check what `npm test` does on a machine without
 * them. Never set it in CI.
 */
export const HIDE_TOOLS_ENV = "HELLOGATE_HIDE_TOOLS";

/** Whether this run is CI (`CI=true` or `CI=1`, as `.ci/run` and CI services set): missing clients fail. */
export function isCi(): boolean {
  const v = (process.env.CI ?? "").toLowerCase();
  return v !== "" && v !== "0" && v !== "false";
}

function hidden(name: string): boolean {
  const list = (process.env[HIDE_TOOLS_ENV] ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const base = name.split("/").pop()!;
  return list.includes(name) || list.includes(base);
}

/** Absolute path of `name` on PATH (or the path itself when it contains a slash), or undefined. */
export function findTool(name: string): string | undefined {
  if (hidden(name)) return undefined;
  const candidates = name.includes("/") ? [name] : (process.env.PATH ?? "").split(delimiter).map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK);
      return c;
    } catch { /* next */ }
  }
  return undefined;
}

/** The command that installs `name`: `sudo apt-get install PKG`, or `npm ci` for node_modules binaries. */
export function installLine(name: string): string {
  if (name.includes("/node_modules/")) return "npm ci";
  const pkg = APT_PACKAGES[name.split("/").pop()!];
  return pkg ? `sudo apt-get install ${pkg}` : INSTALL_HINT;
}

/**
 * Absolute path of `name` on PATH (or the path itself); throws with the install line if absent.
 * Prefer declaring `{ skip: toolSkip(name) }` on the test as well; a test that only calls this is
 * still counted as skipped (not failed) by scripts/test.mjs outside CI, from this error's text.
 */
export function requireTool(name: string): string {
  const found = findTool(name);
  if (found) return found;
  if (!isCi()) recordMissing([name]);
  throw new Error(`interop: required client "${name}" not found on PATH; install it: ${installLine(name)}`);
}

/**
 * `path` when it exists (a header or library a test compiles against), else throws like
 * `requireTool`, naming the Debian package: `requireFile("/usr/include/mbedtls/ssl.h", "libmbedtls-dev")`.
 * HELLOGATE_HIDE_TOOLS hides it by package name.
 */
export function requireFile(path: string, aptPackage: string): string {
  if (!hidden(aptPackage)) {
    try {
      accessSync(path, fsConstants.R_OK);
      return path;
    } catch { /* missing */ }
  }
  const install = `sudo apt-get install ${aptPackage}`;
  if (!isCi()) recordLine(aptPackage, install);
  throw new Error(`interop: required client "${aptPackage}" not found (${path} is missing); install it: ${install}`);
}

function recordLine(tool: string, install: string): void {
  const log = process.env.HELLOGATE_SKIP_LOG;
  if (!log) return;
  try {
    appendFileSync(log, `${tool}\t${install}\n`);
  } catch { /* the runner still counts the skip */ }
}

/** Appends `tool<TAB>install line` rows to the file named by HELLOGATE_SKIP_LOG (set by scripts/test.mjs). */
function recordMissing(names: string[]): void {
  for (const n of names) recordLine(n.split("/").pop()!, installLine(n));
}

/**
 * The `skip` option for a test that needs these clients: `test(name, { skip: toolSkip("gnutls-cli") }, fn)`.
 * Returns false when all are present, and also under CI (the test then runs and `requireTool`
 * fails it: in CI a missing client is a failure, never a skip). Otherwise returns the reason
 * (`missing gnutls-cli: sudo apt-get install gnutls-bin`) and records the missing clients in the
 * file named by HELLOGATE_SKIP_LOG (set by scripts/test.mjs), which prints the install line at the end.
 */
export function toolSkip(...names: string[]): string | false {
  if (isCi()) return false;
  const missing = names.filter((n) => !findTool(n));
  if (!missing.length) return false;
  recordMissing(missing);
  return `missing ${missing.map((n) => n.split("/").pop()).join(", ")}: ${[...new Set(missing.map(installLine))].join("; ")}`;
}

/** A spawned client: its output so far and a way to end it. */
export interface Client {
  readonly child: ChildProcess;
  readonly command: string;
  stdout: string;
  stderr: string;
  /** Resolves when the process has exited and its pipes closed. */
  readonly done: Promise<void>;
  exitCode: number | null;
  signal: string | null;
  /** SIGKILL (if still running) and wait for it to be gone. Idempotent. */
  kill(): Promise<void>;
}

/**
 * Spawns a client with stdin kept open (openssl s_client quits on stdin EOF) and a hard
 * deadline after which it is killed.
 */
export function spawnClient(cmd: string, args: string[], timeoutMs = CASE_TIMEOUT_MS): Client {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
  let exited = false;
  const done = new Promise<void>((resolve) => {
    child.on("error", () => {
      exited = true;
      resolve();
    });
    child.on("close", (code, signal) => {
      exited = true;
      c.exitCode = code;
      c.signal = signal;
      resolve();
    });
  });
  const timer = setTimeout(() => {
    if (!exited) child.kill("SIGKILL");
  }, timeoutMs);
  const c: Client = {
    child,
    command: [cmd.split("/").pop(), ...args].join(" "),
    stdout: "",
    stderr: "",
    done: done.then(() => clearTimeout(timer)),
    exitCode: null,
    signal: null,
    async kill() {
      if (!exited) {
        child.stdin?.destroy();
        child.kill("SIGKILL");
      }
      await c.done;
    },
  };
  child.stdout!.on("data", (d) => (c.stdout += d));
  child.stderr!.on("data", (d) => (c.stderr += d));
  child.stdin!.on("error", () => {});
  return c;
}

/** Rejects after `ms` with `what`; the timer is always cleared. */
export async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// wire capture

/** One datagram or stream chunk, as it crossed the socket. */
export interface WireEvent {
  /** `in` = client to us, `out` = us to client. */
  readonly dir: "in" | "out";
  /** The peer (client) address and port as the socket reported it. */
  readonly peer: string;
  /** Milliseconds since the loop started. */
  readonly t: number;
  readonly bytes: Uint8Array;
}

/** An outcome and the peer/input it answered. */
export interface OutcomeEvent {
  readonly peer: string;
  readonly outcome: Outcome;
}

/** Waitable log of wire events and outcomes. */
class Recorder {
  readonly wire: WireEvent[] = [];
  readonly outcomes: OutcomeEvent[] = [];
  readonly #start = Date.now();
  #waiters: { pred: () => boolean; resolve: () => void }[] = [];

  record(dir: "in" | "out", peer: string, bytes: Uint8Array): void {
    this.wire.push({ dir, peer, t: Date.now() - this.#start, bytes: bytes.slice() });
    this.notify();
  }

  notify(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }

  /** Waits until `pred()` holds (checked after every event). */
  until(pred: () => boolean, what: string, ms = CASE_TIMEOUT_MS): Promise<void> {
    if (pred()) return Promise.resolve();
    return within(new Promise<void>((resolve) => this.#waiters.push({ pred, resolve })), ms, what);
  }

  /** The first accepted outcome, once there is one. */
  async accepted(ms = CASE_TIMEOUT_MS): Promise<{ peer: string; outcome: AcceptedOutcome }> {
    await this.until(() => this.outcomes.some((o) => o.outcome.kind === "accepted"), "an accepted outcome", ms);
    const e = this.outcomes.find((o) => o.outcome.kind === "accepted")!;
    return { peer: e.peer, outcome: e.outcome as AcceptedOutcome };
  }

  /** Wire events from/to one peer in one direction. */
  bytes(dir: "in" | "out", peer?: string): Uint8Array[] {
    return this.wire.filter((w) => w.dir === dir && (peer === undefined || w.peer === peer)).map((w) => w.bytes);
  }

  /** A compact transcript for assertion messages. */
  describe(): string {
    return this.wire.map((w) => `${w.t}ms ${w.dir === "in" ? "C->S" : "S->C"} ${w.peer} ${w.bytes.length}B ${hex(w.bytes.subarray(0, 16))}`)
      .join("\n") + "\noutcomes: " + this.outcomes.map((o) => `${o.peer} ${o.outcome.kind}${"message" in o.outcome ? ":" + o.outcome.message : ""}${"reason" in o.outcome ? ":" + o.outcome.reason : ""}`).join(", ");
  }
}

/** Hooks a UDP loop calls before it sends a `send` outcome (tamper, rotate keys). */
export interface UdpLoopHooks {
  /** Returns the bytes to actually send (default: the outcome's bytes). */
  beforeSend?: (outcome: Outcome & { kind: "send" }, peer: PeerAddress) => Uint8Array;
}

/** A test-local UDP server: every datagram goes to the listener; replies are recorded. */
export interface UdpLoop extends Recorder {
  readonly port: number;
  close(): Promise<void>;
}

/** Binds 127.0.0.1:0 and feeds `listener`. */
export async function startUdpLoop(listener: DatagramListener, hooks: UdpLoopHooks = {}): Promise<UdpLoop> {
  const rec = new Recorder() as UdpLoop;
  const sock = dgram.createSocket("udp4");
  sock.on("message", (msg, rinfo) => {
    const bytes = new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength);
    const key = `${rinfo.address}:${rinfo.port}`;
    const peer: PeerAddress = { family: "ipv4", address: rinfo.address, port: rinfo.port };
    rec.record("in", key, bytes);
    const outcome = listener.receive(bytes.slice(), peer, Date.now());
    rec.outcomes.push({ peer: key, outcome });
    if (outcome.kind === "send") {
      const out = hooks.beforeSend ? hooks.beforeSend(outcome, peer) : outcome.bytes;
      rec.record("out", key, out);
      sock.send(out, rinfo.port, rinfo.address);
    }
    rec.notify();
  });
  await new Promise<void>((resolve) => sock.bind(0, "127.0.0.1", () => resolve()));
  Object.defineProperty(rec, "port", { value: sock.address().port });
  rec.close = () => new Promise<void>((resolve) => sock.close(() => resolve()));
  return rec;
}

/** A test-local TCP server: a StreamListener per connection; chunks are recorded. */
export interface TcpLoop extends Recorder {
  readonly port: number;
  /** Per connection (key "ip:port"), what the socket reported as the remote port. */
  readonly connections: string[];
  close(): Promise<void>;
}

/** Binds 127.0.0.1:0; `make(peer)` builds the StreamListener of each connection. */
export async function startTcpLoop(make: (peer: PeerAddress) => StreamListener): Promise<TcpLoop> {
  const rec = new Recorder() as TcpLoop;
  const sockets = new Set<net.Socket>();
  Object.defineProperty(rec, "connections", { value: [] });
  const server = net.createServer((s) => {
    sockets.add(s);
    const key = `${s.remoteAddress}:${s.remotePort}`;
    rec.connections.push(key);
    const peer: PeerAddress = { family: "ipv4", address: s.remoteAddress!.replace(/^::ffff:/, ""), port: s.remotePort! };
    const listener = make(peer);
    let finished = false;
    s.on("data", (chunk: Uint8Array) => {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      rec.record("in", key, bytes);
      if (finished) return;
      const outcome = listener.receive(bytes.slice(), Date.now());
      rec.outcomes.push({ peer: key, outcome });
      if (outcome.kind === "send") {
        rec.record("out", key, outcome.bytes);
        s.write(outcome.bytes);
      } else if (outcome.kind === "closed") {
        finished = true;
        if (outcome.bytes) {
          rec.record("out", key, outcome.bytes);
          s.end(outcome.bytes);
        } else s.end();
      } else if (outcome.kind === "accepted") finished = true;
      rec.notify();
    });
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  Object.defineProperty(rec, "port", { value: (server.address() as net.AddressInfo).port });
  rec.close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return rec;
}

// ---------------------------------------------------------------------------------------------
// our own parsing (deliberately not core's)

/** Lowercase hex. */
export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function u16(b: Uint8Array, i: number): number {
  return (b[i] << 8) | b[i + 1];
}
function u24(b: Uint8Array, i: number): number {
  return (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
}
function need(b: Uint8Array, end: number, what: string): void {
  if (end > b.length) throw new Error(`interop parse: ${what} runs past the end (${end} > ${b.length})`);
}

/** Concatenates byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(parts);
}

/** A DTLS record (RFC 6347 §4.1). */
export interface DtlsRecord {
  readonly type: number;
  readonly version: number;
  readonly epoch: number;
  readonly sequence: number;
  readonly fragment: Uint8Array;
}

/** Splits a datagram into DTLSPlaintext records. */
export function dtlsRecords(datagram: Uint8Array): DtlsRecord[] {
  const out: DtlsRecord[] = [];
  let i = 0;
  while (i < datagram.length) {
    need(datagram, i + 13, "DTLS record header");
    const len = u16(datagram, i + 11);
    need(datagram, i + 13 + len, "DTLS record");
    const seq = u16(datagram, i + 5) * 2 ** 32 + ((datagram[i + 7] << 24) >>> 0) + u24(datagram, i + 8);
    out.push({ type: datagram[i], version: u16(datagram, i + 1), epoch: u16(datagram, i + 3), sequence: seq, fragment: datagram.subarray(i + 13, i + 13 + len) });
    i += 13 + len;
  }
  return out;
}

/** A DTLS handshake fragment (RFC 6347 §4.2.2). */
export interface DtlsFragment {
  readonly msgType: number;
  readonly length: number;
  readonly messageSeq: number;
  readonly offset: number;
  readonly body: Uint8Array;
  readonly recordSequence: number;
}

/** All handshake fragments in a list of datagrams. */
export function dtlsFragments(datagrams: Uint8Array[]): DtlsFragment[] {
  const out: DtlsFragment[] = [];
  for (const d of datagrams) {
    for (const r of dtlsRecords(d)) {
      if (r.type !== 22) continue;
      let i = 0;
      while (i < r.fragment.length) {
        need(r.fragment, i + 12, "DTLS handshake header");
        const fragLen = u24(r.fragment, i + 9);
        need(r.fragment, i + 12 + fragLen, "DTLS handshake fragment");
        out.push({
          msgType: r.fragment[i],
          length: u24(r.fragment, i + 1),
          messageSeq: u16(r.fragment, i + 4),
          offset: u24(r.fragment, i + 6),
          body: r.fragment.subarray(i + 12, i + 12 + fragLen),
          recordSequence: r.sequence,
        });
        i += 12 + fragLen;
      }
    }
  }
  return out;
}

/** A whole DTLS handshake message rebuilt from its fragments (first complete copy wins). */
export interface DtlsMessage {
  readonly msgType: number;
  readonly messageSeq: number;
  readonly body: Uint8Array;
  /** How many distinct fragments it arrived in (per first transmission). */
  readonly fragments: number;
}

/**
 * Reassembles DTLS handshake messages of type `msgType` from datagrams, in message_seq order.
 * Retransmissions (same message_seq) are merged; throws if a message stays incomplete.
 */
export function dtlsMessages(datagrams: Uint8Array[], msgType: number): DtlsMessage[] {
  const bySeq = new Map<number, { body: Uint8Array; have: Uint8Array; offsets: Set<number> }>();
  for (const f of dtlsFragments(datagrams)) {
    if (f.msgType !== msgType) continue;
    let m = bySeq.get(f.messageSeq);
    if (!m) bySeq.set(f.messageSeq, m = { body: new Uint8Array(f.length), have: new Uint8Array(f.length), offsets: new Set() });
    if (m.body.length !== f.length || f.offset + f.body.length > f.length) throw new Error("interop parse: inconsistent fragment");
    m.body.set(f.body, f.offset);
    m.have.fill(1, f.offset, f.offset + f.body.length);
    m.offsets.add(f.offset);
  }
  return [...bySeq.entries()].sort((a, b) => a[0] - b[0]).map(([seq, m]) => {
    if (m.have.includes(0)) throw new Error(`interop parse: handshake message seq ${seq} incomplete`);
    return { msgType, messageSeq: seq, body: m.body, fragments: m.offsets.size };
  });
}

/** The fields of a ClientHello body this suite asserts on. */
export interface ParsedClientHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly sessionId: Uint8Array;
  /** DTLS only (legacy cookie field). */
  readonly cookie?: Uint8Array;
  readonly cipherSuites: number[];
  readonly extensions: { type: number; data: Uint8Array }[];
}

/** Parses a ClientHello body (DTLS: with the cookie field). */
export function parseClientHelloBody(body: Uint8Array, dtls: boolean): ParsedClientHello {
  let i = 0;
  need(body, 35, "ClientHello fixed part");
  const legacyVersion = u16(body, 0);
  const random = body.subarray(2, 34);
  i = 34;
  const sidLen = body[i++];
  need(body, i + sidLen, "session_id");
  const sessionId = body.subarray(i, i + sidLen);
  i += sidLen;
  let cookie: Uint8Array | undefined;
  if (dtls) {
    need(body, i + 1, "cookie length");
    const cl = body[i++];
    need(body, i + cl, "cookie");
    cookie = body.subarray(i, i + cl);
    i += cl;
  }
  need(body, i + 2, "cipher_suites length");
  const csLen = u16(body, i);
  i += 2;
  need(body, i + csLen, "cipher_suites");
  const cipherSuites: number[] = [];
  for (let j = 0; j < csLen; j += 2) cipherSuites.push(u16(body, i + j));
  i += csLen;
  need(body, i + 1, "compression length");
  i += 1 + body[i];
  const extensions: { type: number; data: Uint8Array }[] = [];
  if (i < body.length) {
    need(body, i + 2, "extensions length");
    const end = i + 2 + u16(body, i);
    need(body, end, "extensions");
    i += 2;
    while (i < end) {
      need(body, i + 4, "extension header");
      const len = u16(body, i + 2);
      need(body, i + 4 + len, "extension");
      extensions.push({ type: u16(body, i), data: body.subarray(i + 4, i + 4 + len) });
      i += 4 + len;
    }
  }
  return { legacyVersion, random, sessionId, cookie, cipherSuites, extensions };
}

/** The value of the TLS 1.3 cookie extension (44), if present. */
export function cookieExtension(exts: { type: number; data: Uint8Array }[]): Uint8Array | undefined {
  const e = exts.find((x) => x.type === 44);
  if (!e) return undefined;
  const len = u16(e.data, 0);
  if (len + 2 !== e.data.length) throw new Error("interop parse: cookie extension length");
  return e.data.subarray(2);
}

/** Groups of the key shares in a ClientHello's key_share extension (51). */
export function keyShareGroups(exts: { type: number; data: Uint8Array }[]): number[] {
  const e = exts.find((x) => x.type === 51);
  if (!e) return [];
  const out: number[] = [];
  let i = 2;
  while (i < e.data.length) {
    out.push(u16(e.data, i));
    i += 4 + u16(e.data, i + 2);
  }
  return out;
}

/** A parsed HelloVerifyRequest datagram. */
export interface ParsedHvr {
  readonly recordVersion: number;
  readonly recordSequence: number;
  readonly messageSeq: number;
  readonly serverVersion: number;
  readonly cookie: Uint8Array;
  /** Offset of the first cookie byte in the datagram (for tampering). */
  readonly cookieOffset: number;
}

/** Parses one HelloVerifyRequest datagram (a single unfragmented record). */
export function parseHvr(datagram: Uint8Array): ParsedHvr {
  const [r, ...rest] = dtlsRecords(datagram);
  if (!r || rest.length || r.type !== 22) throw new Error("interop parse: HVR is not one handshake record");
  const f = r.fragment;
  need(f, 15, "HVR");
  if (f[0] !== 3) throw new Error(`interop parse: handshake type ${f[0]} is not hello_verify_request`);
  if (u24(f, 1) !== u24(f, 9) || u24(f, 6) !== 0) throw new Error("interop parse: fragmented HVR");
  const cl = f[14];
  need(f, 15 + cl, "HVR cookie");
  return { recordVersion: r.version, recordSequence: r.sequence, messageSeq: u16(f, 4), serverVersion: u16(f, 12), cookie: f.subarray(15, 15 + cl), cookieOffset: 13 + 15 };
}

/** A TLS record. */
export interface TlsRecord {
  readonly type: number;
  readonly version: number;
  readonly fragment: Uint8Array;
}

/** Splits a TLS byte stream into whole records (a trailing partial record is an error). */
export function tlsRecords(stream: Uint8Array): TlsRecord[] {
  const out: TlsRecord[] = [];
  let i = 0;
  while (i < stream.length) {
    need(stream, i + 5, "TLS record header");
    const len = u16(stream, i + 3);
    need(stream, i + 5 + len, "TLS record");
    out.push({ type: stream[i], version: u16(stream, i + 1), fragment: stream.subarray(i + 5, i + 5 + len) });
    i += 5 + len;
  }
  return out;
}

/** A TLS handshake message with its 4-byte header (`message`) and where it came from. */
export interface TlsMessage {
  readonly msgType: number;
  /** Header + body, exactly as it enters the transcript. */
  readonly message: Uint8Array;
  readonly body: Uint8Array;
  /** How many records carried (part of) it. */
  readonly records: number;
}

/** Handshake messages carried by the handshake records of a stream (may span records). */
export function tlsHandshakeMessages(stream: Uint8Array): { messages: TlsMessage[]; recordTypes: number[] } {
  const recs = tlsRecords(stream);
  const messages: TlsMessage[] = [];
  let buf: Uint8Array = new Uint8Array(0);
  let recordsInBuf = 0;
  for (const r of recs) {
    if (r.type !== 22) continue;
    buf = concat(buf, r.fragment);
    recordsInBuf++;
    while (buf.length >= 4 && buf.length >= 4 + u24(buf, 1)) {
      const n = 4 + u24(buf, 1);
      messages.push({ msgType: buf[0], message: buf.slice(0, n), body: buf.slice(4, n), records: recordsInBuf });
      buf = buf.slice(n);
      recordsInBuf = buf.length ? 1 : 0;
    }
  }
  if (buf.length) throw new Error("interop parse: partial handshake message at the end of the stream");
  return { messages, recordTypes: recs.map((r) => r.type) };
}

/** The HRR's special random (RFC 8446 §4.1.3). */
export const HRR_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c";

/** A parsed HelloRetryRequest body. */
export interface ParsedHrr {
  readonly random: string;
  readonly sessionIdEcho: Uint8Array;
  readonly cipherSuite: number;
  readonly selectedVersion?: number;
  readonly keyShareGroup?: number;
  readonly cookie?: Uint8Array;
  readonly extensionTypes: number[];
}

/** Parses a ServerHello/HRR body. */
export function parseHrrBody(body: Uint8Array): ParsedHrr {
  need(body, 35, "ServerHello");
  let i = 34;
  const sid = body.subarray(i + 1, i + 1 + body[i]);
  i += 1 + body[i];
  need(body, i + 5, "ServerHello suite");
  const cipherSuite = u16(body, i);
  i += 3;
  const end = i + 2 + u16(body, i);
  need(body, end, "ServerHello extensions");
  i += 2;
  const types: number[] = [];
  let selectedVersion: number | undefined, keyShareGroup: number | undefined, cookie: Uint8Array | undefined;
  while (i < end) {
    const t = u16(body, i), len = u16(body, i + 2);
    const d = body.subarray(i + 4, i + 4 + len);
    types.push(t);
    if (t === 43) selectedVersion = u16(d, 0);
    if (t === 51) keyShareGroup = u16(d, 0);
    if (t === 44) cookie = d.subarray(2);
    i += 4 + len;
  }
  return { random: hex(body.subarray(2, 34)), sessionIdEcho: sid, cipherSuite, selectedVersion, keyShareGroup, cookie, extensionTypes: types };
}

/** SHA-256 or SHA-384 by TLS 1.3 suite (0x1302 is the only SHA-384 suite we negotiate). */
export function suiteHash(suite: number): (b: Uint8Array) => Uint8Array {
  return suite === 0x1302 ? sha384 : sha256;
}

/**
 * RFC 8446 §4.4.1: the transcript after a HelloRetryRequest starts with
 * `message_hash(254) 00 00 HashLen Hash(CH1)`, then the HRR, then CH2.
 */
export function retryTranscript(suite: number, ch1Message: Uint8Array, hrrMessage: Uint8Array, ch2Message: Uint8Array): Uint8Array {
  const h = suiteHash(suite);
  const ch1Hash = h(ch1Message);
  return concat(new Uint8Array([254, 0, 0, ch1Hash.length]), ch1Hash, hrrMessage, ch2Message);
}

/** Whether a client is still running. */
export function running(c: Client): boolean {
  return c.exitCode === null && c.signal === null;
}

/** The stream bytes after the record that completes the first handshake message (CCS + CH2 ...). */
export function afterFirstHandshakeMessage(stream: Uint8Array): Uint8Array {
  let i = 0, have = 0, need4 = -1;
  const acc: number[] = [];
  while (i < stream.length) {
    const len = u16(stream, i + 3);
    const type = stream[i];
    i += 5 + len;
    if (type !== 22) continue;
    for (let j = i - len; j < i; j++) acc.push(stream[j]);
    have = acc.length;
    if (need4 < 0 && have >= 4) need4 = 4 + ((acc[1] << 16) | (acc[2] << 8) | acc[3]);
    if (need4 >= 0 && have >= need4) return stream.slice(i);
  }
  throw new Error("interop parse: no complete first handshake message");
}

/** Concatenation of every wire event in one direction for one peer (a TCP stream). */
export function streamOf(events: WireEvent[], dir: "in" | "out", peer: string): Uint8Array {
  return concat(...events.filter((w) => w.dir === dir && w.peer === peer).map((w) => w.bytes));
}
