// core/gate/retry.ts negotiate(): suite and group choice, and the retryKeyShare policy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { negotiate } from "../core/gate/retry.ts";
import { parseClientHello } from "../mod.ts";
import { dtls13ClientHelloBody } from "./helpers/dtls13_flight.ts";

const X25519 = 0x001d, P256 = 0x0017, P384 = 0x0018;
const ch = (o: Parameters<typeof dtls13ClientHelloBody>[0]) => parseClientHello(dtls13ClientHelloBody(o), { dtls: true });

test("a usable share wins: cookie-only retry by default", () => {
  const n = negotiate(ch({ shares: [{ group: P256, length: 65 }], groups: [X25519, P256] }), { cipherSuites: [0x1301], groups: [X25519, P256] });
  assert.deepEqual(n, { ok: true, cipherSuite: 0x1301, hash: "sha256", group: P256, shareSent: true });
});

test("no usable share: the most preferred supported group is requested", () => {
  // A P-256 share of the wrong length is not usable.
  const n = negotiate(ch({ shares: [{ group: P256, length: 64 }], groups: [P256, X25519] }), { cipherSuites: [0x1302, 0x1301], groups: [X25519, P256] });
  assert.deepEqual(n, { ok: true, cipherSuite: 0x1302, hash: "sha384", group: X25519, shareSent: false });
});

test("retryKeyShare always: request a supported group the client sent no share for", () => {
  const c = ch({ shares: [{ group: X25519, length: 32 }, { group: P256, length: 65 }], groups: [X25519, P256, P384] });
  const n = negotiate(c, { cipherSuites: [0x1301], groups: [X25519, P256, P384], retryKeyShare: "always" });
  assert.deepEqual(n, { ok: true, cipherSuite: 0x1301, hash: "sha256", group: P384, shareSent: false });
  // Nothing left to request: cookie-only after all.
  const m = negotiate(c, { cipherSuites: [0x1301], groups: [X25519, P256], retryKeyShare: "always" });
  assert.deepEqual(m, { ok: true, cipherSuite: 0x1301, hash: "sha256", group: X25519, shareSent: true });
});

test("no common suite or group", () => {
  assert.equal(negotiate(ch({}), { cipherSuites: [0x1303], groups: [X25519] }).ok, false);
  const n = negotiate(ch({ groups: [X25519] }), { cipherSuites: [0x1301], groups: [P384] });
  assert.deepEqual(n.ok ? undefined : n.reason, "no-common-group");
});
