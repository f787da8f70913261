/**
 * A fast mutation fuzzer for the parsers the gate runs on remote input (no fast-check: a plain
 * xorshift PRNG and byte mutations, so a run reaches millions of executions). The corpus is real:
 * every capture in `tests/fixtures/` (DTLS datagrams, TLS stream prefixes, RFC 8448), plus the
 * second flights of scripted DTLS 1.0/1.2/1.3 and TLS 1.3 clients whose cookies are valid for the
 * fuzzer's fixed keyring, peer and clock, so mutations reach the cookie check, the RFC 8446
 * §4.1.2 frozen-digest check and the accept path, not only the first length field.
 *
 * Targets, one per execution in turn: `DatagramListener.receive` (with a fresh listener now and
 * then, so the reassembly budget is exercised across datagrams), a new `StreamListener` fed the
 * mutated stream in random chunks, and `parseClientHello` on a mutated body.
 *
 * Oracles: nothing throws (the parser only `DecodeError`), every outcome has a known kind, a
 * datagram reply is at most 3x the datagram (RFC 9147 §5.1), no accept without a cookie.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { CookieKeyring } from "../../core/gate/cookie/keyring.ts";
import { DatagramListener } from "../../core/gate/datagram_listener.ts";
import { StreamListener } from "../../core/gate/stream_listener.ts";
import { parseClientHello } from "../../core/messages/client_hello.ts";
import { DecodeError } from "../../core/wire/decode_error.ts";
import type { PeerAddress } from "../../core/peer.ts";
import { ScriptedClient, type ScriptedClientOptions, seededRandom } from "../../testing/mod.ts";

/** Options of {@link runMutationFuzz}. */
export interface MutationFuzzOptions {
  /** Stop after this many executions. */
  readonly maxExecs: number;
  /** Stop after this many seconds, whichever comes first. */
  readonly seconds: number;
  /** PRNG seed (a failure prints it). */
  readonly seed: number;
}

/** What a run did. */
export interface MutationFuzzResult {
  /** Executions (one target call on one mutated input each). */
  execs: number;
  /** Wall time in seconds. */
  seconds: number;
  /** Executions per target. */
  byTarget: Record<string, number>;
  /** Outcome kinds seen, per target (coverage at a glance). */
  outcomes: Record<string, number>;
  /** Corpus size (seeds). */
  corpus: number;
  /** The first failure, if any: target, message and input hex. */
  failure?: { target: string; message: string; input: string; seed: number; exec: number };
}

const PEER: PeerAddress = { family: "ipv4", address: "192.0.2.77", port: 4433 };
const NOW = 1_800_000_000_000;
const KINDS = new Set(["send", "dropped", "need-more-data", "closed", "accepted"]);

function fixtures(): { datagrams: Uint8Array[]; streams: Uint8Array[] } {
  const dir = new URL("../fixtures/", import.meta.url);
  const read = (name: string) =>
    readFileSync(new URL(`${name}.hex`, dir), "utf8").split(/\r?\n/).map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#")).map((l) => Uint8Array.from(l.match(/../g)!.map((h) => parseInt(h, 16))));
  const datagrams = ["dtls10-gnutls", "dtls10-openssl", "dtls12-gnutls", "dtls12-gnutls-mtu128", "dtls12-openssl",
    "dtls12-openssl-mtu256", "dtls12-openssl-mtu256-frag"].flatMap(read);
  const streams = ["tls13-gnutls", "tls13-node", "tls13-openssl", "tls13-openssl-p256"].flatMap(read);
  return { datagrams, streams };
}

