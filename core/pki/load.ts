/**
 * Loads a server certificate chain and its PKCS#8 private key from PEM text into the engine's
 * {@link ServerCertificate} shape, through the crypto provider (RSA needs the native one).
 *
 * @module
 */
import type { CryptoProvider } from "../crypto/provider.ts";
import type { ServerCertificate } from "../handshake/tls13/options.ts";
import { decodePem } from "./pem.ts";

/**
 * `certificatePem`: one or more CERTIFICATE blocks, leaf first; `keyPem`: a PRIVATE KEY (PKCS#8)
 * block. Throws `SyntaxError`/`TypeError` for missing blocks and `RangeError` for unsupported keys.
 */
export function loadServerCertificate(provider: CryptoProvider, certificatePem: string, keyPem: string): ServerCertificate {
  const chain = decodePem(certificatePem).filter((b) => b.label === "CERTIFICATE").map((b) => b.der);
  if (chain.length === 0) throw new TypeError("no CERTIFICATE block in the certificate PEM");
  const keys = decodePem(keyPem);
  const pkcs8 = keys.find((b) => b.label === "PRIVATE KEY");
  if (!pkcs8) {
    const other = keys[0]?.label;
    throw new TypeError(other ? `key PEM holds ${other}; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt)` : "no PRIVATE KEY block in the key PEM");
  }
  return { chain, key: provider.importSigningKey(pkcs8.der) };
}
