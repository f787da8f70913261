// Interop: real DTLS clients (openssl s_client, gnutls-cli) complete the HelloVerifyRequest
// cookie exchange against a DatagramListener behind a test-local UDP loop. Every case asserts
// on the captured wire conversation, parsed by the harness's own parser.
import { test } from "node:test";
import assert from "node:assert/strict";
import dgram from "node:dgram";
import { CookieKeyring } from "../../core/gate/cookie/keyring.ts";
import { DatagramListener, type DtlsVersionName } from "../../core/gate/datagram_listener.ts";
import {
  type Client,
  dtlsMessages,
  dtlsRecords,
  hex,
  parseClientHelloBody,
  parseHvr,
  requireTool,
  toolSkip,
  spawnClient,
  startUdpLoop,
  within,
} from "./harness.ts";

interface DtlsCase {
  readonly tool: "openssl" | "gnutls-cli";
  readonly args: (port: number) => string[];
  readonly versions: DtlsVersionName[];
  readonly protocol: "dtls1.0" | "dtls1.2";
  /** ClientHello version field the client must send. */
  readonly clientVersion: number;
  /** CH1 must arrive in at least this many fragments (MTU cases). */
  readonly minFragments?: number;
  /** Rotate the key when the HVR goes out (CH2 then verifies under the previous key). */
  readonly rotate?: boolean;
}

const openssl = (...flags: string[]) => (port: number) => ["s_client", ...flags, "-connect", `127.0.0.1:${port}`];
const gnutls = (version: "DTLS1.2" | "DTLS1.0", ...flags: string[]) => (port: number) => [
  "--udp",
  "--insecure",
  ...flags,
  "--port",
  String(port),
  "--priority",
  `NORMAL:-VERS-ALL:+VERS-${version}`,
  "127.0.0.1",
];

/** Runs one client through the loop; returns what the assertions need. Always cleans up. */
async function runDtls(c: DtlsCase) {
  const bin = requireTool(c.tool);
  const keyring = CookieKeyring.random({ graceSeconds: 30 });
  const listener = new DatagramListener({ keyring, versions: c.versions });
  let rotations = 0;
  const loop = await startUdpLoop(listener, {
    beforeSend: (o) => {
      if (c.rotate && o.message === "hello_verify_request") {
        keyring.rotate(Date.now());
        rotations++;
      }
      return o.bytes;
    },
  });
  let client: Client | undefined;
  try {
    client = spawnClient(bin, c.args(loop.port));
    const acc = await loop.accepted().catch((e) => {
      throw new Error(`${e.message}\nclient: ${client!.command}\n${client!.stderr}\nwire:\n${loop.describe()}`);
    });
    await client.kill();
    return { loop, acc, listener, rotations, client };
  } finally {
    await client?.kill();
    await loop.close();
  }
}

