/**
 * hellogate's wire layer, for users building their own engines or tools: bounds-checked
 * reader/writer, TLS and DTLS record framing, the policy-free record reader and handshake
 * assembler the listeners use, and the server-side message encoders of the stateless exchange
 * (HelloVerifyRequest, HelloRetryRequest, message_hash).
 *
 * @example
 * ```ts
 * import { TlsRecordReader } from "@hellogate/hellogate/wire";
 * const reader = new TlsRecordReader();
 * reader.push(new Uint8Array([22, 3, 1, 0, 1, 1]));
 * const step = reader.next();
 * console.log(step.kind === "record" ? step.contentType : step.kind);
 * ```
 *
 * @module
 */
export { DecodeError, type DecodeErrorReason } from "./core/wire/decode_error.ts";
export { Reader } from "./core/wire/reader.ts";
export { Writer } from "./core/wire/writer.ts";
export {
  type DtlsRecord,
  type DtlsRecordHeader,
  dtlsRecords,
  encodeDtlsRecord,
  encodeTlsRecord,
  isDtlsUnifiedHeader,
  peekDtlsRecordHeader,
  peekTlsRecordHeader,
  readDtlsRecord,
  type TlsRecordHeader,
} from "./core/wire/record.ts";
export {
  type DtlsHandshakeFragment,
  type DtlsHandshakeHeader,
  encodeDtlsHandshake,
  encodeTlsHandshake,
  peekDtlsHandshakeHeader,
  readDtlsHandshakeFragment,
} from "./core/wire/handshake_header.ts";
export {
  DEFAULT_MAX_FRAGMENT_BYTES,
  type TlsRecordRead,
  TlsRecordReader,
  type TlsRecordReaderOptions,
  type TlsRecordStep,
} from "./core/record/tls_record_reader.ts";
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  type HandshakeMessageRead,
  type HandshakeStep,
  TlsHandshakeAssembler,
  type TlsHandshakeAssemblerOptions,
} from "./core/record/tls_handshake_assembler.ts";
export {
  CHANGE_CIPHER_SPEC_RECORD,
  encodeHelloRetryRequestBody,
  encodeHelloRetryRequestMessage,
  encodeMessageHash,
  HELLO_RETRY_REQUEST_RANDOM,
  type HelloRetryRequestFields,
  transcriptPrefix,
} from "./core/messages/hello_retry_request.ts";
export { encodeHelloVerifyRequest, type HelloVerifyRequestFields } from "./core/messages/hello_verify_request.ts";
