/**
 * A flight (RFC 6347 §4.2.4): the handshake messages and ChangeCipherSpec we send together,
 * kept as plaintext records so each (re)transmission can be encoded afresh with new record
 * sequence numbers, then packed into datagrams no larger than the path MTU. Messages larger
 * than a record allows are split into fragments with 12-byte headers (RFC 6347 §4.2.3).
 *
 * @module
 */
import { DTLS_HANDSHAKE_HEADER_LENGTH, writeDtlsHandshakeHeader } from "../../wire/handshake_header.ts";
import { DTLS_RECORD_HEADER_LENGTH } from "../../wire/record.ts";
import { ContentType } from "../../constants/protocol.ts";

/** One record of a flight before protection. */
export interface FlightRecord {
  /** Content type. */
  readonly type: number;
  /** Epoch it is sent under (0 plaintext, 1 protected). */
  readonly epoch: number;
  /** Record plaintext. */
  readonly payload: Uint8Array;
}

/** A handshake message to put in a flight. */
export interface FlightMessage {
  /** HandshakeType. */
  readonly msgType: number;
  /** message_seq. */
  readonly messageSeq: number;
  /** Body. */
  readonly body: Uint8Array;
  /** Epoch to send it under. */
  readonly epoch: number;
}

/**
 * Splits a message into handshake-fragment records whose plaintext is at most
 * `maxRecordPlaintext` bytes (header included).
 */
export function fragmentMessage(message: FlightMessage, maxRecordPlaintext: number): FlightRecord[] {
  const room = maxRecordPlaintext - DTLS_HANDSHAKE_HEADER_LENGTH;
  if (room < 1) throw new RangeError("hellogate: MTU too small for a handshake fragment");
  const n = message.body.length;
  const out: FlightRecord[] = [];
  let offset = 0;
  do {
    const len = Math.min(room, n - offset);
    const payload = new Uint8Array(DTLS_HANDSHAKE_HEADER_LENGTH + len);
    writeDtlsHandshakeHeader(payload, 0, message.msgType, n, message.messageSeq, offset, len);
    payload.set(message.body.subarray(offset, offset + len), DTLS_HANDSHAKE_HEADER_LENGTH);
    out.push({ type: ContentType.handshake, epoch: message.epoch, payload });
    offset += len;
  } while (offset < n);
  return out;
}

/** The ChangeCipherSpec record (RFC 5246 §7.1): one byte, 1, sent under the old epoch. */
export function changeCipherSpecRecord(epoch: number): FlightRecord {
  return { type: ContentType.change_cipher_spec, epoch, payload: new Uint8Array([1]) };
}

/** Packs encoded records into datagrams of at most `mtu` bytes (several records per datagram, RFC 6347 §4.1.1). */
export function packDatagrams(records: readonly Uint8Array[], mtu: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let batch: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
    if (batch.length === 0) return;
    const d = new Uint8Array(size);
    let at = 0;
    for (const r of batch) {
      d.set(r, at);
      at += r.length;
    }
    out.push(d);
    batch = [];
    size = 0;
  };
  for (const r of records) {
    if (size + r.length > mtu) flush();
    batch.push(r);
    size += r.length;
  }
  flush();
  return out;
}

/** Largest record plaintext that fits `mtu` with a record header and `overhead` protection bytes. */
export function maxRecordPlaintext(mtu: number, overhead: number): number {
  return mtu - DTLS_RECORD_HEADER_LENGTH - overhead;
}
