// Engine-level TLS 1.3 handshakes in memory, server side only (run under Deno or Bun):
//   handshake_engine.ts PROVIDER RETRY SECONDS      PROVIDER: portable | native | default; RETRY: always | never
// Each handshake: a fresh in-memory client (testing/tls13_client.ts, x25519 share, ECDSA P-256
// server certificate); "always": a fresh StreamListener answers ClientHello1 with the stateless
// HRR, another fresh one accepts ClientHello2, and a Tls13ServerEngine continues from it;
// "never": the listener accepts ClientHello1 at once. Only the server's calls are timed (gate,
// engine construction, receive/poll until the client Finished is verified), in process CPU time
// (getrusage through process.cpuUsage(), not wall time: the shared machines are loaded); the
// client's own crypto is not counted. Prints one JSON line.
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import { portableProvider } from "../core/crypto/portable.ts";
import type { CryptoProvider } from "../core/crypto/provider.ts";
import type { EngineAction } from "../core/handshake/actions.ts";
import { Tls13ServerEngine } from "../core/handshake/tls13/mod.ts";
import { generateSelfSignedCertificate } from "../core/pki/self_signed.ts";
import type { PeerAddress } from "../core/peer.ts";
import { defaultCryptoProvider, nativeProvider } from "../transports/native_crypto.ts";
import { Tls13TestClient } from "../testing/tls13_client.ts";
import process from "node:process";

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const [providerName = "native", retry = "always", secondsArg = "1"] = args;
const seconds = Number(secondsArg);
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
const provider: CryptoProvider = providerName === "native"
  ? nativeProvider
  : providerName === "default"
  ? defaultCryptoProvider()
  : portableProvider;
const certificate = generateSelfSignedCertificate(provider, { now: Date.now() });
const keyring = CookieKeyring.random();
const peer: PeerAddress = { family: "ipv4", address: "192.0.2.10", port: 40000 };
const X25519 = 0x001d;

function drain(engine: Tls13ServerEngine, sends: Uint8Array[]): EngineAction | undefined {
  let done: EngineAction | undefined;
  for (let a = engine.poll(); a.kind !== "need-data"; a = engine.poll()) {
    if (a.kind === "send") sends.push(a.bytes);
    else if (a.kind === "handshake-complete" || a.kind === "closed") done = a;
  }
  return done;
}

/** CPU milliseconds (user + system) of this process so far. */
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One handshake; returns the CPU milliseconds spent in server code. */
function handshake(): number {
  const client = new Tls13TestClient({ provider, groups: [X25519] });
  const ch1 = client.start();
  client.takeOutput();
  let server = 0;
  let t = cpuNow();
  let out = new StreamListener({ keyring, framing: "tls-records", peer, groups: [X25519], acceptWithoutRetry: retry === "never" })
    .receive(ch1, Date.now());
  server += cpuNow() - t;
  if (out.kind === "send") {
    client.receive(out.bytes);
    const ch2 = client.takeBytes();
    t = cpuNow();
    out = new StreamListener({ keyring, framing: "tls-records", peer, groups: [X25519] }).receive(ch2, Date.now());
    server += cpuNow() - t;
  }
  if (out.kind !== "accepted") throw new Error(`gate: ${out.kind}`);
  const sends: Uint8Array[] = [];
  t = cpuNow();
  const engine = new Tls13ServerEngine({ provider, certificates: [certificate], groups: [X25519] }, out);
  drain(engine, sends);
  server += cpuNow() - t;
  for (const s of sends) client.receive(s);
  const fin = client.takeBytes();
  t = cpuNow();
  engine.receive(fin, Date.now());
  const end = drain(engine, []);
  server += cpuNow() - t;
  if (end?.kind !== "handshake-complete") throw new Error(`engine: ${end?.kind} ${end?.kind === "closed" ? end.reason : ""}`);
  return server;
}

for (let i = 0; i < 20; i++) handshake(); // warm-up (JIT, lazy tables)
let serverMs = 0, n = 0;
const wallEnd = performance.now() + seconds * 3000; // the client's work is not counted: bound the wall time too
while (serverMs < seconds * 1000 && performance.now() < wallEnd) {
  serverMs += handshake();
  n++;
}
console.log(JSON.stringify({
  runtime,
  provider: provider.name,
  retry,
  handshakes: n,
  serverMsPerHandshake: Number((serverMs / n).toFixed(3)),
  handshakesPerServerSecond: Math.round((n * 1000) / serverMs),
}));
