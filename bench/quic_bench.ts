// QUIC front-door benchmark at engine level (no sockets), under whichever runtime runs it.
// Usage: deno run -A --v8-flags=--expose-gc bench/quic_bench.ts [SECONDS] [FLOOD_SECONDS] [FLOOD_MAX]
//        bun bench/quic_bench.ts ...
// Prints JSON lines:
//   {"kind":"case","name","provider","runtime","opsPerSec","usPerOp","iterations"}
//   {"kind":"step","name","provider","runtime","usPerOp"}
//   {"kind":"flood","provider","runtime","datagrams","seconds","heapDeltaBytes","budgetPeakBytes","evicted"}
// Inputs are captured client Initials (bench/fixtures/quic-*.hex: gtlsclient, Chromium's two-datagram
// post-quantum flight) and the RFC 9001 A.2 Initial; time is injected, so tokens never expire mid-run.
import { portableProvider } from "../core/crypto/portable.ts";
import type { CryptoProvider } from "../core/crypto/provider.ts";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { parseClientHello } from "../core/messages/client_hello.ts";
import type { PeerAddress } from "../core/peer.ts";
import { parseInitialFrames } from "../core/quic/frames.ts";
import { clientInitialProtector } from "../core/quic/initial_secrets.ts";
import { QuicListener } from "../core/quic/listener.ts";
import { readInvariantLongHeader, readLongPacketLayout } from "../core/quic/long_header.ts";
import { openLongPacket } from "../core/quic/packet_protection.ts";
import { encodeRetry } from "../core/quic/retry_packet.ts";
import { QuicTokenSealer } from "../core/quic/token.ts";
import { encodeVersionNegotiation } from "../core/quic/version_negotiation.ts";
import { QUIC_V1, V1_INFO } from "../core/quic/versions.ts";
import { defaultCryptoProvider, nativeProvider } from "../transports/native_crypto.ts";
import { clientInitialPacket } from "../tests/helpers/quic_client.ts";
import { fixture } from "./cases.ts";

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const seconds = Number(args[0] ?? "1");
const floodSeconds = Number(args[1] ?? "20");
const floodMax = Number(args[2] ?? "1000000");
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";

const GTLS = fixture("bench/fixtures/quic-gtlsclient-initial.hex")[0];
const CHROMIUM = fixture("bench/fixtures/quic-chromium-initial.hex");
const T0 = 1_750_000_000_000;
const PEER: PeerAddress = { family: "ipv4", address: "192.0.2.44", port: 43210 };
const SECRET = new Uint8Array(32).fill(7);

function time(fn: () => unknown): { opsPerSec: number; usPerOp: number; iterations: number } {
  for (let i = 0, w = Math.min(50, Math.ceil(seconds * 1000)); i < w; i++) fn(); // warm-up
  let n = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
    now = performance.now();
  }
  const s = (now - start) / 1000;
  return { opsPerSec: Math.round(n / s), usPerOp: Number(((s * 1e6) / n).toFixed(2)), iterations: n };
}

function must<T>(v: T | string, what: string): T {
  if (typeof v === "string") throw new Error(`${what}: ${v}`);
  return v;
}

function gc(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
}

function heapUsed(): number {
  const p = (globalThis as unknown as { process?: { memoryUsage(): { heapUsed: number } } }).process;
  return p ? p.memoryUsage().heapUsed : 0;
}

