import { test } from "node:test";
import assert from "node:assert/strict";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { QuicListener } from "../core/quic/listener.ts";
import { retryUnderLoad } from "../core/quic/retry_policy.ts";
import { encodeCryptoFrame } from "../core/quic/frames.ts";
import { V1_INFO } from "../core/quic/versions.ts";
import { readInvariantLongHeader } from "../core/quic/long_header.ts";
import { hex } from "./helpers/fixtures.ts";
import { clientInitialPacket, quicClientHello } from "./helpers/quic_client.ts";

const T0 = 1_750_000_000_000;
const ch = quicClientHello({ sni: "load.example" });
const initial = (dcid: Uint8Array, token?: Uint8Array) =>
  clientInitialPacket({ info: V1_INFO, dcid, scid: hex("0a0b"), token, payload: encodeCryptoFrame(0, ch), padTo: 1200 });

test("retryUnderLoad: accepts without a Retry below the threshold, retries above it, recovers in the next window", () => {
  const policy = retryUnderLoad({ maxUnvalidatedPerWindow: 3, windowMs: 1000 });
  const l = new QuicListener({ keyring: CookieKeyring.random(), decide: policy });
  const kinds: string[] = [];
  let lastRetry: Uint8Array | undefined;
  for (let i = 0; i < 5; i++) {
    const o = l.receive(initial(hex(`00000000000000${i.toString(16).padStart(2, "0")}`)), { family: "ipv4", address: `192.0.2.${i + 1}`, port: 4000 }, T0 + i);
    kinds.push(o.kind === "send" ? o.message : o.kind);
    if (o.kind === "send") lastRetry = o.bytes;
  }
  assert.deepEqual(kinds, ["accepted", "accepted", "accepted", "retry", "retry"]);
  assert.equal(policy.countInWindow, 5);
  assert.equal(policy.retrying, true);
  // A client that came back with its Retry token is accepted even while under load.
  const h = readInvariantLongHeader(lastRetry!, 0)!;
  const back = l.receive(initial(h.scid, lastRetry!.slice(h.afterScid, lastRetry!.length - 16)), { family: "ipv4", address: "192.0.2.5", port: 4000 }, T0 + 10);
  assert.equal(back.kind, "accepted");
  assert.ok(back.kind === "accepted" && back.validatedBy === "retry");
  // Next window: accepted again without a Retry.
  const next = l.receive(initial(hex("1111111111111111")), { family: "ipv4", address: "192.0.2.9", port: 4000 }, T0 + 1500);
  assert.equal(next.kind, "accepted");
  assert.equal(policy.retrying, false);
});

test("retryUnderLoad: 0 means always retry; `below` can refuse by SNI; bad options throw", () => {
  const always = retryUnderLoad({ maxUnvalidatedPerWindow: 0 });
  const l = new QuicListener({ keyring: CookieKeyring.random(), decide: always });
  const o = l.receive(initial(hex("2222222222222222")), { family: "ipv4", address: "192.0.2.1", port: 1 }, T0);
  assert.ok(o.kind === "send" && o.message === "retry");
  const picky = new QuicListener({
    keyring: CookieKeyring.random(),
    decide: retryUnderLoad({ below: (a) => (a.sni === "load.example" ? "refuse" : "accept") }),
  });
  const r = picky.receive(initial(hex("3333333333333333")), { family: "ipv4", address: "192.0.2.1", port: 1 }, T0);
  assert.ok(r.kind === "send" && r.message === "connection-close" && r.errorCode === 0x02);
  assert.throws(() => retryUnderLoad({ maxUnvalidatedPerWindow: -1 }), TypeError);
  assert.throws(() => retryUnderLoad({ windowMs: 0 }), TypeError);
});
