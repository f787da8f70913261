// Interop: `gnutls-cli --udp` (apt package gnutls-bin) completes DTLS 1.2 handshakes with
// listenDtls + Dtls12Server and gets its line echoed: plain, and with --mtu 128 (our flights
// fragmented to 128-byte datagrams as well, checked on the wire by a pass-through relay).
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
