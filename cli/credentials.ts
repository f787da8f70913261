/**
 * `--cert F --key F` for the serving commands: a PEM certificate chain (leaf first) and its PEM
 * PKCS#8 key, or, without them, a fresh self-signed ECDSA P-256 end-entity certificate for
 * localhost, 127.0.0.1 and ::1 (for demos and tests).
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { CryptoProvider } from "../core/crypto/provider.ts";
import type { ServerCertificate } from "../core/handshake/tls13/options.ts";
import { loadServerCertificate } from "../core/pki/load.ts";
import { generateSelfSignedCertificate } from "../core/pki/self_signed.ts";
import { type Args, flag, UsageError } from "./args.ts";

/** `--cert F --key F` read as text, or undefined when neither is given; usage errors name the flag and file. */
export function certKeyFilesFromArgs(
  args: Args,
  command: string,
): { cert: string; key: string; certPem: string; keyPem: string } | undefined {
  const cert = flag(args, "cert"), key = flag(args, "key");
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError(cert === undefined ? "--key needs --cert" : "--cert needs --key", command);
  }
  if (cert === undefined || key === undefined) return undefined;
  return { cert, key, certPem: readText(cert, "cert", command), keyPem: readText(key, "key", command) };
}

/** The certificate from `--cert`/`--key`, or a self-signed one; usage errors name the file. */
export function credentialsFromArgs(
  args: Args,
  provider: CryptoProvider,
  command: string,
): { certificate: ServerCertificate; selfSigned: boolean } {
  const files = certKeyFilesFromArgs(args, command);
  if (files === undefined) {
    return { certificate: generateSelfSignedCertificate(provider, { now: Date.now() }), selfSigned: true };
  }
  const { cert, key, certPem, keyPem } = files;
  try {
    return { certificate: loadServerCertificate(provider, certPem, keyPem), selfSigned: false };
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).replace(/^(hellogate: )+/, "");
    throw new UsageError(`--cert ${cert} / --key ${key}: ${why}`, command);
  }
}

function readText(path: string, flagName: string, command: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as { code?: string })?.code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code ?? String(e);
    throw new UsageError(`--${flagName} ${path}: cannot read: ${why}`, command);
  }
}
