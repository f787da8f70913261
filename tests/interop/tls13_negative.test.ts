// Interop, negative: a real client (openssl s_client) talks to hellogate (listenTls +
// Tls13ServerEngine) through a test-local TCP proxy that tampers with what the client sends.
// Each attack must get the alert RFC 8446 §6 prescribes, and nothing is accepted: no handshake
// completes (corrupted Finished) or no plaintext reaches the application (bad tag, oversized
// record, KeyUpdate flood).
//
// The corrupted-Finished case re-encrypts the client Finished with a flipped verify_data bit,
// using the client handshake traffic secret from s_client's -keylogfile and our own small
// HKDF-Expand-Label / AES-128-GCM (independent of core/), so the record authenticates and only
// the Finished check can catch it (decrypt_error, RFC 8446 §4.4.4).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import { expand } from "@noble/hashes/hkdf.js";
import { gcm } from "@noble/ciphers/aes.js";
import { type Client, concat, requireTool, spawnClient, within } from "./harness.ts";
import { makeCertificate, removeCertificate, startTlsServer, type TestCertificate, type TestServer } from "./tls13_support.ts";

let cert: TestCertificate;
before(() => {
  cert = makeCertificate("p256");
});
after(() => {
  if (cert) removeCertificate(cert);
});

/** Rewrites one client→server TLS record; `n` counts the client's records of this type so far. */
type Tamper = (record: Uint8Array, type: number, n: number) => Uint8Array | Uint8Array[];

