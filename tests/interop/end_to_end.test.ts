// Interop end to end: real clients against the shipped pieces instead of the test-local loop:
// the `hellogate listen --json` CLI as a subprocess of the current runtime (UDP and TCP), and the
// transports' listenUdp / listenTcp with the runtime's native adapter in process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import process from "node:process";
import { CookieKeyring } from "../../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../../core/gate/datagram_listener.ts";
import { StreamListener } from "../../core/gate/stream_listener.ts";
import { listenTcp } from "../../transports/tcp.ts";
import { listenUdp } from "../../transports/udp.ts";
import type { TransportEvent } from "../../transports/counters.ts";
import { type Client, requireTool, ROOT, spawnClient, toolSkip, within } from "./harness.ts";

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const cliArgs = isBun ? ["cli.ts"] : ["run", "-A", "cli.ts"];

test("interop e2e: `cli.ts listen --json` under this runtime: openssl DTLS 1.2 and TLS 1.3 clients are accepted", { skip: toolSkip("openssl") }, async () => {
  const openssl = requireTool("openssl");
  const cli = spawn(process.execPath, [...cliArgs, "listen", "--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--json", "--versions", "dtls1.2,tls1.3"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: "1" },
  });
  const events: Record<string, unknown>[] = [];
  let wake: () => void = () => {};
  const rl = createInterface({ input: cli.stdout! });
  rl.on("line", (l) => {
    events.push(JSON.parse(l));
    wake();
  });
  let stderr = "";
  cli.stderr!.on("data", (d) => (stderr += d));
  const exited = new Promise<void>((resolve) => cli.on("close", () => resolve()));
  const waitFor = async (pred: (e: Record<string, unknown>) => boolean, what: string) => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const hit = events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no ${what} event; stderr: ${stderr}\n${events.map((e) => JSON.stringify(e)).join("\n")}`);
      await within(new Promise<void>((resolve) => (wake = resolve)), 15_000, what).catch(() => {});
    }
  };
  const clients: Client[] = [];
  try {
    const listening = await waitFor((e) => e.event === "listening", "listening");
    const udpPort = Number(String(listening.udp).split(":").at(-1));
    const tcpPort = Number(String(listening.tcp).split(":").at(-1));
    assert.ok(udpPort > 0 && tcpPort > 0);

    // DTLS 1.2 over UDP.
    const dtls = spawnClient(openssl, ["s_client", "-dtls1_2", "-connect", `127.0.0.1:${udpPort}`]);
    clients.push(dtls);
    const udpAccepted = await waitFor((e) => e.event === "accepted" && e.transport === "udp", "udp accepted");
    await dtls.kill();
    const udpSent = events.filter((e) => e.event === "sent" && e.transport === "udp");
    assert.equal(udpSent.length, 1);
    assert.equal(udpSent[0].message, "hello_verify_request");
    assert.equal(udpSent[0].peer, udpAccepted.peer, "HVR and accept for the same client address and port");
    assert.match(String(udpAccepted.peer), /^127\.0\.0\.1:\d+$/);
    assert.notEqual(String(udpAccepted.peer), `127.0.0.1:${udpPort}`);
    assert.equal(udpAccepted.protocol, "dtls1.2");
    assert.ok(Number(udpSent[0].bytesOut) <= Number(udpSent[0].bytesIn), "HVR no larger than CH1");

    // TLS 1.3 over TCP.
    const tls = spawnClient(openssl, ["s_client", "-tls1_3", "-connect", `127.0.0.1:${tcpPort}`]);
    clients.push(tls);
    const tcpAccepted = await waitFor((e) => e.event === "accepted" && e.transport === "tcp", "tcp accepted");
    await tls.kill();
    const tcpSent = events.filter((e) => e.event === "sent" && e.transport === "tcp");
    assert.equal(tcpSent.length, 1);
    assert.equal(tcpSent[0].message, "hello_retry_request");
    assert.equal(tcpSent[0].peer, tcpAccepted.peer);
    assert.equal(tcpAccepted.protocol, "tls1.3");
    assert.equal(events.filter((e) => e.event === "accepted").length, 2);
  } finally {
    for (const c of clients) await c.kill();
    cli.kill("SIGTERM");
    await within(exited, 15_000, "cli exit").catch(() => {
      cli.kill("SIGKILL");
    });
    await exited;
    rl.close();
  }
  const stopped = events.find((e) => e.event === "stopped");
  assert.ok(stopped, `no stopped line; stderr: ${stderr}`);
  const counters = stopped.counters as Record<string, number>;
  assert.equal(counters.hvrSent, 1);
  assert.equal(counters.hrrSent, 1);
  assert.equal(counters.accepted, 2);
});

test("interop e2e: transports listenUdp/listenTcp (native adapter): gnutls-cli DTLS 1.2 and Node TLS 1.3 are accepted", { skip: toolSkip("gnutls-cli", "node") }, async () => {
  const gnutls = requireTool("gnutls-cli");
  const node = requireTool("node");
  const keyring = CookieKeyring.random();
  const events: TransportEvent[] = [];
  const udp = await listenUdp({
    hostname: "127.0.0.1",
    port: 0,
    adapter: "auto",
    engine: new DatagramListener({ keyring, versions: ["dtls1.2"] }),
    onEvent: (e) => events.push(e),
  });
  const tcp = await listenTcp({
    hostname: "127.0.0.1",
    port: 0,
    adapter: "auto",
    engine: (peer) => new StreamListener({ keyring, framing: "tls-records", peer }),
    onEvent: (e) => events.push(e),
  });
  const clients: Client[] = [];
  try {
    const dtls = spawnClient(gnutls, ["--udp", "--insecure", "--port", String(udp.addr.port), "--priority", "NORMAL:-VERS-ALL:+VERS-DTLS1.2", "127.0.0.1"]);
    clients.push(dtls);
    const dconn = await within(udp.accept(), 10_000, `udp accept (${udp.adapter})`);
    await dtls.kill();
    assert.ok(dconn);
    assert.equal(dconn.accepted.protocol, "dtls1.2");
    assert.equal(dconn.peer.address, "127.0.0.1");
    assert.notEqual(dconn.peer.port, udp.addr.port);
    const hvr = events.find((e) => e.transport === "udp" && e.event === "sent");
    assert.equal(hvr?.event === "sent" && hvr.message, "hello_verify_request");
    assert.equal(hvr?.peer.port, dconn.peer.port, "HVR went to the client that was accepted");

    const script = `require("node:tls").connect({ host: "127.0.0.1", port: ${tcp.addr.port}, minVersion: "TLSv1.3", rejectUnauthorized: false }).on("error", () => {}); setTimeout(() => {}, 15000);`;
    const tls = spawnClient(node, ["-e", script]);
    clients.push(tls);
    const tconn = await within(tcp.accept(), 10_000, `tcp accept (${tcp.adapter})`);
    await tls.kill();
    assert.ok(tconn);
    tconn.close();
    assert.equal(tconn.accepted.protocol, "tls1.3");
    assert.ok(tconn.accepted.retry, "accepted after an HRR");
    const hrr = events.find((e) => e.transport === "tcp" && e.event === "sent");
    assert.equal(hrr?.event === "sent" && hrr.message, "hello_retry_request");
    assert.equal(hrr?.peer.port, tconn.peer.port);
    assert.equal(udp.counters.snapshot().accepted + (tcp.counters === udp.counters ? 0 : tcp.counters.snapshot().accepted), 2);
  } finally {
    for (const c of clients) await c.kill();
    await udp.close();
    await tcp.close();
  }
});
