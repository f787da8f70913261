// Support for the TLS 1.3 interop tests (not a test file): end-entity certificates made with the
// openssl CLI (CA:FALSE + subjectAltName, which Deno's rustls client insists on), PEM to DER,
// and a hellogate TLS 1.3 server on loopback (listenTls with its default Tls13ServerEngine) that echoes, or
// answers HTTP like `openssl s_server -www`, and records how every connection ended.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CookieKeyring } from "../../core/gate/cookie/keyring.ts";
import type { CryptoProvider } from "../../core/crypto/provider.ts";
import { portableProvider } from "../../core/crypto/portable.ts";
import type { ServerCertificate, Tls13ServerOptions } from "../../core/handshake/tls13/mod.ts";
import type { HandshakeSummary } from "../../core/handshake/actions.ts";
import type { RetryKeyShare } from "../../core/gate/retry.ts";
import { listenTls, type TlsListener, type TlsServerEvent } from "../../transports/tls_server.ts";
import type { TlsClosedInfo, TlsConnection } from "../../transports/tls_connection.ts";
import type { TlsRetryPolicy } from "../../transports/tls_retry_policy.ts";
import { serveWwwPage } from "../../transports/tls_www.ts";
import { requireTool } from "./harness.ts";

/** Key types the openssl CLI makes for us. */
export type CertKind = "p256" | "p384" | "ed25519" | "rsa2048";

/** A certificate as PEM files (for openssl s_server) and DER (for us). */
export interface TestCertificate {
  readonly kind: CertKind;
  readonly dir: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly certDer: Uint8Array;
  readonly keyPkcs8: Uint8Array;
}

const KEYGEN: Record<CertKind, string[]> = {
  p256: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
  p384: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
  ed25519: ["-newkey", "ed25519"],
  rsa2048: ["-newkey", "rsa:2048"],
};

/** The DER bytes of the first PEM block labelled `label`. */
export function pemToDer(pem: string, label: string): Uint8Array {
  const m = pem.match(new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`));
  if (!m) throw new Error(`no ${label} PEM block`);
  const bin = atob(m[1].replace(/\s+/g, ""));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** A fresh self-signed end-entity certificate for localhost / 127.0.0.1 / ::1 (openssl CLI; apt package openssl). */
export function makeCertificate(kind: CertKind = "p256"): TestCertificate {
  const openssl = requireTool("openssl");
  const dir = mkdtempSync(join(tmpdir(), "hellogate-cert-"));
  const certPem = join(dir, "cert.pem"), keyPem = join(dir, "key.pem");
  execFileSync(openssl, [
    "req", "-x509", ...KEYGEN[kind], "-nodes", "-keyout", keyPem, "-out", certPem, "-days", "2",
    "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
    "-addext", "basicConstraints=critical,CA:FALSE",
    "-addext", "keyUsage=critical,digitalSignature",
    "-addext", "extendedKeyUsage=serverAuth",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  return {
    kind,
    dir,
    certPem,
    keyPem,
    certDer: pemToDer(readFileSync(certPem, "utf8"), "CERTIFICATE"),
    keyPkcs8: pemToDer(readFileSync(keyPem, "utf8"), "PRIVATE KEY"),
  };
}

/** Removes a certificate's temporary directory. */
export function removeCertificate(c: TestCertificate): void {
  rmSync(c.dir, { recursive: true, force: true });
}

/** The engine's view of a test certificate. */
export function serverCertificate(c: TestCertificate, provider: CryptoProvider = portableProvider): ServerCertificate {
  return { chain: [c.certDer], key: provider.importSigningKey(c.keyPkcs8) };
}

/** Options for {@link startTlsServer}. */
export interface TestServerOptions {
  readonly certificate: TestCertificate;
  readonly provider?: CryptoProvider;
  readonly retry?: TlsRetryPolicy;
  readonly retryKeyShare?: RetryKeyShare;
  /** Gate and engine groups. */
  readonly groups?: readonly number[];
  /** Gate and engine suites. */
  readonly cipherSuites?: readonly number[];
  readonly alpn?: readonly string[];
  /** `echo` (default): echo every plaintext chunk back prefixed with "echo: "; `www`: the HTTP page; `greet`: send "hello from hellogate\n" then echo. */
  readonly mode?: "echo" | "www" | "greet";
  /** Extra engine options (record size limit, KeyUpdate cap...). */
  readonly engine?: Partial<Tls13ServerOptions>;
  readonly hostname?: string;
}

/** A running test server and what it saw. */
export interface TestServer {
  readonly port: number;
  readonly tls: TlsListener;
  /** Established connections' summaries, in order. */
  readonly handshakes: HandshakeSummary[];
  /** Handshakes that failed after the gate. */
  readonly failures: TlsClosedInfo[];
  /** Ends of established connections. */
  readonly ends: TlsClosedInfo[];
  /** Plaintext received per established connection. */
  readonly received: string[];
  readonly events: TlsServerEvent[];
  /** Resolves when `pred()` holds (checked on every event), or rejects after `ms`. */
  until(pred: () => boolean, what: string, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts listenTls on 127.0.0.1:0 with Tls13ServerEngine behind the stateless gate. */
export async function startTlsServer(o: TestServerOptions): Promise<TestServer> {
  const provider = o.provider ?? portableProvider;
  const cert = serverCertificate(o.certificate, provider);
  const handshakes: HandshakeSummary[] = [];
  const failures: TlsClosedInfo[] = [];
  const ends: TlsClosedInfo[] = [];
  const received: string[] = [];
  const events: TlsServerEvent[] = [];
  let waiters: { pred: () => boolean; resolve: () => void }[] = [];
  const notify = () => {
    waiters = waiters.filter((w) => (w.pred() ? (w.resolve(), false) : true));
  };
  const tls = await listenTls({
    hostname: o.hostname ?? "127.0.0.1",
    port: 0,
    keyring: CookieKeyring.random(),
    retry: o.retry ?? "always",
    ...(o.retryKeyShare ? { retryKeyShare: o.retryKeyShare } : {}),
    ...(o.groups ? { groups: o.groups } : {}),
    ...(o.cipherSuites ? { cipherSuites: o.cipherSuites } : {}),
    handshakeTimeoutMs: 8000,
    provider,
    certificates: [cert],
    ...(o.alpn ? { alpn: o.alpn } : {}),
    ...(o.engine ? { engineOptions: o.engine } : {}),
    onEvent: (e) => {
      events.push(e);
      if (e.event === "handshake") handshakes.push(e.summary);
      if (e.event === "handshake-failed") failures.push(e.info);
      if (e.event === "tls-closed") ends.push(e.info);
      notify();
    },
  });
  const serve = async (conn: TlsConnection, index: number) => {
    if (o.mode === "www") {
      await serveWwwPage(conn);
      return;
    }
    const writer = conn.writable.getWriter();
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    try {
      if (o.mode === "greet") await writer.write(enc.encode("hello from hellogate\n"));
      const reader = conn.readable.getReader();
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        received[index] += dec.decode(r.value, { stream: true });
        notify();
        await writer.write(enc.encode("echo: " + dec.decode(r.value)));
      }
      await writer.close();
    } catch {
      conn.close();
    }
  };
  void (async () => {
    for await (const conn of tls) {
      const index = received.push("") - 1;
      void serve(conn, index);
    }
  })();
  return {
    port: tls.addr.port,
    tls,
    handshakes,
    failures,
    ends,
    received,
    events,
    until(pred, what, ms = 8000) {
      if (pred()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
        waiters.push({ pred, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close: () => tls.close(),
  };
}