const mixed = defaultCryptoProvider();
const providers: [string, CryptoProvider][] = [["portable", portableProvider], ["native", nativeProvider]];
// The transports' default mix, when it is a mix (under Bun it is the native provider itself).
if (mixed.name !== portableProvider.name && mixed.name !== nativeProvider.name) providers.push(["default", mixed]);
for (const [providerName, provider] of providers) {
  const emit = (o: Record<string, unknown>) =>
    console.log(JSON.stringify({ ...o, provider: providerName, providerDetail: provider.name, runtime }));
  const listener = new QuicListener({ keyring: CookieKeyring.fromSecret(SECRET), crypto: provider });
  // Initial → Retry (gtlsclient's captured Initial).
  const first = listener.receive(GTLS, PEER, T0);
  if (first.kind !== "send" || first.message !== "retry") throw new Error(`expected a Retry, got ${JSON.stringify(first)}`);
  emit({ kind: "case", name: "gtlsclient Initial → Retry", ...time(() => listener.receive(GTLS, PEER, T0)) });
  // Token → accepted: the client's second Initial, rebuilt around the Retry's SCID and token.
  const rh = readInvariantLongHeader(first.bytes, 0)!;
  const token = first.bytes.slice(rh.afterScid, first.bytes.length - 16);
  const gh = readInvariantLongHeader(GTLS, 0)!;
  const gl = must(readLongPacketLayout(GTLS, gh, V1_INFO), "layout");
  const opened = must(openLongPacket(clientInitialProtector(provider, V1_INFO, gh.dcid), GTLS, 0, gl.pnOffset, gl.end), "open");
  const second = clientInitialPacket({
    info: V1_INFO, dcid: rh.scid, scid: gh.scid, token, pn: 1, payload: opened.payload.slice(0, 500), padTo: 1200, crypto: provider,
  });
  const acc = listener.receive(second, PEER, T0 + 10);
  if (acc.kind !== "accepted") throw new Error(`expected accepted, got ${JSON.stringify(acc)}`);
  emit({ kind: "case", name: "Initial with Retry token → accepted", ...time(() => listener.receive(second, PEER, T0 + 10)) });
  // Chromium's post-quantum ClientHello in two datagrams → Retry (reassembly included).
  emit({
    kind: "case",
    name: "Chromium PQ Initial pair → Retry",
    ...time(() => {
      listener.receive(CHROMIUM[0], PEER, T0);
      const r = listener.receive(CHROMIUM[1], PEER, T0);
      if (r.kind !== "send") throw new Error(r.kind);
    }),
  });
  const vnInput = GTLS.slice();
  vnInput.set([0x1a, 0x2a, 0x3a, 0x4a], 1);
  emit({ kind: "case", name: "unknown version → Version Negotiation", ...time(() => listener.receive(vnInput, PEER, T0)) });

  // Per-step costs.
  const keys = clientInitialProtector(provider, V1_INFO, gh.dcid);
  const step = (name: string, fn: () => unknown) => emit({ kind: "step", name, usPerOp: time(fn).usPerOp });
  step("Initial keys from the DCID (HKDF)", () => clientInitialProtector(provider, V1_INFO, gh.dcid));
  step("header protection mask (AES-ECB)", () => keys.mask(GTLS.subarray(gl.pnOffset + 4, gl.pnOffset + 20)));
  step("header protection removal + AEAD open (1200 B)", () => openLongPacket(keys, GTLS, 0, gl.pnOffset, gl.end));
  step("frame parse + ClientHello parse", () => {
    const f = must(parseInitialFrames(opened.payload), "frames");
    return parseClientHello(f.crypto[0].data.subarray(4), { dtls: false });
  });
  const sealer = new QuicTokenSealer(CookieKeyring.fromSecret(SECRET), provider);
  const fields = { peer: PEER, version: QUIC_V1, originalDcid: gh.dcid, retryScid: rh.scid };
  const tok = sealer.sealRetry(fields, T0);
  step("Retry token seal (AES-128-GCM)", () => sealer.sealRetry(fields, T0));
  step("Retry token open + checks", () => sealer.open(tok, { peer: PEER, version: QUIC_V1, dcid: rh.scid }, T0));
  step("Retry packet + integrity tag", () => encodeRetry(provider, { info: V1_INFO, dcid: gh.scid, scid: rh.scid, token: tok, originalDcid: gh.dcid }));
  step("Version Negotiation packet", () => encodeVersionNegotiation(gh.dcid, gh.scid, [1, 0x6b3343cf]));

  // Flood: distinct spoofed peers each send the first half of Chromium's flight (held in the
  // budget, never completed). Bounded in time; reports how many ran.
  const flooded = new QuicListener({ keyring: CookieKeyring.fromSecret(SECRET), crypto: provider });
  gc();
  const before = heapUsed();
  const start = performance.now();
  let n = 0;
  const deadline = start + floodSeconds * 1000;
  while (n < floodMax && (n & 1023 || performance.now() < deadline)) {
    flooded.receive(CHROMIUM[0], { family: "ipv4", address: `10.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`, port: 1024 + (n % 60000) }, T0 + (n >> 10));
    n++;
  }
  const elapsed = (performance.now() - start) / 1000;
  gc();
  const after = heapUsed();
  emit({
    kind: "flood",
    datagrams: n,
    seconds: Number(elapsed.toFixed(2)),
    datagramsPerSec: Math.round(n / elapsed),
    heapDeltaBytes: after - before,
    budgetBytes: flooded.reassembly.counters.bytesInUse,
    budgetPeakBytes: flooded.reassembly.counters.peakBytes,
    evicted: flooded.reassembly.counters.evicted,
    expired: flooded.reassembly.counters.expired,
  });
}
