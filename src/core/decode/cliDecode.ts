import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { OptionSpec } from '../cliArgs';
import { BUILTIN_DECODERS } from './builtin';
import { DecoderPipeline } from './decoder';
import { checkPayloadChoice, payloadDecoders, protobufTypes } from './payloads';
import { loadDescriptorSet, loadProtoSchema, type ProtoSchema } from './protobuf';

/**
 * `wsi run` and `wsi replay` print each binary message's decoded view under its frame line:
 * `--decode auto|none|msgpack|cbor|gzip|…|protobuf:TYPE` (default: a request's `# @protobuf` /
 * `# @decode`, else auto) with `--proto FILE` (a `.proto` file or a descriptor set; repeatable) and
 * `--proto-root DIR` for imports. Text messages print as they are.
 */
export const DECODE_OPTIONS: Record<string, OptionSpec> = {
  decode: { type: 'string', example: 'protobuf:market.Tick' },
  proto: { type: 'string', multiple: true, example: 'schema/market.proto' },
  'proto-root': { type: 'string', multiple: true, example: 'schema' },
};

export const DECODE_HELP = `  --decode D         How binary messages print: auto (MessagePack, CBOR, gzip, … recognised;
                     the default), none, msgpack, cbor, gzip, zlib, deflate, brotli, protobuf-raw,
                     or protobuf:package.Message (a .ws file's # @protobuf or # @decode wins over auto).
  --proto FILE       A .proto file or a descriptor set (.binpb/.desc) with the Protobuf types; repeatable.
  --proto-root DIR   A folder imports in .proto files are resolved against; repeatable.`;

export interface CliDecoding {
  /** The decoded line of a binary message (indented, after its frame line), or undefined. */
  line(
    direction: 'sent' | 'received',
    kind: string,
    payload: Buffer,
    index: number,
    choice?: string,
  ): string | undefined;
}

/** Reads the decode flags; a sentence when they are wrong (a bad choice, a schema that does not load). */
export function cliDecoding(values: Record<string, unknown>): CliDecoding | { error: string } {
  const flag = typeof values.decode === 'string' ? values.decode : undefined;
  const choice = flag === 'none' ? 'raw' : flag;
  if (choice) {
    const bad = checkPayloadChoice(choice);
    if (bad) return { error: `--decode: ${bad}` };
  }
  const files = ((values.proto as string[] | undefined) ?? []).map((f) => resolvePath(f));
  const roots = ((values['proto-root'] as string[] | undefined) ?? []).map((f) => resolvePath(f));
  let schema: ProtoSchema | undefined;
  if (files.length) {
    const loaded = loadSchema(files, roots);
    if ('error' in loaded) return loaded;
    schema = loaded.schema;
  }
  if (choice && protobufTypes(choice) && !schema)
    return { error: `--decode ${choice} needs the schema: add --proto FILE (the .proto file or a descriptor set).` };
  const pipelines = new Map<string, DecoderPipeline | { problem: string }>();
  const pipeline = (c: string) => {
    let p = pipelines.get(c);
    if (!p) {
      const made = payloadDecoders(c, schema);
      p = made.problem ? { problem: made.problem } : new DecoderPipeline([...made.decoders, ...BUILTIN_DECODERS]);
      pipelines.set(c, p);
    }
    return p;
  };
  return {
    line(direction, kind, payload, index, own) {
      if (kind !== 'binary') return undefined;
      const c = choice ?? own ?? 'auto';
      if (c === 'raw') return undefined;
      const p = pipeline(c);
      if (!(p instanceof DecoderPipeline)) return `      ! ${p.problem}`;
      const view = p.decodeFresh({ index, direction, kind: 'binary', payload });
      if (!view || view.decoder === 'utf8') return undefined;
      return `      ≡ ${view.label}: ${view.summary}${view.problem ? `  (${view.problem})` : ''}`;
    },
  };
}

function loadSchema(files: string[], roots: string[]): { schema: ProtoSchema } | { error: string } {
  const protos = files.filter((f) => f.endsWith('.proto'));
  const sets = files.filter((f) => !f.endsWith('.proto'));
  const readFile = (f: string) => {
    try {
      return readFileSync(f, 'utf8');
    } catch {
      return undefined;
    }
  };
  let result;
  if (protos.length) result = loadProtoSchema({ files: protos, roots, readFile });
  else {
    let bytes: Buffer;
    try {
      bytes = readFileSync(sets[0]);
    } catch (e) {
      return { error: `--proto: cannot read ${sets[0]}: ${(e as Error).message}.` };
    }
    result = loadDescriptorSet(bytes, sets[0]);
  }
  if (result.schema) return { schema: result.schema };
  return {
    error: result.errors
      .slice(0, 5)
      .map((e) => `${e.file}:${e.line}${e.column ? `:${e.column}` : ''}: ${e.message}`)
      .join('\n'),
  };
}
