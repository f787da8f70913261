/**
 * Just enough X.509 (RFC 5280 §4.1) for a TLS endpoint: the leaf certificate's
 * SubjectPublicKeyInfo (to verify a CertificateVerify), its validity and its subjectAltName
 * DNS names and IP addresses. Not a path validator.
 *
 * @module
 */
import { derChildren, readDer } from "../crypto/der.ts";
import { DecodeError } from "../wire/decode_error.ts";

/** What {@link parseCertificate} extracts. */
export interface CertificateInfo {
  /** The DER TBSCertificate. */
  readonly tbs: Uint8Array;
  /** The DER SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** notBefore, ms since the epoch. */
  readonly notBefore: number;
  /** notAfter, ms since the epoch. */
  readonly notAfter: number;
  /** subjectAltName dNSName entries. */
  readonly dnsNames: readonly string[];
  /** subjectAltName iPAddress entries (4 or 16 bytes each). */
  readonly ipAddresses: readonly Uint8Array[];
  /** basicConstraints cA (false when absent). */
  readonly isCa: boolean;
}

function parseTime(b: Uint8Array, tag: number): number {
  const s = String.fromCharCode(...b);
  const m = tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) throw new DecodeError("illegal-value", "x509.validity", 0);
  let year = Number(m[1]);
  if (tag === 0x17) year += year < 50 ? 2000 : 1900;
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

const OID_SAN = "551d11", OID_BASIC = "551d13";
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

/** Parses a DER certificate. Throws {@link DecodeError} on malformed input. */
export function parseCertificate(der: Uint8Array): CertificateInfo {
  const top = readDer(der, 0);
  if (top.tag !== 0x30 || top.end !== der.length) throw new DecodeError("illegal-value", "x509.certificate", 0);
  const [tbsEl] = derChildren(der, top);
  if (!tbsEl || tbsEl.tag !== 0x30) throw new DecodeError("illegal-value", "x509.tbs", 0);
  const fields = derChildren(der, tbsEl);
  let i = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version
  i += 2; // serial, signature
  i += 1; // issuer
  const validity = fields[i++];
  i += 1; // subject
  const spkiEl = fields[i++];
  if (!validity || !spkiEl || validity.tag !== 0x30 || spkiEl.tag !== 0x30) throw new DecodeError("illegal-value", "x509.tbs", 0);
  const [nb, na] = derChildren(der, validity);
  const dnsNames: string[] = [];
  const ipAddresses: Uint8Array[] = [];
  let isCa = false;
  for (; i < fields.length; i++) {
    if (fields[i].tag !== 0xa3) continue;
    const exts = readDer(der, fields[i].start, fields[i].end);
    for (const ext of derChildren(der, exts)) {
      const parts = derChildren(der, ext);
      const oid = hex(der.subarray(parts[0].start, parts[0].end));
      const value = parts[parts.length - 1];
      const inner = readDer(der, value.start, value.end);
      if (oid === OID_SAN) {
        for (const n of derChildren(der, inner)) {
          if (n.tag === 0x82) dnsNames.push(String.fromCharCode(...der.subarray(n.start, n.end)));
          if (n.tag === 0x87) ipAddresses.push(der.slice(n.start, n.end));
        }
      } else if (oid === OID_BASIC) {
        const c = derChildren(der, inner);
        isCa = c[0]?.tag === 0x01 && der[c[0].start] !== 0;
      }
    }
  }
  const spkiIndex = fields.indexOf(spkiEl);
  const spkiStart = fields[spkiIndex - 1].end;
  return {
    tbs: der.slice(top.start, tbsEl.end),
    spki: der.slice(spkiStart, spkiEl.end),
    notBefore: parseTime(der.subarray(nb.start, nb.end), nb.tag),
    notAfter: parseTime(der.subarray(na.start, na.end), na.tag),
    dnsNames,
    ipAddresses,
    isCa,
  };
}

