// The scripted client completes the stateless exchange through DatagramListener for every
// protocol, with and without a key_share HRR, unfragmented and at MTUs 256 and 1200, with a
// 1216-byte X25519MLKEM768 share — CH2 always going to a brand-new listener (nothing kept).
import { test } from "node:test";
import assert from "node:assert/strict";
import { CookieKeyring, DatagramListener, type Outcome, type PeerAddress } from "../mod.ts";
import { ScriptedClient, type ScriptedClientOptions, seededRandom } from "../testing/mod.ts";
import { toHex } from "./helpers/fixtures.ts";

const PEER: PeerAddress = { family: "ipv4", address: "203.0.113.5", port: 61000 };
const NOW = 1_760_000_000_000;
const X25519 = 0x001d, P256 = 0x0017;

interface Case {
  name: string;
  client: ScriptedClientOptions;
  groups?: number[];
  expectReply: "hello-verify-request" | "hello-retry-request";
  hrrGroup?: number;
}

const cases: Case[] = [];
for (const mtu of [undefined, 256, 1200]) {
  const m = mtu ? ` mtu ${mtu}` : "";
  for (const protocol of ["dtls1.0", "dtls1.2"] as const) {
    cases.push({ name: `${protocol}${m}`, client: { protocol, mtu }, expectReply: "hello-verify-request" });
  }
  cases.push({ name: `dtls1.3 cookie-only HRR${m}`, client: { protocol: "dtls1.3", mtu }, expectReply: "hello-retry-request" });
  cases.push({
    name: `dtls1.3 key_share HRR${m}`,
    client: { protocol: "dtls1.3", mtu, keyShareGroups: [X25519], groups: [X25519, P256] },
    groups: [P256],
    expectReply: "hello-retry-request",
    hrrGroup: P256,
  });
  cases.push({
    name: `dtls1.3 with a 1216-byte X25519MLKEM768 share${m}`,
    client: { protocol: "dtls1.3", mtu, mlkemShare: true },
    expectReply: "hello-retry-request",
  });
  cases.push({
    name: `dtls1.3 offering 1.3 and 1.2 to a 1.2-only listener${m}`,
    client: { protocol: "dtls1.3", mtu, offerDtls13AndDtls12: true },
    expectReply: "hello-verify-request",
  });
}

for (const c of cases) {
  test(`scripted ${c.name}: HVR/HRR, then CH2 accepted by a new listener`, () => {
    const keyring = CookieKeyring.fromSecret(new Uint8Array(32).fill(0x33));
    const versions = c.name.includes("1.2-only") ? ["dtls1.2" as const] : ["dtls1.0" as const, "dtls1.2" as const, "dtls1.3" as const];
    const options = { keyring, versions, ...(c.groups ? { groups: c.groups } : {}) };
    const client = new ScriptedClient({ ...c.client, random: seededRandom(c.name) });

    const first = new DatagramListener(options);
    const flight1 = client.firstFlight();
    if (c.client.mtu) for (const d of flight1) assert.ok(d.length <= c.client.mtu, `datagram of ${d.length} > mtu`);
    let out: Outcome = { kind: "need-more-data" };
    let sent = 0;
    for (const d of flight1) {
      sent += d.length;
      out = first.receive(d, PEER, NOW);
      if (out.kind === "send") break;
      assert.equal(out.kind, "need-more-data", JSON.stringify(out));
    }
    assert.equal(out.kind, "send", JSON.stringify(out));
    if (out.kind !== "send") return;
    assert.ok(out.bytes.length <= sent, `reply ${out.bytes.length} > ${sent} received`);
    const reply = client.handleReply(out.bytes);
    assert.equal(reply.kind, c.expectReply, JSON.stringify(reply));
    if (reply.kind === "hello-retry-request") assert.equal(reply.group, c.hrrGroup);

    const second = new DatagramListener(options);
    let acc: Outcome = { kind: "need-more-data" };
    for (const d of client.secondFlight()) acc = second.receive(d, PEER, NOW + 150);
    assert.equal(acc.kind, "accepted", JSON.stringify(acc));
    if (acc.kind !== "accepted") return;
    assert.equal(acc.addressValidated, "cookie");
    if (c.expectReply === "hello-retry-request") {
      assert.equal(acc.protocol, "dtls1.3");
      // The client's own transcript hash equals the continuation's from the accepted result.
      const mine = client.transcriptBytes();
      assert.equal(toHex(new Uint8Array([...acc.retry!.transcriptPrefix, ...acc.clientHelloMessage])), toHex(mine));
    } else {
      assert.equal(acc.protocol, c.client.protocol === "dtls1.0" ? "dtls1.0" : "dtls1.2");
      assert.equal(acc.sequencing!.nextServerMessageSeq, 1);
    }
    assert.equal(second.counters.reassembly.bytesInUse, 0, "nothing left held after accept");
  });
}
