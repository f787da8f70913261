/**
 * Alert records (RFC 8446 §6, RFC 6347 §4.1): `level(1) description(1)` in a plaintext record.
 *
 * @module
 */
import { ContentType } from "../constants/protocol.ts";
import { encodeDtlsRecord, encodeTlsRecord } from "../wire/record.ts";

/** Alert level: 2 = fatal. hellogate sends only fatal alerts. */
export const ALERT_LEVEL_FATAL = 2;

/** A fatal TLS alert record (record version 0303). */
export function encodeTlsAlert(description: number): Uint8Array {
  return encodeTlsRecord(ContentType.alert, 0x0303, new Uint8Array([ALERT_LEVEL_FATAL, description]));
}

/** A fatal DTLS alert record at epoch 0, echoing the offending record's sequence number. */
export function encodeDtlsAlert(description: number, recordVersion: number, sequence: number): Uint8Array {
  return encodeDtlsRecord(ContentType.alert, recordVersion, 0, sequence, new Uint8Array([ALERT_LEVEL_FATAL, description]));
}
