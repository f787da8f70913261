// Shared set-up for the TLS 1.3 engine tests: certificates per key kind (made once), an engine
// factory, and byte helpers.
import { portableProvider } from "../../core/crypto/portable.ts";
import type { SigningKeyKind } from "../../core/crypto/provider.ts";
import { generateSelfSignedCertificate, type SelfSignedCertificate } from "../../core/pki/self_signed.ts";
import { Tls13ServerEngine } from "../../core/handshake/tls13/server.ts";
import type { Tls13ServerOptions } from "../../core/handshake/tls13/options.ts";
import type { AcceptedOutcome } from "../../core/gate/outcome.ts";

export const NOW = Date.UTC(2026, 0, 15);
const certs = new Map<SigningKeyKind, SelfSignedCertificate>();

export function certificateFor(kind: SigningKeyKind = "ecdsa-p256"): SelfSignedCertificate {
  let c = certs.get(kind);
  if (!c) certs.set(kind, c = generateSelfSignedCertificate(portableProvider, { now: NOW, kind }));
  return c;
}

export function engine(options: Partial<Tls13ServerOptions> = {}, accepted?: AcceptedOutcome): Tls13ServerEngine {
  return new Tls13ServerEngine({ provider: portableProvider, certificates: [certificateFor()], ...options }, accepted);
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);
