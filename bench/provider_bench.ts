// The crypto provider operation table: each operation on the portable provider (@noble/*) and
// the native one (node:crypto), under whichever runtime runs this file.
// Usage: deno run -A bench/provider_bench.ts [SECONDS_PER_OP] [FILTER]   |   bun bench/provider_bench.ts ...
// Prints one JSON line per (operation, provider):
//   {"op","provider","runtime","opsPerSec","iterations","seconds","fallback"}
// `fallback` is true when the native provider ran the operation on @noble/* because this
// runtime's node:crypto lacks it (see transports/native_crypto.ts).
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { portableProvider } from "../core/crypto/portable.ts";
import type { CryptoProvider } from "../core/crypto/provider.ts";
import { SignatureScheme } from "../core/crypto/provider.ts";
import { NamedGroup } from "../core/constants/groups.ts";
import { nativeProvider } from "../transports/native_crypto.ts";

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const seconds = Number(args[0] ?? "0.5");
const filter = args[1] ?? "";
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";

/** One operation: `prepare` runs untimed and returns the timed closure. */
interface Op {
  readonly name: string;
  readonly fallback?: (p: CryptoProvider) => boolean;
  prepare(p: CryptoProvider): () => unknown;
}

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const native = nativeProvider;
const nativeFallsBack = (what: string) => (p: CryptoProvider) => p === native && native.fallbacks.includes(what as never);

export const OPS: Op[] = [
  { name: "SHA-256 of 200 B", prepare: (p) => { const d = bytes(200); return () => p.hash("sha256", d); } },
  { name: "HMAC-SHA256 of 200 B", prepare: (p) => { const k = bytes(32), d = bytes(200); return () => p.hmac("sha256", k, d); } },
  {
    name: "HKDF-Expand-SHA256 32 B",
    prepare: (p) => { const prk = bytes(32), info = bytes(20); return () => p.hkdfExpand("sha256", prk, info, 32); },
  },
  {
    name: "AES-128-GCM seal 1 KiB",
    prepare: (p) => { const a = p.aead("aes-128-gcm", bytes(16)), n = bytes(12), ad = bytes(13), pt = bytes(1024); return () => a.seal(n, ad, pt); },
  },
  {
    name: "ChaCha20-Poly1305 seal 1 KiB",
    fallback: nativeFallsBack("chacha20-poly1305"),
    prepare: (p) => { const a = p.aead("chacha20-poly1305", bytes(32)), n = bytes(12), ad = bytes(13), pt = bytes(1024); return () => a.seal(n, ad, pt); },
  },
  {
    name: "X25519 keygen+derive",
    prepare: (p) => { const peer = p.generateKeyShare(NamedGroup.x25519).publicKey; return () => p.generateKeyShare(NamedGroup.x25519).deriveSecret(peer); },
  },
  {
    name: "P-256 ECDH keygen+derive",
    prepare: (p) => { const peer = p.generateKeyShare(NamedGroup.secp256r1).publicKey; return () => p.generateKeyShare(NamedGroup.secp256r1).deriveSecret(peer); },
  },
  {
    name: "ECDSA P-256 sign",
    prepare: (p) => { const k = p.generateSigningKey("ecdsa-p256"), d = bytes(130); return () => k.sign(SignatureScheme.ecdsa_secp256r1_sha256, d); },
  },
  {
    name: "Ed25519 sign",
    prepare: (p) => { const k = p.generateSigningKey("ed25519"), d = bytes(130); return () => k.sign(SignatureScheme.ed25519, d); },
  },
  {
    name: "ML-KEM-768 encapsulate (X25519MLKEM768 server share)",
    fallback: nativeFallsBack("ml-kem-768"),
    prepare: (p) => {
      const share = new Uint8Array(1184 + 32);
      share.set(ml_kem768.keygen().publicKey);
      share.set(p.generateKeyShare(NamedGroup.x25519).publicKey, 1184);
      return () => p.encapsulate(NamedGroup.X25519MLKEM768, share);
    },
  },
];

function measure(fn: () => unknown, budgetSeconds: number): { opsPerSec: number; iterations: number; seconds: number } {
  // Warm-up: a tenth of the budget, at most 2000 calls.
  const warmEnd = performance.now() + budgetSeconds * 100;
  for (let i = 0; i < 2000 && performance.now() < warmEnd; i++) fn();
  let iterations = 0, batch = 1;
  const start = performance.now();
  const deadline = start + budgetSeconds * 1000;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < batch; i++) fn();
    iterations += batch;
    now = performance.now();
    if (now - start < 10) batch *= 2; // batches of about a millisecond or more
  }
  const elapsed = (now - start) / 1000;
  return { opsPerSec: Math.round(iterations / elapsed), iterations, seconds: Number(elapsed.toFixed(3)) };
}

if (import.meta.main) {
  for (const op of OPS) {
    if (filter && !op.name.toLowerCase().includes(filter.toLowerCase())) continue;
    for (const p of [portableProvider, native]) {
      const r = measure(op.prepare(p), seconds);
      console.log(JSON.stringify({ op: op.name, provider: p.name, runtime, ...r, fallback: op.fallback?.(p) ?? false }));
    }
  }
}
