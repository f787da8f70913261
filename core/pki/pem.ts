/**
 * PEM (RFC 7468): `-----BEGIN LABEL-----` base64 `-----END LABEL-----` blocks to DER and back.
 * Pure and synchronous; base64 decoded by hand so `core/` needs no runtime API.
 *
 * @module
 */

/** One PEM block. */
export interface PemBlock {
  /** The label, e.g. `CERTIFICATE`, `PRIVATE KEY`. */
  readonly label: string;
  /** The decoded DER bytes. */
  readonly der: Uint8Array;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

function base64Decode(s: string): Uint8Array {
  const clean = s.replace(/[\s=]/g, "");
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0, acc = 0, o = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) throw new SyntaxError("PEM: invalid base64 character");
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

function base64Encode(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i] << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    s += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < b.length ? B64[(n >> 6) & 63] : "=") +
      (i + 2 < b.length ? B64[n & 63] : "=");
  }
  return s;
}

/** Every PEM block in `text`, in order. Throws `SyntaxError` for an unterminated block or bad base64. */
export function decodePem(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[1] !== m[3]) throw new SyntaxError(`PEM: BEGIN ${m[1]} ended by END ${m[3]}`);
    out.push({ label: m[1], der: base64Decode(m[2]) });
  }
  if (out.length === 0 && text.includes("-----BEGIN")) throw new SyntaxError("PEM: unterminated block");
  return out;
}

/** One PEM block with 64-character lines. */
export function encodePem(label: string, der: Uint8Array): string {
  const b = base64Encode(der);
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 64) lines.push(b.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
