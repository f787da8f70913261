/**
 * A tiny HTTP/1.x responder for an established TLS connection, like `openssl s_server -www`: it
 * reads one request head, answers `HTTP/1.0 200 OK` with a small HTML page naming what the
 * handshake negotiated (protocol, cipher suite, group, signature scheme, ALPN, SNI, whether a
 * stateless retry happened), sends close_notify and closes. Anything that is not an HTTP/1.x
 * request line gets `HTTP/1.0 400 Bad Request`. For demos and interop tests with curl and
 * browsers; not a web server.
 *
 * @module
 */
import { cipherSuiteName } from "../core/constants/cipher_suites.ts";
import { groupName } from "../core/constants/groups.ts";
import type { HandshakeSummary } from "../core/handshake/actions.ts";
import { signatureSchemeName } from "../core/crypto/provider.ts";
import type { TlsConnection } from "./tls_connection.ts";

/** Options for {@link serveWwwPage}. */
export interface WwwOptions {
  /** Most bytes read for the request head (default 16 384); beyond it: 400. */
  maxRequestBytes?: number;
  /** Give up waiting for the request head after this many milliseconds (default 10 000). */
  timeoutMs?: number;
}

/** What {@link serveWwwPage} did. */
export interface WwwResult {
  /** Status sent (200 or 400), or 0 when the peer went away before a request. */
  readonly status: number;
  /** The request line as received (at most 200 characters), if any. */
  readonly requestLine?: string;
}

const REQUEST_LINE = /^[A-Z]{3,10} \S{1,8000} HTTP\/1\.[01]$/;

/** The negotiated parameters as `name: value` lines (what the page shows). */
export function describeSummary(summary: HandshakeSummary): [string, string][] {
  const p = summary.peer;
  const peer = p.family === "ipv6" ? `[${p.address}]:${p.port}` : `${p.address}:${p.port}`;
  return [
    ["Protocol", summary.protocol === "tls1.3" ? "TLSv1.3" : summary.protocol],
    ["Cipher suite", cipherSuiteName(summary.cipherSuite)],
    ["Group", groupName(summary.group)],
    ["Signature scheme", signatureSchemeName(summary.signatureScheme)],
    ["ALPN", summary.alpn ?? "(none)"],
    ["SNI", summary.sni ?? "(none)"],
    ["Stateless retry (HelloRetryRequest with cookie)", summary.retried ? "yes" : "no"],
    ["Peer", peer],
  ];
}

/** The HTML page for a summary. */
export function wwwPage(summary: HandshakeSummary): string {
  const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const rows = describeSummary(summary).map(([k, v]) => `<tr><th>${esc(k)}</th><td id="${esc(k.split(" ")[0].toLowerCase())}">${esc(v)}</td></tr>`);
  return `<!DOCTYPE html>\n<html><head><title>hellogate</title></head><body>\n<h1>hellogate TLS 1.3</h1>\n<table>\n${rows.join("\n")}\n</table>\n</body></html>\n`;
}

/**
 * Reads one HTTP/1.x request head from `conn`, answers with the page (or 400) and closes the
 * connection gracefully. Never rejects for remote behaviour.
 *
 * @example
 * ```ts
 * import { serveWwwPage, type TlsListener } from "@hellogate/hellogate/transports";
 * declare const tls: TlsListener;
 * for await (const conn of tls) void serveWwwPage(conn);
 * ```
 */
export async function serveWwwPage(conn: TlsConnection, options: WwwOptions = {}): Promise<WwwResult> {
  const max = options.maxRequestBytes ?? 16_384;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const reader = conn.readable.getReader();
  const decoder = new TextDecoder("latin1");
  let head = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs)));
  let ended = false;
  try {
    while (!/\r?\n\r?\n/.test(head) && head.length <= max) {
      const r = await Promise.race([reader.read(), timedOut]);
      if (r === "timeout" || r.done) {
        ended = true;
        break;
      }
      head += decoder.decode(r.value, { stream: true });
    }
  } catch {
    ended = true;
  } finally {
    clearTimeout(timer);
  }
  reader.releaseLock();
  const firstLine = head.split(/\r?\n/, 1)[0] ?? "";
  if (ended && head.length === 0) {
    conn.close();
    return { status: 0 };
  }
  const ok = REQUEST_LINE.test(firstLine);
  const body = ok ? wwwPage(conn.summary) : "<!DOCTYPE html>\n<html><body><h1>400 Bad Request</h1></body></html>\n";
  const bytes = new TextEncoder().encode(body);
  const response = `HTTP/1.0 ${ok ? "200 OK" : "400 Bad Request"}\r\nContent-Type: text/html; charset=utf-8\r\n` +
    `Content-Length: ${bytes.length}\r\nConnection: close\r\nServer: hellogate\r\n\r\n`;
  const writer = conn.writable.getWriter();
  try {
    await writer.write(new TextEncoder().encode(response));
    if (!firstLine.startsWith("HEAD ")) await writer.write(bytes);
    await writer.close();
  } catch {
    conn.close();
  }
  return { status: ok ? 200 : 400, requestLine: firstLine.slice(0, 200) };
}
