// Real QUIC clients against the QUIC front door over UDP (listenQuic, the runtime's native
// socket): each receives our Retry, comes back with the token, and is accepted. The handshake
// stops there (no TLS engine behind the door in this test). Wire checks use the captured
// datagrams: the Retry's integrity tag for the client's original DCID, the token echoed, the
// Retry SCID becoming the client's DCID, and amplification below 1x.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CookieKeyring } from "../../core/gate/cookie/keyring.ts";
import { portableProvider as P } from "../../core/crypto/portable.ts";
import { QuicListener, type QuicListenerOptions } from "../../core/quic/listener.ts";
import type { QuicAccepted, QuicOutcome, QuicSend } from "../../core/quic/outcome.ts";
import { readInvariantLongHeader } from "../../core/quic/long_header.ts";
import { verifyRetryIntegrity } from "../../core/quic/retry_packet.ts";
import { decodeVersionNegotiation } from "../../core/quic/version_negotiation.ts";
import { QUIC_V1, QUIC_V2, V1_INFO } from "../../core/quic/versions.ts";
import type { PeerAddress } from "../../core/peer.ts";
import { listenQuic, type QuicUdpServer } from "../../transports/quic_udp.ts";
import { ROOT, requireTool, spawnClient, within } from "./harness.ts";

interface Exchange {
  input: Uint8Array;
  peer: PeerAddress;
  out: QuicOutcome;
}

interface Server {
  server: QuicUdpServer;
  port: number;
  log: Exchange[];
  firstAccepted: Promise<QuicAccepted>;
  firstSent: Promise<QuicSend>;
}

async function startServer(o: { rotateAfterRetry?: boolean; decide?: QuicListenerOptions["decide"] } = {}): Promise<Server> {
  const keyring = CookieKeyring.random({ graceSeconds: 0 });
  const listener = new QuicListener({ keyring, decide: o.decide });
  const log: Exchange[] = [];
  let onAccepted!: (a: QuicAccepted) => void, onSent!: (s: QuicSend) => void;
  const firstAccepted = new Promise<QuicAccepted>((r) => (onAccepted = r));
  const firstSent = new Promise<QuicSend>((r) => (onSent = r));
  const server = await listenQuic({
    hostname: "127.0.0.1",
    port: 0,
    adapter: "auto",
    listener: {
      receive(d, peer, now) {
        const out = listener.receive(d, peer, now);
        // Rotating with no grace window right after the Retry makes the client's token invalid.
        if (o.rotateAfterRetry && out.kind === "send" && out.message === "retry") keyring.rotate(now);
        log.push({ input: d.slice(), peer, out });
        if (out.kind === "accepted") onAccepted(out);
        if (out.kind === "send") onSent(out);
        return out;
      },
    },
  });
  return { server, port: server.addr.port, log, firstAccepted, firstSent };
}

