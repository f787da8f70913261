/**
 * Typed decoders for the ClientHello extensions a stateless listener (or its continuation)
 * needs. Each decoder validates the inner structure exactly: wrong inner lengths, trailing
 * bytes and empty lists are {@link DecodeError}s with distinct reasons.
 *
 * @module
 */
import { DecodeError } from "../wire/decode_error.ts";
import { Reader } from "../wire/reader.ts";
import { ExtensionType } from "../constants/extensions.ts";

/** One KeyShareEntry (RFC 8446 §4.2.8). */
export interface KeyShareEntry {
  /** Named group. */
  readonly group: number;
  /** key_exchange bytes (zero-copy). */
  readonly keyExchange: Uint8Array;
}

/** One PSK identity (RFC 8446 §4.2.11). */
export interface PskIdentity {
  /** Opaque identity (ticket or external label). */
  readonly identity: Uint8Array;
  /** obfuscated_ticket_age. */
  readonly obfuscatedTicketAge: number;
}

/** The pre_shared_key extension of a ClientHello. */
export interface PreSharedKeyOffer {
  /** Offered identities. */
  readonly identities: readonly PskIdentity[];
  /** One binder per identity. */
  readonly binders: readonly Uint8Array[];
  /**
   * Offset in the ClientHello body of the binders list's length prefix: the PSK binder
   * transcript is the ClientHello truncated here (RFC 8446 §4.2.11.2).
   */
  readonly bindersOffset: number;
}

/** use_srtp (RFC 5764 §4.1.1). */
export interface UseSrtp {
  /** SRTP protection profiles. */
  readonly profiles: readonly number[];
  /** srtp_mki. */
  readonly mki: Uint8Array;
}

/** The extensions hellogate decodes into typed fields; absent extensions stay `undefined`. */
export interface DecodedExtensions {
  /** First host_name of server_name (RFC 6066 §3), decoded as ASCII/Latin-1. */
  serverName?: string;
  /** supported_groups (RFC 8446 §4.2.7). */
  supportedGroups?: readonly number[];
  /** signature_algorithms (RFC 8446 §4.2.3). */
  signatureAlgorithms?: readonly number[];
  /** supported_versions (RFC 8446 §4.2.1). */
  supportedVersions?: readonly number[];
  /** key_share client_shares (RFC 8446 §4.2.8); may be empty. */
  keyShares?: readonly KeyShareEntry[];
  /** cookie extension contents (RFC 8446 §4.2.2). */
  cookie?: Uint8Array;
  /** psk_key_exchange_modes (RFC 8446 §4.2.9). */
  pskKeyExchangeModes?: Uint8Array;
  /** pre_shared_key (RFC 8446 §4.2.11). */
  preSharedKey?: PreSharedKeyOffer;
  /** early_data present (RFC 8446 §4.2.10). */
  earlyData?: boolean;
  /** ALPN protocol names (RFC 7301). */
  alpn?: readonly string[];
  /** Length of the padding extension's data (RFC 7685). */
  paddingLength?: number;
  /** connection_id (RFC 9146). */
  connectionId?: Uint8Array;
  /** use_srtp (RFC 5764). */
  useSrtp?: UseSrtp;
  /** record_size_limit (RFC 8449). */
  recordSizeLimit?: number;
}