/** Second flights whose cookies are valid for (keyring, PEER, NOW): the deep-path seeds. */
function secondFlights(keyring: CookieKeyring): { datagrams: Uint8Array[]; streams: Uint8Array[] } {
  const datagrams: Uint8Array[] = [], streams: Uint8Array[] = [];
  const dtls: ScriptedClientOptions[] = [
    { protocol: "dtls1.2" },
    { protocol: "dtls1.0" },
    { protocol: "dtls1.3" },
    { protocol: "dtls1.3", keyShareGroups: [] },
    { protocol: "dtls1.3", mlkemShare: true, mtu: 1200 },
    { protocol: "dtls1.2", mtu: 256 },
  ];
  for (const o of dtls) {
    const c = new ScriptedClient({ ...o, random: seededRandom(JSON.stringify(o)) });
    const l = new DatagramListener({ keyring, versions: ["dtls1.0", "dtls1.2", "dtls1.3"] });
    let reply: Uint8Array | undefined;
    for (const d of c.firstFlight()) {
      datagrams.push(d);
      const out = l.receive(d, PEER, NOW);
      if (out.kind === "send") reply = out.bytes;
    }
    if (!reply) continue;
    const r = c.handleReply(reply);
    if (r.kind !== "hello-verify-request" && r.kind !== "hello-retry-request") continue;
    datagrams.push(...c.secondFlight());
  }
  const tls: ScriptedClientOptions[] = [
    { protocol: "tls1.3" },
    { protocol: "tls1.3", keyShareGroups: [] },
    { protocol: "tls1.3", serverName: "fuzz.example", alpn: ["h2"], tlsRecordPayload: 100 },
  ];
  for (const o of tls) {
    const c = new ScriptedClient({ ...o, random: seededRandom(JSON.stringify(o)) });
    const first = c.firstFlight();
    const l = new StreamListener({ keyring, framing: "tls-records", peer: PEER });
    let reply: Uint8Array | undefined;
    for (const b of first) {
      const out = l.receive(b, NOW);
      if (out.kind === "send") reply = out.bytes;
    }
    if (!reply || c.handleReply(reply).kind !== "hello-retry-request") continue;
    const ch2 = concat(c.secondFlight());
    streams.push(concat(first), ch2);
  }
  return { datagrams, streams };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** xorshift32: fast, deterministic, good enough to pick mutations. */
class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = (seed >>> 0) || 0x9e3779b9;
  }
  next(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.#s = x >>> 0);
  }
  below(n: number): number {
    return this.next() % n;
  }
}

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x0f, 0x10, 0x16, 0x20, 0x2c, 0x33, 0x7f, 0x80, 0xfe, 0xff];