/** The checks every client must pass after Retry → accepted. */
function checkRetryFlow(s: Server, a: QuicAccepted, expect: { sni: string | undefined; alpn: string }): void {
  const retryAt = s.log.findIndex((e) => e.out.kind === "send");
  assert.ok(retryAt >= 0, "a Retry was sent");
  const retry = s.log[retryAt].out as QuicSend;
  assert.equal(retry.message, "retry");
  const firstInitial = s.log[0].input;
  const h1 = readInvariantLongHeader(firstInitial, 0)!;
  assert.equal(h1.version, QUIC_V1);
  assert.ok(firstInitial.length >= 1200, `client Initial datagram of ${firstInitial.length} bytes`);
  // The Retry: integrity tag over the client's original DCID, addressed to the client's SCID.
  assert.ok(verifyRetryIntegrity(P, V1_INFO, h1.dcid, retry.bytes), "Retry integrity tag");
  const rh = readInvariantLongHeader(retry.bytes, 0)!;
  assert.deepEqual(rh.dcid, h1.scid);
  const retryToken = retry.bytes.subarray(rh.afterScid, retry.bytes.length - 16);
  // The client came back to the Retry SCID with our token and was accepted.
  assert.equal(a.validatedBy, "retry");
  assert.deepEqual(a.originalDcid, h1.dcid);
  assert.deepEqual(a.retryScid, rh.scid);
  assert.deepEqual(a.clientDcid, rh.scid);
  assert.deepEqual(a.token, retryToken);
  assert.equal(a.versionName, "quic-v1");
  assert.equal(a.sni, expect.sni);
  assert.ok(a.alpn?.includes(expect.alpn), `ALPN ${a.alpn}`);
  assert.ok(a.transportParameters.length > 0);
  // Before the token came back we sent less than we received (amplification < 1x).
  const before = s.log.slice(0, s.log.findIndex((e) => e.out.kind === "accepted"));
  const inBytes = before.reduce((n, e) => n + e.input.length, 0);
  const outBytes = before.reduce((n, e) => n + (e.out.kind === "send" ? e.out.bytes.length : 0), 0);
  assert.ok(outBytes < inBytes, `sent ${outBytes} for ${inBytes} received`);
}

test("gtlsclient (ngtcp2, QUIC v1): Retry → Initial with the token → accepted", async () => {
  const gtls = requireTool("gtlsclient");
  const s = await startServer();
  const client = spawnClient(gtls, ["-q", "-v", "v1", "--timeout=3s", "--handshake-timeout=5s", "127.0.0.1", String(s.port), `https://127.0.0.1:${s.port}/`], 25_000);
  try {
    const a = await within(s.firstAccepted, 15_000, "gtlsclient accepted");
    checkRetryFlow(s, a, { sni: "localhost", alpn: "h3" }); // gtlsclient sends "localhost" for an IP host
  } finally {
    await client.kill();
    await s.server.close();
  }
});

test("gtlsclient with an unknown version gets Version Negotiation listing v1 and v2, and reports it", async () => {
  const gtls = requireTool("gtlsclient");
  const s = await startServer();
  const client = spawnClient(gtls, ["-v", "0x1a2a3a4a", "--timeout=2s", "--handshake-timeout=3s", "127.0.0.1", String(s.port), `https://127.0.0.1:${s.port}/`], 25_000);
  try {
    const sent = await within(s.firstSent, 15_000, "Version Negotiation");
    assert.equal(sent.message, "version-negotiation");
    assert.ok(sent.bytes.length < s.log[0].input.length);
    assert.deepEqual(decodeVersionNegotiation(sent.bytes)!.versions, [QUIC_V1, QUIC_V2]);
    await within(client.done, 15_000, "gtlsclient exit");
    assert.match(client.stdout + client.stderr, /VERSION_NEGOTIATION/);
  } finally {
    await client.kill();
    await s.server.close();
  }
});

test("gtlsclient with a token that no longer verifies gets CONNECTION_CLOSE(INVALID_TOKEN) in a server Initial it can decrypt", async () => {
  const gtls = requireTool("gtlsclient");
  const s = await startServer({ rotateAfterRetry: true });
  const client = spawnClient(gtls, ["-v", "v1", "--timeout=2s", "--handshake-timeout=3s", "127.0.0.1", String(s.port), `https://127.0.0.1:${s.port}/`], 25_000);
  try {
    await within(client.done, 15_000, "gtlsclient exit");
    const close = s.log.map((e) => e.out).find((o) => o.kind === "send" && o.message === "connection-close") as QuicSend | undefined;
    assert.ok(close, "a CONNECTION_CLOSE was sent");
    assert.equal(close.errorCode, 0x0b);
    assert.equal(close.tokenRejection, "unknown-key");
    assert.ok(!s.log.some((e) => e.out.kind === "accepted"), "never accepted");
    // ngtcp2 decrypted our server Initial (server Initial keys of the Retry SCID) and read the frame.
    assert.match(client.stdout + client.stderr, /CONNECTION_CLOSE\(0x1c\) error_code=INVALID_TOKEN\(0xb\)/);
  } finally {
    await client.kill();
    await s.server.close();
  }
});

