// Where the time goes: per-component ns/op of the two hottest paths (DTLS 1.2 CH1 -> HVR and
// TLS 1.3 CH1 -> HRR), under whichever runtime runs this file. Not a timed test.
// Usage: deno run -A bench/breakdown.ts   |   bun bench/breakdown.ts
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { hvrMacInputLength, writeHvrCookie } from "../core/gate/cookie/hvr_cookie.ts";
import { readHvrFields } from "../core/gate/cookie/hvr_fields.ts";
import { slabBytes } from "../core/wire/byte_slab.ts";
import { issueHrrCookie } from "../core/gate/cookie/hrr_cookie.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import { parseClientHello } from "../core/messages/client_hello.ts";
import { encodeTlsHelloRetryRequestFlight } from "../core/messages/hello_retry_request.ts";
import { encodePeerBinding } from "../core/peer.ts";
import { buildRetry, clientHelloHash, negotiate } from "../core/gate/retry.ts";
import { fixture, NOW, PEER } from "./cases.ts";

const keyring = CookieKeyring.fromSecret(new Uint8Array(32).fill(1));
function bench(name: string, f: () => unknown): void {
  const N = 100_000;
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) f();
    best = Math.min(best, performance.now() - t0);
  }
  console.log(`${name.padEnd(34)} ${(best / N * 1e6).toFixed(0).padStart(6)} ns/op`);
}
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
console.log(`# ${runtime}: best of 5 x 100k`);

const [d1] = fixture("tests/fixtures/dtls12-openssl.hex");
const dBody = d1.subarray(25);
const dch = parseClientHello(dBody, { dtls: true });
const dtls = new DatagramListener({ keyring, versions: ["dtls1.2"] });
const scratch = new Uint8Array(19);
bench("dtls12 CH1 -> HVR (whole receive)", () => dtls.receive(d1, PEER, NOW));
bench("  parseClientHello (DTLS, 180 B)", () => parseClientHello(dBody, { dtls: true }));
bench("  readHvrFields (fixed fields only)", () => readHvrFields(dBody));
bench("  peer binding (IPv4)", () => encodePeerBinding(PEER, scratch));
// Cascade compressions: the input plus its 2-byte length prefix, rounded up to 64-byte blocks
// (the key block is precomputed; core/gate/cookie/mac.ts).
const hvrBlocks = Math.ceil((hvrMacInputLength(PEER, dch) + 2) / 64);
const cookieOut = new Uint8Array(32);
bench(`  writeHvrCookie (cascade, ${hvrBlocks} compression${hvrBlocks === 1 ? "" : "s"})`, () => writeHvrCookie(keyring, PEER, dch, NOW, cookieOut, 0));
bench("  new Uint8Array(60)", () => new Uint8Array(60));
bench("  slabBytes(60) (the reply's allocation)", () => slabBytes(60));

const [t1] = fixture("tests/fixtures/tls13-openssl.hex");
const tBody = t1.subarray(9);
const tch = parseClientHello(tBody, { dtls: false });
const policy = { cipherSuites: [0x1301, 0x1302, 0x1303], groups: [0x0017] };
const n = negotiate(tch, policy);
if (!n.ok) throw new Error("negotiation failed");
const opts = { keyring, framing: "tls-records" as const, peer: PEER, groups: [0x0017] };
const hash = clientHelloHash("sha256", tBody);
const retry = buildRetry(keyring, PEER, tch, n, NOW, false);
bench("tls13 CH1 -> HRR (new listener+receive)", () => new StreamListener(opts).receive(t1, NOW));
bench("  new StreamListener", () => new StreamListener(opts));
bench("  parseClientHello (TLS, 220 B)", () => parseClientHello(tBody, { dtls: false }));
bench("  negotiate", () => negotiate(tch, policy));
bench("  Hash(CH1) SHA-256 (4 blocks)", () => clientHelloHash("sha256", tBody));
bench("  issueHrrCookie (2 HMACs)", () => issueHrrCookie(keyring, PEER, { protocol: "tls1.3", cipherSuite: 0x1301, group: 0x17, clientHello1Hash: hash }, NOW));
bench("  encode HRR + CCS flight", () => encodeTlsHelloRetryRequestFlight(retry.fields, true));
