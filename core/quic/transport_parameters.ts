/**
 * QUIC transport parameters (RFC 9000 §18): a sequence of (id varint, length varint, value) in
 * the `quic_transport_parameters` TLS extension. The front door hands the client's bytes over
 * raw; this codec reads them and writes the server's, including the connection-ID parameters
 * that authenticate the Retry exchange (RFC 9000 §7.3): `original_destination_connection_id`
 * (the ODCID), `retry_source_connection_id` (our Retry SCID) and
 * `initial_source_connection_id`.
 *
 * @module
 */
import type { QuicAccepted } from "./outcome.ts";
import { readVarint, varintLength, writeVarint } from "./varint.ts";

/** Transport parameter ids (RFC 9000 §18.2) the server side commonly writes. */
export const TransportParameterId = {
  original_destination_connection_id: 0x00,
  max_idle_timeout: 0x01,
  stateless_reset_token: 0x02,
  max_udp_payload_size: 0x03,
  initial_max_data: 0x04,
  initial_max_stream_data_bidi_local: 0x05,
  initial_max_stream_data_bidi_remote: 0x06,
  initial_max_stream_data_uni: 0x07,
  initial_max_streams_bidi: 0x08,
  initial_max_streams_uni: 0x09,
  ack_delay_exponent: 0x0a,
  max_ack_delay: 0x0b,
  disable_active_migration: 0x0c,
  active_connection_id_limit: 0x0e,
  initial_source_connection_id: 0x0f,
  retry_source_connection_id: 0x10,
} as const;

/** One transport parameter. */
export interface TransportParameter {
  /** Parameter id. */
  readonly id: number;
  /** Raw value bytes (a varint-encoded integer for the integer parameters). */
  readonly value: Uint8Array;
}

/** Decodes a transport parameter list; a reason string when malformed or an id repeats. Never throws. */
export function decodeTransportParameters(bytes: Uint8Array): TransportParameter[] | "malformed" | "duplicate" {
  const out: TransportParameter[] = [];
  const seen = new Set<number>();
  let at = 0;
  while (at < bytes.length) {
    const id = readVarint(bytes, at);
    if (!id || id.value < 0) return "malformed";
    const len = readVarint(bytes, id.next);
    if (!len || len.value < 0 || len.next + len.value > bytes.length) return "malformed";
    if (seen.has(id.value)) return "duplicate";
    seen.add(id.value);
    out.push({ id: id.value, value: bytes.subarray(len.next, len.next + len.value) });
    at = len.next + len.value;
  }
  return out;
}

/** The value of an integer parameter, or `undefined` when absent or not exactly one varint. */
export function integerParameter(params: readonly TransportParameter[], id: number): number | undefined {
  const p = params.find((x) => x.id === id);
  if (!p) return undefined;
  const v = readVarint(p.value, 0);
  return v && v.next === p.value.length && v.value >= 0 ? v.value : undefined;
}

/** Encodes an integer parameter's value (a varint). */
export function integerValue(n: number): Uint8Array {
  const out = new Uint8Array(varintLength(n));
  writeVarint(out, 0, n);
  return out;
}

/** Encodes a transport parameter list. Throws `RangeError` for an id or length out of range. */
export function encodeTransportParameters(params: readonly TransportParameter[]): Uint8Array {
  let n = 0;
  for (const p of params) n += varintLength(p.id) + varintLength(p.value.length) + p.value.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of params) {
    at = writeVarint(out, at, p.id);
    at = writeVarint(out, at, p.value.length);
    out.set(p.value, at);
    at += p.value.length;
  }
  return out;
}

/**
 * The connection-ID parameters a server must send for an accepted attempt (RFC 9000 §7.3):
 * `original_destination_connection_id`, `initial_source_connection_id` (`serverScid`, the SCID
 * of our Initial packets) and, after a Retry, `retry_source_connection_id`.
 */
export function serverConnectionIdParameters(accepted: QuicAccepted, serverScid: Uint8Array): TransportParameter[] {
  const out: TransportParameter[] = [
    { id: TransportParameterId.original_destination_connection_id, value: accepted.originalDcid },
    { id: TransportParameterId.initial_source_connection_id, value: serverScid },
  ];
  if (accepted.retryScid) out.push({ id: TransportParameterId.retry_source_connection_id, value: accepted.retryScid });
  return out;
}