function u16List(body: Uint8Array, start: number, end: number, field: string, prefix: 1 | 2): number[] {
  const r = new Reader(body, start, end);
  const [s, e] = r.vector(prefix, field);
  r.expectEnd(field);
  if (s === e) throw new DecodeError("empty-list", field, start);
  if ((e - s) & 1) throw new DecodeError("bad-length", field, start, "odd length");
  const out = new Array<number>((e - s) >> 1);
  for (let i = s, j = 0; i < e; i += 2, j++) out[j] = (body[i] << 8) | body[i + 1];
  return out;
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/**
 * Decodes the extension of `type` whose data is `body[start, end)` into `out`. Unknown types
 * are left alone (they are kept raw by the caller).
 */
export function decodeExtension(
  type: number,
  body: Uint8Array,
  start: number,
  end: number,
  out: DecodedExtensions,
): void {
  switch (type) {
    case ExtensionType.server_name: {
      // An empty extension_data is what a server sends; a client must send a list.
      const r = new Reader(body, start, end);
      const [ls, le] = r.vector(2, "server_name.server_name_list", 1);
      r.expectEnd("server_name");
      const lr = new Reader(body, ls, le);
      while (lr.remaining > 0) {
        const nameType = lr.u8("server_name.name_type");
        const name = lr.vectorBytes(2, "server_name.host_name", 1);
        if (nameType === 0 && out.serverName === undefined) out.serverName = latin1(name);
      }
      return;
    }
    case ExtensionType.supported_groups:
      out.supportedGroups = u16List(body, start, end, "supported_groups", 2);
      return;
    case ExtensionType.signature_algorithms:
      out.signatureAlgorithms = u16List(body, start, end, "signature_algorithms", 2);
      return;
    case ExtensionType.supported_versions:
      out.supportedVersions = u16List(body, start, end, "supported_versions", 1);
      return;
    case ExtensionType.key_share: {
      const r = new Reader(body, start, end);
      const [ls, le] = r.vector(2, "key_share.client_shares");
      r.expectEnd("key_share");
      const lr = new Reader(body, ls, le);
      const shares: KeyShareEntry[] = [];
      // Duplicate check: linear for the usual one to three shares, a Set once the list grows,
      // so a hostile list of ~13k five-byte shares stays O(n) (it was O(n^2): ~350 ms).
      let seen: Set<number> | undefined;
      while (lr.remaining > 0) {
        const at = lr.pos;
        const group = lr.u16("key_share.group");
        const keyExchange = lr.vectorBytes(2, "key_share.key_exchange", 1);
        // RFC 8446 §4.2.8: clients MUST NOT offer two shares for one group.
        let dup = false;
        if (shares.length < 16) {
          for (let i = 0; i < shares.length; i++) if (shares[i].group === group) dup = true;
        } else {
          if (!seen) seen = new Set(shares.map((s) => s.group));
          dup = seen.has(group);
          seen.add(group);
        }
        if (dup) throw new DecodeError("illegal-value", "key_share.group", at, "duplicate group");
        shares.push({ group, keyExchange });
      }
      out.keyShares = shares;
      return;
    }
    case ExtensionType.cookie: {
      const r = new Reader(body, start, end);
      out.cookie = r.vectorBytes(2, "cookie", 1);
      r.expectEnd("cookie");
      return;
    }
    case ExtensionType.psk_key_exchange_modes: {
      const r = new Reader(body, start, end);
      out.pskKeyExchangeModes = r.vectorBytes(1, "psk_key_exchange_modes", 1);
      r.expectEnd("psk_key_exchange_modes");
      return;
    }
    case ExtensionType.pre_shared_key: {
      const r = new Reader(body, start, end);
      const [is, ie] = r.vector(2, "pre_shared_key.identities", 7);
      const ir = new Reader(body, is, ie);
      const identities: PskIdentity[] = [];
      while (ir.remaining > 0) {
        const identity = ir.vectorBytes(2, "pre_shared_key.identity", 1);
        identities.push({ identity, obfuscatedTicketAge: ir.u32("pre_shared_key.obfuscated_ticket_age") });
      }
      const bindersOffset = r.pos;
      const [bs, be] = r.vector(2, "pre_shared_key.binders", 33);
      r.expectEnd("pre_shared_key");
      const br = new Reader(body, bs, be);
      const binders: Uint8Array[] = [];
      while (br.remaining > 0) binders.push(br.vectorBytes(1, "pre_shared_key.binder", 32));
      if (binders.length !== identities.length) {
        throw new DecodeError("illegal-value", "pre_shared_key.binders", bindersOffset, "binder count != identity count");
      }
      out.preSharedKey = { identities, binders, bindersOffset };
      return;
    }
    case ExtensionType.early_data:
      if (end !== start) throw new DecodeError("bad-length", "early_data", start, "must be empty in ClientHello");
      out.earlyData = true;
      return;
    case ExtensionType.application_layer_protocol_negotiation: {
      const r = new Reader(body, start, end);
      const [ls, le] = r.vector(2, "alpn.protocol_name_list", 2);
      r.expectEnd("alpn");
      const lr = new Reader(body, ls, le);
      const names: string[] = [];
      while (lr.remaining > 0) names.push(latin1(lr.vectorBytes(1, "alpn.protocol_name", 1)));
      out.alpn = names;
      return;
    }
    case ExtensionType.padding:
      out.paddingLength = end - start;
      return;
    case ExtensionType.connection_id: {
      const r = new Reader(body, start, end);
      out.connectionId = r.vectorBytes(1, "connection_id.cid");
      r.expectEnd("connection_id");
      return;
    }
    case ExtensionType.use_srtp: {
      const r = new Reader(body, start, end);
      const [ps, pe] = r.vector(2, "use_srtp.profiles", 2);
      if ((pe - ps) & 1) throw new DecodeError("bad-length", "use_srtp.profiles", start, "odd length");
      const profiles: number[] = [];
      for (let i = ps; i < pe; i += 2) profiles.push((body[i] << 8) | body[i + 1]);
      const mki = r.vectorBytes(1, "use_srtp.srtp_mki");
      r.expectEnd("use_srtp");
      out.useSrtp = { profiles, mki };
      return;
    }
    case ExtensionType.record_size_limit: {
      const r = new Reader(body, start, end);
      const limit = r.u16("record_size_limit");
      r.expectEnd("record_size_limit");
      // RFC 8449 §4: a value below 64 is an illegal_parameter.
      if (limit < 64) throw new DecodeError("illegal-value", "record_size_limit", start, `limit ${limit} < 64`);
      out.recordSizeLimit = limit;
      return;
    }
    default:
      return;
  }
}
