import { test } from "node:test";
import assert from "node:assert/strict";
import { slabBytes } from "../core/wire/byte_slab.ts";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import { loadHexFixture } from "./helpers/fixtures.ts";

test("slabBytes: distinct, zero-filled, 8-byte aligned regions; a new slab when full; large requests get their own buffer", () => {
  const seen: Uint8Array[] = [];
  const slabs = new Set<ArrayBufferLike>();
  for (let i = 0; i < 300; i++) {
    const n = 1 + (i * 37) % 700;
    const a = slabBytes(n);
    assert.equal(a.length, n);
    assert.equal(a.byteOffset % 8, 0);
    assert.ok(a.every((x) => x === 0), "fresh region is zero-filled");
    assert.ok(a.byteOffset + n <= a.buffer.byteLength);
    a.fill(0xa5);
    seen.push(a);
    slabs.add(a.buffer);
  }
  // Writing every region never changed another: each still holds only its own fill.
  for (const a of seen) assert.ok(a.every((x) => x === 0xa5));
  // No two regions of one slab overlap.
  const bySlab = new Map<ArrayBufferLike, [number, number][]>();
  for (const a of seen) bySlab.set(a.buffer, [...(bySlab.get(a.buffer) ?? []), [a.byteOffset, a.byteOffset + a.length]]);
  for (const ranges of bySlab.values()) {
    ranges.sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] >= ranges[i - 1][1]);
  }
  assert.ok(slabs.size > 10, `300 regions of ~350 B span many 4 KiB slabs (${slabs.size})`);
  for (const s of slabs) assert.equal(s.byteLength, 4096);
  const big = slabBytes(1025);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 1025);
});

test("DatagramListener: HelloVerifyRequests (slab-carved) are private: later receives never change earlier replies", () => {
  const [ch1] = loadHexFixture("dtls12-openssl");
  const listener = new DatagramListener({ keyring: CookieKeyring.random(), versions: ["dtls1.2"] });
  const peer = { family: "ipv4" as const, address: "192.0.2.9", port: 4000 };
  const replies: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < 200; i++) {
    const out = listener.receive(ch1, { ...peer, port: 4000 + i }, 1_750_000_000_000);
    assert.equal(out.kind, "send");
    if (out.kind === "send") replies.push([out.bytes, out.bytes.slice()]);
  }
  for (const [live, copy] of replies) assert.deepEqual(live, copy);
  // Cookies differ per peer port, so no two replies share bytes by accident.
  assert.equal(new Set(replies.map(([r]) => r.join())).size, 200);
});
