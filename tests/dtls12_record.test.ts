// DTLS 1.2 building blocks: the TLS 1.2 PRF against OpenSSL's TLS1-PRF output (the widely
// published P_SHA256 / P_SHA384 vectors), the anti-replay window (RFC 6347 §4.1.2.6), the
// handshake reassembler (RFC 6347 §4.2.2: out of order, overlapping, duplicated, bounded) and
// AEAD record protection (nonce and AAD layout read back by hand).
import { test } from "node:test";
import assert from "node:assert/strict";
import { gcm } from "@noble/ciphers/aes.js";
import { portableProvider as p } from "../core/crypto/portable.ts";
import { tls12Prf } from "../core/handshake/dtls12/prf.ts";
import { ReplayWindow } from "../core/record/dtls12_replay_window.ts";
import { HandshakeReassembler } from "../core/record/dtls12_reassembler.ts";
import { Dtls12RecordCipher } from "../core/record/dtls12_protection.ts";
import { readDtlsHandshakeFragment } from "../core/wire/handshake_header.ts";
import { fragmentMessage, packDatagrams } from "../core/handshake/dtls12/flight.ts";

const hex = (s: string) => Uint8Array.from(s.replace(/[^0-9a-f]/gi, "").match(/../g)!.map((b) => parseInt(b, 16)));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

test("PRF P_SHA256 matches OpenSSL TLS1-PRF (secret 9bbe43..., label 'test label', 100 bytes)", () => {
  const out = tls12Prf(p, "sha256", hex("9bbe436ba940f017b17652849a71db35"), "test label", hex("a0ba9f936cda311827a6f796ffd5198c"), 100);
  assert.equal(
    toHex(out),
    "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66",
  );
});

test("PRF P_SHA384 matches OpenSSL TLS1-PRF (148 bytes, not a multiple of the block)", () => {
  const out = tls12Prf(p, "sha384", hex("b80b733d6ceefcdc71566ea48e5567df"), "test label", hex("cd665cf6a8447dd6ff8b27555edb7465"), 148);
  assert.equal(
    toHex(out),
    "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee691c8f3a26854308d5eaa3be85e0990703d73e56f",
  );
});

test("replay window: duplicates and records left of the 64-wide window are refused", () => {
  const w = new ReplayWindow();
  assert.ok(w.isFresh(0));
  w.mark(0);
  assert.equal(w.isFresh(0), false, "duplicate");
  w.mark(5);
  assert.ok(w.isFresh(3), "a gap inside the window is still fresh");
  w.mark(3);
  assert.equal(w.isFresh(3), false);
  w.mark(100);
  assert.equal(w.isFresh(36), false, "100 - 36 = 64: left of the window");
  assert.ok(w.isFresh(37), "inside the window, never seen");
  assert.equal(w.isFresh(100), false);
  assert.ok(w.isFresh(0x7fff_ffff_ffff), "48-bit numbers work");
  w.mark(0xffff_ffff_ffff);
  assert.equal(w.isFresh(0xffff_ffff_ffff), false);
  assert.equal(w.highest, 0xffff_ffff_ffff);
});

function fragments(msgType: number, seq: number, body: Uint8Array, size: number) {
  return fragmentMessage({ msgType, messageSeq: seq, body, epoch: 0 }, 12 + size).map((r) => readDtlsHandshakeFragment(r.payload));
}

test("reassembler: out-of-order and overlapping fragments make one message; next message waits its turn", () => {
  const body = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const r = new HandshakeReassembler({ firstMessageSeq: 2 });
  const f = fragments(11, 2, body, 100); // 0-100, 100-200, 200-300
  const later = fragments(16, 3, new Uint8Array([7, 7]), 100);
  assert.equal(r.add(later[0]), "accepted");
  assert.equal(r.add(f[2]), "accepted");
  assert.equal(r.next(), undefined);
  // An overlapping fragment [50, 250) built by hand.
  const overlap = { ...f[0], fragmentOffset: 50, fragmentLength: 200, body: body.subarray(50, 250) };
  assert.equal(r.add(overlap), "accepted");
  assert.equal(r.add(f[2]), "duplicate");
  assert.equal(r.next(), undefined, "bytes 0..50 still missing");
  assert.equal(r.add(f[0]), "accepted");
  const m = r.next()!;
  assert.equal(m.messageSeq, 2);
  assert.deepEqual(m.body, body);
  assert.deepEqual([...m.transcriptBytes.subarray(0, 12)], [11, 0, 1, 44, 0, 2, 0, 0, 0, 0, 1, 44], "unfragmented header");
  assert.equal(r.next()!.msgType, 16);
  assert.equal(r.add(f[1]), "old", "a retransmission of a delivered message");
  assert.equal(r.bufferedBytes, 0);
});

