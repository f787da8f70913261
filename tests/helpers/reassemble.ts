/**
 * Test-side framing: pull the ClientHello out of captured DTLS datagrams or a TLS stream,
 * reassembling fragments, using only the core/wire primitives under test.
 *
 * @module
 */
import { type DtlsHandshakeFragment, type DtlsRecord, dtlsRecords, peekTlsRecordHeader, readDtlsHandshakeFragment, type TlsRecordHeader } from "../../wire.ts";

/** A reassembled DTLS handshake message with the records and fragments it came in. */
export interface DtlsMessage {
  /** Whole message body. */
  body: Uint8Array;
  /** Records in arrival order. */
  records: DtlsRecord[];
  /** Fragments in arrival order. */
  fragments: DtlsHandshakeFragment[];
}

/** Reassembles the one handshake message carried by `datagrams` (all fragments, any order). */
export function dtlsMessageFromDatagrams(datagrams: readonly Uint8Array[]): DtlsMessage {
  const records: DtlsRecord[] = [];
  const fragments: DtlsHandshakeFragment[] = [];
  for (const dg of datagrams) {
    for (const r of dtlsRecords(dg)) {
      if ("unified" in r) throw new Error("unexpected unified header");
      records.push(r);
      let at = 0;
      while (at < r.fragment.length) {
        const f = readDtlsHandshakeFragment(r.fragment, at);
        fragments.push(f);
        at += 12 + f.fragmentLength;
      }
    }
  }
  if (fragments.length === 0) throw new Error("no handshake fragment");
  const length = fragments[0].length;
  const body = new Uint8Array(length);
  const have = new Uint8Array(length);
  for (const f of fragments) {
    if (
      f.length !== length || f.msgType !== fragments[0].msgType || f.messageSeq !== fragments[0].messageSeq
    ) {
      throw new Error("fragments of different messages");
    }
    body.set(f.body, f.fragmentOffset);
    have.fill(1, f.fragmentOffset, f.fragmentOffset + f.fragmentLength);
  }
  if (have.includes(0)) throw new Error("message not fully covered");
  return { body, records, fragments };
}

/** A handshake message read out of a TLS stream. */
export interface TlsMessage {
  /** HandshakeType. */
  msgType: number;
  /** Body (no 4-byte header). */
  body: Uint8Array;
  /** Headers of the records that carried it (CCS records are listed too). */
  records: TlsRecordHeader[];
}

/** Reads all records of `stream`; returns the first handshake message (spanning records). */
export function tlsMessageFromStream(stream: Uint8Array): TlsMessage {
  const records: TlsRecordHeader[] = [];
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < stream.length) {
    const h = peekTlsRecordHeader(stream, at);
    if (!h) throw new Error("partial record header");
    if (at + 5 + h.length > stream.length) throw new Error("partial record");
    records.push(h);
    if (h.contentType === 22) parts.push(stream.subarray(at + 5, at + 5 + h.length));
    at += 5 + h.length;
  }
  let n = 0;
  for (const p of parts) n += p.length;
  const hs = new Uint8Array(n);
  n = 0;
  for (const p of parts) {
    hs.set(p, n);
    n += p.length;
  }
  const len = (hs[1] << 16) | (hs[2] << 8) | hs[3];
  if (hs.length !== 4 + len) throw new Error(`handshake length ${len} vs ${hs.length - 4} bytes`);
  return { msgType: hs[0], body: hs.subarray(4), records };
}
