// listenTls over real loopback sockets: the real stateless gate (StreamListener, real
// ClientHellos from ScriptedClient) in front of a fake handshake engine with a toy "protocol",
// so the driver (phases, retry policy, plaintext streams, alerts, timeouts) is tested on its own.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import type { AcceptedOutcome } from "../core/gate/outcome.ts";
import type { EngineAction, HandshakeEngine, HandshakeSummary } from "../core/handshake/actions.ts";
import { ScriptedClient } from "../testing/scripted_client.ts";
import { listenTls, type ListenTlsOptions, type TlsServerEvent } from "../transports/tls_server.ts";
import { retryWhenBusy, type TlsLoad } from "../transports/tls_retry_policy.ts";
import { serveWwwPage } from "../transports/tls_www.ts";
import { readBytes, runtime, tcpClient, type TcpClient, within } from "./transport_fakes.ts";
import process from "node:process";
import { spawnSync } from "node:child_process";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const xor = (b: Uint8Array) => b.map((x) => x ^ 0x55);
const SERVER_FLIGHT = new Uint8Array([0x16, 0x53, 0x48]); // "SH"
const FIN = enc("FIN");
const BAD_MAC_ALERT = new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x14]);
const CLOSE_NOTIFY = new Uint8Array([0xfe]);

/**
 * Toy engine: sends SERVER_FLIGHT at once; expects "FIN" (anything else: decrypt_error);
 * afterwards every byte is XOR 0x55 "ciphertext", except 0xff (close_notify) and 0xee (a record
 * whose tag fails: bad_record_mac alert).
 */
class ToyEngine implements HandshakeEngine {
  #actions: EngineAction[] = [];
  #buf: number[] = [];
  #done = false;
  #closed = false;
  #peerClosed = false;
  readonly accepted: AcceptedOutcome;
  constructor(accepted: AcceptedOutcome) {
    this.accepted = accepted;
    this.#actions.push({ kind: "send", bytes: SERVER_FLIGHT });
    if (accepted.remainder.length) this.receive(accepted.remainder); // the engine consumes the remainder
  }
  receive(bytes: Uint8Array): void {
    if (this.#closed || this.#peerClosed) return;
    this.#buf.push(...bytes);
    if (!this.#done) {
      if (this.#buf.length < 3) return;
      const fin = this.#buf.splice(0, 3);
      if (dec(new Uint8Array(fin)) !== "FIN") return this.#close("decrypt-error", 51);
      this.#done = true;
      const summary: HandshakeSummary = {
        protocol: "tls1.3",
        cipherSuite: 0x1301,
        group: 0x001d,
        signatureScheme: 0x0403,
        retried: this.accepted.addressValidated === "cookie",
        peer: this.accepted.peer,
      };
      this.#actions.push({ kind: "handshake-complete", summary });
    }
    const data: number[] = [];
    for (const b of this.#buf.splice(0)) {
      if (b === 0xff) {
        this.#flushData(data);
        this.#peerClosed = true;
        this.#actions.push({ kind: "closed", reason: "peer-close-notify", detail: "close_notify", alert: { description: 0, name: "close_notify", sender: "peer" } });
        return;
      }
      if (b === 0xee) {
        this.#flushData(data);
        return this.#close("bad-record-mac", 20);
      }
      data.push(b ^ 0x55);
    }
    this.#flushData(data);
  }
  #flushData(data: number[]): void {
    if (data.length) this.#actions.push({ kind: "application-data", data: new Uint8Array(data.splice(0)) });
  }
  #close(reason: string, description: number): void {
    this.#closed = true;
    this.#actions.push({ kind: "send", bytes: new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, description]) });
    this.#actions.push({ kind: "closed", reason, detail: "toy", alert: { description, name: reason, sender: "us" } });
  }
  poll(): EngineAction {
    return this.#actions.shift() ?? { kind: "need-data" };
  }
  write(data: Uint8Array): void {
    if (!this.#done) throw new Error("write before handshake");
    this.#actions.push({ kind: "send", bytes: xor(data) });
  }
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#actions.push({ kind: "send", bytes: CLOSE_NOTIFY });
    this.#actions.push({ kind: "closed", reason: "local-close", detail: "close()" });
  }
}

