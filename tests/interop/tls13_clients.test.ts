// Interop: real TLS 1.3 clients complete a full handshake with hellogate (listenTls: the
// stateless gate, then Tls13ServerEngine) over loopback TCP and exchange application data both
// ways: once after a stateless HelloRetryRequest (retry "always") and once without (retry
// "never"). Clients: openssl s_client (x25519, P-256, each suite), gnutls-cli, Node tls, Deno
// connectTls, Bun tls (X25519MLKEM768), curl and headless Chromium against the -www page.
// A missing client fails its case with the apt-get line that installs it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Client, requireTool, ROOT, spawnClient, within } from "./harness.ts";
import { makeCertificate, removeCertificate, startTlsServer, type TestCertificate, type TestServer } from "./tls13_support.ts";
import type { TlsRetryPolicy } from "../../transports/tls_retry_policy.ts";
import { defaultCryptoProvider, nativeProvider } from "../../transports/native_crypto.ts";

const X25519 = 0x001d, P256 = 0x0017, P384 = 0x0018, MLKEM = 0x11ec;
const AES128 = 0x1301, AES256 = 0x1302, CHACHA = 0x1303;
const SUITE_NAME: Record<number, string> = { [AES128]: "TLS_AES_128_GCM_SHA256", [AES256]: "TLS_AES_256_GCM_SHA384", [CHACHA]: "TLS_CHACHA20_POLY1305_SHA256" };
const bin = (name: string) => `${ROOT}node_modules/.bin/${name}`;
const RETRIES: [string, TlsRetryPolicy][] = [["after a stateless HRR", "always"], ["without retry", "never"]];

let cert: TestCertificate;
before(() => {
  cert = makeCertificate("p256");
});
after(() => {
  if (cert) removeCertificate(cert);
});

