/**
 * The few DER shapes the crypto providers exchange: SubjectPublicKeyInfo for the keys we sign
 * with, and the private key inside a PKCS#8 PrivateKeyInfo (RFC 5208, RFC 5915, RFC 8410).
 * Not a general ASN.1 library: exactly what key import and self-signed certificates need.
 *
 * @module
 */
import { DecodeError } from "../wire/decode_error.ts";

/** A DER element: tag, and the content's bounds within the input. */
export interface DerElement {
  /** Tag byte. */
  readonly tag: number;
  /** Content start offset. */
  readonly start: number;
  /** Content end offset (exclusive). */
  readonly end: number;
}

/** Reads one DER element at `offset`; throws {@link DecodeError} on malformed or truncated input. */
export function readDer(bytes: Uint8Array, offset: number, limit = bytes.length): DerElement {
  if (offset + 2 > limit) throw new DecodeError("truncated", "der", offset);
  const tag = bytes[offset];
  let len = bytes[offset + 1];
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || pos + n > limit) throw new DecodeError("bad-length", "der", offset);
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | bytes[pos++];
  }
  if (pos + len > limit) throw new DecodeError("truncated", "der", offset);
  return { tag, start: pos, end: pos + len };
}

/** The children of a constructed element. */
export function derChildren(bytes: Uint8Array, el: DerElement): DerElement[] {
  const out: DerElement[] = [];
  for (let p = el.start; p < el.end;) {
    const c = readDer(bytes, p, el.end);
    out.push(c);
    p = c.end;
  }
  return out;
}

/** Encodes a DER length. */
function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  if (n < 0x10000) return [0x82, n >> 8, n & 0xff];
  return [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
}

/** Encodes one DER element from its tag and content parts. */
export function der(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const head = [tag, ...derLength(total)];
  const out = new Uint8Array(head.length + total);
  out.set(head, 0);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

/** OID contents (without tag/length). */
export const Oid = {
  ecPublicKey: hex("2a8648ce3d0201"),
  prime256v1: hex("2a8648ce3d030107"),
  secp384r1: hex("2b81040022"),
  ed25519: hex("2b6570"),
  rsaEncryption: hex("2a864886f70d010101"),
  rsassaPss: hex("2a864886f70d01010a"),
  ecdsaWithSha256: hex("2a8648ce3d040302"),
  ecdsaWithSha384: hex("2a8648ce3d040303"),
} as const;

function eqBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What key algorithm an AlgorithmIdentifier names. */
export type DerKeyAlgorithm = "ecdsa-p256" | "ecdsa-p384" | "ed25519" | "rsa" | "unknown";

function algorithmOf(bytes: Uint8Array, algId: DerElement): DerKeyAlgorithm {
  const [oid, param] = derChildren(bytes, algId);
  const o = bytes.subarray(oid.start, oid.end);
  if (eqBytes(o, Oid.ed25519)) return "ed25519";
  if (eqBytes(o, Oid.rsaEncryption)) return "rsa";
  if (eqBytes(o, Oid.ecPublicKey) && param?.tag === 0x06) {
    const p = bytes.subarray(param.start, param.end);
    if (eqBytes(p, Oid.prime256v1)) return "ecdsa-p256";
    if (eqBytes(p, Oid.secp384r1)) return "ecdsa-p384";
  }
  return "unknown";
}

/** The raw private key of a PKCS#8 PrivateKeyInfo: an EC scalar or an Ed25519 seed (RSA: the whole key). */
export function parsePkcs8(pkcs8: Uint8Array): { algorithm: DerKeyAlgorithm; privateKey: Uint8Array } {
  const top = readDer(pkcs8, 0);
  if (top.tag !== 0x30) throw new DecodeError("illegal-value", "pkcs8", 0);
  const [, algId, key] = derChildren(pkcs8, top);
  if (!algId || !key || algId.tag !== 0x30 || key.tag !== 0x04) throw new DecodeError("illegal-value", "pkcs8", 0);
  const algorithm = algorithmOf(pkcs8, algId);
  if (algorithm === "ed25519") {
    const inner = readDer(pkcs8, key.start, key.end);
    return { algorithm, privateKey: pkcs8.slice(inner.start, inner.end) };
  }
  if (algorithm === "ecdsa-p256" || algorithm === "ecdsa-p384") {
    const ecKey = readDer(pkcs8, key.start, key.end);
    const [, d] = derChildren(pkcs8, ecKey);
    if (!d || d.tag !== 0x04) throw new DecodeError("illegal-value", "ec-private-key", key.start);
    return { algorithm, privateKey: pkcs8.slice(d.start, d.end) };
  }
  return { algorithm, privateKey: pkcs8.slice() };
}

/** The algorithm and raw public key (BIT STRING content without the unused-bits byte) of an SPKI. */
export function parseSpki(spki: Uint8Array): { algorithm: DerKeyAlgorithm; publicKey: Uint8Array } {
  const top = readDer(spki, 0);
  if (top.tag !== 0x30) throw new DecodeError("illegal-value", "spki", 0);
  const [algId, bits] = derChildren(spki, top);
  if (!algId || !bits || algId.tag !== 0x30 || bits.tag !== 0x03 || bits.end - bits.start < 1) {
    throw new DecodeError("illegal-value", "spki", 0);
  }
  return { algorithm: algorithmOf(spki, algId), publicKey: spki.slice(bits.start + 1, bits.end) };
}

/** A SubjectPublicKeyInfo for an EC or Ed25519 public key. */
export function encodeSpki(algorithm: "ecdsa-p256" | "ecdsa-p384" | "ed25519", publicKey: Uint8Array): Uint8Array {
  const algId = algorithm === "ed25519"
    ? der(0x30, der(0x06, Oid.ed25519))
    : der(0x30, der(0x06, Oid.ecPublicKey), der(0x06, algorithm === "ecdsa-p256" ? Oid.prime256v1 : Oid.secp384r1));
  return der(0x30, algId, der(0x03, new Uint8Array([0]), publicKey));
}

/** A PKCS#8 PrivateKeyInfo for an EC scalar or an Ed25519 seed (what `keygen`-style tools write). */
export function encodePkcs8(algorithm: "ecdsa-p256" | "ecdsa-p384" | "ed25519", privateKey: Uint8Array): Uint8Array {
  const version = der(0x02, new Uint8Array([0]));
  if (algorithm === "ed25519") {
    return der(0x30, version, der(0x30, der(0x06, Oid.ed25519)), der(0x04, der(0x04, privateKey)));
  }
  const curve = algorithm === "ecdsa-p256" ? Oid.prime256v1 : Oid.secp384r1;
  const ecKey = der(0x30, der(0x02, new Uint8Array([1])), der(0x04, privateKey));
  return der(0x30, version, der(0x30, der(0x06, Oid.ecPublicKey), der(0x06, curve)), der(0x04, ecKey));
}
