/**
 * Splits what a server sent (TLS stream bytes or DTLS datagrams) into records and whole
 * handshake messages, the first thing a client does with a reply. Handshake messages may span
 * TLS records; DTLS fragments (RFC 6347 §4.2.3) are reassembled, in any order, with overlaps.
 *
 * Throws only {@link DecodeError} on malformed input.
 *
 * @module
 */
import { DecodeError } from "../core/wire/decode_error.ts";
import { Reader } from "../core/wire/reader.ts";
import { isDtlsUnifiedHeader, readDtlsRecord } from "../core/wire/record.ts";
import { readDtlsHandshakeFragment } from "../core/wire/handshake_header.ts";

/** Largest server handshake message this reader reassembles (HRR/HVR are far smaller). */
const MAX_SERVER_MESSAGE = 1 << 16;

/** A whole handshake message from the server. */
export interface ServerHandshakeMessage {
  /** HandshakeType. */
  readonly msgType: number;
  /** Message body (no header). */
  readonly body: Uint8Array;
  /** DTLS message_seq (undefined for TLS). */
  readonly messageSeq?: number;
  /** Record version of the (first) record that carried it. */
  readonly recordVersion: number;
  /** DTLS record sequence number of the (first) record that carried it. */
  readonly recordSequence?: number;
  /** DTLS epoch of that record. */
  readonly epoch?: number;
}

/** One item of a server flight, in arrival order. */
export type ServerFlightItem =
  | { readonly kind: "handshake"; readonly message: ServerHandshakeMessage }
  | { readonly kind: "change-cipher-spec"; readonly payload: Uint8Array; readonly recordVersion: number }
  | {
    readonly kind: "alert";
    readonly level: number;
    readonly description: number;
    readonly recordVersion: number;
  };

/** Reads a TLS byte stream of whole records. */
function readTls(bytes: Uint8Array): ServerFlightItem[] {
  const items: ServerFlightItem[] = [];
  const r = new Reader(bytes);
  let hs: Uint8Array = new Uint8Array(0);
  let hsVersion = 0;
  while (r.remaining > 0) {
    const type = r.u8("tls_record.type");
    const version = r.u16("tls_record.version");
    const at = r.pos;
    const payload = r.vectorBytes(2, "tls_record.fragment");
    if (type === 22) {
      if (payload.length === 0) {
        throw new DecodeError("bad-length", "tls_record.handshake", at, "empty handshake record");
      }
      if (hs.length === 0) hsVersion = version;
      const next = new Uint8Array(hs.length + payload.length);
      next.set(hs);
      next.set(payload, hs.length);
      hs = next;
      // Emit every whole message now buffered.
      while (hs.length >= 4) {
        const len = (hs[1] << 16) | (hs[2] << 8) | hs[3];
        if (len > MAX_SERVER_MESSAGE) {
          throw new DecodeError("bad-length", "handshake.length", at, `length ${len}`);
        }
        if (hs.length < 4 + len) break;
        items.push({
          kind: "handshake",
          message: { msgType: hs[0], body: hs.slice(4, 4 + len), recordVersion: hsVersion },
        });
        hs = hs.slice(4 + len);
        hsVersion = version;
      }
      continue;
    }
    if (hs.length > 0) {
      throw new DecodeError(
        "illegal-value",
        "tls_record.type",
        at - 5,
        "record interleaved inside a handshake message",
      );
    }
    if (type === 20) items.push({ kind: "change-cipher-spec", payload, recordVersion: version });
    else if (type === 21) {
      if (payload.length !== 2) throw new DecodeError("bad-length", "alert", at, "an alert is 2 bytes");
      items.push({ kind: "alert", level: payload[0], description: payload[1], recordVersion: version });
    } else throw new DecodeError("illegal-value", "tls_record.type", at - 5, `content type ${type}`);
  }
  if (hs.length > 0) {
    throw new DecodeError("truncated", "handshake", bytes.length, "handshake message incomplete");
  }
  return items;
}

interface Partial {
  readonly msgType: number;
  readonly body: Uint8Array;
  readonly have: Uint8Array;
  missing: number;
  readonly recordVersion: number;
  readonly recordSequence: number;
  readonly epoch: number;
}

