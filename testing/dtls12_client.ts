/**
 * An in-memory DTLS 1.2 client for tests: drives a `Dtls12Server` (or any DTLS 1.2 server)
 * without sockets. It sends ClientHello1, answers the HelloVerifyRequest through a
 * {@link ScriptedClient}, then does the ECDHE key exchange for real, verifies the server's
 * signature and Finished, and exchanges application data. Test hooks let it misbehave on
 * purpose (a wrong Finished, an invalid point).
 *
 * It is a test tool, not a general client: AEAD ECDHE suites only, no resumption, no
 * retransmission timer of its own (call {@link Dtls12TestClient.retransmit}).
 *
 * @module
 */
import { ScriptedClient } from "./scripted_client.ts";
import type { CryptoProvider, SigningKey } from "../core/crypto/provider.ts";
import { portableProvider } from "../core/crypto/portable.ts";
import { Reader } from "../core/wire/reader.ts";
import { Writer } from "../core/wire/writer.ts";
import { DTLS_RECORD_HEADER_LENGTH, encodeDtlsRecord, readDtlsRecord } from "../core/wire/record.ts";
import { DTLS_HANDSHAKE_HEADER_LENGTH, encodeDtlsHandshake, readDtlsHandshakeFragment } from "../core/wire/handshake_header.ts";
import { HandshakeReassembler } from "../core/record/dtls12_reassembler.ts";
import { Dtls12RecordCipher, dtls12RecordOverhead } from "../core/record/dtls12_protection.ts";
import { dtls12Suite, type Dtls12Suite } from "../core/handshake/dtls12/suites.ts";
import { exportKeyingMaterial, finishedVerifyData, keyBlock, masterSecret } from "../core/handshake/dtls12/prf.ts";
import { parseCertificate } from "../core/pki/x509.ts";
import { encodeCertificate, serverKeyExchangeSignedData } from "../core/handshake/dtls12/server_messages.ts";
import {
  changeCipherSpecRecord,
  type FlightRecord,
  fragmentMessage,
  maxRecordPlaintext,
  packDatagrams,
} from "../core/handshake/dtls12/flight.ts";
import { concatBytes } from "./fragment.ts";

/** Options of {@link Dtls12TestClient}. */
export interface Dtls12TestClientOptions {
  /** Crypto provider (default the portable one). */
  readonly provider?: CryptoProvider;
  /** Cipher suites to offer (default the three ECDHE_ECDSA AEAD suites). */
  readonly cipherSuites?: readonly number[];
  /** supported_groups (default x25519, secp256r1). */
  readonly groups?: readonly number[];
  /** use_srtp profiles to offer. */
  readonly srtpProfiles?: readonly number[];
  /** Our certificate chain and key, sent when the server asks for one. */
  readonly certificate?: { readonly chain: readonly Uint8Array[]; readonly key: SigningKey };
  /** Largest datagram we send (default 1200). */
  readonly mtu?: number;
  /** Test hook: flip a bit of our Finished.verify_data. */
  readonly corruptFinished?: boolean;
  /** Test hook: send this instead of our public point in ClientKeyExchange. */
  readonly keyExchangePoint?: Uint8Array;
}

/** What the client learned about the server. */
export interface Dtls12TestClientResult {
  /** Selected suite. */
  readonly cipherSuite: number;
  /** ECDHE group. */
  readonly group: number;
  /** ServerKeyExchange signature scheme. */
  readonly signatureScheme: number;
  /** True when the ServerKeyExchange signature verified against the server certificate. */
  readonly serverSignatureValid: boolean;
  /** SRTP profile the server chose. */
  readonly srtpProfile?: number;
  /** Whether the server asked for a certificate. */
  readonly certificateRequested: boolean;
}

/** A scripted DTLS 1.2 client with a real key exchange. */
export class Dtls12TestClient {
  readonly #o: Dtls12TestClientOptions;
  readonly #p: CryptoProvider;
  readonly #hello: ScriptedClient;
  #reassembler = new HandshakeReassembler({ firstMessageSeq: 1 });
  #transcript: Uint8Array[] = [];
  #writeSeq = [0, 0];
  #nextSeq = 2;
  #suite: Dtls12Suite | undefined;
  #group = 0;
  #scheme = 0;
  #serverPoint: Uint8Array | undefined;
  #serverSpki: Uint8Array | undefined;
  #signatureValid = false;
  #srtp: number | undefined;
  #certRequested = false;
  #serverRandom = new Uint8Array(32);
  #master: Uint8Array | undefined;
  #read: Dtls12RecordCipher | undefined;
  #write: Dtls12RecordCipher | undefined;
  #readEpoch = 0;
  #flight: FlightRecord[] = [];
  /** True once the server's Finished verified. */
  established = false;
  /** Application data received, in order. */
  readonly received: Uint8Array[] = [];
  /** Alerts received: `[level, description]`. */
  readonly alerts: [number, number][] = [];
  /** Problems found in the server's messages (empty when everything checked out). */
  readonly errors: string[] = [];