/** Waits for `text` in the client's stdout (or fails with everything it printed). */
async function seen(c: Client, text: string, what = text): Promise<void> {
  await within((async () => {
    while (!c.stdout.includes(text)) {
      if (c.exitCode !== null || c.signal !== null) throw new Error(`${c.command} exited before ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  })(), 8000, `${what} from ${c.command}`).catch((e) => {
    throw new Error(`${e.message}\nstdout: ${c.stdout.slice(-1500)}\nstderr: ${c.stderr.slice(-1500)}`);
  });
}

/** The server saw one handshake and `ping` on it; checks what was negotiated. */
async function serverSaw(s: TestServer, want: { retried: boolean; cipherSuite?: number; group?: number }) {
  await s.until(() => s.handshakes.length === 1 && s.received[0]?.includes("ping"), "handshake and ping on the server");
  const h = s.handshakes[0];
  assert.equal(h.protocol, "tls1.3");
  assert.equal(h.retried, want.retried);
  assert.equal(s.tls.counters.hrrSent, want.retried ? 1 : 0);
  if (want.cipherSuite !== undefined) assert.equal(h.cipherSuite, want.cipherSuite, "cipher suite");
  if (want.group !== undefined) assert.equal(h.group, want.group, "group");
  assert.equal(h.signatureScheme, 0x0403);
  assert.deepEqual(s.failures, []);
}

// ---- openssl s_client --------------------------------------------------------------------

const OPENSSL_CASES: { label: string; group: string; groupCode: number; suite: number; serverGroups?: number[]; hrrGroup?: boolean }[] = [
  { label: "x25519, TLS_AES_128_GCM_SHA256", group: "X25519", groupCode: X25519, suite: AES128 },
  { label: "P-256, TLS_AES_128_GCM_SHA256", group: "P-256", groupCode: P256, suite: AES128 },
  { label: "x25519, TLS_AES_256_GCM_SHA384", group: "X25519", groupCode: X25519, suite: AES256 },
  { label: "x25519, TLS_CHACHA20_POLY1305_SHA256", group: "X25519", groupCode: X25519, suite: CHACHA },
];

for (const [when, retry] of RETRIES) {
  for (const c of OPENSSL_CASES) {
    test(`openssl s_client ${c.label} ${when}: handshake, data both ways, close_notify`, async () => {
      const openssl = requireTool("openssl");
      const s = await startTlsServer({ certificate: cert, retry, mode: "greet" });
      const client = spawnClient(openssl, [
        "s_client", "-tls1_3", "-groups", c.group, "-ciphersuites", SUITE_NAME[c.suite], "-servername", "localhost",
        "-connect", `127.0.0.1:${s.port}`,
      ]);
      try {
        await seen(client, "hello from hellogate", "the server's greeting");
        client.child.stdin!.write("ping\n");
        await seen(client, "echo: ping", "the echo");
        await serverSaw(s, { retried: retry === "always", cipherSuite: c.suite, group: c.groupCode });
        assert.equal(s.handshakes[0].sni, "localhost");
        client.child.stdin!.end(); // s_client sends close_notify on stdin EOF
        await within(client.done, 8000, "s_client exit");
        assert.equal(client.exitCode, 0, client.stderr);
        assert.match(client.stdout, new RegExp(`New, TLSv1\\.3, Cipher is ${SUITE_NAME[c.suite]}`));
        assert.match(client.stdout, c.group === "X25519" ? /Server Temp Key: X25519/ : /Server Temp Key: ECDH, prime256v1/);
        await s.until(() => s.ends.length === 1, "the connection's end");
        assert.equal(s.ends[0].reason, "peer-close-notify");
      } finally {
        await client.kill();
        await s.close();
      }
    });
  }
}

for (const [name, provider] of [["native (node:crypto)", nativeProvider], ["defaultCryptoProvider()", defaultCryptoProvider()]] as const) {
  for (const suite of [AES128, AES256, CHACHA]) {
    test(`openssl s_client ${SUITE_NAME[suite]} after a stateless HRR, server on the ${name} provider`, async () => {
      const openssl = requireTool("openssl");
      const s = await startTlsServer({ certificate: cert, retry: "always", mode: "greet", provider });
      const client = spawnClient(openssl, ["s_client", "-tls1_3", "-ciphersuites", SUITE_NAME[suite], "-connect", `127.0.0.1:${s.port}`]);
      try {
        await seen(client, "hello from hellogate");
        client.child.stdin!.write("ping\n");
        await seen(client, "echo: ping");
        await serverSaw(s, { retried: true, cipherSuite: suite, group: X25519 });
      } finally {
        await client.kill();
        await s.close();
      }
    });
  }
}

test("openssl s_client -groups P-256:X25519 against a server that wants x25519: the HRR requests a key share", async () => {
  const openssl = requireTool("openssl");
  const s = await startTlsServer({ certificate: cert, retry: "always", groups: [X25519], mode: "greet" });
  const client = spawnClient(openssl, ["s_client", "-tls1_3", "-groups", "P-256:X25519", "-connect", `127.0.0.1:${s.port}`]);
  try {
    await seen(client, "hello from hellogate");
    client.child.stdin!.write("ping\n");
    await seen(client, "echo: ping");
    await serverSaw(s, { retried: true, group: X25519 });
  } finally {
    await client.kill();
    await s.close();
  }
});

test("openssl s_client over IPv6 loopback (::1) after a stateless HRR: the cookie binds the IPv6 peer", async () => {
  const openssl = requireTool("openssl");
  const s = await startTlsServer({ certificate: cert, retry: "always", mode: "greet", hostname: "::1" });
  const client = spawnClient(openssl, ["s_client", "-tls1_3", "-connect", `[::1]:${s.port}`]);
  try {
    await seen(client, "hello from hellogate");
    client.child.stdin!.write("ping\n");
    await seen(client, "echo: ping");
    await serverSaw(s, { retried: true });
    assert.equal(s.handshakes[0].peer.family, "ipv6");
    assert.equal(s.handshakes[0].peer.address, "::1");
  } finally {
    await client.kill();
    await s.close();
  }
});

// ---- gnutls-cli ----------------------------------------------------------------------------

for (const [when, retry] of RETRIES) {
  test(`gnutls-cli ${when}${retry === "always" ? " (retryKeyShare always: GnuTLS rejects a cookie-only HRR)" : ""}: data both ways`, async () => {
    const gnutls = requireTool("gnutls-cli");
    const s = await startTlsServer({ certificate: cert, retry, retryKeyShare: "always", mode: "greet" });
    const client = spawnClient(gnutls, ["--insecure", "--port", String(s.port), "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.3", "127.0.0.1"]);
    try {
      await seen(client, "hello from hellogate");
      client.child.stdin!.write("ping\n");
      await seen(client, "echo: ping");
      // GnuTLS offers x25519 and P-256 shares: the key-share HRR asks for secp384r1.
      await serverSaw(s, { retried: retry === "always", ...(retry === "always" ? { group: P384 } : {}) });
    } finally {
      await client.kill();
      await s.close();
    }
  });
}

// ---- JavaScript runtimes -------------------------------------------------------------------

/** A node:tls client (Node and Bun): greet, ping, echo, then one JSON line and end(). */
const jsTlsClient = (port: number) =>
  `const tls = require("node:tls");
   const s = tls.connect({ host: "127.0.0.1", port: ${port}, minVersion: "TLSv1.3", rejectUnauthorized: false, servername: "localhost" });
   let got = "";
   s.on("secureConnect", () => s.write("ping\\n"));
   s.on("data", (d) => {
     got += d;
     if (got.includes("echo: ping")) {
       console.log(JSON.stringify({ protocol: s.getProtocol(), cipher: s.getCipher().standardName, got }));
       s.end();
     }
   });
   s.on("error", (e) => { console.log("ERROR " + e.message); process.exit(1); });
   setTimeout(() => process.exit(2), 8000).unref();`;

const jsCases: { name: string; tool: () => string; groups?: number[]; group?: number }[] = [
  { name: "Node tls.connect", tool: () => requireTool("node") },
  // Bun sends an X25519MLKEM768 share first: with it preferred, the handshake uses the hybrid.
  { name: "Bun tls.connect (X25519MLKEM768)", tool: () => requireTool(bin("bun")), groups: [MLKEM, X25519, P256, P384], group: MLKEM },
];
for (const [when, retry] of RETRIES) {
  for (const c of jsCases) {
    test(`${c.name} ${when}: data both ways`, async () => {
      const exe = c.tool();
      const s = await startTlsServer({ certificate: cert, retry, mode: "greet", ...(c.groups ? { groups: c.groups } : {}) });
      const client = spawnClient(exe, ["-e", jsTlsClient(s.port)]);
      try {
        await seen(client, "echo: ping");
        const out = JSON.parse(client.stdout.split("\n").find((l) => l.startsWith("{"))!);
        assert.equal(out.protocol, "TLSv1.3");
        assert.match(out.got, /^hello from hellogate\n/);
        await serverSaw(s, { retried: retry === "always", ...(c.group ? { group: c.group } : {}) });
      } finally {
        await client.kill();
        await s.close();
      }
    });
  }
}

test("20 concurrent Node tls connections after stateless HRRs: every one completes and gets its own echo", async () => {
  const node = requireTool("node");
  const s = await startTlsServer({ certificate: cert, retry: "always", mode: "echo" });
  const script = `
    const tls = require("node:tls");
    let ok = 0;
    for (let i = 0; i < 20; i++) {
      const s = tls.connect({ host: "127.0.0.1", port: ${s.port}, minVersion: "TLSv1.3", rejectUnauthorized: false });
      let got = "";
      s.on("secureConnect", () => s.write("client " + i + "\\n"));
      s.on("data", (d) => {
        got += d;
        if (got.includes("echo: client " + i + "\\n")) { s.end(); if (++ok === 20) console.log("ALL OK"); }
      });
      s.on("error", (e) => { console.log("ERROR " + i + " " + e.message); process.exit(1); });
    }
    setTimeout(() => process.exit(2), 8000).unref();`;
  const client = spawnClient(node, ["-e", script]);
  try {
    await seen(client, "ALL OK", "20 echoes");
    await s.until(() => s.handshakes.length === 20, "20 handshakes on the server");
    assert.ok(s.handshakes.every((h) => h.retried));
    assert.equal(s.tls.counters.hrrSent, 20);
    assert.deepEqual(s.failures, []);
    assert.deepEqual(s.received.slice().sort(), Array.from({ length: 20 }, (_, i) => `client ${i}\n`).sort());
  } finally {
    await client.kill();
    await s.close();
  }
});

for (const [when, retry] of RETRIES) {
  test(`Deno Deno.connectTls (rustls, verifying our certificate) ${when}: data both ways`, async () => {
    const deno = requireTool(bin("deno"));
    const s = await startTlsServer({ certificate: cert, retry, mode: "greet" });
    const script = join(cert.dir, `deno_client_${retry}.ts`);
    writeFileSync(script, `
      const c = await Deno.connectTls({ hostname: "127.0.0.1", port: ${s.port}, caCerts: [await Deno.readTextFile(${JSON.stringify(cert.certPem)})] });
      await c.handshake();
      await c.write(new TextEncoder().encode("ping\\n"));
      let got = "";
      const buf = new Uint8Array(4096);
      while (!got.includes("echo: ping")) {
        const n = await c.read(buf);
        if (n === null) break;
        got += new TextDecoder().decode(buf.subarray(0, n));
      }
      console.log(JSON.stringify({ got }));
      c.close();
    `);
    const client = spawnClient(deno, ["run", "--allow-net", "--allow-read", script]);
    try {
      await seen(client, "echo: ping");
      await serverSaw(s, { retried: retry === "always" });
      assert.match(JSON.parse(client.stdout.trim().split("\n").pop()!).got, /^hello from hellogate\n/);
    } finally {
      await client.kill();
      await s.close();
    }
  });
}

// ---- HTTPS: curl and Chromium against the -www page ----------------------------------------

test("curl https:// with ALPN: the server picks http/1.1 from h2,http/1.1 and the page names it", async () => {
  const curl = requireTool("curl");
  const s = await startTlsServer({ certificate: cert, retry: "always", mode: "www", alpn: ["http/1.1"] });
  const client = spawnClient(curl, ["-sS", "-i", "--tlsv1.3", "--http2", "--cacert", cert.certPem, `https://localhost:${s.port}/`]);
  try {
    await within(client.done, 8000, "curl exit");
    assert.equal(client.exitCode, 0, client.stderr);
    assert.match(client.stdout, /^HTTP\/1\.0 200 OK\r\n/);
    assert.match(client.stdout, /<td id="alpn">http\/1\.1<\/td>/);
    assert.equal(s.handshakes[0].alpn, "http/1.1");
  } finally {
    await client.kill();
    await s.close();
  }
});

test("openssl s_client -alpn h2 against a server that only speaks http/1.1: no_application_protocol, no handshake", async () => {
  const openssl = requireTool("openssl");
  const s = await startTlsServer({ certificate: cert, retry: "always", mode: "greet", alpn: ["http/1.1"] });
  const client = spawnClient(openssl, ["s_client", "-tls1_3", "-alpn", "h2", "-connect", `127.0.0.1:${s.port}`]);
  try {
    await s.until(() => s.failures.length === 1, "the handshake to fail");
    assert.equal(s.failures[0].reason, "no-application-protocol");
    assert.equal(s.failures[0].alert?.description, 120);
    assert.equal(s.handshakes.length, 0);
    await within(client.done, 8000, "s_client exit");
    assert.match(client.stderr, /alert number 120|no application protocol/i, client.stderr);
  } finally {
    await client.kill();
    await s.close();
  }
});

test("headless chromium with X25519MLKEM768 preferred: the hybrid post-quantum group after a stateless HRR", async () => {
  const chromium = requireTool("chromium");
  const s = await startTlsServer({ certificate: cert, retry: "always", mode: "www", groups: [MLKEM, X25519, P256, P384] });
  const client = spawnClient(chromium, [
    "--headless", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors", "--no-first-run",
    `--user-data-dir=${join(cert.dir, "chromium-mlkem")}`, "--dump-dom", `https://127.0.0.1:${s.port}/`,
  ], 20_000);
  try {
    await within(client.done, 20_000, "chromium exit");
    assert.match(client.stdout, /<td id="group">X25519MLKEM768<\/td>/, client.stdout.slice(0, 2000) + client.stderr.slice(-1500));
    assert.match(client.stdout, /<td id="stateless">yes<\/td>/);
    assert.ok(s.handshakes.length >= 1 && s.handshakes.every((h) => h.group === MLKEM && h.retried));
  } finally {
    await client.kill();
    await s.close();
  }
});

for (const [when, retry] of RETRIES) {
  test(`curl https:// ${when}: HTTP/1.0 200 naming the negotiated parameters`, async () => {
    const curl = requireTool("curl");
    const s = await startTlsServer({ certificate: cert, retry, mode: "www" });
    const client = spawnClient(curl, ["-sS", "-i", "--tlsv1.3", "--cacert", cert.certPem, `https://localhost:${s.port}/`]);
    try {
      await within(client.done, 8000, "curl exit");
      assert.equal(client.exitCode, 0, client.stderr);
      assert.match(client.stdout, /^HTTP\/1\.0 200 OK\r\n/);
      assert.match(client.stdout, /<td id="protocol">TLSv1\.3<\/td>/);
      assert.match(client.stdout, /<td id="sni">localhost<\/td>/);
      assert.match(client.stdout, new RegExp(`<td id="stateless">${retry === "always" ? "yes" : "no"}</td>`));
      assert.equal(s.handshakes.length, 1);
      assert.equal(s.handshakes[0].retried, retry === "always");
    } finally {
      await client.kill();
      await s.close();
    }
  });

  test(`headless chromium ${when}: loads the -www page`, async () => {
    const chromium = requireTool("chromium");
    const s = await startTlsServer({ certificate: cert, retry, mode: "www" });
    const profile = join(cert.dir, `chromium-${retry}`);
    const client = spawnClient(chromium, [
      "--headless", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors", "--no-first-run",
      `--user-data-dir=${profile}`, "--dump-dom", `https://127.0.0.1:${s.port}/`,
    ], 20_000);
    try {
      await within(client.done, 20_000, "chromium exit");
      assert.match(client.stdout, /<h1>hellogate TLS 1\.3<\/h1>/, client.stderr.slice(-2000));
      assert.match(client.stdout, /<td id="protocol">TLSv1\.3<\/td>/);
      assert.match(client.stdout, new RegExp(`<td id="stateless">${retry === "always" ? "yes" : "no"}</td>`));
      assert.ok(s.handshakes.length >= 1);
      assert.ok(s.handshakes.every((h) => h.retried === (retry === "always")));
      assert.deepEqual(s.failures.filter((f) => f.reason !== "end-of-stream" && f.reason !== "peer-close-notify"), []);
    } finally {
      await client.kill();
      await s.close();
    }
  });
}
