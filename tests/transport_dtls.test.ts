// The real DatagramListener behind the UDP adapters, driven by the scripted client over loopback.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import { ScriptedClient } from "../testing/scripted_client.ts";
import { seededRandom } from "../testing/random.ts";
import { listenUdp } from "../transports/udp.ts";
import { denoUdpAvailable } from "../transports/udp_deno.ts";
import { runtime, udpClient, within } from "./transport_fakes.ts";

const native = runtime === "bun" ? "bun" : runtime === "deno" && denoUdpAvailable() ? "deno" : undefined;
const adapters: ("node" | "deno" | "bun")[] = native ? ["node", native] : ["node"];

for (const adapter of adapters) {
  test(`dtls ${adapter}: fragmented DTLS 1.2 CH1 -> HVR, fragmented CH2 accepted; retransmitted fragments reach the connection`, async () => {
    const engine = new DatagramListener({ keyring: CookieKeyring.random(), versions: ["dtls1.2"] });
    const udp = await listenUdp({ port: 0, engine, adapter });
    const sock = await udpClient();
    try {
      const client = new ScriptedClient({ protocol: "dtls1.2", mtu: 120, random: seededRandom("frag12") });
      const flight1 = client.firstFlight();
      assert.ok(flight1.length >= 2, "CH1 spans datagrams");
      for (const d of flight1) await sock.send(d, udp.addr.port);
      const hvr = await sock.recv();
      const reply = client.handleReply([hvr]);
      assert.equal(reply.kind, "hello-verify-request", JSON.stringify(reply));
      const flight2 = client.secondFlight();
      assert.ok(flight2.length >= 2, "CH2 spans datagrams");
      for (const d of flight2) await sock.send(d, udp.addr.port);
      const conn = await within(udp.accept(), 5000, "accept");
      assert.ok(conn);
      assert.equal(conn.peer.port, sock.port);
      assert.equal(conn.accepted.protocol, "dtls1.2");
      assert.equal(conn.accepted.addressValidated, "cookie");
      const seen = engine.counters.datagrams;
      // The client did not hear back and retransmits CH2: the fragments go to the connection.
      const again = client.retransmit();
      for (const d of again) await sock.send(d, udp.addr.port);
      const it = conn.datagrams[Symbol.asyncIterator]();
      for (const d of again) assert.deepEqual((await within(it.next())).value, d);
      assert.equal(engine.counters.datagrams, seen, "the gate never saw them");
      assert.equal(udp.counters.hvrSent, 1);
      assert.equal(udp.counters.accepted, 1);
      assert.ok(udp.counters.amplification <= 1, `amplification ${udp.counters.amplification}`);
    } finally {
      await sock.close();
      await udp.close();
    }
  });

  test(`dtls ${adapter}: DTLS 1.3 HRR round trip over IPv6; bytes after CH2 in its datagram come first`, async () => {
    const engine = new DatagramListener({ keyring: CookieKeyring.random() });
    const udp = await listenUdp({ hostname: "::1", port: 0, engine, adapter });
    const sock = await udpClient("::1");
    try {
      const client = new ScriptedClient({ protocol: "dtls1.3", random: seededRandom("hrr13") });
      for (const d of client.firstFlight()) await sock.send(d, udp.addr.port);
      const reply = client.handleReply([await sock.recv()]);
      assert.equal(reply.kind, "hello-retry-request", JSON.stringify(reply));
      const [ch2] = client.secondFlight();
      // A second record in the same datagram (an alert record, epoch 0) must not be lost.
      const extra = new Uint8Array([21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 1, 0]);
      const datagram = new Uint8Array(ch2.length + extra.length);
      datagram.set(ch2);
      datagram.set(extra, ch2.length);
      await sock.send(datagram, udp.addr.port);
      const conn = await within(udp.accept());
      assert.ok(conn);
      assert.equal(conn.peer.family, "ipv6");
      assert.equal(conn.accepted.protocol, "dtls1.3");
      assert.ok(conn.accepted.retry, "DTLS 1.3 accept carries the retry context");
      assert.deepEqual(conn.accepted.remainder, extra);
      const it = conn.datagrams[Symbol.asyncIterator]();
      assert.deepEqual((await within(it.next())).value, extra);
    } finally {
      await sock.close();
      await udp.close();
    }
  });
}
