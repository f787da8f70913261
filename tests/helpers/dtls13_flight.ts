/**
 * Minimal hand-built DTLS 1.3 ClientHello datagrams for listener tests: the fields are laid out
 * with the encoder, but every byte a test checks is read back by hand, not with our parser.
 *
 * @module
 */
import { encodeClientHello, encodeCookieExtension, encodeKeyShareClient, encodeSupportedVersionsClient, encodeU16List } from "../../testing/mod.ts";
import { concat } from "./fixtures.ts";

/** Options for {@link dtls13ClientHelloBody}. */
export interface Dtls13HelloOptions {
  shares?: { group: number; length: number }[];
  groups?: number[];
  suites?: number[];
  cookie?: Uint8Array;
  legacyCookie?: Uint8Array;
  padTo?: number;
  earlyData?: boolean;
}

/** A DTLS 1.3 ClientHello body. */
export function dtls13ClientHelloBody(o: Dtls13HelloOptions = {}): Uint8Array {
  const shares = (o.shares ?? [{ group: 0x001d, length: 32 }]).map((s) => ({
    group: s.group,
    keyExchange: new Uint8Array(s.length).fill(s.group & 0xff),
  }));
  const ext = [
    { type: 43, data: encodeSupportedVersionsClient([0xfefc, 0xfefd]) },
    { type: 10, data: encodeU16List(o.groups ?? [0x001d, 0x0017]) },
    { type: 13, data: encodeU16List([0x0403, 0x0804]) },
    { type: 51, data: encodeKeyShareClient(shares) },
  ];
  if (o.earlyData) ext.push({ type: 42, data: new Uint8Array(0) });
  if (o.cookie) ext.push({ type: 44, data: encodeCookieExtension(o.cookie) });
  if (o.padTo) ext.push({ type: 21, data: new Uint8Array(o.padTo) });
  return encodeClientHello({
    dtls: true,
    legacyVersion: 0xfefd,
    random: new Uint8Array(32).fill(0x42),
    legacySessionId: new Uint8Array(0),
    legacyCookie: o.legacyCookie ?? new Uint8Array(0),
    cipherSuites: o.suites ?? [0x1301, 0x1302],
    compressionMethods: new Uint8Array([0]),
    extensions: ext,
  });
}

/** Wraps a body into one DTLSPlaintext datagram (one record, one unfragmented message). */
export function dtlsDatagram(body: Uint8Array, recordSeq: number, messageSeq: number): Uint8Array {
  return dtlsFragmentDatagram(body, 0, body.length, recordSeq, messageSeq);
}

/** One datagram holding the fragment `body[off, off+len)`. */
export function dtlsFragmentDatagram(body: Uint8Array, off: number, len: number, recordSeq: number, messageSeq: number): Uint8Array {
  const frag = body.subarray(off, off + len);
  const hs = new Uint8Array(12);
  hs[0] = 1;
  hs[1] = body.length >>> 16;
  hs[2] = body.length >>> 8;
  hs[3] = body.length;
  hs[4] = messageSeq >>> 8;
  hs[5] = messageSeq;
  hs[6] = off >>> 16;
  hs[7] = off >>> 8;
  hs[8] = off;
  hs[9] = len >>> 16;
  hs[10] = len >>> 8;
  hs[11] = len;
  const rec = new Uint8Array(13);
  rec[0] = 22;
  rec[1] = 0xfe;
  rec[2] = 0xfd;
  rec[9] = recordSeq >>> 8;
  rec[10] = recordSeq;
  rec[11] = (12 + len) >>> 8;
  rec[12] = 12 + len;
  return concat(rec, hs, frag);
}
