import { BUILTIN_DECODERS } from './builtin';
import { codecDecoders, compressedDecoder, cborDecoder, msgpackDecoder, cborEncoder, msgpackEncoder } from './codecs';
import type { MessageDecoder } from './decoder';
import type { PayloadEncoder } from './encoder';
import { protobufDecoder, protobufEncoder, protobufRawDecoder, type ProtoSchema } from './protobuf';

/**
 * How a connection's payloads are read, as the user chose it (a `.ws` directive, the setting
 * `websocketInspector.decoders`, the panel's **Payloads** picker, `wsi --decode`):
 *
 *   auto           gzip/zlib by their magic bytes, MessagePack, CBOR, then Protobuf without a schema
 *   raw            none of them (JSON and UTF-8 text are still recognised)
 *   msgpack, cbor, gzip, zlib, deflate, brotli, protobuf-raw    that one only
 *   protobuf:pkg.Ticker                         that message type both ways
 *   protobuf:sent=pkg.Request,received=pkg.Reply  one type per direction (either may be left out)
 */
export type PayloadChoice = string;

export interface PayloadOption {
  id: PayloadChoice;
  label: string;
}

/** The codecs a user can name besides 'auto', 'raw' and Protobuf types. */
export const PAYLOAD_CODECS: readonly PayloadOption[] = [
  { id: 'msgpack', label: 'MessagePack' },
  { id: 'cbor', label: 'CBOR' },
  { id: 'gzip', label: 'gzip' },
  { id: 'zlib', label: 'zlib' },
  { id: 'deflate', label: 'raw deflate' },
  { id: 'brotli', label: 'Brotli' },
  { id: 'protobuf-raw', label: 'Protobuf (no schema)' },
];

/** Message types offered in the picker, at most (a schema may hold thousands). */
const MAX_OFFERED_TYPES = 500;

/** The Protobuf types a choice names, or undefined when it names none. */
export function protobufTypes(choice: PayloadChoice): { sent?: string; received?: string } | undefined {
  if (!choice.startsWith('protobuf:')) return undefined;
  const rest = choice.slice('protobuf:'.length).trim();
  if (!rest.includes('=')) return rest ? { sent: rest, received: rest } : undefined;
  const types: { sent?: string; received?: string } = {};
  for (const part of rest.split(',')) {
    const [k, v] = part.split('=').map((x) => x.trim());
    if ((k === 'sent' || k === 'received') && v) types[k] = v;
  }
  return types.sent || types.received ? types : undefined;
}

/** The choice for Protobuf types: one both ways, or one per direction. */
export function protobufChoice(types: { sent?: string; received?: string }): PayloadChoice {
  if (types.sent && types.sent === types.received) return `protobuf:${types.sent}`;
  return `protobuf:${[types.sent && `sent=${types.sent}`, types.received && `received=${types.received}`].filter(Boolean).join(',')}`;
}

/** A sentence when `choice` is not one a user can name, else undefined. */
export function checkPayloadChoice(choice: string): string | undefined {
  if (choice === 'auto' || choice === 'raw' || PAYLOAD_CODECS.some((c) => c.id === choice)) return undefined;
  if (protobufTypes(choice)) return undefined;
  return `"${choice}" is not a payload decoder; use auto, raw, ${PAYLOAD_CODECS.map((c) => c.id).join(', ')}, or protobuf:<package.Message>.`;
}

/** The picker's options: auto, raw, each codec, and each message type of the schema. */
export function payloadOptions(schema: ProtoSchema | undefined, current?: PayloadChoice): PayloadOption[] {
  const options: PayloadOption[] = [
    { id: 'auto', label: 'Recognised (MessagePack, CBOR, gzip, …)' },
    { id: 'raw', label: 'Raw (no payload decoding)' },
    ...PAYLOAD_CODECS,
  ];
  for (const t of schema?.messageTypes.slice(0, MAX_OFFERED_TYPES) ?? [])
    options.push({ id: `protobuf:${t}`, label: `Protobuf ${t}` });
  if (current && !options.some((o) => o.id === current)) options.push({ id: current, label: payloadLabel(current) });
  return options;
}

export function payloadLabel(choice: PayloadChoice): string {
  const types = protobufTypes(choice);
  if (types)
    return types.sent === types.received
      ? `Protobuf ${types.sent}`
      : `Protobuf ${[types.sent && `${types.sent} (sent)`, types.received && `${types.received} (received)`].filter(Boolean).join(', ')}`;
  return PAYLOAD_CODECS.find((c) => c.id === choice)?.label ?? choice;
}

/**
 * The decoders for `choice`, tried after a protocol's own and before the built-in JSON and UTF-8
 * ones; `problem` says why a choice cannot be used (no schema, no such type), and 'auto' is used.
 */
export function payloadDecoders(
  choice: PayloadChoice,
  schema: ProtoSchema | undefined,
): { decoders: MessageDecoder[]; problem?: string } {
  const auto = () => codecDecoders([protobufRawDecoder()]);
  if (choice === 'auto') return { decoders: auto() };
  if (choice === 'raw') return { decoders: [] };
  if (choice === 'msgpack') return { decoders: [msgpackDecoder] };
  if (choice === 'cbor') return { decoders: [cborDecoder] };
  if (choice === 'protobuf-raw') return { decoders: [protobufRawDecoder()] };
  if (choice === 'gzip' || choice === 'zlib' || choice === 'deflate' || choice === 'brotli') {
    // The inflated bytes are read as 'auto' reads any payload.
    const inner = [...auto(), ...BUILTIN_DECODERS];
    return { decoders: [compressedDecoder(choice, () => inner)] };
  }
  const types = protobufTypes(choice);
  if (!types) return { decoders: auto(), problem: checkPayloadChoice(choice) };
  if (!schema)
    return {
      decoders: auto(),
      problem: `No Protobuf schema is loaded, so ${payloadLabel(choice)} cannot be read: put its .proto file (or a descriptor set) in the workspace, or point the setting websocketInspector.protobuf.files at it.`,
    };
  try {
    return { decoders: [protobufDecoder(schema, types)] };
  } catch (e) {
    return { decoders: auto(), problem: (e as Error).message };
  }
}

/** What the composer can encode JSON as: MessagePack, CBOR, and each message type of the schema. */
export function payloadEncoderOptions(schema: ProtoSchema | undefined): PayloadOption[] {
  return [
    { id: msgpackEncoder.id, label: msgpackEncoder.label },
    { id: cborEncoder.id, label: cborEncoder.label },
    ...(schema?.messageTypes.slice(0, MAX_OFFERED_TYPES) ?? []).map((t) => ({
      id: `protobuf:${t}`,
      label: `Protobuf ${t}`,
    })),
  ];
}

/** The encoder of an option's id; throws a sentence when there is none. */
export function payloadEncoder(id: string, schema: ProtoSchema | undefined): PayloadEncoder {
  if (id === msgpackEncoder.id) return msgpackEncoder;
  if (id === cborEncoder.id) return cborEncoder;
  const types = protobufTypes(id);
  if (types?.sent) {
    if (!schema)
      throw new Error(`No Protobuf schema is loaded; put the .proto file of ${types.sent} in the workspace.`);
    return protobufEncoder(schema, types.sent);
  }
  throw new Error(`There is no encoder "${id}"; use msgpack, cbor or protobuf:<package.Message>.`);
}
