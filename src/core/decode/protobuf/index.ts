/**
 * Protobuf for the decoder seam: `protobufDecoder` (with a schema, a message type per direction),
 * `protobufRawDecoder` (no schema, as `protoc --decode_raw`), `protobufEncoder` (JSON to bytes for
 * the composer), and the schema loaders. See decode.ts and raw.ts for the shape of the values.
 */
import type { DecodedMessage, FieldRange, MessageDecoder, StoredMessage } from '../decoder';
import { decodeWithSchema } from './decode';
import { schemaType } from './encode';
import { rawFields } from './raw';
import type { ProtoSchema } from './schema';
import { WireError, WireReader } from './wire';

export { protobufEncoder } from './encode';
export { loadDescriptorSet, loadProtoSchema, MAX_PROTO_FILE_BYTES, MAX_PROTO_FILES } from './schema';
export type { LoadProtoOptions, ProtoProblem, ProtoSchema, ProtoSchemaResult } from './schema';
export { MAX_DEPTH } from './wire';

/** Longest summary line, in characters. */
const SUMMARY_CHARS = 200;

/**
 * A first byte that can begin a message: a wire type of 0, 1, 2, 3 or 5 and (for a one-byte tag)
 * a field number that is not 0.
 */
export function plausibleTagByte(b: number): boolean {
  const wire = b & 7;
  return wire !== 4 && wire < 6 && b >= 8;
}

/** Messages of the type chosen for their direction. Throws a sentence when the schema has no such type. */
export function protobufDecoder(schema: ProtoSchema, types: { sent?: string; received?: string }): MessageDecoder {
  if (!types.sent && !types.received)
    throw new Error('Choose the Protobuf message type of the sent or the received messages (or both).');
  const sent = types.sent ? schemaType(schema, types.sent) : undefined;
  const received = types.received ? schemaType(schema, types.received) : undefined;
  const names = [sent, received].map((t) => t?.fullName.slice(1));
  const label =
    names[0] && names[1] && names[0] !== names[1]
      ? `Protobuf ${names[0]} (sent), ${names[1]} (received)`
      : `Protobuf ${names[0] ?? names[1] ?? ''}`;
  const typeOf = (m: StoredMessage) => (m.direction === 'sent' ? sent : received);
  return {
    id: 'protobuf',
    label,
    sniff: (m) =>
      m.kind === 'binary' && typeOf(m) !== undefined && (m.payload.length === 0 || plausibleTagByte(m.payload[0])),
    decode: (m): DecodedMessage | undefined => {
      const type = typeOf(m);
      if (!type) return undefined;
      const payload = m.payload;
      const r = decodeWithSchema(schema, type, payload, false);
      // A failure before any field of the type was read: these bytes are not this type's.
      if (r.problem && r.known === 0) return undefined;
      const name = type.fullName.slice(1);
      const view: DecodedMessage = {
        decoder: 'protobuf',
        label: `Protobuf ${name}`,
        value: r.value,
        summary: summaryOf(r.value),
        ...(r.problem ? { problem: `Protobuf ${name}: ${r.problem}` } : {}),
      };
      return withLazyRanges(view, () => decodeWithSchema(schema, type, payload, true).ranges);
    },
  };
}

/**
 * Any binary message that is a well-formed Protobuf message, read without a schema. How strict:
 * the bytes must parse to their end (valid tags, field numbers from 1, wire types 0-5, groups
 * closed by their own end tag, lengths within the payload, varints of at most 10 bytes), tags
 * must not be over-long, and a payload that is all printable UTF-8 text is left to the text
 * decoders. Random binary still passes now and then (short payloads especially): put it last.
 */
export function protobufRawDecoder(): MessageDecoder {
  return {
    id: 'protobuf-raw',
    label: 'Protobuf (no schema)',
    sniff: (m) => m.kind === 'binary' && m.payload.length > 0 && plausibleTagByte(m.payload[0]),
    decode: (m): DecodedMessage | undefined => {
      const b = m.payload;
      if (b.length === 0 || printableText(b)) return undefined;
      let value: Record<string, unknown>;
      try {
        value = rawFields(new WireReader(b, 0, b.length), 0, '$', undefined);
      } catch (e) {
        if (e instanceof WireError) return undefined;
        throw e;
      }
      const view: DecodedMessage = {
        decoder: 'protobuf-raw',
        label: 'Protobuf (no schema)',
        value,
        summary: summaryOf(value, true),
      };
      return withLazyRanges(view, () => {
        const ranges: FieldRange[] = [];
        rawFields(new WireReader(b, 0, b.length), 0, '$', ranges);
        return ranges;
      });
    },
  };
}

/**
 * `ranges` made when first read (the detail pane wants them; the list's rows do not), by a second
 * walk that records them. An enumerable property, so spreading or cloning the view includes them.
 */
function withLazyRanges(view: DecodedMessage, make: () => FieldRange[]): DecodedMessage {
  let ranges: FieldRange[] | undefined;
  return Object.defineProperty(view, 'ranges', {
    enumerable: true,
    configurable: true,
    get: () => (ranges ??= make()),
  });
}

/** Compact JSON, at most SUMMARY_CHARS; the schema-less view's `$wire` notes are left out of the line. */
function summaryOf(value: unknown, dropWire = false): string {
  const text = JSON.stringify(value, dropWire ? (k, v: unknown) => (k === '$wire' ? undefined : v) : undefined);
  return text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS)}…` : text;
}

const fatal = new TextDecoder('utf-8', { fatal: true });

/** All valid UTF-8 with no control characters but tab, newline and carriage return. */
function printableText(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c < 0x20 ? c !== 0x09 && c !== 0x0a && c !== 0x0d : c === 0x7f) return false;
  }
  try {
    fatal.decode(b);
    return true;
  } catch {
    return false;
  }
}
