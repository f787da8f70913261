// core/gate/alerts.ts: the one reason → alert table, and that the listeners send what it says.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GATE_ALERTS, gateAlert } from "../core/gate/alerts.ts";
import { AlertDescription } from "../core/constants/protocol.ts";
import { CookieKeyring, StreamListener } from "../mod.ts";

const peer = { family: "ipv4" as const, address: "192.0.2.1", port: 443 };

test("alert table: RFC 8446 §6.2 alerts for the stream reasons, silence for DTLSv1_listen's drops", () => {
  assert.equal(GATE_ALERTS["unexpected-record"], "unexpected_message");
  assert.equal(GATE_ALERTS["bad-record-length"], "record_overflow");
  assert.equal(GATE_ALERTS["client-hello-changed"], "illegal_parameter");
  assert.equal(GATE_ALERTS["no-common-group"], "handshake_failure");
  for (const r of ["too-short", "bad-epoch", "encrypted-record", "peer-alert", "end-of-stream", "not-tls"] as const) {
    assert.equal(GATE_ALERTS[r], undefined, r);
  }
  assert.equal(gateAlert("malformed-client-hello"), "decode_error");
  assert.equal(gateAlert("malformed-client-hello", "duplicate-extension"), "illegal_parameter");
  assert.equal(gateAlert("malformed-client-hello", "psk-not-last"), "illegal_parameter");
});

test("the stream listener sends exactly the table's alert (record bytes checked by hand)", () => {
  const cases: [Uint8Array, string][] = [
    [Uint8Array.of(23, 3, 3, 0, 1, 0), "unexpected-record"], // application_data before any ClientHello
    [Uint8Array.of(22, 4, 3, 0, 1, 1), "bad-record-version"], // major 4 on a later record is checked after the first
    [Uint8Array.of(22, 3, 3, 0x48, 0x01), "bad-record-length"], // 18433 > 2^14 + 256
    [Uint8Array.of(22, 3, 3, 0, 4, 2, 0, 0, 0), "not-client-hello"],
  ];
  for (const [bytes, reason] of cases) {
    const l = new StreamListener({ keyring: CookieKeyring.random(), framing: "tls-records", peer });
    const input = reason === "bad-record-version" ? new Uint8Array([20, 3, 3, 0, 1, 1, ...bytes]) : bytes;
    const out = l.receive(input, Date.now());
    assert.equal(out.kind, "closed", reason);
    assert.equal(out.kind === "closed" && out.reason, reason);
    if (out.kind !== "closed") continue;
    const expected = GATE_ALERTS[out.reason];
    assert.ok(expected, `${out.reason} has an alert`);
    // TLSPlaintext alert record: 15 03 03 00 02 02 <description> (RFC 8446 §5.1, §6).
    assert.deepEqual(out.bytes, Uint8Array.of(21, 3, 3, 0, 2, 2, AlertDescription[expected!]), out.reason);
    assert.equal(out.alert, expected);
  }
});
