/**
 * A scripted QUIC client for tests and benchmarks: builds protected client Initial datagrams
 * (any version, token, packet number, CRYPTO split) around a ClientHello built here, so the
 * listener can be driven without a real client. Its output is checked against RFC 9001 /
 * RFC 9369 Appendix A in tests/quic_rfc_vectors.test.ts.
 *
 * @module
 */
import {
  encodeAlpn,
  encodeClientHello,
  encodeKeyShareClient,
  encodeServerName,
  encodeSupportedVersionsClient,
  encodeU16List,
  encodeU8Vector,
} from "../../core/messages/client_hello_encoder.ts";
import { portableProvider } from "../../core/crypto/portable.ts";
import type { CryptoProvider } from "../../core/crypto/provider.ts";
import { encodeCryptoFrame } from "../../core/quic/frames.ts";
import { encodeTlsHandshake } from "../../core/wire/handshake_header.ts";
import { clientInitialProtector } from "../../core/quic/initial_secrets.ts";
import { writeLongHeaderStart } from "../../core/quic/long_header.ts";
import { sealLongPacket } from "../../core/quic/packet_protection.ts";
import { writeVarint } from "../../core/quic/varint.ts";
import type { QuicVersionInfo } from "../../core/quic/versions.ts";
import { concat } from "./fixtures.ts";

/** Options of {@link clientInitialPacket}. */
export interface ClientInitialOptions {
  /** Version. */
  info: QuicVersionInfo;
  /** Destination Connection ID (also what the Initial keys derive from). */
  dcid: Uint8Array;
  /** Source Connection ID. */
  scid: Uint8Array;
  /** Token (default empty). */
  token?: Uint8Array;
  /** Packet number (default 0). */
  pn?: number;
  /** Packet number length 1..4 (default 4). */
  pnLength?: number;
  /** Frames (plaintext payload). */
  payload: Uint8Array;
  /** Pad the payload with PADDING so the packet is exactly this long. */
  padTo?: number;
  /** Crypto provider. */
  crypto?: CryptoProvider;
}

/** Builds one protected client Initial packet. */
export function clientInitialPacket(o: ClientInitialOptions): Uint8Array {
  const token = o.token ?? new Uint8Array(0);
  const pnLen = o.pnLength ?? 4;
  const tl = new Uint8Array(8);
  const tlLen = writeVarint(tl, 0, token.length);
  const headerLen = 1 + 4 + 1 + o.dcid.length + 1 + o.scid.length + tlLen + token.length + 2 + pnLen;
  let payload = o.payload;
  if (o.padTo !== undefined) {
    const want = o.padTo - headerLen - 16;
    if (want < payload.length) throw new RangeError(`payload of ${payload.length} does not fit in ${o.padTo}`);
    payload = concat(payload, new Uint8Array(want - payload.length));
  }
  const header = new Uint8Array(headerLen);
  const first = 0xc0 | (o.info.typeBits.initial << 4) | (pnLen - 1);
  let at = writeLongHeaderStart(header, first, o.info.version, o.dcid, o.scid);
  header.set(tl.subarray(0, tlLen), at);
  at += tlLen;
  header.set(token, at);
  at += token.length;
  at = writeVarint(header, at, pnLen + payload.length + 16, 2);
  const pn = o.pn ?? 0;
  for (let i = pnLen - 1; i >= 0; i--) header[at + i] = (pn >>> (8 * (pnLen - 1 - i))) & 0xff;
  const keys = clientInitialProtector(o.crypto ?? portableProvider, o.info, o.dcid);
  return sealLongPacket(keys, header, pn, pnLen, payload);
}

/** Options of {@link quicClientHello}. */
export interface QuicClientHelloOptions {
  /** server_name (default "example.com"). */
  sni?: string;
  /** ALPN protocols (default ["h3"]). */
  alpn?: string[];
  /** Extra bytes of a fake key share to make the ClientHello large (post-quantum size). */
  keySharePadding?: number;
  /** Leave out quic_transport_parameters. */
  noTransportParameters?: boolean;
}

/** A TLS 1.3 ClientHello handshake message (header included) as a QUIC client sends it. */
export function quicClientHello(o: QuicClientHelloOptions = {}): Uint8Array {
  const share = new Uint8Array(32 + (o.keySharePadding ?? 0)).map((_, i) => (i * 13 + 7) & 0xff);
  const group = o.keySharePadding ? 0x11ec : 0x001d;
  const extensions = [
    { type: 0, data: encodeServerName(o.sni ?? "example.com") },
    { type: 10, data: encodeU16List([group, 0x001d]) },
    { type: 13, data: encodeU16List([0x0403, 0x0804]) },
    { type: 16, data: encodeAlpn(o.alpn ?? ["h3"]) },
    { type: 43, data: encodeSupportedVersionsClient([0x0304]) },
    { type: 45, data: encodeU8Vector(new Uint8Array([1])) }, // psk_dhe_ke
    { type: 51, data: encodeKeyShareClient([{ group, keyExchange: share }]) },
  ];
  if (!o.noTransportParameters) {
    extensions.push({ type: 0x39, data: new Uint8Array([0x04, 0x04, 0x80, 0x10, 0x00, 0x00, 0x0f, 0x00]) });
  }
  const body = encodeClientHello({
    dtls: false,
    legacyVersion: 0x0303,
    random: new Uint8Array(32).map((_, i) => 0x40 + i),
    legacySessionId: new Uint8Array(0),
    cipherSuites: [0x1301, 0x1302, 0x1303],
    compressionMethods: new Uint8Array([0]),
    extensions,
  });
  return encodeTlsHandshake(1, body);
}

/** Options of {@link clientInitialDatagrams}. */
export interface ClientFlightOptions {
  /** Version. */
  info: QuicVersionInfo;
  /** DCID. */
  dcid: Uint8Array;
  /** SCID. */
  scid: Uint8Array;
  /** Token. */
  token?: Uint8Array;
  /** The ClientHello message. */
  clientHello: Uint8Array;
  /** Datagram size (default 1200). */
  datagramSize?: number;
  /** First packet number (default 0). */
  firstPn?: number;
}

/**
 * The ClientHello in as many 1200-byte Initial datagrams as it needs (one CRYPTO frame each,
 * consecutive packet numbers), like Chromium's post-quantum ClientHello.
 */
export function clientInitialDatagrams(o: ClientFlightOptions): Uint8Array[] {
  const size = o.datagramSize ?? 1200;
  const token = o.token ?? new Uint8Array(0);
  const overhead = 1 + 4 + 1 + o.dcid.length + 1 + o.scid.length + 8 + token.length + 2 + 4 + 16 + 1 + 8 + 8;
  const room = size - overhead;
  const out: Uint8Array[] = [];
  let pn = o.firstPn ?? 0;
  for (let off = 0; off < o.clientHello.length; off += room) {
    const frame = encodeCryptoFrame(off, o.clientHello.subarray(off, Math.min(o.clientHello.length, off + room)));
    out.push(clientInitialPacket({ info: o.info, dcid: o.dcid, scid: o.scid, token, pn: pn++, payload: frame, padTo: size }));
  }
  return out;
}
