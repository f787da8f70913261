// Cookie throughput: issue/verify ops/s for the HVR (DTLS 1.0/1.2) and HRR (TLS/DTLS 1.3)
// cookies, plus the MAC alternatives considered for the hot path. Standalone:
//   deno run -A bench/cookie_bench.ts      bun bench/cookie_bench.ts
// Prints a table; no assertions (timing lives here, never in tests).
import { createHmac } from "node:crypto";
import { blake2s } from "@noble/hashes/blake2.js";
import { blake3 } from "@noble/hashes/blake3.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { encodeClientHello } from "../core/messages/client_hello_encoder.ts";
import { parseClientHello } from "../core/messages/client_hello.ts";
import { encodePeerBinding, type PeerAddress } from "../core/peer.ts";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { CookieMacKey } from "../core/gate/cookie/mac.ts";
import { hvrMacInputLength, hvrPeerBinding, issueHvrCookie, verifyHvrCookie } from "../core/gate/cookie/hvr_cookie.ts";
import { issueHrrCookie, verifyHrrCookie } from "../core/gate/cookie/hrr_cookie.ts";

const runtime = "Bun" in globalThis
  ? `bun ${(globalThis as { Bun?: { version: string } }).Bun!.version}`
  : "Deno" in globalThis
  ? `deno ${(globalThis as { Deno?: { version: { deno: string } } }).Deno!.version.deno}`
  : "unknown runtime";

/** Runs `batch(count)` (which performs `count` operations and returns a checksum) until at
 * least `minMs` have passed. Every case writes its own loop, so each loop stays monomorphic. */
function bench(name: string, batch: (count: number) => number, minMs = 700): number {
  let sink = batch(20000); // warm-up
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    sink ^= batch(5000);
    n += 5000;
    elapsed = performance.now() - start;
  }
  const ops = (n / elapsed) * 1000;
  console.log(
    `${name.padEnd(46)} ${Math.round(ops).toLocaleString("en-US").padStart(12)} ops/s${
      sink === -1 ? "!" : ""
    }`,
  );
  return ops;
}

// A typical DTLS 1.2 ClientHello (OpenSSL-like: 20 suites, empty session id) with a few extensions.
const suites = [
  0xc02c,
  0xc030,
  0x009f,
  0xcca9,
  0xcca8,
  0xccaa,
  0xc02b,
  0xc02f,
  0x009e,
  0xc024,
  0xc028,
  0x006b,
  0xc023,
  0xc027,
  0x0067,
  0xc00a,
  0xc014,
  0x0039,
  0xc009,
  0xc013,
];
const ch = parseClientHello(
  encodeClientHello({
    dtls: true,
    legacyVersion: 0xfefd,
    random: new Uint8Array(32).fill(0x42),
    legacySessionId: new Uint8Array(0),
    cipherSuites: suites,
    compressionMethods: new Uint8Array([0]),
    extensions: [{ type: 10, data: new Uint8Array([0, 4, 0, 29, 0, 23]) }, {
      type: 23,
      data: new Uint8Array(0),
    }],
  }),
  { dtls: true },
);
const peer: PeerAddress = { family: "ipv4", address: "192.0.2.33", port: 45678 };
const peer6: PeerAddress = { family: "ipv6", address: "2001:db8::1234:5678", port: 45678 };
const now = 1_750_000_000_000;
const keyring = CookieKeyring.random();
const derived = CookieKeyring.derived(new Uint8Array(32).fill(9), { rotateEverySeconds: 300 });

console.log(
  `hellogate cookie bench (${runtime}); HVR MAC input ${hvrMacInputLength(peer, ch)} bytes (IPv4)`,
);

