// The engine's opt-in features against a real client: openssl s_client resumes a session from our
// stateless ticket (-sess_out, then -sess_in: "Reused"), and authenticates with a client
// certificate whose SHA-256 fingerprint the engine reports exactly as `openssl x509 -fingerprint`
// prints it. A test-local node:net server drives Tls13ServerEngine directly (no gate, no
// transports), so only the engine is under test. Needs openssl (apt package openssl).
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { portableProvider } from "../core/crypto/portable.ts";
import type { HandshakeSummary } from "../core/handshake/actions.ts";
import { Tls13ServerEngine } from "../core/handshake/tls13/server.ts";
import type { Tls13ServerOptions } from "../core/handshake/tls13/options.ts";
import { requireTool, spawnClient, within } from "./interop/harness.ts";
import { certificateFor } from "./helpers/tls13_pair.ts";

interface Served {
  port: number;
  summaries: { summary: HandshakeSummary; resumed: boolean }[];
  closed: string[];
  close(): Promise<void>;
}

/** An echo server: one engine per TCP connection. */
async function serve(options: Partial<Tls13ServerOptions>): Promise<Served> {
  const summaries: Served["summaries"] = [];
  const closed: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    const engine = new Tls13ServerEngine({ provider: portableProvider, certificates: [certificateFor()], ...options });
    const pump = () => {
      for (let a = engine.poll(); a.kind !== "need-data"; a = engine.poll()) {
        if (a.kind === "send") sock.write(a.bytes);
        else if (a.kind === "handshake-complete") summaries.push({ summary: a.summary, resumed: engine.resumed });
        else if (a.kind === "application-data") engine.write(new TextEncoder().encode("echo:" + new TextDecoder().decode(a.data)));
        else if (a.kind === "closed") {
          closed.push(a.reason);
          sock.end();
        }
      }
    };
    sock.on("data", (d: Uint8Array) => {
      engine.receive(new Uint8Array(d), Date.now());
      pump();
    });
    sock.on("end", () => {
      engine.end(Date.now());
      pump();
    });
    sock.on("error", () => sock.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    summaries,
    closed,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Runs s_client, sends one line, waits for the echo (or for the client to end), returns stdout. */
async function sClient(port: number, args: string[], line: string): Promise<string> {
  const openssl = requireTool("openssl");
  const c = spawnClient(openssl, ["s_client", "-connect", `127.0.0.1:${port}`, "-tls1_3", ...args]);
  c.child.stdout!.on("data", (d) => (c.stdout += d));
  c.child.stderr!.on("data", (d) => (c.stderr += d));
  c.child.stdin!.write(line + "\n");
  try {
    await within(
      new Promise<void>((resolve) => {
        const check = () => (c.stdout.includes("echo:") || c.exitCode !== null ? resolve() : setTimeout(check, 20));
        check();
        c.done.then(resolve);
      }),
      8000,
      "s_client's echo",
    );
  } finally {
    await c.kill();
  }
  return c.stdout + c.stderr;
}

test("openssl s_client resumes from our stateless ticket (-sess_out, -sess_in)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hellogate-resume-"));
  const s = await serve({ sessionTickets: { key: new Uint8Array(32).fill(9) } });
  try {
    const sess = join(dir, "session.pem");
    const first = await sClient(s.port, ["-sess_out", sess], "first");
    assert.match(first, /New, TLSv1\.3/);
    assert.match(first, /echo:first/);
    const second = await sClient(s.port, ["-sess_in", sess], "second");
    assert.match(second, /Reused, TLSv1\.3/);
    assert.match(second, /echo:second/);
    assert.deepEqual(s.summaries.map((x) => x.resumed), [false, true]);
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("openssl s_client with -cert/-key: the engine reports the client certificate's SHA-256 fingerprint; without one, certificate_required", async () => {
  const openssl = requireTool("openssl");
  const dir = mkdtempSync(join(tmpdir(), "hellogate-clientauth-"));
  const s = await serve({ clientAuth: { mode: "require" } });
  try {
    const cert = join(dir, "c.pem"), key = join(dir, "k.pem");
    execFileSync(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=client"], { stdio: "pipe" });
    const expected = execFileSync(openssl, ["x509", "-in", cert, "-noout", "-fingerprint", "-sha256"], { encoding: "utf8" })
      .trim().split("=")[1].toLowerCase();
    const out = await sClient(s.port, ["-cert", cert, "-key", key], "hello");
    assert.match(out, /echo:hello/);
    assert.equal(s.summaries[0]?.summary.peerCertificateFingerprint, expected);
    const refused = await sClient(s.port, [], "nocert");
    assert.match(refused, /alert certificate required|alert number 116/);
    assert.ok(s.closed.includes("certificate-required"));
  } finally {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
