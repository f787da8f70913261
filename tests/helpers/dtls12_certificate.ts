// Test-only: a minimal self-signed X.509 v3 certificate (RFC 5280 §4.1) for in-memory DTLS tests,
// built with the DER helpers. Interop tests use certificates made by the openssl CLI instead.
import { der, Oid } from "../../core/crypto/der.ts";
import type { CryptoProvider, SigningKey, SigningKeyKind } from "../../core/crypto/provider.ts";
import { portableProvider } from "../../core/crypto/portable.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);
const oidCommonName = new Uint8Array([0x55, 0x04, 0x03]);

/** A self-signed certificate and its key. */
export interface TestCredentials {
  readonly chain: Uint8Array[];
  readonly key: SigningKey;
}

/** Makes a self-signed ECDSA certificate (P-256 by default) with a fresh key. */
export function makeTestCertificate(
  name = "hellogate test",
  kind: SigningKeyKind = "ecdsa-p256",
  provider: CryptoProvider = portableProvider,
): TestCredentials {
  const key = provider.generateSigningKey(kind);
  const sigOid = kind === "ecdsa-p384" ? Oid.ecdsaWithSha384 : Oid.ecdsaWithSha256;
  const scheme = kind === "ecdsa-p384" ? 0x0503 : 0x0403;
  const algId = der(0x30, der(0x06, sigOid));
  const nameDer = der(0x30, der(0x31, der(0x30, der(0x06, oidCommonName), der(0x0c, utf8(name)))));
  const validity = der(0x30, der(0x17, utf8("250101000000Z")), der(0x17, utf8("350101000000Z")));
  const tbs = der(
    0x30,
    der(0xa0, der(0x02, new Uint8Array([2]))),
    der(0x02, new Uint8Array([1, 2, 3, 4])),
    algId,
    nameDer,
    validity,
    nameDer,
    key.publicKeySpki,
  );
  const sig = key.sign(scheme, tbs);
  const cert = der(0x30, tbs, algId, der(0x03, new Uint8Array([0]), sig));
  return { chain: [cert], key };
}