  /** Builds ClientHello1 (not sent until {@link firstFlight}). */
  constructor(options: Dtls12TestClientOptions = {}) {
    this.#o = options;
    this.#p = options.provider ?? portableProvider;
    this.#hello = new ScriptedClient({
      protocol: "dtls1.2",
      cipherSuites: options.cipherSuites ?? [0xc02b, 0xc02c, 0xcca9, 0x00ff],
      groups: options.groups,
      srtpProfiles: options.srtpProfiles,
      mtu: options.mtu,
    });
  }

  /** ClientHello1 datagrams. */
  firstFlight(): Uint8Array[] {
    return this.#hello.firstFlight();
  }

  /** Answers a HelloVerifyRequest datagram with ClientHello2 datagrams; throws if it is not one. */
  secondFlight(hvr: Uint8Array): Uint8Array[] {
    const r = this.#hello.handleReply(hvr);
    if (r.kind !== "hello-verify-request") throw new Error(`expected a HelloVerifyRequest, got ${r.kind}`);
    const flight = this.#hello.secondFlight();
    this.#writeSeq[0] = this.#hello.nextRecordSequence;
    this.#transcript = [this.#hello.transcriptBytes()];
    return flight;
  }

  /** What was negotiated (after the server's flight 4). */
  get result(): Dtls12TestClientResult | undefined {
    if (!this.#suite) return undefined;
    return {
      cipherSuite: this.#suite.code,
      group: this.#group,
      signatureScheme: this.#scheme,
      serverSignatureValid: this.#signatureValid,
      ...(this.#srtp !== undefined ? { srtpProfile: this.#srtp } : {}),
      certificateRequested: this.#certRequested,
    };
  }

  /** Feeds server datagrams; returns the datagrams to send back (flight 5 when flight 4 completed). */
  receive(datagram: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let offset = 0;
    while (offset < datagram.length) {
      const rec = readDtlsRecord(datagram, offset);
      offset += DTLS_RECORD_HEADER_LENGTH + rec.fragment.length;
      let plain: Uint8Array | undefined = rec.fragment;
      if (rec.epoch === 1) {
        if (this.#readEpoch !== 1 || !this.#read) continue;
        plain = this.#read.open(rec.contentType, rec.version, rec.epoch, rec.sequence, rec.fragment);
        if (!plain) {
          this.errors.push("a protected record from the server did not authenticate");
          continue;
        }
      }
      if (rec.contentType === 20) this.#readEpoch = 1;
      else if (rec.contentType === 21) this.alerts.push([plain[0], plain[1]]);
      else if (rec.contentType === 23) this.received.push(plain.slice());
      else if (rec.contentType === 22) {
        for (let at = 0; at < plain.length;) {
          const f = readDtlsHandshakeFragment(plain, at);
          at += DTLS_HANDSHAKE_HEADER_LENGTH + f.fragmentLength;
          this.#reassembler.add(f);
        }
        for (let m = this.#reassembler.next(); m; m = this.#reassembler.next()) {
          out.push(...this.#message(m.msgType, m.body, m.transcriptBytes));
        }
      }
    }
    return out;
  }

  #message(type: number, body: Uint8Array, whole: Uint8Array): Uint8Array[] {
    if (type === 20) {
      const expected = finishedVerifyData(this.#p, this.#suite!.hash, this.#master!, "server", this.#hash());
      if (expected.every((b, i) => b === body[i]) && body.length === 12) this.established = true;
      else this.errors.push("server Finished.verify_data is wrong");
      return [];
    }
    this.#transcript.push(whole);
    const r = new Reader(body);
    switch (type) {
      case 2: {
        r.u16("version");
        this.#serverRandom = r.bytesN(32, "random").slice();
        r.vectorBytes(1, "session_id");
        this.#suite = dtls12Suite(r.u16("suite"));
        if (!this.#suite) this.errors.push("server chose a suite we cannot use");
        r.u8("compression");
        let ems = false;
        if (r.remaining > 0) {
          const [s, e] = r.vector(2, "extensions");
          const x = new Reader(body, s, e);
          while (x.remaining > 0) {
            const t = x.u16("type");
            const d = x.vectorBytes(2, "data");
            if (t === 23) ems = true;
            if (t === 14) this.#srtp = (d[2] << 8) | d[3];
          }
        }
        if (!ems) this.errors.push("server did not confirm extended_master_secret");
        return [];
      }
      case 11: {
        const [s, e] = r.vector(3, "certificate_list");
        const leaf = new Reader(body, s, e).vectorBytes(3, "cert");
        this.#serverSpki = parseCertificate(leaf).spki;
        return [];
      }
      case 12: {
        const paramsStart = r.pos;
        if (r.u8("curve_type") !== 3) this.errors.push("ServerKeyExchange curve_type is not named_curve");
        this.#group = r.u16("group");
        this.#serverPoint = r.vectorBytes(1, "point").slice();
        const params = body.subarray(paramsStart, r.pos);
        this.#scheme = r.u16("scheme");
        const sig = r.vectorBytes(2, "signature");
        this.#signatureValid = this.#p.verify(
          this.#scheme,
          this.#serverSpki!,
          serverKeyExchangeSignedData(this.#hello.random, this.#serverRandom, params),
          sig,
        );
        if (!this.#signatureValid) this.errors.push("ServerKeyExchange signature does not verify");
        return [];
      }
      case 13:
        this.#certRequested = true;
        return [];
      case 14:
        return this.#flight5();
      default:
        this.errors.push(`unexpected handshake type ${type}`);
        return [];
    }
  }

  #hash(): Uint8Array {
    return this.#p.hash(this.#suite!.hash, concatBytes(this.#transcript));
  }

  #add(msgType: number, body: Uint8Array, epoch: number, records: FlightRecord[]): void {
    const seq = this.#nextSeq++;
    // Room for the largest protection overhead of any suite (AES-GCM's explicit nonce + tag).
    const room = maxRecordPlaintext(this.#o.mtu ?? 1200, dtls12RecordOverhead("aes-128-gcm"));
    records.push(...fragmentMessage({ msgType, messageSeq: seq, body, epoch }, room));
    this.#transcript.push(encodeDtlsHandshake(msgType, seq, body));
  }

  #flight5(): Uint8Array[] {
    const p = this.#p, suite = this.#suite!;
    const records: FlightRecord[] = [];
    const cert = this.#o.certificate;
    if (this.#certRequested) this.#add(11, encodeCertificate(cert && this.#certRequested ? cert.chain : []), 0, records);
    const eph = p.generateKeyShare(this.#group);
    const point = this.#o.keyExchangePoint ?? eph.publicKey;
    this.#add(16, Uint8Array.of(point.length, ...point), 0, records);
    const pms = eph.deriveSecret(this.#serverPoint!);
    if (!pms) {
      this.errors.push("server point is invalid");
      return [];
    }
    this.#master = masterSecret(p, suite.hash, pms, this.#hello.random, this.#serverRandom, this.#hash());
    const kb = keyBlock(p, suite.hash, this.#master, this.#hello.random, this.#serverRandom, suite.keyLength, suite.ivLength);
    this.#write = new Dtls12RecordCipher(p, { aead: suite.aead, key: kb.clientKey, iv: kb.clientIv });
    this.#read = new Dtls12RecordCipher(p, { aead: suite.aead, key: kb.serverKey, iv: kb.serverIv });
    if (this.#certRequested && cert) {
      const signed = concatBytes(this.#transcript);
      const scheme = cert.key.schemes[0];
      const sig = cert.key.sign(scheme, signed);
      this.#add(15, new Writer(4 + sig.length).u16(scheme).vector(2, sig).finish(), 0, records);
    }
    records.push(changeCipherSpecRecord(0));
    const verify = finishedVerifyData(p, suite.hash, this.#master, "client", this.#hash());
    if (this.#o.corruptFinished) verify[0] ^= 1;
    this.#add(20, verify, 1, records);
    this.#flight = records;
    return this.retransmit();
  }

  /** Flight 5 again with fresh record sequence numbers (what a real client does on timeout). */
  retransmit(): Uint8Array[] {
    const encoded = this.#flight.map((r) => this.#encode(r.type, r.epoch, r.payload));
    return packDatagrams(encoded, this.#o.mtu ?? 1200);
  }

  #encode(type: number, epoch: number, payload: Uint8Array): Uint8Array {
    const seq = this.#writeSeq[epoch]++;
    if (epoch === 1) return this.#write!.seal(type, 0xfefd, 1, seq, payload);
    return encodeDtlsRecord(type, 0xfefd, 0, seq, payload);
  }

  /** One protected application_data datagram. */
  write(data: Uint8Array): Uint8Array {
    if (!this.established) throw new Error("handshake not complete");
    return this.#encode(23, 1, data);
  }

  /**
   * Test hook: one handshake message with the next message_seq in one record, protected when
   * keys exist (e.g. a ClientHello after the handshake, to check that renegotiation is refused).
   */
  handshakeMessage(msgType: number, body: Uint8Array): Uint8Array {
    const records: FlightRecord[] = [];
    const seq = this.#nextSeq++;
    records.push(...fragmentMessage({ msgType, messageSeq: seq, body, epoch: this.#write ? 1 : 0 }, 16_384));
    return packDatagrams(records.map((r) => this.#encode(r.type, r.epoch, r.payload)), 65_535)[0];
  }

  /** A protected alert datagram (e.g. close_notify = `alert(1, 0)`). */
  alert(level: number, description: number): Uint8Array {
    return this.#encode(21, this.#write ? 1 : 0, new Uint8Array([level, description]));
  }

  /** RFC 5705 exporter on the client's side (to compare with the server's). */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Uint8Array {
    if (!this.#master) throw new Error("no master secret yet");
    return exportKeyingMaterial(this.#p, this.#suite!.hash, this.#master, this.#hello.random, this.#serverRandom, label, length, context);
  }
}
