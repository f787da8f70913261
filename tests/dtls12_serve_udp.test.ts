// cli/serve_udp.ts (`serve --udp`): the DTLS 1.2 echo server's JSON event contract, driven
// in-process with a real client (openssl s_client, apt package openssl): listening, handshake
// (protocol, suite, group, signature, srtp), closed, stopped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { serveUdp } from "../cli/serve_udp.ts";
import { requireTool } from "./interop/harness.ts";
import { makeCertificate, removeCertificate } from "./interop/tls13_support.ts";
import { runUntilEcho } from "./interop/dtls12_support.ts";

async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("serveUdp --json: listening, handshake and closed events for an openssl s_client that gets its line echoed", async () => {
  const openssl = requireTool("openssl");
  const cert = makeCertificate("p256");
  const lines: Record<string, unknown>[] = [];
  const ac = new AbortController();
  const done = serveUdp({
    udp: "127.0.0.1:0",
    cert: cert.certPem,
    key: cert.keyPem,
    json: true,
    mtu: 600,
    adapter: "node",
    signal: ac.signal,
    write: (l) => lines.push(JSON.parse(l)),
  });
  try {
    await waitFor(() => lines.length > 0, 10_000, "the listening event");
    assert.equal(lines[0].event, "listening");
    const udp = String(lines[0].udp);
    assert.match(udp, /^127\.0\.0\.1:\d+$/);
    const c = await runUntilEcho(openssl, ["s_client", "-dtls1_2", "-use_srtp", "SRTP_AES128_CM_SHA1_80", "-connect", udp], "hello-serve-udp");
    c.child.stdin!.end(); // s_client sends close_notify and exits on stdin EOF
    await c.done;
    await waitFor(() => lines.some((l) => l.event === "closed"), 5_000, "the closed event");
    const hs = lines.find((l) => l.event === "handshake")!;
    assert.equal(hs.transport, "udp");
    assert.equal(hs.protocol, "dtls1.2");
    assert.equal(hs.cipherSuite, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    assert.equal(hs.group, "x25519");
    assert.equal(hs.signature, "ecdsa_secp256r1_sha256");
    assert.equal(hs.srtp, "SRTP_AES128_CM_HMAC_SHA1_80");
    assert.match(String(hs.peer), /^127\.0\.0\.1:\d+$/);
    const closed = lines.find((l) => l.event === "closed")!;
    assert.equal(closed.peer, hs.peer);
    assert.equal(closed.reason, "peer-closed");
    assert.equal(closed.alert, "close_notify");
    assert.equal(closed.alertSender, "peer");
    assert.equal(closed.established, true);
  } finally {
    ac.abort();
    assert.equal(await done, 0);
    removeCertificate(cert);
  }
  assert.equal(lines.at(-1)!.event, "stopped");
});

test("serveUdp: --cert without --key is refused", async () => {
  await assert.rejects(serveUdp({ udp: "127.0.0.1:0", cert: "/nonexistent.pem" }), /--cert and --key go together/);
});