test("reassembler: contradicting data, wrong lengths and budget overruns are refused", () => {
  const r = new HandshakeReassembler({ firstMessageSeq: 0, maxMessageBytes: 1000, maxPendingMessages: 2, maxBufferedBytes: 1200 });
  const a = fragments(1, 0, new Uint8Array(400).fill(1), 200);
  assert.equal(r.add(a[0]), "accepted");
  assert.equal(r.add({ ...a[0], body: new Uint8Array(200).fill(2) }), "inconsistent", "same range, other bytes");
  assert.equal(r.add({ ...a[1], length: 401 }), "inconsistent", "other total length");
  assert.equal(r.add(fragments(1, 1, new Uint8Array(1001), 200)[0]), "over-budget", "too large");
  assert.equal(r.add(fragments(1, 2, new Uint8Array(10), 200)[0]), "over-budget", "too far ahead");
  assert.equal(r.add(fragments(1, 1, new Uint8Array(1000), 200)[0]), "over-budget", "400 + 1000 > 1200 buffered");
});

test("reassembler: a fragment that partly overlaps held bytes with other values is refused and changes nothing", () => {
  const body = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const r = new HandshakeReassembler({ firstMessageSeq: 0 });
  const f = fragments(11, 0, body, 100); // 0-100, 100-200, 200-300
  assert.equal(r.add(f[0]), "accepted");
  // [50, 150): half over held bytes (changed), half new.
  const forged = { ...f[0], fragmentOffset: 50, fragmentLength: 100, body: new Uint8Array(100).fill(0xee) };
  assert.equal(r.add(forged), "inconsistent");
  assert.equal(r.add(f[1]), "accepted", "bytes 100..150 were not taken from the refused fragment");
  assert.equal(r.add(f[2]), "accepted");
  assert.deepEqual(r.next()!.body, body);
});

test("record protection: AES-128-GCM nonce = salt || epoch||seq, AAD = epoch||seq||type||version||length", () => {
  const key = hex("000102030405060708090a0b0c0d0e0f"), salt = hex("a0a1a2a3");
  const c = new Dtls12RecordCipher(p, { aead: "aes-128-gcm", key, iv: salt });
  const plain = new TextEncoder().encode("hello");
  const rec = c.seal(23, 0xfefd, 1, 5, plain);
  assert.deepEqual([...rec.subarray(0, 11)], [23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 5]);
  assert.equal((rec[11] << 8) | rec[12], 8 + 5 + 16);
  assert.deepEqual([...rec.subarray(13, 21)], [0, 1, 0, 0, 0, 0, 0, 5], "explicit nonce = epoch || seq");
  // Decrypt independently with noble's GCM using the RFC 5288 layout.
  const nonce = new Uint8Array([...salt, ...rec.subarray(13, 21)]);
  const aad = new Uint8Array([0, 1, 0, 0, 0, 0, 0, 5, 23, 0xfe, 0xfd, 0, 5]);
  assert.deepEqual(gcm(key, nonce, aad).decrypt(rec.subarray(21)), plain);
  assert.deepEqual(c.open(23, 0xfefd, 1, 5, rec.subarray(13)), plain);
  const bad = rec.slice();
  bad[bad.length - 1] ^= 1;
  assert.equal(c.open(23, 0xfefd, 1, 5, bad.subarray(13)), undefined, "bad tag: undefined, no throw");
  assert.equal(c.open(23, 0xfefd, 1, 6, rec.subarray(13)), undefined, "seq is authenticated");
  assert.equal(c.open(23, 0xfefd, 1, 5, rec.subarray(13, 20)), undefined, "short fragment");
  assert.deepEqual(JSON.parse(JSON.stringify(c)), { aead: "aes-128-gcm" }, "no key in JSON");
});

test("record protection: ChaCha20-Poly1305 nonce = iv XOR epoch||seq (RFC 7905), no explicit nonce", () => {
  const key = new Uint8Array(32).fill(3), iv = hex("0102030405060708090a0b0c");
  const c = new Dtls12RecordCipher(p, { aead: "chacha20-poly1305", key, iv });
  const rec = c.seal(23, 0xfefd, 1, 0x0102, new Uint8Array([9, 9, 9]));
  assert.equal((rec[11] << 8) | rec[12], 3 + 16);
  const nonce = iv.slice();
  const s = [0, 1, 0, 0, 0, 0, 1, 2];
  for (let i = 0; i < 8; i++) nonce[4 + i] ^= s[i];
  const aad = new Uint8Array([...s, 23, 0xfe, 0xfd, 0, 3]);
  assert.deepEqual(p.aead("chacha20-poly1305", key).open(nonce, aad, rec.subarray(13)), new Uint8Array([9, 9, 9]));
});

test("flights: fragments cover the message and datagrams respect the MTU", () => {
  const body = new Uint8Array(1000).fill(5);
  const recs = fragmentMessage({ msgType: 11, messageSeq: 2, body, epoch: 0 }, 200);
  assert.equal(recs.length, Math.ceil(1000 / 188));
  const encoded = recs.map((r) => new Uint8Array(13 + r.payload.length));
  for (const d of packDatagrams(encoded, 256)) assert.ok(d.length <= 256);
});
