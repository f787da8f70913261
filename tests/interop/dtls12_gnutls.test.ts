// Interop: `gnutls-cli --udp` (apt package gnutls-bin) completes DTLS 1.2 handshakes with
// listenDtls + Dtls12Server and gets its line echoed: plain, and with --mtu 128 (our flights
// fragmented to 128-byte datagrams as well, checked on the wire by a pass-through relay), and
// through a lossy relay (flights dropped, a record forged and replayed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { requireTool } from "./harness.ts";
import { makeCertificate, removeCertificate } from "./tls13_support.ts";
import { recordTypes, runUntilEcho, startDtlsEchoServer, startLossyRelay } from "./dtls12_support.ts";

const gnutls = (port: number, ...flags: string[]) => [
  "--udp",
  "--insecure",
  ...flags,
  "--priority",
  "NORMAL:-VERS-ALL:+VERS-DTLS1.2",
  "--port",
  String(port),
  "127.0.0.1",
];

test("gnutls-cli --udp: DTLS 1.2 handshake + echo", async () => {
  const cert = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert);
  try {
    const c = await runUntilEcho(requireTool("gnutls-cli"), gnutls(server.port), "hello-gnutls");
    await c.kill();
    assert.equal(server.handshakes.length, 1);
    assert.equal(server.handshakes[0].protocol, "dtls1.2");
    assert.match(c.stdout, /DTLS1\.2/);
    assert.equal(server.echoed, 1);
  } finally {
    await server.close();
    removeCertificate(cert);
  }
});

test("gnutls-cli --udp --mtu 128: fragmented flights both ways complete", async () => {
  const cert = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert, { mtu: 128 });
  const relay = await startLossyRelay(server.port, () => "pass");
  try {
    const c = await runUntilEcho(requireTool("gnutls-cli"), gnutls(relay.port, "--mtu", "128"), "hello-gnutls-128");
    await c.kill();
    assert.equal(server.handshakes.length, 1);
    for (const d of relay.log) assert.ok(d.bytes.length <= 128, `${d.dir} datagram of ${d.bytes.length} bytes`);
    const flight4 = relay.log.filter((d) => d.dir === "s2c" && recordTypes(d.bytes).some((r) => r.type === 22 && r.epoch === 0 && r.firstByte !== 3));
    assert.ok(flight4.length >= 6, `flight 4 in ${flight4.length} datagrams`);
    const hellos = relay.log.filter((d) => d.dir === "c2s" && recordTypes(d.bytes)[0]?.firstByte === 1);
    assert.ok(hellos.length >= 4, "gnutls fragmented its ClientHellos (2 hellos in >= 2 fragments each)");
  } finally {
    await relay.close();
    await server.close();
    removeCertificate(cert);
  }
});

test("gnutls-cli --udp through a lossy relay: first flight 4 and first flight 6 dropped, app data replayed: one echo", async () => {
  const cert = makeCertificate("p256");
  const server = await startDtlsEchoServer(cert);
  let flight4 = 0, flight6 = 0, appData = 0;
  const relay = await startLossyRelay(server.port, (dir, bytes) => {
    const recs = recordTypes(bytes);
    if (dir === "s2c") {
      if (recs[0]?.type === 22 && recs[0].epoch === 0 && recs[0].firstByte !== 3) return flight4++ === 0 ? "drop" : "pass";
      if (recs.some((r) => r.type === 20)) return flight6++ === 0 ? "drop" : "pass";
      return "pass";
    }
    return recs[0]?.type === 23 && appData++ === 0 ? "forge-and-replay" : "pass";
  });
  try {
    const c = await runUntilEcho(requireTool("gnutls-cli"), gnutls(relay.port), "hello-gnutls-lossy", 15_000);
    await new Promise((r) => setTimeout(r, 300));
    await c.kill();
    assert.equal(server.handshakes.length, 1);
    assert.ok(flight4 >= 2 && flight6 >= 2, `flights resent (flight 4: ${flight4}, flight 6: ${flight6})`);
    assert.equal(server.echoed, 1, "the forged copy and the replay were dropped");
  } finally {
    await relay.close();
    await server.close();
    removeCertificate(cert);
  }
});