function assertDtlsExchange(c: DtlsCase, r: Awaited<ReturnType<typeof runDtls>>): void {
  const { loop, acc, listener } = r;
  const why = `${r.client.command}\n${loop.describe()}`;
  // One client, one source port; the listener accepted exactly that address and port.
  const peers = new Set(loop.wire.filter((w) => w.dir === "in").map((w) => w.peer));
  assert.equal(peers.size, 1, why);
  const [clientPeer] = peers;
  assert.equal(acc.peer, clientPeer);
  assert.equal(`${acc.outcome.peer.address}:${acc.outcome.peer.port}`, clientPeer);
  assert.equal(acc.outcome.peer.address, "127.0.0.1");
  assert.notEqual(acc.outcome.peer.port, loop.port);
  assert.equal(acc.outcome.protocol, c.protocol);
  assert.equal(acc.outcome.addressValidated, "cookie");

  // (1) CH1 without a cookie, from the client's first datagram(s).
  const inbound = loop.bytes("in");
  const hellos = dtlsMessages(inbound, 1);
  assert.ok(hellos.length >= 2, `expected CH1 and CH2, got ${hellos.length}\n${why}`);
  const ch1 = hellos[0], ch2 = hellos.find((h) => h.messageSeq === 1)!;
  assert.equal(ch1.messageSeq, 0);
  assert.ok(ch2, why);
  const p1 = parseClientHelloBody(ch1.body, true), p2 = parseClientHelloBody(ch2.body, true);
  assert.equal(p1.cookie!.length, 0, "CH1 carries no cookie");
  assert.equal(p1.legacyVersion, c.clientVersion);
  if (c.minFragments) assert.ok(ch1.fragments >= c.minFragments, `CH1 in ${ch1.fragments} fragments\n${why}`);
  // The first datagram is a handshake record, epoch 0 (sanity on the client's framing).
  const first = dtlsRecords(inbound[0])[0];
  assert.equal(first.type, 22);
  assert.equal(first.epoch, 0);

  // (2) We answered with a HelloVerifyRequest: message_seq 0, record sequence echoed, 32-byte cookie.
  const outbound = loop.bytes("out");
  assert.ok(outbound.length >= 1, why);
  const hvr = parseHvr(outbound[0]);
  assert.equal(hvr.messageSeq, 0);
  assert.equal(hvr.cookie.length, 32);
  assert.equal(hvr.recordSequence, first.sequence, "HVR echoes the CH1 record sequence");
  assert.equal(hvr.serverVersion, 0xfeff, "RFC 6347 §4.2.1: HVR server_version is DTLS 1.0");
  assert.ok(outbound[0].length <= inbound[0].length, "HVR not larger than the datagram it answers");

  // (3) CH2 echoes OUR cookie and keeps the CH1 fields the cookie binds.
  assert.equal(hex(p2.cookie!), hex(hvr.cookie), "client echoed the cookie we sent");
  assert.equal(hex(p2.random), hex(p1.random));
  assert.equal(hex(p2.sessionId), hex(p1.sessionId));
  assert.deepEqual(p2.cipherSuites, p1.cipherSuites);
  assert.equal(p2.legacyVersion, p1.legacyVersion);

  // (4) accepted: the ClientHello handed on is the client's CH2, sequencing matches the wire.
  const msg = acc.outcome.clientHelloMessage;
  assert.equal(msg[0], 1);
  assert.equal(hex(msg.subarray(12)), hex(ch2.body));
  assert.equal(acc.outcome.sequencing?.clientMessageSeq, 1);
  assert.equal(acc.outcome.sequencing?.nextServerMessageSeq, 1);
  const ch2Seqs = inbound.flatMap((d) => dtlsRecords(d)).filter((rec) => rec.type === 22 && rec.fragment[0] === 1 && ((rec.fragment[4] << 8) | rec.fragment[5]) === 1).map((rec) => rec.sequence);
  assert.ok(ch2Seqs.includes(acc.outcome.sequencing!.recordSequence), `record sequence ${acc.outcome.sequencing!.recordSequence} in ${ch2Seqs}`);
  assert.equal(listener.counters.accepted, 1);
  assert.equal(listener.counters.helloVerifyRequests, 1);
  // Amplification: never more bytes out than in.
  const bytesIn = inbound.reduce((n, d) => n + d.length, 0), bytesOut = outbound.reduce((n, d) => n + d.length, 0);
  assert.ok(bytesOut <= bytesIn, `${bytesOut} out > ${bytesIn} in`);
}

const cases: [string, DtlsCase][] = [
  ["openssl s_client -dtls1 (DTLS 1.0)", { tool: "openssl", args: openssl("-dtls1"), versions: ["dtls1.0", "dtls1.2"], protocol: "dtls1.0", clientVersion: 0xfeff }],
  ["openssl s_client -dtls1_2 (DTLS 1.2)", { tool: "openssl", args: openssl("-dtls1_2"), versions: ["dtls1.2", "dtls1.3"], protocol: "dtls1.2", clientVersion: 0xfefd }],
  ["openssl s_client -dtls1_2, key rotated when the HVR goes out", { tool: "openssl", args: openssl("-dtls1_2"), versions: ["dtls1.2"], protocol: "dtls1.2", clientVersion: 0xfefd, rotate: true }],
  [
    "openssl s_client -dtls1_2 -mtu 256 + long -servername (fragmented ClientHello)",
    { tool: "openssl", args: openssl("-dtls1_2", "-mtu", "256", "-servername", "hellogate-fragmentation-interop-case.example.invalid"), versions: ["dtls1.2"], protocol: "dtls1.2", clientVersion: 0xfefd, minFragments: 2 },
  ],
  ["gnutls-cli --udp DTLS 1.2", { tool: "gnutls-cli", args: gnutls("DTLS1.2"), versions: ["dtls1.2"], protocol: "dtls1.2", clientVersion: 0xfefd }],
  ["gnutls-cli --udp DTLS 1.0", { tool: "gnutls-cli", args: gnutls("DTLS1.0"), versions: ["dtls1.0"], protocol: "dtls1.0", clientVersion: 0xfeff }],
  ["gnutls-cli --udp --mtu 128 DTLS 1.2 (fragmented ClientHello), key rotated", { tool: "gnutls-cli", args: gnutls("DTLS1.2", "--mtu", "128"), versions: ["dtls1.2"], protocol: "dtls1.2", clientVersion: 0xfefd, minFragments: 2, rotate: true }],
];

for (const [name, c] of cases) {
  test(`interop dtls: ${name}: HVR, cookie echoed, accepted for the client's address and port`, { skip: toolSkip(c.tool) }, async () => {
    const r = await runDtls(c);
    assertDtlsExchange(c, r);
    if (c.rotate) {
      assert.equal(r.rotations, 1);
      assert.deepEqual(r.listener.counters.cookieRejections, {}, "the previous key still verifies in the grace window");
    }
  });
}