/** Reads DTLS datagrams (each a sequence of DTLSPlaintext records), reassembling fragments. */
function readDtls(datagrams: readonly Uint8Array[]): ServerFlightItem[] {
  const items: ServerFlightItem[] = [];
  const partial = new Map<number, Partial>();
  for (const dg of datagrams) {
    let offset = 0;
    while (offset < dg.length) {
      if (isDtlsUnifiedHeader(dg[offset])) {
        throw new DecodeError(
          "illegal-value",
          "dtls_record.type",
          offset,
          "encrypted (unified header) record",
        );
      }
      const rec = readDtlsRecord(dg, offset);
      offset += 13 + rec.fragment.length;
      if (rec.epoch !== 0) {
        throw new DecodeError("illegal-value", "dtls_record.epoch", rec.offset + 3, `epoch ${rec.epoch}`);
      }
      if (rec.contentType === 20) {
        items.push({ kind: "change-cipher-spec", payload: rec.fragment, recordVersion: rec.version });
      } else if (rec.contentType === 21) {
        if (rec.fragment.length !== 2) {
          throw new DecodeError("bad-length", "alert", rec.offset + 13, "an alert is 2 bytes");
        }
        items.push({
          kind: "alert",
          level: rec.fragment[0],
          description: rec.fragment[1],
          recordVersion: rec.version,
        });
      } else if (rec.contentType === 22) {
        let at = 0;
        if (rec.fragment.length === 0) {
          throw new DecodeError("bad-length", "dtls_record.handshake", rec.offset + 13);
        }
        while (at < rec.fragment.length) {
          const f = readDtlsHandshakeFragment(rec.fragment, at);
          at += 12 + f.fragmentLength;
          if (f.length > MAX_SERVER_MESSAGE) {
            throw new DecodeError("bad-length", "handshake.length", at, `length ${f.length}`);
          }
          let p = partial.get(f.messageSeq);
          if (!p) {
            p = {
              msgType: f.msgType,
              body: new Uint8Array(f.length),
              have: new Uint8Array(f.length),
              missing: f.length,
              recordVersion: rec.version,
              recordSequence: rec.sequence,
              epoch: rec.epoch,
            };
            partial.set(f.messageSeq, p);
          } else if (p.msgType !== f.msgType || p.body.length !== f.length) {
            throw new DecodeError(
              "illegal-value",
              "dtls_handshake",
              at,
              "fragments disagree on type or length",
            );
          } else if (p.missing === 0) {
            continue; // a retransmitted fragment of a message already complete
          }
          for (let i = 0; i < f.fragmentLength; i++) {
            const j = f.fragmentOffset + i;
            if (!p.have[j]) {
              p.have[j] = 1;
              p.missing--;
            } else if (p.body[j] !== f.body[i]) {
              throw new DecodeError(
                "illegal-value",
                "dtls_handshake.fragment",
                at,
                "overlapping fragments differ",
              );
            }
            p.body[j] = f.body[i];
          }
          if (p.missing === 0) {
            items.push({
              kind: "handshake",
              message: {
                msgType: p.msgType,
                body: p.body,
                messageSeq: f.messageSeq,
                recordVersion: p.recordVersion,
                recordSequence: p.recordSequence,
                epoch: p.epoch,
              },
            });
          }
        }
      } else {
        throw new DecodeError(
          "illegal-value",
          "dtls_record.type",
          rec.offset,
          `content type ${rec.contentType}`,
        );
      }
    }
  }
  for (const p of partial.values()) {
    if (p.missing > 0) {
      throw new DecodeError("truncated", "dtls_handshake", 0, "handshake message incomplete");
    }
  }
  return items;
}

/**
 * Decodes a server flight. For TLS pass the stream bytes (whole records); for DTLS pass one
 * or more datagrams. Throws {@link DecodeError} for malformed or incomplete input.
 */
export function readServerFlight(
  bytes: Uint8Array | readonly Uint8Array[],
  dtls: boolean,
): ServerFlightItem[] {
  const list = bytes instanceof Uint8Array ? [bytes] : bytes;
  if (dtls) return readDtls(list);
  let n = 0;
  for (const b of list) n += b.length;
  const all = new Uint8Array(n);
  let at = 0;
  for (const b of list) {
    all.set(b, at);
    at += b.length;
  }
  return readTls(all);
}
