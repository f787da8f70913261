/**
 * JSON descriptions of what `inspect` decodes: the ClientHello (with its record and handshake
 * headers for DTLS) and the listener's outcome.
 *
 * @module
 */
import type { Outcome } from "../core/gate/outcome.ts";
import { formatPeer } from "../core/peer.ts";
import { cipherSuiteName } from "../core/constants/cipher_suites.ts";
import { extensionName } from "../core/constants/extensions.ts";
import { groupName } from "../core/constants/groups.ts";
import { hex16, versionName } from "../core/constants/versions.ts";
import { type ClientHello, parseClientHello } from "../core/messages/client_hello.ts";
import { readDtlsRecord } from "../core/wire/record.ts";
import { readDtlsHandshakeFragment } from "../core/wire/handshake_header.ts";
import { TlsRecordReader } from "../core/record/tls_record_reader.ts";
import { TlsHandshakeAssembler } from "../core/record/tls_handshake_assembler.ts";
import { ContentType, HandshakeType } from "../core/constants/protocol.ts";
import { hex } from "./hex.ts";

/** The fields of a parsed ClientHello, with names instead of code points. */
export function describeClientHello(ch: ClientHello): Record<string, unknown> {
  const o: Record<string, unknown> = {
    legacyVersion: versionName(ch.legacyVersion),
    random: hex(ch.random),
    legacySessionId: hex(ch.legacySessionId),
  };
  if (ch.legacyCookie !== undefined) o.legacyCookie = hex(ch.legacyCookie);
  o.cipherSuites = ch.cipherSuites.map(cipherSuiteName);
  o.compressionMethods = [...ch.compressionMethods];
  o.extensions = ch.extensions.map((e) => extensionName(e.type));
  if (ch.serverName !== undefined) o.serverName = ch.serverName;
  if (ch.supportedVersions) o.supportedVersions = ch.supportedVersions.map(versionName);
  if (ch.supportedGroups) o.supportedGroups = ch.supportedGroups.map(groupName);
  if (ch.keyShares) o.keyShares = ch.keyShares.map((k) => ({ group: groupName(k.group), length: k.keyExchange.length }));
  if (ch.signatureAlgorithms) o.signatureAlgorithms = ch.signatureAlgorithms.map(hex16);
  if (ch.alpn) o.alpn = ch.alpn;
  if (ch.cookie) o.cookie = hex(ch.cookie);
  if (ch.pskKeyExchangeModes) o.pskKeyExchangeModes = [...ch.pskKeyExchangeModes];
  if (ch.preSharedKey) o.preSharedKeyIdentities = ch.preSharedKey.identities.length;
  if (ch.earlyData) o.earlyData = true;
  if (ch.paddingLength !== undefined) o.paddingLength = ch.paddingLength;
  return o;
}

/** Best-effort decode of the first ClientHello in the input; `clientHello: null` or `error` when it does not decode. */
export function decodeClientHello(input: Uint8Array, transport: "udp" | "tcp"): Record<string, unknown> {
  try {
    if (transport === "udp") {
      const rec = readDtlsRecord(input, 0);
      const frag = readDtlsHandshakeFragment(rec.fragment, 0);
      const record = { contentType: rec.contentType, version: versionName(rec.version), epoch: rec.epoch, sequence: rec.sequence };
      const handshake = {
        msgType: frag.msgType,
        length: frag.length,
        messageSeq: frag.messageSeq,
        fragmentOffset: frag.fragmentOffset,
        fragmentLength: frag.fragmentLength,
      };
      if (frag.msgType !== HandshakeType.client_hello || frag.fragmentOffset !== 0 || frag.fragmentLength !== frag.length) {
        return { record, handshake, clientHello: null, error: "not a complete ClientHello in the first record" };
      }
      return { record, handshake, ...describeClientHello(parseClientHello(frag.body, { dtls: true })) };
    }
    // TLS: the handshake records' payloads in order (change_cipher_spec skipped), through the
    // framing layer's record reader and handshake-message assembler. A capture cut inside a
    // record still contributes the bytes it has.
    const records = new TlsRecordReader({ maxFragmentBytes: 0xffff });
    records.push(input);
    const messages = new TlsHandshakeAssembler();
    let handshakeBytes = 0;
    for (;;) {
      const r = records.next();
      if (r.kind === "record") {
        if (r.contentType === ContentType.change_cipher_spec) continue;
        if (r.contentType !== ContentType.handshake) break;
        messages.push(r.fragment);
        handshakeBytes += r.fragment.length;
        continue;
      }
      const partial = r.kind === "need-data" ? records.peekHeader() : undefined;
      if (partial?.contentType === ContentType.handshake) {
        const rest = records.peekBytes(records.buffered).subarray(5);
        messages.push(rest);
        handshakeBytes += rest.length;
      }
      break;
    }
    const m = messages.next();
    if (m.kind === "error") return { clientHello: null, error: m.detail };
    if (m.kind === "need-data") {
      return handshakeBytes < 4
        ? { clientHello: null, error: "no ClientHello handshake message" }
        : { clientHello: null, error: `ClientHello incomplete: ${m.bytesNeeded} more bytes needed` };
    }
    if (m.msgType !== HandshakeType.client_hello) return { clientHello: null, error: "no ClientHello handshake message" };
    return describeClientHello(parseClientHello(m.body, { dtls: false }));
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** A listener outcome as JSON (bytes as hex). */
export function describeOutcome(out: Outcome): Record<string, unknown> {
  switch (out.kind) {
    case "send":
      return {
        kind: out.kind,
        message: out.message,
        protocol: out.protocol,
        ...(out.alert ? { alert: out.alert } : {}),
        ...(out.reason ? { reason: out.reason } : {}),
        ...(out.detail ? { detail: out.detail } : {}),
        bytes: hex(out.bytes),
      };
    case "dropped":
      return { kind: out.kind, reason: out.reason, detail: out.detail, bytes: "" };
    case "need-more-data":
      return { kind: out.kind, ...(out.bytesNeeded !== undefined ? { bytesNeeded: out.bytesNeeded } : {}), bytes: "" };
    case "closed":
      return {
        kind: out.kind,
        reason: out.reason,
        detail: out.detail,
        ...(out.alert ? { alert: out.alert, alertSender: "us" } : {}),
        ...(out.peerAlert ? { alert: out.peerAlert, alertSender: "peer" } : {}),
        bytes: out.bytes ? hex(out.bytes) : "",
      };
    case "accepted":
      return {
        kind: out.kind,
        protocol: out.protocol,
        peer: formatPeer(out.peer),
        addressValidated: out.addressValidated,
        ...(out.cookieIssuedAt !== undefined ? { cookieIssuedAt: out.cookieIssuedAt } : {}),
        clientHelloMessage: hex(out.clientHelloMessage),
        remainder: hex(out.remainder),
        ...(out.sequencing ? { sequencing: out.sequencing } : {}),
        ...(out.retry
          ? {
            retry: {
              cipherSuite: cipherSuiteName(out.retry.cipherSuite),
              hash: out.retry.hash,
              group: groupName(out.retry.group),
              clientHello1Hash: hex(out.retry.clientHello1Hash),
              helloRetryRequest: hex(out.retry.helloRetryRequest),
            },
          }
          : {}),
        bytes: "",
      };
  }
}
