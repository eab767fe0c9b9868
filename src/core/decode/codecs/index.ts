/** The payload codecs of issue #13: MessagePack, CBOR and compressed payloads, with their encoders. */
import { BUILTIN_DECODERS } from '../builtin';
import type { MessageDecoder } from '../decoder';
import { cborDecoder } from './cbor';
import { compressedDecoders } from './compressed';
import { msgpackDecoder } from './msgpack';

export { cborDecoder, decodeCbor, opensCbor, readCbor, type CborRead } from './cbor';
export { MAX_DEPTH as CBOR_MAX_DEPTH } from './cbor';
export {
  compressedDecoder,
  compressedDecoders,
  MAX_INFLATED_BYTES,
  MAX_NESTING,
  type CompressionFormat,
} from './compressed';
export { decodeMsgpack, MAX_DEPTH as MSGPACK_MAX_DEPTH, msgpackDecoder, opensMsgpackContainer } from './msgpack';
export { readMsgpack, type MsgpackRead } from './msgpack';
export { msgpackQuickField } from './msgpackQuick';
export { cborEncoder, encodeText, msgpackEncoder, PAYLOAD_ENCODERS } from './encoders';

/**
 * The payload codecs in their 'auto' order: gzip and zlib (magic bytes; raw deflate and brotli only
 * when chosen), then MessagePack, then CBOR (msgpack.ts has the rule for the first bytes they share),
 * then `last` (the schema-less Protobuf decoder goes there). A compressed payload's inflated bytes
 * are decoded by the same codecs, then the built-in JSON and UTF-8 decoders, then `last`.
 */
export function codecDecoders(last: readonly MessageDecoder[] = []): MessageDecoder[] {
  const inner: MessageDecoder[] = [];
  const codecs = [...compressedDecoders(() => inner), msgpackDecoder, cborDecoder];
  inner.push(...codecs, ...BUILTIN_DECODERS, ...last);
  return [...codecs, ...last];
}
