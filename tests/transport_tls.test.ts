// The real StreamListener behind the TCP adapters and acceptStream, driven by the scripted client.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import { ScriptedClient } from "../testing/scripted_client.ts";
import { seededRandom } from "../testing/random.ts";
import { acceptStream } from "../transports/streams.ts";
import { listenTcp } from "../transports/tcp.ts";
import { readBytes, runtime, tcpClient, within } from "./transport_fakes.ts";
import { concatBytes as concat } from "../testing/fragment.ts";

const adapters: ("node" | "deno" | "bun")[] = runtime === "node" ? ["node"] : ["node", runtime];

for (const adapter of adapters) {
  test(`tls ${adapter}: split CH1 -> HRR, CCS + CH2 accepted, application bytes after CH2 continue on the stream`, async () => {
    const keyring = CookieKeyring.random();
    const tcp = await listenTcp({
      port: 0,
      adapter,
      engine: (peer) => new StreamListener({ keyring, framing: "tls-records", peer }),
    });
    const sock = await tcpClient(tcp.addr.port);
    try {
      const client = new ScriptedClient({ protocol: "tls1.3", tlsChunkSizes: [7, 50], random: seededRandom("tls-" + adapter) });
      const flight1 = client.firstFlight();
      assert.ok(flight1.length >= 2, "CH1 split across writes");
      for (const c of flight1) sock.write(c);
      // HRR record (+ CCS in middlebox-compat mode): read what arrives, then let the client check it.
      const hrrHead = await sock.read(5);
      const hrrLen = (hrrHead[3] << 8) | hrrHead[4];
      const hrrBody = await sock.read(hrrLen);
      const ccs = await sock.read(6);
      const reply = client.handleReply(concat([hrrHead, hrrBody, ccs]));
      assert.equal(reply.kind, "hello-retry-request", JSON.stringify(reply));
      const flight2 = client.secondFlight();
      const appData = new Uint8Array([23, 3, 3, 0, 1, 0x99]);
      sock.write(concat([...flight2, appData]));
      const conn = await within(tcp.accept(), 5000, "accept");
      assert.ok(conn);
      assert.equal(conn.accepted.protocol, "tls1.3");
      assert.equal(conn.peer.port, sock.port);
      assert.ok(conn.accepted.retry);
      assert.deepEqual(await readBytes(conn.readable, appData.length), appData);
      assert.equal(tcp.counters.hrrSent, 1);
      assert.equal(tcp.counters.accepted, 1);
      assert.equal(tcp.counters.bytesIn, concat(flight1).length + concat(flight2).length + appData.length);
      conn.close();
    } finally {
      sock.destroy();
      await tcp.close();
    }
  });

  test(`tls ${adapter}: an HTTP request on the TLS port is closed with a typed reason`, async () => {
    const keyring = CookieKeyring.random();
    const reasons: string[] = [];
    const tcp = await listenTcp({
      port: 0,
      adapter,
      engine: (peer) => new StreamListener({ keyring, framing: "tls-records", peer }),
      onEvent: (e) => {
        if (e.event === "closed") reasons.push(e.reason);
      },
    });
    const sock = await tcpClient(tcp.addr.port);
    try {
      sock.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      await within(sock.untilEnd(), 5000, "server closes");
      assert.equal(reasons.length, 1);
      assert.equal(tcp.counters.accepted, 0);
      assert.equal(tcp.counters.droppedTotal, 1);
    } finally {
      sock.destroy();
      await tcp.close();
    }
  });
}

test("tls stream: acceptStream with handshake-messages framing (QUIC-like CRYPTO stream)", async () => {
  const keyring = CookieKeyring.random();
  const client = new ScriptedClient({ protocol: "tls1.3", random: seededRandom("quic") });
  // Strip the TLS record headers: a QUIC CRYPTO stream carries bare handshake messages.
  const unrecord = (bytes: Uint8Array) => {
    const parts: Uint8Array[] = [];
    for (let at = 0; at + 5 <= bytes.length;) {
      const len = (bytes[at + 3] << 8) | bytes[at + 4];
      if (bytes[at] === 22) parts.push(bytes.subarray(at + 5, at + 5 + len));
      at += 5 + len;
    }
    return concat(parts);
  };
  const up = new TransformStream<Uint8Array, Uint8Array>();
  const down = new TransformStream<Uint8Array, Uint8Array>();
  const peer = { family: "ipv4" as const, address: "198.51.100.7", port: 443 };
  const result = acceptStream({ readable: up.readable, writable: down.writable, peer }, {
    engine: (p) => new StreamListener({ keyring, framing: "handshake-messages", peer: p }),
  });
  const w = up.writable.getWriter();
  const r = down.readable.getReader();
  void w.write(unrecord(concat(client.firstFlight())));
  const hrr = (await within(r.read())).value!;
  assert.equal(hrr[0], 2, "a bare ServerHello (HRR) handshake message, no record header");
  const reply = client.handleReply(concat([new Uint8Array([22, 3, 3, hrr.length >> 8, hrr.length & 255]), hrr]));
  assert.equal(reply.kind, "hello-retry-request", JSON.stringify(reply));
  void w.write(unrecord(concat(client.secondFlight())));
  const out = await within(result);
  assert.equal(out.kind, "accepted");
  assert.equal(out.kind === "accepted" && out.accepted.protocol, "tls1.3");
  assert.deepEqual(out.peer, peer);
});
