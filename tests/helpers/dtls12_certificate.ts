// Test-only: self-signed end-entity credentials for in-memory DTLS tests (core/pki generator).
import type { SigningKey, SigningKeyKind } from "../../core/crypto/provider.ts";
import { portableProvider } from "../../core/crypto/portable.ts";
import { generateSelfSignedCertificate } from "../../core/pki/self_signed.ts";

/** A self-signed certificate and its key. */
export interface TestCredentials {
  readonly chain: Uint8Array[];
  readonly key: SigningKey;
}

/** Makes a self-signed certificate (ECDSA P-256 by default) with a fresh key. */
export function makeTestCertificate(name = "localhost", kind: SigningKeyKind = "ecdsa-p256"): TestCredentials {
  const c = generateSelfSignedCertificate(portableProvider, { now: 1_700_000_000_000, kind, dnsNames: [name] });
  return { chain: [...c.chain], key: c.key };
}