test("interop dtls: openssl -dtls1_2 given a tampered HVR cookie echoes it and gets a fresh HVR, never an accept", { skip: toolSkip("openssl") }, async () => {
  const bin = requireTool("openssl");
  const listener = new DatagramListener({ keyring: CookieKeyring.random(), versions: ["dtls1.2"] });
  const genuine: Uint8Array[] = [];
  const loop = await startUdpLoop(listener, {
    beforeSend: (o) => {
      // Flip one bit in the first HVR's cookie; later HVRs go out untouched.
      if (o.message !== "hello_verify_request" || genuine.length > 0) return o.bytes;
      genuine.push(o.bytes);
      const hvr = parseHvr(o.bytes);
      const bad = o.bytes.slice();
      bad[hvr.cookieOffset + 5] ^= 0x10;
      return bad;
    },
  });
  let client: Client | undefined;
  try {
    client = spawnClient(bin, openssl("-dtls1_2")(loop.port));
    // Wait for the client's CH2 to be answered (our second HVR).
    await loop.until(() => loop.bytes("out").length >= 2, "a second HVR");
    await client.kill();
    const sentCookie = parseHvr(loop.bytes("out")[0]).cookie;
    const genuineCookie = parseHvr(genuine[0]).cookie;
    assert.notEqual(hex(sentCookie), hex(genuineCookie), "the loop tampered with the cookie");
    const ch2 = dtlsMessages(loop.bytes("in"), 1).find((m) => m.messageSeq === 1);
    assert.ok(ch2, loop.describe());
    assert.equal(hex(parseClientHelloBody(ch2.body, true).cookie!), hex(sentCookie), "client echoed the tampered cookie");
    const second = parseHvr(loop.bytes("out")[1]);
    assert.equal(second.cookie.length, 32);
    assert.notEqual(hex(second.cookie), hex(sentCookie));
    assert.equal(loop.outcomes.filter((o) => o.outcome.kind === "accepted").length, 0);
    assert.equal(listener.counters.accepted, 0);
    assert.equal(listener.counters.helloVerifyRequests, 2);
    const rejections = Object.values(listener.counters.cookieRejections).reduce((n, v) => n + (v ?? 0), 0);
    assert.equal(rejections, 1, JSON.stringify(listener.counters.cookieRejections));
  } finally {
    await client?.kill();
    await loop.close();
  }
});

test("interop dtls: a real CH2 replayed from another source port gets an HVR, not an accept", { skip: toolSkip("openssl") }, async () => {
  const c: DtlsCase = { tool: "openssl", args: openssl("-dtls1_2"), versions: ["dtls1.2"], protocol: "dtls1.2", clientVersion: 0xfefd };
  const bin = requireTool(c.tool);
  const listener = new DatagramListener({ keyring: CookieKeyring.random(), versions: c.versions });
  const loop = await startUdpLoop(listener);
  let client: Client | undefined;
  const attacker = dgram.createSocket("udp4");
  try {
    client = spawnClient(bin, c.args(loop.port));
    const acc = await loop.accepted();
    await client.kill();
    // The datagram(s) that carried the accepted CH2.
    const ch2Datagrams = loop.wire.filter((w) =>
      w.dir === "in" && w.peer === acc.peer &&
      dtlsRecords(w.bytes).some((r) => r.type === 22 && r.fragment[0] === 1 && ((r.fragment[4] << 8) | r.fragment[5]) === 1)
    ).map((w) => w.bytes);
    assert.ok(ch2Datagrams.length >= 1);
    const reply = new Promise<Uint8Array>((resolve) => attacker.once("message", (m) => resolve(new Uint8Array(m))));
    await new Promise<void>((resolve) => attacker.bind(0, "127.0.0.1", () => resolve()));
    const attackerPort = attacker.address().port;
    assert.notEqual(`127.0.0.1:${attackerPort}`, acc.peer);
    const before = listener.counters.helloVerifyRequests;
    for (const d of ch2Datagrams) attacker.send(d, loop.port, "127.0.0.1");
    const replied = await within(reply, 10_000, "an answer to the replayed CH2");
    const fromAttacker = loop.outcomes.filter((o) => o.peer === `127.0.0.1:${attackerPort}`);
    assert.ok(fromAttacker.length >= 1);
    assert.equal(fromAttacker.some((o) => o.outcome.kind === "accepted"), false);
    assert.equal(fromAttacker[0].outcome.kind, "send");
    const hvr = parseHvr(replied);
    assert.equal(hvr.cookie.length, 32);
    assert.equal(listener.counters.helloVerifyRequests, before + 1);
    assert.equal(listener.counters.accepted, 1, "only the real client was accepted");
  } finally {
    await client?.kill();
    await new Promise<void>((resolve) => {
      try {
        attacker.close(() => resolve());
      } catch {
        resolve();
      }
    });
    await loop.close();
  }
});