test("gtlsclient, decision point: accept without a Retry (unvalidated, 3x limit) and refuse (CONNECTION_REFUSED it decrypts)", async () => {
  const gtls = requireTool("gtlsclient");
  const args = (port: number) => ["-v", "v1", "--timeout=2s", "--handshake-timeout=3s", "127.0.0.1", String(port), `https://127.0.0.1:${port}/`];
  const seen: string[] = [];
  const acc = await startServer({ decide: (a) => (seen.push(`${a.sni} ${a.alpn} ${a.validated}`), "accept") });
  let client = spawnClient(gtls, args(acc.port), 25_000);
  try {
    const a = await within(acc.firstAccepted, 15_000, "accepted without Retry");
    assert.equal(a.validated, false);
    assert.equal(a.retryScid, undefined);
    assert.equal(a.amplificationLimit, 3 * a.bytesReceived);
    assert.deepEqual(seen[0], "localhost h3 false");
    assert.ok(!acc.log.some((e) => e.out.kind === "send"), "nothing sent before accepting");
  } finally {
    await client.kill();
    await acc.server.close();
  }
  const ref = await startServer({ decide: () => "refuse" });
  client = spawnClient(gtls, args(ref.port), 25_000);
  try {
    await within(client.done, 15_000, "gtlsclient exit");
    const close = ref.log.map((e) => e.out).find((o) => o.kind === "send") as QuicSend | undefined;
    assert.equal(close?.message, "connection-close");
    assert.equal(close?.errorCode, 0x02);
    assert.match(client.stdout + client.stderr, /CONNECTION_CLOSE\(0x1c\) error_code=CONNECTION_REFUSED\(0x2\)/);
  } finally {
    await client.kill();
    await ref.server.close();
  }
});

test("Deno.connectQuic (quinn): Retry → Initial with the token → accepted", async () => {
  const deno = join(ROOT, "node_modules", ".bin", "deno");
  const s = await startServer();
  const code = `try { await Deno.connectQuic({ hostname: "127.0.0.1", port: ${s.port}, alpnProtocols: ["h3"], serverName: "deno.test" }); } catch (e) { console.log(String(e)); }`;
  const client = spawnClient(deno, ["eval", "--unstable-net", code], 25_000);
  try {
    const a = await within(s.firstAccepted, 20_000, "Deno.connectQuic accepted");
    checkRetryFlow(s, a, { sni: "deno.test", alpn: "h3" });
  } finally {
    await client.kill();
    await s.server.close();
  }
});

test("headless Chromium (post-quantum ClientHello over two datagrams): Retry → accepted", async () => {
  const chromium = requireTool("chromium");
  const s = await startServer();
  const profile = mkdtempSync(join(tmpdir(), "hellogate-quic-chromium-"));
  const client = spawnClient(chromium, [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", `--user-data-dir=${profile}`,
    "--enable-quic", `--origin-to-force-quic-on=127.0.0.1:${s.port}`, "--ignore-certificate-errors",
    "--dump-dom", `https://127.0.0.1:${s.port}/`,
  ], 40_000);
  try {
    const a = await within(s.firstAccepted, 30_000, "Chromium accepted");
    checkRetryFlow(s, a, { sni: undefined, alpn: "h3" });
    assert.ok(a.clientHelloMessage.length > 1200, `ClientHello of ${a.clientHelloMessage.length} bytes`);
    assert.ok(a.datagrams >= 2, "the ClientHello spanned datagrams");
    assert.ok(s.log.some((e) => e.out.kind === "need-more-data"), "first flight held in the budget");
  } finally {
    await client.kill();
    await s.server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
