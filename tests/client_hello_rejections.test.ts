// One hand-built vector per rejection reason of the ClientHello parser (bytes written out
// from the RFC 8446 §4.1.2 / RFC 6347 §4.2.1 layouts, not produced by our encoder).
import { test } from "node:test";
import assert from "node:assert/strict";
import { DecodeError, type DecodeErrorReason, parseClientHello } from "../mod.ts";
import { hex } from "./helpers/fixtures.ts";

const RANDOM = "00".repeat(32);
/** legacy_version 0303, zero random, given session id / suites / compression, then `rest`. */
function ch(
  opts: { sid?: string; suites?: string; comp?: string; rest?: string; cookie?: string },
): Uint8Array {
  return hex(
    "0303" + RANDOM + (opts.sid ?? "00") + (opts.cookie ?? "") + (opts.suites ?? "00021301") +
      (opts.comp ?? "0100") +
      (opts.rest ?? ""),
  );
}
/** An extensions block holding the given raw extensions (type+len+data hex each). */
function exts(...e: string[]): string {
  const body = e.join("");
  return (body.length / 2).toString(16).padStart(4, "0") + body;
}
function ext(type: number, data: string): string {
  return type.toString(16).padStart(4, "0") + (data.length / 2).toString(16).padStart(4, "0") + data;
}

function rejects(
  body: Uint8Array,
  reason: DecodeErrorReason,
  field: RegExp | string,
  dtls = false,
): DecodeError {
  let err: unknown;
  try {
    parseClientHello(body, { dtls });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof DecodeError, `expected DecodeError, got ${String(err)}`);
  assert.equal(err.reason, reason, err.message);
  if (typeof field === "string") assert.equal(err.field, field);
  else assert.match(err.field, field);
  assert.ok(err.offset >= 0 && err.offset <= body.length);
  return err;
}

const PSK = ext(41, "0007" + "0001" + "61" + "00000000" + "0021" + "20" + "11".repeat(32));

test("baseline vectors parse (so each rejection below is caused by its one defect)", () => {
  assert.equal(parseClientHello(ch({}), { dtls: false }).extensions.length, 0);
  assert.equal(
    parseClientHello(ch({ rest: exts(ext(23, ""), PSK) }), { dtls: false }).preSharedKey!.identities.length,
    1,
  );
  assert.equal(parseClientHello(ch({ cookie: "0101" }), { dtls: true }).legacyCookie!.length, 1);
  assert.equal(parseClientHello(ch({ rest: exts(ext(28, "0040")) }), { dtls: false }).recordSizeLimit, 64);
  const two = parseClientHello(ch({ rest: exts(ext(51, "000a" + "001d000101" + "0017000102")) }), {
    dtls: false,
  });
  assert.deepEqual(two.keyShares!.map((k) => k.group), [0x1d, 0x17]);
});

test("duplicate-extension: the same type twice", () => {
  const e = rejects(
    ch({ rest: exts(ext(23, ""), ext(10, "0002001d"), ext(23, "")) }),
    "duplicate-extension",
    "extension 23",
  );
  assert.equal(e.offset, 2 + 32 + 1 + 4 + 2 + 2 + 4 + 8); // the second extended_master_secret
});

test("duplicate-extension: detected past 16 extensions too (set path)", () => {
  const many = Array.from({ length: 20 }, (_, i) => ext(1000 + i, ""));
  rejects(ch({ rest: exts(...many, ext(1005, "")) }), "duplicate-extension", "extension 1005");
});

test("psk-not-last: an extension after pre_shared_key", () => {
  const e = rejects(ch({ rest: exts(PSK, ext(23, "")) }), "psk-not-last", "extension pre_shared_key");
  assert.equal(e.offset, 2 + 32 + 1 + 4 + 2 + 2); // the pre_shared_key extension itself
});

test("trailing-bytes: after the extensions block, and inside an extension", () => {
  rejects(
    hex(Array.from(ch({ rest: exts(ext(23, "")) }), (b) => b.toString(16).padStart(2, "0")).join("") + "00"),
    "trailing-bytes",
    "client_hello",
  );
  rejects(ch({ rest: exts(ext(10, "0002001d00")) }), "trailing-bytes", "supported_groups");
  rejects(ch({ rest: exts(ext(44, "0001aa00")) }), "trailing-bytes", "cookie");
});

test("bad-length: odd cipher_suites, session id of 33 bytes, odd supported_groups, non-empty early_data", () => {
  const odd = rejects(ch({ suites: "0003130113" }), "bad-length", "client_hello.cipher_suites");
  assert.equal(odd.offset, 35);
  const sid = rejects(ch({ sid: "21" + "00".repeat(33) }), "bad-length", "client_hello.legacy_session_id");
  assert.equal(sid.offset, 34);
  rejects(ch({ rest: exts(ext(10, "0003001d00")) }), "bad-length", "supported_groups");
  rejects(ch({ rest: exts(ext(42, "00")) }), "bad-length", "early_data");
  rejects(ch({ rest: exts(ext(44, "0000")) }), "bad-length", "cookie"); // cookie<1..2^16-1>
});

test("empty-cipher-suites", () => {
  const e = rejects(ch({ suites: "0000" }), "empty-cipher-suites", "client_hello.cipher_suites");
  assert.equal(e.offset, 35);
});

test("empty-compression-methods", () => {
  rejects(ch({ comp: "00" }), "empty-compression-methods", "client_hello.compression_methods");
});

test("empty-list: supported_groups, signature_algorithms, supported_versions", () => {
  rejects(ch({ rest: exts(ext(10, "0000")) }), "empty-list", "supported_groups");
  rejects(ch({ rest: exts(ext(13, "0000")) }), "empty-list", "signature_algorithms");
  rejects(ch({ rest: exts(ext(43, "00")) }), "empty-list", "supported_versions");
});

test("illegal-value: duplicate key_share group, record_size_limit < 64, binder count mismatch", () => {
  rejects(
    ch({ rest: exts(ext(51, "000a" + "001d000101" + "001d000102")) }),
    "illegal-value",
    "key_share.group",
  );
  // Past 16 shares the duplicate check switches to a set; still caught.
  const shares = Array.from({ length: 20 }, (_, i) => (0x100 + i).toString(16).padStart(4, "0") + "000107")
    .join("");
  const dupLate = shares + "0105000107";
  rejects(
    ch({ rest: exts(ext(51, (dupLate.length / 2).toString(16).padStart(4, "0") + dupLate)) }),
    "illegal-value",
    "key_share.group",
  );
  const rsl = rejects(ch({ rest: exts(ext(28, "003f")) }), "illegal-value", "record_size_limit");
  assert.match(rsl.message, /63 < 64/);
  const twoBinders = "0042" + "20" + "11".repeat(32) + "20" + "22".repeat(32);
  rejects(
    ch({ rest: exts(ext(41, "0007000161" + "00000000" + twoBinders)) }),
    "illegal-value",
    "pre_shared_key.binders",
  );
});

test("truncated: extension data past its block, cookie past the body (DTLS)", () => {
  rejects(ch({ rest: "0006" + "000a0004001d" }), "truncated", "extension.data");
  rejects(ch({ cookie: "05aa" }), "truncated", /client_hello\./, true);
  rejects(hex("0303" + RANDOM.slice(0, 20)), "truncated", "client_hello.random");
});

test("illegal fragment in a key share: key_exchange must be at least 1 byte", () => {
  rejects(ch({ rest: exts(ext(51, "0004001d0000")) }), "bad-length", "key_share.key_exchange");
});
