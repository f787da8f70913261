/**
 * The benchmark cases: realistic inputs (real captures from tests/fixtures and scripted-client
 * fixtures from bench/fixtures) and, for the accept cases, the CH2 each client would send.
 *
 * Every case is checked once before timing (it must produce the expected outcome kind).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { p256 } from "@noble/curves/nist.js";
import { CookieKeyring } from "../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../core/gate/datagram_listener.ts";
import { StreamListener } from "../core/gate/stream_listener.ts";
import { parseClientHello } from "../core/messages/client_hello.ts";
import { encodeClientHello, encodeCookieExtension, encodeKeyShareClient } from "../core/messages/client_hello_encoder.ts";
import type { Outcome } from "../core/gate/outcome.ts";
import type { PeerAddress } from "../core/peer.ts";
import { concatBytes } from "../testing/fragment.ts";

const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

/** The peer every case uses (OpenSSL's harness binds the same fake address). */
export const PEER: PeerAddress = { family: "ipv4", address: "127.0.0.1", port: 4433 };
/** Fixed clock: cookies issued and verified at the same instant. */
export const NOW = 1_763_000_000_000;
const SECRET = new Uint8Array(32).fill(0x5a);

/** Reads a hex fixture (`#` lines are comments): one Uint8Array per line. */
export function fixture(path: string): Uint8Array[] {
  const url = new URL(`../${path}`, import.meta.url);
  return readFileSync(url, "utf8").split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"))
    .map((l) => Uint8Array.from(l.match(/../g)!, (h) => parseInt(h, 16)));
}

/** One benchmark case: `run()` performs one op and returns its outcome. */
export interface BenchCase {
  readonly name: string;
  readonly expect: Outcome["kind"];
  /** Bytes the client sent for this op. */
  readonly inBytes: number;
  readonly run: () => Outcome;
}

/** CH2 per RFC 8446 §4.1.2: CH1 + cookie extension (before pre_shared_key), key_share replaced when asked. */
function secondHello(body: Uint8Array, dtls: boolean, cookie: Uint8Array, share?: { group: number; key: Uint8Array }): Uint8Array {
  const ch = parseClientHello(body, { dtls });
  const ext = ch.extensions.map((e) => ({ type: e.type, data: e.data }));
  if (share) {
    const i = ext.findIndex((e) => e.type === 51);
    ext[i] = { type: 51, data: encodeKeyShareClient([{ group: share.group, keyExchange: share.key }]) };
  }
  const psk = ext.findIndex((e) => e.type === 41);
  ext.splice(psk < 0 ? ext.length : psk, 0, { type: 44, data: encodeCookieExtension(cookie) });
  return encodeClientHello({
    dtls,
    legacyVersion: ch.legacyVersion,
    random: ch.random,
    legacySessionId: ch.legacySessionId,
    legacyCookie: ch.legacyCookie,
    cipherSuites: ch.cipherSuites,
    compressionMethods: ch.compressionMethods,
    extensions: ext,
  });
}

function dtlsDatagram(recordVersion: number, seq: number, messageSeq: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(25 + body.length);
  out[0] = 22;
  out[1] = recordVersion >> 8;
  out[2] = recordVersion & 0xff;
  out[10] = seq;
  out[11] = (12 + body.length) >> 8;
  out[12] = (12 + body.length) & 0xff;
  out[13] = 1;
  for (const at of [14, 22]) {
    out[at] = body.length >> 16;
    out[at + 1] = (body.length >> 8) & 0xff;
    out[at + 2] = body.length & 0xff;
  }
  out[18] = messageSeq;
  out.set(body, 25);
  return out;
}