console.log("\n-- MAC alternatives over the HVR MAC input --");
// The HVR cookie's real MAC input for this ClientHello from an IPv4 peer (49 bytes:
// header || compact peer || version..session_id || compression_methods), assembled once; each
// alternative MACs the same bytes and keeps 27 bytes, as the cookie does.
const input = new Uint8Array(hvrMacInputLength(peer, ch));
{
  let at = 5; // header (kind|key id, issue time) left zero
  at += hvrPeerBinding(peer, input.subarray(at));
  input.set(ch.body.subarray(0, ch.offsets.cookie), at);
  at += ch.offsets.cookie;
  input.set(ch.body.subarray(ch.offsets.compressionMethods, ch.offsets.extensions), at);
}
const rawKey = new Uint8Array(32).fill(7);
const out = new Uint8Array(32);
const own = new CookieMacKey(rawKey);
bench("one-pass SHA-256 cascade (chosen, 1 compression)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    input[0] = i;
    own.beginCascade(input.length).bytes(input).finishInto(out, 0, 27);
    s ^= out[0];
  }
  return s;
});
bench("own pre-keyed HMAC-SHA256 (before, 2 compressions)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    input[0] = i;
    own.begin().bytes(input).finishInto(out, 0, 27);
    s ^= out[0];
  }
  return s;
});
const keyed = hmac.create(sha256, rawKey);
let scratch = keyed.clone();
bench("noble hmac, keyed once, _cloneInto scratch", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    input[0] = i;
    scratch = keyed._cloneInto(scratch);
    scratch.update(input).digestInto(out);
    s ^= out[0];
  }
  return s;
});
// Keyed BLAKE2s (RFC 7693) and BLAKE3 keyed_hash: one compression (BLAKE2s after its key block,
// cloned here from a pre-keyed instance; BLAKE3 takes the key as chaining value, 7 rounds).
const b2Keyed = blake2s.create({ key: rawKey, dkLen: 32 }).update(new Uint8Array(0));
const b2Work = blake2s.create({ dkLen: 32 });
bench("noble blake2s keyed, _cloneInto scratch", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    input[0] = i;
    b2Keyed._cloneInto(b2Work);
    b2Work.update(input).digestInto(out);
    s ^= out[0];
  }
  return s;
});
const b3Keyed = blake3.create({ key: rawKey });
const b3Work = blake3.create({ key: rawKey });
bench("noble blake3 keyed, _cloneInto scratch", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    input[0] = i;
    b3Keyed._cloneInto(b3Work);
    b3Work.update(input).digestInto(out);
    s ^= out[0];
  }
  return s;
});
bench("node:crypto createHmac (native)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) {
    input[0] = i;
    s ^= createHmac("sha256", rawKey).update(input).digest()[0];
  }
  return s;
}, 400);
const bindOut = new Uint8Array(19);
bench("encodePeerBinding (IPv4), for reference", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s ^= encodePeerBinding(peer, bindOut)[18];
  return s;
});

console.log("\n-- HVR cookie (DTLS 1.0/1.2, 32 bytes) --");
const hvr = issueHvrCookie(keyring, peer, ch, now);
const hvr6 = issueHvrCookie(keyring, peer6, ch, now);
const hvrBad = hvr.slice();
hvrBad[31] ^= 1;
bench("issue (random keyring, IPv4)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s ^= issueHvrCookie(keyring, peer, ch, now)[5];
  return s;
});
bench("issue (derived keyring, IPv4)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s ^= issueHvrCookie(derived, peer, ch, now)[5];
  return s;
});
bench("issue (random keyring, IPv6)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s ^= issueHvrCookie(keyring, peer6, ch, now)[5];
  return s;
});
bench("verify ok (IPv4)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s ^= verifyHvrCookie(keyring, hvr, peer, ch, now + 1000).ok ? 1 : 0;
  return s;
});
bench("verify ok (IPv6)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s ^= verifyHvrCookie(keyring, hvr6, peer6, ch, now + 1000).ok ? 1 : 0;
  return s;
});
bench("verify bad-mac (IPv4)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s ^= verifyHvrCookie(keyring, hvrBad, peer, ch, now + 1000).ok ? 1 : 0;
  return s;
});

console.log("\n-- HRR cookie (TLS 1.3 / DTLS 1.3) --");
const fields = {
  protocol: "tls1.3" as const,
  cipherSuite: 0x1301,
  group: 0x001d,
  clientHello1Hash: sha256(ch.body),
};
const hrr = issueHrrCookie(keyring, peer, fields, now);
const hrrApp = issueHrrCookie(keyring, peer, { ...fields, appData: new Uint8Array(64).fill(1) }, now);
const otherPeer: PeerAddress = { family: "ipv4", address: "192.0.2.34", port: 45678 };
bench("issue (SHA-256 hash, no app data)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s ^= issueHrrCookie(keyring, peer, fields, now)[5];
  return s;
});
bench("verify ok", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s ^= verifyHrrCookie(keyring, hrr, peer, now + 1000).ok ? 1 : 0;
  return s;
});
bench("verify ok (64 B app data)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s ^= verifyHrrCookie(keyring, hrrApp, peer, now + 1000).ok ? 1 : 0;
  return s;
});
bench("verify wrong-peer (two MACs)", (n) => {
  let s = 0;
  for (let i = 0; i < n; i++) s ^= verifyHrrCookie(keyring, hrr, otherPeer, now + 1000).ok ? 1 : 0;
  return s;
});
