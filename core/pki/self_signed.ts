/**
 * A self-signed END-ENTITY certificate made on the fly, for demos and tests: X.509 v3, random
 * positive serial, subject = issuer = CN=<first name>, basicConstraints CA:FALSE (critical),
 * keyUsage digitalSignature (critical), extKeyUsage serverAuth, subjectAltName DNS names and IP
 * addresses (default `localhost`, 127.0.0.1, ::1), signed by its own key (ecdsa-with-SHA256 /
 * SHA384, Ed25519, or sha256WithRSAEncryption). Deno's rustls client rejects a self-signed
 * server certificate that is a CA or lacks a SAN, hence the end-entity shape.
 *
 * Time is injected (`now`), as everywhere in `core/`.
 *
 * @module
 */
import { der, Oid } from "../crypto/der.ts";
import type { CryptoProvider, SigningKey, SigningKeyKind } from "../crypto/provider.ts";
import { SignatureScheme } from "../crypto/provider.ts";
import { encodePem } from "./pem.ts";

/** Options of {@link generateSelfSignedCertificate}. */
export interface SelfSignedOptions {
  /** Current time in ms (validity starts an hour earlier). */
  readonly now: number;
  /** Key type when `key` is not given (default `ecdsa-p256`). */
  readonly kind?: SigningKeyKind;
  /** Use this key instead of generating one. */
  readonly key?: SigningKey;
  /** subjectAltName DNS names (default `["localhost"]`); the first is also the CN. */
  readonly dnsNames?: readonly string[];
  /** subjectAltName IP addresses as text (default `["127.0.0.1", "::1"]`). */
  readonly ipAddresses?: readonly string[];
  /** Validity in days (default 30). */
  readonly days?: number;
}

/** A certificate with its key, ready for the engine's `certificates` option. */
export interface SelfSignedCertificate {
  /** `[leaf]` (DER). */
  readonly chain: readonly Uint8Array[];
  /** The certificate's private key (opaque). */
  readonly key: SigningKey;
  /** The certificate as PEM. */
  readonly certificatePem: string;
}

const OID_CN = new Uint8Array([0x55, 0x04, 0x03]);
const OID_BASIC_CONSTRAINTS = new Uint8Array([0x55, 0x1d, 0x13]);
const OID_KEY_USAGE = new Uint8Array([0x55, 0x1d, 0x0f]);
const OID_EXT_KEY_USAGE = new Uint8Array([0x55, 0x1d, 0x25]);
const OID_SAN = new Uint8Array([0x55, 0x1d, 0x11]);
const OID_SERVER_AUTH = new Uint8Array([0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01]);
const OID_SHA256_RSA = new Uint8Array([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]);
const TRUE = new Uint8Array([0x01, 0x01, 0xff]);
const utf8 = (s: string) => new TextEncoder().encode(s);

function time(ms: number): Uint8Array {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const y = d.getUTCFullYear();
  const rest = p(d.getUTCMonth() + 1) + p(d.getUTCDate()) + p(d.getUTCHours()) + p(d.getUTCMinutes()) + p(d.getUTCSeconds()) + "Z";
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return y < 2050 ? der(0x17, utf8(p(y % 100) + rest)) : der(0x18, utf8(p(y, 4) + rest));
}

/** Parses an IPv4 or IPv6 textual address into 4 or 16 bytes. Throws `TypeError` when malformed. */
export function ipAddressBytes(ip: string): Uint8Array {
  if (ip.includes(".") && !ip.includes(":")) {
    const parts = ip.split(".").map(Number);
    if (parts.length !== 4 || parts.some((n) => !Number.isInteger(n) || n < 0 || n > 255)) throw new TypeError(`bad IPv4 ${ip}`);
    return Uint8Array.from(parts);
  }
  const [head, tail] = ip.split("::");
  const h = head ? head.split(":") : [];
  const t = tail !== undefined && tail !== "" ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  if (groups.length !== 8) throw new TypeError(`bad IPv6 ${ip}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new TypeError(`bad IPv6 ${ip}`);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

function signatureAlgorithm(key: SigningKey): { algId: Uint8Array; scheme: number } {
  switch (key.kind) {
    case "ecdsa-p256":
      return { algId: der(0x30, der(0x06, Oid.ecdsaWithSha256)), scheme: SignatureScheme.ecdsa_secp256r1_sha256 };
    case "ecdsa-p384":
      return { algId: der(0x30, der(0x06, Oid.ecdsaWithSha384)), scheme: SignatureScheme.ecdsa_secp384r1_sha384 };
    case "ed25519":
      return { algId: der(0x30, der(0x06, Oid.ed25519)), scheme: SignatureScheme.ed25519 };
    case "rsa":
      if (!key.schemes.includes(SignatureScheme.rsa_pkcs1_sha256)) {
        throw new RangeError("this RSA key cannot sign with sha256WithRSAEncryption");
      }
      return { algId: der(0x30, der(0x06, OID_SHA256_RSA), der(0x05)), scheme: SignatureScheme.rsa_pkcs1_sha256 };
  }
}

/** Makes a self-signed end-entity certificate (see the module documentation). */
export function generateSelfSignedCertificate(provider: CryptoProvider, options: SelfSignedOptions): SelfSignedCertificate {
  if (!options || typeof options.now !== "number") throw new TypeError("generateSelfSignedCertificate needs { now }");
  const key = options.key ?? provider.generateSigningKey(options.kind ?? "ecdsa-p256");
  const dnsNames = options.dnsNames ?? ["localhost"];
  const ips = (options.ipAddresses ?? ["127.0.0.1", "::1"]).map(ipAddressBytes);
  const days = options.days ?? 30;
  const { algId, scheme } = signatureAlgorithm(key);
  const serial = provider.random(16);
  serial[0] = (serial[0] & 0x7f) | 0x40; // positive, no leading zero
  const name = der(0x30, der(0x31, der(0x30, der(0x06, OID_CN), der(0x0c, utf8(dnsNames[0] ?? "hellogate")))));
  const ext = (oid: Uint8Array, critical: boolean, value: Uint8Array) =>
    critical ? der(0x30, der(0x06, oid), TRUE, der(0x04, value)) : der(0x30, der(0x06, oid), der(0x04, value));
  const san = der(0x30, ...dnsNames.map((n) => der(0x82, utf8(n))), ...ips.map((ip) => der(0x87, ip)));
  const extensions = der(
    0xa3,
    der(
      0x30,
      ext(OID_BASIC_CONSTRAINTS, true, der(0x30)),
      ext(OID_KEY_USAGE, true, der(0x03, new Uint8Array([0x07, 0x80]))),
      ext(OID_EXT_KEY_USAGE, false, der(0x30, der(0x06, OID_SERVER_AUTH))),
      ext(OID_SAN, false, san),
    ),
  );
  const tbs = der(
    0x30,
    der(0xa0, der(0x02, new Uint8Array([2]))),
    der(0x02, serial),
    algId,
    name,
    der(0x30, time(options.now - 3600_000), time(options.now + days * 86400_000)),
    name,
    key.publicKeySpki,
    extensions,
  );
  const signature = key.sign(scheme, tbs);
  const cert = der(0x30, tbs, algId, der(0x03, new Uint8Array([0]), signature));
  return { chain: [cert], key, certificatePem: encodePem("CERTIFICATE", cert) };
}