const native = runtime === "bun" ? "bun" : runtime === "deno" ? "deno" : undefined;
const adapters: ("node" | "deno" | "bun")[] = native ? ["node", native] : ["node"];

async function open(adapter: "node" | "deno" | "bun", extra: Partial<ListenTlsOptions> = {}) {
  const events: TlsServerEvent[] = [];
  const tls = await listenTls({
    hostname: "127.0.0.1",
    port: 0,
    adapter,
    keyring: CookieKeyring.random(),
    engine: (accepted) => new ToyEngine(accepted),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { tls, events };
}

function clientHello(): ScriptedClient {
  return new ScriptedClient({ protocol: "tls1.3" });
}

/** Reads one reply to CH1 that starts with a handshake record: the HRR (+CCS) flight. */
async function readHrr(client: TcpClient, sc: ScriptedClient): Promise<void> {
  const header = await client.read(5);
  const len = (header[3] << 8) | header[4];
  const body = await client.read(len);
  const ccs = sc.sessionId.length > 0 ? await client.read(6) : new Uint8Array(0);
  const reply = sc.handleReply([new Uint8Array([...header, ...body, ...ccs])]);
  assert.equal(reply.kind, "hello-retry-request", JSON.stringify(reply));
}

for (const adapter of adapters) {
  test(`listenTls ${adapter}: retry "always": HRR, CH2, engine flight, data both ways, close_notify both ways`, async () => {
    const { tls, events } = await open(adapter, { retry: "always" });
    const client = await tcpClient(tls.addr.port);
    try {
      const sc = clientHello();
      for (const b of sc.firstFlight()) client.write(b);
      await readHrr(client, sc);
      for (const b of sc.secondFlight()) client.write(b);
      assert.deepEqual(await client.read(SERVER_FLIGHT.length), SERVER_FLIGHT);
      client.write(FIN);
      const conn = await within(tls.accept(), 5000, "established");
      assert.ok(conn);
      assert.equal(conn.summary.retried, true);
      assert.equal(conn.accepted.addressValidated, "cookie");
      assert.equal(conn.peer.port, client.port);
      client.write(xor(enc("ping")));
      assert.equal(dec(await readBytes(conn.readable, 4)), "ping");
      const w = conn.writable.getWriter();
      await w.write(enc("pong"));
      assert.equal(dec(xor(await client.read(4))), "pong");
      client.write(new Uint8Array([0xff])); // close_notify
      const r = conn.readable.getReader();
      assert.equal((await within(r.read(), 5000, "readable end")).done, true);
      await w.close();
      assert.deepEqual(await client.untilEnd(), CLOSE_NOTIFY);
      assert.equal((await conn.closed).reason, "peer-close-notify");
      assert.equal(tls.counters.hrrSent, 1);
      assert.equal(tls.handshakesCompleted, 1);
      assert.ok(events.some((e) => e.event === "handshake" && e.summary.retried));
    } finally {
      client.destroy();
      await tls.close();
    }
  });

  test(`listenTls ${adapter}: retry "never": no HRR, the engine answers ClientHello1`, async () => {
    const { tls } = await open(adapter, { retry: "never" });
    const client = await tcpClient(tls.addr.port);
    try {
      for (const b of clientHello().firstFlight()) client.write(b);
      assert.deepEqual(await client.read(SERVER_FLIGHT.length), SERVER_FLIGHT);
      client.write(FIN);
      const conn = await within(tls.accept(), 5000, "established");
      assert.equal(conn?.summary.retried, false);
      assert.equal(conn?.accepted.addressValidated, "transport");
      assert.equal(tls.counters.hrrSent, 0);
      conn?.close();
      await within(client.untilEnd(), 5000, "client sees close");
    } finally {
      client.destroy();
      await tls.close();
    }
  });

  test(`listenTls ${adapter}: bytes after the ClientHello in the same read reach the engine exactly once`, async () => {
    const { tls } = await open(adapter, { retry: "never" });
    const client = await tcpClient(tls.addr.port);
    try {
      const [ch] = clientHello().firstFlight();
      client.write(new Uint8Array([...ch, ...FIN, ...xor(enc("abc"))]));
      const conn = (await within(tls.accept(), 5000, "established"))!;
      client.write(xor(enc("def")));
      assert.equal(dec(await readBytes(conn.readable, 6)), "abcdef");
      conn.close();
    } finally {
      client.destroy();
      await tls.close();
    }
  });

  test(`listenTls ${adapter}: a retry function, consulted when each ClientHello arrives, retries only under load`, async () => {
    const loads: TlsLoad[] = [];
    const busy = retryWhenBusy(1);
    const { tls } = await open(adapter, { retry: (load) => (loads.push(load), busy(load)) });
    const idle = await tcpClient(tls.addr.port);
    let loaded: TcpClient | undefined;
    try {
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(loads.length, 0, "nothing decided before a ClientHello arrives");
      // Alone: no retry; the engine answers and waits for Finished (one handshake in progress).
      for (const b of clientHello().firstFlight()) idle.write(b);
      assert.deepEqual(await idle.read(SERVER_FLIGHT.length), SERVER_FLIGHT, "no HRR while idle");
      // Now one handshake is in progress: the next ClientHello gets the stateless HRR.
      loaded = await tcpClient(tls.addr.port);
      const sc = clientHello();
      for (const b of sc.firstFlight()) loaded.write(b);
      await readHrr(loaded, sc);
      assert.deepEqual(loads.map((l) => l.handshakesInProgress), [0, 1]);
      assert.equal(loads[0].maxPendingHandshakes, 1024);
      assert.equal(loads[1].peer.port, loaded.port);
      assert.equal(tls.counters.hrrSent, 1);
    } finally {
      idle.destroy();
      loaded?.destroy();
      await tls.close();
    }
  });

  test(`listenTls ${adapter}: an engine failure writes its alert, closes, and nothing is accepted`, async () => {
    const { tls, events } = await open(adapter, { retry: "never" });
    const client = await tcpClient(tls.addr.port);
    try {
      for (const b of clientHello().firstFlight()) client.write(b);
      assert.deepEqual(await client.read(SERVER_FLIGHT.length), SERVER_FLIGHT);
      client.write(enc("BAD"));
      const rest = await within(client.untilEnd(), 5000, "alert and close");
      assert.deepEqual(rest, new Uint8Array([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 51]));
      await within((async () => {
        while (tls.handshakesFailed < 1) await new Promise((r) => setTimeout(r, 5));
      })(), 5000, "failure counted");
      assert.equal(tls.handshakesCompleted, 0);
      const failed = events.find((e) => e.event === "handshake-failed");
      assert.equal(failed?.event === "handshake-failed" && failed.info.reason, "decrypt-error");
      const none = await Promise.race([tls.accept(), new Promise((r) => setTimeout(() => r("none"), 100))]);
      assert.equal(none, "none");
    } finally {
      client.destroy();
      await tls.close();
    }
  });

  test(`listenTls ${adapter}: a bad record after the handshake: alert, readable errors`, async () => {
    const { tls } = await open(adapter, { retry: "never" });
    const client = await tcpClient(tls.addr.port);
    try {
      for (const b of clientHello().firstFlight()) client.write(b);
      await client.read(SERVER_FLIGHT.length);
      client.write(FIN);
      const conn = (await within(tls.accept(), 5000, "established"))!;
      client.write(new Uint8Array([0xee]));
      const r = conn.readable.getReader();
      await assert.rejects(within(r.read(), 5000, "readable error"), /bad-record-mac/);
      assert.deepEqual(await within(client.untilEnd(), 5000, "alert"), BAD_MAC_ALERT);
      assert.equal((await conn.closed).reason, "bad-record-mac");
    } finally {
      client.destroy();
      await tls.close();
    }
  });

  test(`listenTls ${adapter}: the engine phase has its own handshake timeout`, async () => {
    const { tls, events } = await open(adapter, { retry: "never", handshakeTimeoutMs: 1500 });
    const client = await tcpClient(tls.addr.port);
    try {
      for (const b of clientHello().firstFlight()) client.write(b);
      assert.deepEqual(await client.read(SERVER_FLIGHT.length), SERVER_FLIGHT);
      await within(client.untilEnd(), 5000, "server gives up");
      const failed = events.find((e) => e.event === "handshake-failed");
      assert.equal(failed?.event === "handshake-failed" && failed.info.reason, "handshake-timeout");
      assert.equal(tls.handshakesInProgress, 0);
    } finally {
      client.destroy();
      await tls.close();
    }
  });
}

test("listenTls: maxPendingHandshakes per phase; a newcomer evicts the oldest handshake of a full phase", async () => {
  const events: TlsServerEvent[] = [];
  const { tls } = await open("node", { retry: "never", maxPendingHandshakes: 1, onEvent: (e) => events.push(e) });
  const a = await tcpClient(tls.addr.port);
  try {
    // Engine phase: A's ClientHello is accepted and its engine waits for Finished.
    for (const x of clientHello().firstFlight()) a.write(x);
    assert.deepEqual(await a.read(SERVER_FLIGHT.length), SERVER_FLIGHT);
    // B passes the gate too: the engine phase is full, so A (the oldest) is closed to admit B.
    const b = await tcpClient(tls.addr.port);
    for (const x of clientHello().firstFlight()) b.write(x);
    assert.deepEqual(await b.read(SERVER_FLIGHT.length), SERVER_FLIGHT, "B got its engine's flight");
    await within(a.untilEnd(), 5000, "A evicted");
    const failed = events.find((e) => e.event === "handshake-failed");
    assert.equal(failed?.event === "handshake-failed" && failed.info.reason, "evicted-idle");
    assert.equal(tls.counters.dropped["evicted-idle"], 1);
    b.write(FIN);
    const conn = await within(tls.accept(), 5000, "B established");
    assert.equal(conn?.peer.port, b.port);
    conn?.close();
    b.destroy();
  } finally {
    a.destroy();
    await tls.close();
  }
});

test("listenTls: gate options pass through (maxHandshakeBytes closes a connection before its ClientHello is whole)", async () => {
  const { tls } = await open("node", { retry: "always", maxHandshakeBytes: 64 });
  const client = await tcpClient(tls.addr.port);
  try {
    for (const b of clientHello().firstFlight()) client.write(b);
    assert.deepEqual(await within(client.untilEnd(), 5000, "closed"), new Uint8Array(0));
    assert.equal(tls.counters.dropped["handshake-bytes-limit"], 1);
    assert.equal(tls.counters.hrrSent, 0);
  } finally {
    client.destroy();
    await tls.close();
  }
});

test("listenTls: aborting the signal closes the listener, ends iteration and aborts handshakes in progress", async () => {
  const ac = new AbortController();
  const events: TlsServerEvent[] = [];
  const { tls } = await open("node", { retry: "never", signal: ac.signal, onEvent: (e) => events.push(e) });
  const client = await tcpClient(tls.addr.port);
  try {
    for (const b of clientHello().firstFlight()) client.write(b);
    assert.deepEqual(await client.read(SERVER_FLIGHT.length), SERVER_FLIGHT); // in the engine phase
    const iteration = (async () => {
      let n = 0;
      for await (const _ of tls) n++;
      return n;
    })();
    ac.abort();
    assert.equal(await within(iteration, 5000, "iteration ends"), 0);
    await within(client.untilEnd(), 5000, "handshake in progress closed");
    const failed = events.find((e) => e.event === "handshake-failed");
    assert.equal(failed?.event === "handshake-failed" && failed.info.reason, "local-close");
    assert.equal(tls.handshakesInProgress, 0);
  } finally {
    client.destroy();
    await tls.close();
  }
});

test("listenTls: without an engine factory it needs certificates; keyring defaults to a random one", async () => {
  await assert.rejects(listenTls({ port: 0 }), /certificates/);
  const tls = await listenTls({ port: 0, engine: (a) => new ToyEngine(a) });
  try {
    const client = await tcpClient(tls.addr.port);
    const sc = clientHello();
    for (const b of sc.firstFlight()) client.write(b);
    await readHrr(client, sc); // retry defaults to "always"
    client.destroy();
  } finally {
    await tls.close();
  }
});

test("serveWwwPage: an HTTP/1.1 request line gets HTTP/1.0 200 naming the parameters, then close_notify", async () => {
  const { tls } = await open("node", { retry: "always" });
  const client = await tcpClient(tls.addr.port);
  try {
    const sc = clientHello();
    for (const b of sc.firstFlight()) client.write(b);
    await readHrr(client, sc);
    for (const b of sc.secondFlight()) client.write(b);
    await client.read(SERVER_FLIGHT.length);
    client.write(FIN);
    const conn = (await within(tls.accept(), 5000, "established"))!;
    const served = serveWwwPage(conn);
    client.write(xor(enc("GET / HTTP/1.1\r\nHost: x\r\n\r\n")));
    assert.deepEqual(await within(served, 5000, "served"), { status: 200, requestLine: "GET / HTTP/1.1" });
    const all = await within(client.untilEnd(), 5000, "response and close");
    assert.deepEqual(all.subarray(all.length - 1), CLOSE_NOTIFY);
    const text = dec(xor(all.subarray(0, all.length - 1)));
    assert.match(text, /^HTTP\/1\.0 200 OK\r\n/);
    const length = Number(text.match(/Content-Length: (\d+)/)?.[1]);
    assert.equal(new TextEncoder().encode(text.slice(text.indexOf("\r\n\r\n") + 4)).length, length);
    assert.match(text, /TLS_AES_128_GCM_SHA256/);
    assert.match(text, /x25519/);
    assert.match(text, /ecdsa_secp256r1_sha256/);
    assert.match(text, /<td id="stateless">yes<\/td>/);
  } finally {
    client.destroy();
    await tls.close();
  }
});

test("serveWwwPage: a non-HTTP first line gets 400", async () => {
  const { tls } = await open("node", { retry: "never" });
  const client = await tcpClient(tls.addr.port);
  try {
    for (const b of clientHello().firstFlight()) client.write(b);
    await client.read(SERVER_FLIGHT.length);
    client.write(FIN);
    const conn = (await within(tls.accept(), 5000, "established"))!;
    const served = serveWwwPage(conn);
    client.write(xor(enc("hello there\n\n")));
    assert.equal((await within(served, 5000, "served")).status, 400);
    assert.match(dec(xor(await within(client.untilEnd(), 5000, "close"))), /^HTTP\/1\.0 400 Bad Request/);
  } finally {
    client.destroy();
    await tls.close();
  }
});

test("listenTls: option misuse throws", async () => {
  const keyring = CookieKeyring.random();
  await assert.rejects(listenTls({ keyring } as unknown as ListenTlsOptions), /certificates/);
  await assert.rejects(
    listenTls({ keyring, engine: (a) => new ToyEngine(a), retry: "sometimes" as unknown as "always" }),
    /retry must be/,
  );
  assert.throws(() => retryWhenBusy(-1), /threshold/);
});

test("examples/tls_server.ts: a node:tls client completes TLS 1.3 through the stateless HRR, ALPN echo/1, echo", () => {
  const root = new URL("..", import.meta.url).pathname;
  const args = runtime === "bun" ? ["examples/tls_server.ts"] : ["run", "-A", "--no-check", "examples/tls_server.ts"];
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: "1" };
  delete env.FORCE_COLOR;
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 30_000, env });
  assert.equal(r.status, 0, `exited ${r.status}: ${r.stderr}`);
  assert.match(r.stdout, /server: Protocol: TLSv1\.3/);
  assert.match(r.stdout, /server: ALPN: echo\/1/);
  assert.match(r.stdout, /server: Stateless retry \(HelloRetryRequest with cookie\): yes/);
  assert.match(r.stdout, /client got: echo: hello over TLS 1\.3/);
});