function tlsRecord(body: Uint8Array): Uint8Array {
  const msg = concat(new Uint8Array([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body);
  return concat(new Uint8Array([22, 3, 3, msg.length >> 8, msg.length & 0xff]), msg);
}

/** Cookie from an HRR message on the wire: the last extension of the ServerHello body. */
function hrrCookie(bytes: Uint8Array, headerLength: number): Uint8Array {
  const b = bytes.subarray(headerLength);
  let i = 2 + 32;
  i += 1 + b[i];
  i += 3;
  const end = i + 2 + ((b[i] << 8) | b[i + 1]);
  for (i += 2; i < end;) {
    const t = (b[i] << 8) | b[i + 1], l = (b[i + 2] << 8) | b[i + 3];
    if (t === 44) return b.slice(i + 6, i + 4 + l);
    i += 4 + l;
  }
  throw new Error("no cookie in HRR");
}

function mustSend(o: Outcome): Uint8Array {
  if (o.kind !== "send") throw new Error(`expected send, got ${o.kind}: ${JSON.stringify(o)}`);
  return o.bytes;
}

/** Builds all cases (one keyring shared by every listener). */
export function buildCases(): BenchCase[] {
  const keyring = CookieKeyring.fromSecret(SECRET);
  const cases: BenchCase[] = [];

  // --- DTLS 1.2: the real openssl s_client ClientHello ---
  const dtls = new DatagramListener({ keyring, versions: ["dtls1.2"] });
  const [ch1] = fixture("tests/fixtures/dtls12-openssl.hex");
  cases.push({ name: "dtls12-hvr", expect: "send", inBytes: ch1.length, run: () => dtls.receive(ch1, PEER, NOW) });
  const hvr = mustSend(dtls.receive(ch1, PEER, NOW));
  const ch2 = dtlsDatagram(0xfeff, 1, 1, secondHelloLegacy(ch1.subarray(25), hvr.subarray(28)));
  cases.push({ name: "dtls12-accept", expect: "accepted", inBytes: ch2.length, run: () => dtls.receive(ch2, PEER, NOW) });

  // --- DTLS 1.3: scripted-client ClientHellos (x25519; post-quantum size) ---
  const dtls13 = new DatagramListener({ keyring });
  for (const [name, file] of [["dtls13", "dtls13-scripted"], ["dtls13-pq", "dtls13-pq-scripted"]]) {
    const [d1] = fixture(`bench/fixtures/${file}.hex`);
    cases.push({ name: `${name}-hrr`, expect: "send", inBytes: d1.length, run: () => dtls13.receive(d1, PEER, NOW) });
    const cookie = hrrCookie(mustSend(dtls13.receive(d1, PEER, NOW)), 25);
    const d2 = dtlsDatagram(0xfefd, 1, 1, secondHello(d1.subarray(25), true, cookie));
    cases.push({ name: `${name}-accept`, expect: "accepted", inBytes: d2.length, run: () => dtls13.receive(d2, PEER, NOW) });
  }

  // --- TLS 1.3 over a stream: a new StreamListener per connection, like a server must ---
  // tls13-hrr mirrors OpenSSL's harness: server groups P-256 only, so the HRR requests a share.
  const [t1] = fixture("tests/fixtures/tls13-openssl.hex");
  const p256Only = { keyring, framing: "tls-records" as const, peer: PEER, groups: [0x0017] };
  cases.push({ name: "tls13-hrr", expect: "send", inBytes: t1.length, run: () => new StreamListener(p256Only).receive(t1, NOW) });
  const tHrr = mustSend(new StreamListener(p256Only).receive(t1, NOW));
  const share = { group: 0x0017, key: p256.getPublicKey(p256.utils.randomSecretKey(), false) };
  const t2 = concat(new Uint8Array([0x14, 3, 3, 0, 1, 1]), tlsRecord(secondHello(t1.subarray(9), false, hrrCookie(tHrr, 9), share)));
  cases.push({ name: "tls13-accept", expect: "accepted", inBytes: t2.length, run: () => new StreamListener(p256Only).receive(t2, NOW) });
  const [tpq] = fixture("bench/fixtures/tls13-pq-scripted.hex");
  const defaults = { keyring, framing: "tls-records" as const, peer: PEER };
  cases.push({ name: "tls13-pq-hrr", expect: "send", inBytes: tpq.length, run: () => new StreamListener(defaults).receive(tpq, NOW) });

  for (const c of cases) {
    const o = c.run();
    if (o.kind !== c.expect) throw new Error(`${c.name}: expected ${c.expect}, got ${JSON.stringify(o)}`);
  }
  return cases;
}

/** DTLS 1.2 CH2 body: the legacy cookie spliced in (RFC 6347 §4.2.1), everything else unchanged. */
function secondHelloLegacy(body: Uint8Array, cookie: Uint8Array): Uint8Array {
  const at = 35 + body[34];
  return concat(body.subarray(0, at), new Uint8Array([cookie.length]), cookie, body.subarray(at + 1));
}