/** Applies 1-4 random mutations to a copy of `input` (splicing from `other`). */
function mutate(rng: Rng, input: Uint8Array, other: Uint8Array): Uint8Array {
  let b: Uint8Array = input.slice();
  const n = 1 + rng.below(4);
  for (let m = 0; m < n; m++) {
    if (b.length === 0) b = Uint8Array.of(rng.below(256));
    const at = rng.below(b.length);
    switch (rng.below(9)) {
      case 0: // bit flip
        b[at] ^= 1 << rng.below(8);
        break;
      case 1: // random byte
        b[at] = rng.below(256);
        break;
      case 2: // interesting byte
        b[at] = INTERESTING[rng.below(INTERESTING.length)];
        break;
      case 3: { // length-ish u16 nudged
        if (at + 1 < b.length) {
          const v = ((b[at] << 8) | b[at + 1]) + (rng.below(5) - 2);
          b[at] = (v >>> 8) & 0xff;
          b[at + 1] = v & 0xff;
        }
        break;
      }
      case 4: // truncate
        b = b.subarray(0, at);
        break;
      case 5: { // delete a range
        const len = 1 + rng.below(Math.min(16, b.length - at));
        b = concat([b.subarray(0, at), b.subarray(at + len)]);
        break;
      }
      case 6: { // insert random bytes
        const ins = new Uint8Array(1 + rng.below(8));
        for (let i = 0; i < ins.length; i++) ins[i] = rng.below(256);
        b = concat([b.subarray(0, at), ins, b.subarray(at)]);
        break;
      }
      case 7: { // splice from another seed
        const from = rng.below(Math.max(1, other.length));
        const len = Math.min(other.length - from, 1 + rng.below(64));
        if (len > 0) b = concat([b.subarray(0, at), other.subarray(from, from + len), b.subarray(at)]);
        break;
      }
      default: { // duplicate a range (repeated extensions, records)
        const len = Math.min(b.length - at, 1 + rng.below(32));
        b = concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
      }
    }
  }
  return b;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/**
 * Runs until `maxExecs` executions or `seconds` elapse. Returns the counts, and the first
 * failure (the run stops there).
 */
export function runMutationFuzz(options: MutationFuzzOptions): MutationFuzzResult {
  const keyring = CookieKeyring.fromSecret(new Uint8Array(32).fill(0x5e));
  const fx = fixtures();
  const deep = secondFlights(keyring);
  const datagrams = [...fx.datagrams, ...deep.datagrams];
  const streams = [...fx.streams, ...deep.streams];
  // ClientHello bodies for the parser: DTLS (after 13 + 12 header bytes) and TLS (after 5 + 4).
  const bodies = [
    ...datagrams.filter((d) => d.length > 25 && d[13] === 1).map((d) => ({ dtls: true, body: d.subarray(25) })),
    ...streams.filter((s) => s.length > 9 && s[0] === 22 && s[5] === 1).map((s) => ({ dtls: false, body: s.subarray(9) })),
  ];
  const rng = new Rng(options.seed);
  const result: MutationFuzzResult = {
    execs: 0,
    seconds: 0,
    byTarget: { datagram: 0, stream: 0, parse: 0 },
    outcomes: {},
    corpus: datagrams.length + streams.length + bodies.length,
  };
  const t0 = Date.now();
  const deadline = t0 + options.seconds * 1000;
  let dl = new DatagramListener({ keyring, versions: ["dtls1.0", "dtls1.2", "dtls1.3"] });
  const note = (target: string, kind: string) => {
    const k = `${target}:${kind}`;
    result.outcomes[k] = (result.outcomes[k] ?? 0) + 1;
  };
  const fail = (target: string, message: string, input: Uint8Array) => {
    result.failure = { target, message, input: hex(input), seed: options.seed, exec: result.execs };
  };
  while (result.execs < options.maxExecs) {
    if ((result.execs & 4095) === 0 && Date.now() > deadline) break;
    const target = result.execs % 3;
    result.execs++;
    if (target === 0) {
      result.byTarget.datagram++;
      const input = mutate(rng, datagrams[rng.below(datagrams.length)], datagrams[rng.below(datagrams.length)]);
      if ((result.execs & 1023) === 1) dl = new DatagramListener({ keyring, versions: ["dtls1.0", "dtls1.2", "dtls1.3"] });
      try {
        const out = dl.receive(input, PEER, NOW + (result.execs & 1023));
        if (!KINDS.has(out.kind)) fail("datagram", `unknown outcome ${out.kind}`, input);
        else if (out.kind === "send" && out.bytes.length > 3 * input.length) {
          fail("datagram", `reply of ${out.bytes.length} bytes for ${input.length}`, input);
        } else if (out.kind === "accepted" && out.addressValidated !== "cookie") fail("datagram", "accepted without a cookie", input);
        note("datagram", out.kind);
      } catch (e) {
        fail("datagram", `threw ${String(e)}`, input);
      }
    } else if (target === 1) {
      result.byTarget.stream++;
      const input = mutate(rng, streams[rng.below(streams.length)], streams[rng.below(streams.length)]);
      try {
        const l = new StreamListener({ keyring, framing: "tls-records", peer: PEER });
        let out;
        if (rng.below(4) === 0) {
          for (let at = 0; at < input.length;) {
            const len = 1 + rng.below(64);
            out = l.receive(input.subarray(at, at + len), NOW);
            at += len;
            if (out.kind !== "need-more-data" && out.kind !== "send") break;
          }
        } else {
          out = l.receive(input, NOW);
        }
        out ??= l.end(NOW);
        if (!KINDS.has(out.kind)) fail("stream", `unknown outcome ${out.kind}`, input);
        note("stream", out.kind);
      } catch (e) {
        fail("stream", `threw ${String(e)}`, input);
      }
    } else {
      result.byTarget.parse++;
      const seed = bodies[rng.below(bodies.length)];
      const input = mutate(rng, seed.body, bodies[rng.below(bodies.length)].body);
      try {
        parseClientHello(input, { dtls: seed.dtls });
        note("parse", "ok");
      } catch (e) {
        if (!(e instanceof DecodeError)) fail("parse", `threw ${String(e)}`, input);
        else note("parse", "DecodeError");
      }
    }
    if (result.failure) break;
  }
  result.seconds = (Date.now() - t0) / 1000;
  return result;
}