/** A TCP proxy that splits the client's stream into records and passes each through `tamper`. */
async function startProxy(upstreamPort: number, tamper: Tamper): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((down) => {
    const up = net.connect({ host: "127.0.0.1", port: upstreamPort });
    sockets.add(down).add(up);
    down.on("error", () => up.destroy());
    up.on("error", () => down.destroy());
    up.on("data", (d) => down.write(d));
    up.on("end", () => down.end());
    down.on("end", () => up.end());
    let buf: Uint8Array = new Uint8Array(0);
    const counts = new Map<number, number>();
    down.on("data", (d: Uint8Array) => {
      buf = concat(buf, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      while (buf.length >= 5 && buf.length >= 5 + ((buf[3] << 8) | buf[4])) {
        const len = 5 + ((buf[3] << 8) | buf[4]);
        const record = buf.slice(0, len);
        buf = buf.slice(len);
        const n = counts.get(record[0]) ?? 0;
        counts.set(record[0], n + 1);
        const out = tamper(record, record[0], n);
        for (const r of Array.isArray(out) ? out : [out]) up.write(r);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** RFC 8446 §7.1 HKDF-Expand-Label with SHA-256. */
function expandLabel(secret: Uint8Array, label: string, length: number): Uint8Array {
  const full = new TextEncoder().encode("tls13 " + label);
  const info = new Uint8Array([length >> 8, length & 0xff, full.length, ...full, 0]);
  return expand(sha256, secret, info, length);
}

function hexToBytes(h: string): Uint8Array {
  return Uint8Array.from(h.match(/../g)!, (x) => parseInt(x, 16));
}

/** s_client, pinned to TLS_AES_128_GCM_SHA256 / x25519, connecting to `port`. */
function sClient(port: number, extra: string[] = []): Client {
  return spawnClient(requireTool("openssl"), [
    "s_client", "-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256", "-groups", "X25519", ...extra, "-connect", `127.0.0.1:${port}`,
  ]);
}

async function stdoutHas(c: Client, text: string): Promise<void> {
  await within((async () => {
    while (!c.stdout.includes(text)) {
      if (c.exitCode !== null || c.signal !== null) throw new Error(`${c.command} exited before "${text}": ${c.stdout.slice(-800)} ${c.stderr.slice(-800)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  })(), 8000, `"${text}" from s_client`);
}

/** The connection ended with our alert `description` and reason; no plaintext was delivered. */
async function endedWith(s: TestServer, reason: string, description: number, established: boolean) {
  const list = () => (established ? s.ends : s.failures);
  await s.until(() => list().length === 1, `the connection to end with ${reason}`);
  const info = list()[0];
  assert.equal(info.reason, reason, JSON.stringify(info));
  assert.equal(info.alert?.description, description);
  assert.equal(info.alert?.sender, "us");
  assert.equal(info.established, established);
  if (!established) assert.equal(s.handshakes.length, 0, "no handshake completed");
  assert.ok(s.received.every((r) => r === ""), `no plaintext reached the application: ${JSON.stringify(s.received)}`);
}

for (const retry of ["always", "never"] as const) {
  test(`negative (${retry === "always" ? "after HRR" : "no retry"}): client Finished with a flipped verify_data bit, re-encrypted → decrypt_error, no handshake`, async () => {
    const s = await startTlsServer({ certificate: cert, retry, mode: "greet" });
    const keylog = join(cert.dir, `keylog-${retry}.txt`);
    let tampered = false;
    const proxy = await startProxy(s.port, (record, type, n) => {
      if (type !== 23 || n !== 0) return record; // the first protected client record is its Finished
      const line = existsSync(keylog)
        ? readFileSync(keylog, "utf8").split("\n").find((l) => l.startsWith("CLIENT_HANDSHAKE_TRAFFIC_SECRET "))
        : undefined;
      if (!line) throw new Error("no CLIENT_HANDSHAKE_TRAFFIC_SECRET in the keylog");
      const secret = hexToBytes(line.trim().split(" ")[2]);
      const key = expandLabel(secret, "key", 16), iv = expandLabel(secret, "iv", 12); // sequence 0: nonce = iv
      const header = record.subarray(0, 5);
      const inner = gcm(key, iv, header).decrypt(record.subarray(5));
      assert.equal(inner[0], 20, "the first protected client record holds its Finished");
      inner[4] ^= 0x01; // first verify_data byte
      tampered = true;
      return concat(header, gcm(key, iv, header).encrypt(inner));
    });
    const client = sClient(proxy.port, ["-keylogfile", keylog]);
    try {
      await endedWith(s, "decrypt-error", 51, false);
      assert.ok(tampered);
      await within(client.done, 8000, "s_client exit");
      assert.match(client.stderr, /alert number 51|decrypt error/i, client.stderr);
      assert.equal(s.tls.handshakesCompleted, 0);
    } finally {
      await client.kill();
      await proxy.close();
      await s.close();
    }
  });
}

test("negative: the client Finished record with a corrupted tag → bad_record_mac, no handshake", async () => {
  const s = await startTlsServer({ certificate: cert, retry: "always", mode: "greet" });
  const proxy = await startProxy(s.port, (record, type, n) => {
    if (type === 23 && n === 0) record[record.length - 1] ^= 0x80;
    return record;
  });
  const client = sClient(proxy.port);
  try {
    await endedWith(s, "bad-record-mac", 20, false);
    await within(client.done, 8000, "s_client exit");
    assert.match(client.stderr, /alert number 20|bad record mac/i, client.stderr);
  } finally {
    await client.kill();
    await proxy.close();
    await s.close();
  }
});

test("negative: an application-data record with a bad tag after the handshake → bad_record_mac, nothing delivered", async () => {
  const s = await startTlsServer({ certificate: cert, retry: "always", mode: "greet" });
  const proxy = await startProxy(s.port, (record, type, n) => {
    if (type === 23 && n === 1) record[record.length - 1] ^= 0x01; // the first record after Finished
    return record;
  });
  const client = sClient(proxy.port);
  try {
    await stdoutHas(client, "hello from hellogate");
    client.child.stdin!.write("ping\n");
    await endedWith(s, "bad-record-mac", 20, true);
    assert.equal(s.handshakes.length, 1);
  } finally {
    await client.kill();
    await proxy.close();
    await s.close();
  }
});

test("negative: a record longer than 2^14 + 256 → record_overflow, nothing delivered", async () => {
  const s = await startTlsServer({ certificate: cert, retry: "always", mode: "greet" });
  const len = 16384 + 256 + 1;
  const proxy = await startProxy(s.port, (record, type, n) => {
    if (type !== 23 || n !== 1) return record;
    const big = new Uint8Array(5 + len);
    big.set([23, 3, 3, len >> 8, len & 0xff]);
    return [big, record]; // the oversized record first: the real one must never be read
  });
  const client = sClient(proxy.port);
  try {
    await stdoutHas(client, "hello from hellogate");
    client.child.stdin!.write("ping\n");
    await endedWith(s, "record-overflow", 22, true);
  } finally {
    await client.kill();
    await proxy.close();
    await s.close();
  }
});

test("negative: a KeyUpdate flood (s_client 'k' commands, no data between) → unexpected_message", async () => {
  const s = await startTlsServer({ certificate: cert, retry: "always", mode: "greet", engine: { maxKeyUpdates: 4 } });
  const client = sClient(s.port);
  try {
    await stdoutHas(client, "hello from hellogate");
    for (let i = 0; i < 24 && s.ends.length === 0; i++) {
      client.child.stdin!.write("k\n"); // one KeyUpdate per line (s_client reads stdin line by line)
      await new Promise((r) => setTimeout(r, 60));
    }
    await endedWith(s, "key-update-flood", 10, true);
    await within(client.done, 8000, "s_client exit");
    assert.match(client.stdout + client.stderr, /KEYUPDATE/);
  } finally {
    await client.kill();
    await s.close();
  }
});
