/**
 * JSON to Protobuf bytes, for the composer: the JSON the decoder shows (field names as in the
 * .proto, or proto3 JSON's lowerCamel names; 64-bit integers as decimal strings or safe numbers;
 * enums by name or number; bytes as base64; well-known types in their JSON form; Any with
 * `@type`) becomes the message, fields written in field-number order as protoc writes them.
 * A oneof's name key (`"kind": "price"`) and `$unknown` (the decoder's unknown fields) are skipped;
 * `null` leaves a field out. JSON that does not fit throws a sentence naming the field's path and
 * what it must be. protobufjs's Writer does the byte work.
 */
import * as protobuf from 'protobufjs';
import { formatPath } from '../../jsonPath';
import type { PayloadEncoder } from '../encoder';
import type { ProtoSchema } from './schema';
import { fromJsonForm, specialName } from './wellKnown';
import { MAX_DEPTH } from './wire';

/** An encoder of JSON as message type `typeName` of `schema`; throws when the schema has no such type. */
export function protobufEncoder(schema: ProtoSchema, typeName: string): PayloadEncoder {
  const type = schemaType(schema, typeName);
  const name = type.fullName.slice(1);
  return {
    id: 'protobuf',
    label: `Protobuf ${name}`,
    encode(json: unknown): Buffer {
      if (!isObject(json)) {
        throw new Error(`The message must be a JSON object (a ${name}), not ${describe(json)}.`);
      }
      const w = protobuf.Writer.create();
      writeMessage(schema, type, json, w, [], 0);
      return Buffer.from(w.finish());
    },
  };
}

/** The type of that name, or a sentence that lists the ones there are. */
export function schemaType(schema: ProtoSchema, typeName: string): protobuf.Type {
  const type = schema.type(typeName);
  if (type) return type;
  const some = schema.messageTypes.slice(0, 20).join(', ');
  throw new Error(
    `The Protobuf schema has no message type "${typeName}". Its types: ${some}${schema.messageTypes.length > 20 ? ', …' : ''}.`,
  );
}

type Path = Array<string | number>;

function writeMessage(
  schema: ProtoSchema,
  type: protobuf.Type,
  json: Record<string, unknown>,
  w: protobuf.Writer,
  path: Path,
  depth: number,
): void {
  if (depth > MAX_DEPTH) throw new Error(`The JSON nests deeper than ${MAX_DEPTH} messages at ${formatPath(path)}.`);
  if (type.fullName === '.google.protobuf.Any') return writeAny(schema, json, w, path, depth);
  const fields = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  const used = new Set<string>(['$unknown']);
  const oneofSet = new Map<string, string>();
  for (const f of fields) {
    const key = Object.hasOwn(json, f.name)
      ? f.name
      : f.jsonName && Object.hasOwn(json, f.jsonName)
        ? f.jsonName
        : undefined;
    if (key === undefined) continue;
    used.add(key);
    const value = json[key];
    if (value === null && f.resolvedType?.fullName !== '.google.protobuf.Value') continue;
    const oneof = f.partOf && !f.partOf.isProto3Optional ? f.partOf : undefined;
    if (oneof) {
      const other = oneofSet.get(oneof.name);
      if (other) {
        throw new Error(
          `Fields ${formatPath([...path, other])} and ${formatPath([...path, key])} are both in oneof ${oneof.name}; set only one.`,
        );
      }
      oneofSet.set(oneof.name, key);
    }
    writeField(schema, f, value, w, [...path, key], depth);
  }
  for (const o of type.oneofsArray) {
    if (!Object.hasOwn(json, o.name) || o.isProto3Optional) continue;
    const v = json[o.name];
    used.add(o.name);
    if (typeof v !== 'string' || !o.fieldsArray.some((f) => f.name === v)) {
      throw new Error(
        `${formatPath([...path, o.name])} names the member of oneof ${o.name} that is set: one of ${o.fieldsArray.map((f) => f.name).join(', ')}; it is ${describe(v)}.`,
      );
    }
  }
  for (const k of Object.keys(json)) {
    if (!used.has(k)) {
      const names = fields.map((f) => f.name).join(', ');
      throw new Error(
        `${type.fullName.slice(1)} has no field "${k}" (at ${formatPath([...path, k])}). Its fields: ${names || 'none'}.`,
      );
    }
  }
}

function writeField(
  schema: ProtoSchema,
  f: protobuf.Field,
  value: unknown,
  w: protobuf.Writer,
  path: Path,
  depth: number,
): void {
  f.resolve();
  if (f instanceof protobuf.MapField) {
    if (!isObject(value))
      throw new Error(`${formatPath(path)} is a map and must be a JSON object, not ${describe(value)}.`);
    for (const [k, v] of Object.entries(value)) {
      w.uint32((f.id << 3) | 2).fork();
      writeSingle(
        schema,
        { type: f.keyType, resolved: null, id: 1 },
        mapKey(f.keyType, k, [...path, k]),
        w,
        [...path, k],
        depth,
      );
      writeSingle(schema, { type: f.type, resolved: f.resolvedType, id: 2 }, v, w, [...path, k], depth);
      w.ldelim();
    }
    return;
  }
  const one = { type: f.type, resolved: f.resolvedType, id: f.id, delimited: f.delimited };
  if (!f.repeated) return writeSingle(schema, one, value, w, path, depth);
  if (!Array.isArray(value))
    throw new Error(`${formatPath(path)} is a repeated field and must be a JSON array, not ${describe(value)}.`);
  const scalar = !(f.resolvedType instanceof protobuf.Type) && f.type !== 'string' && f.type !== 'bytes';
  if (scalar && f.packed && value.length) {
    w.uint32((f.id << 3) | 2).fork();
    value.forEach((v, i) => writeScalar(one, v, w, [...path, i]));
    w.ldelim();
    return;
  }
  value.forEach((v, i) => writeSingle(schema, one, v, w, [...path, i], depth));
}

interface One {
  type: string;
  resolved: protobuf.ReflectionObject | null;
  id: number;
  delimited?: boolean;
}

const WIRE: Record<string, number> = {
  double: 1,
  fixed64: 1,
  sfixed64: 1,
  float: 5,
  fixed32: 5,
  sfixed32: 5,
  string: 2,
  bytes: 2,
};

/** One value with its tag. */
function writeSingle(schema: ProtoSchema, f: One, value: unknown, w: protobuf.Writer, path: Path, depth: number): void {
  if (f.resolved instanceof protobuf.Type) {
    const special = specialName(f.resolved.fullName);
    const json = special ? fromJsonForm(special, value, () => formatPath(path)) : value;
    if (!isObject(json)) {
      throw new Error(
        `${formatPath(path)} is a ${f.resolved.fullName.slice(1)} message and must be a JSON object, not ${describe(value)}.`,
      );
    }
    if (f.delimited) {
      w.uint32((f.id << 3) | 3);
      writeMessage(schema, f.resolved, json, w, path, depth + 1);
      w.uint32((f.id << 3) | 4);
      return;
    }
    w.uint32((f.id << 3) | 2).fork();
    writeMessage(schema, f.resolved, json, w, path, depth + 1);
    w.ldelim();
    return;
  }
  w.uint32((f.id << 3) | (f.resolved instanceof protobuf.Enum ? 0 : (WIRE[f.type] ?? 0)));
  writeScalar(f, value, w, path);
}

/** One scalar value without its tag. */
function writeScalar(f: One, value: unknown, w: protobuf.Writer, path: Path): void {
  if (f.resolved instanceof protobuf.Enum) {
    const e = f.resolved;
    if (typeof value === 'string' && value in e.values) return void w.int32(e.values[value]);
    if (Number.isInteger(value) && (value as number) >= -2147483648 && (value as number) <= 2147483647) {
      return void w.int32(value as number);
    }
    throw new Error(
      `${formatPath(path)} is the enum ${e.fullName.slice(1)} and must be one of ${Object.keys(e.values).join(', ')} (or its number), not ${describe(value)}.`,
    );
  }
  const need = (what: string) => new Error(`${formatPath(path)} (${f.type}) must be ${what}, not ${describe(value)}.`);
  switch (f.type) {
    case 'string':
      if (typeof value !== 'string') throw need('a string');
      return void w.string(value);
    case 'bytes':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) throw need('base64 text');
      return void w.bytes(Buffer.from(value, 'base64'));
    case 'bool':
      if (typeof value !== 'boolean') throw need('true or false');
      return void w.bool(value);
    case 'double':
    case 'float': {
      const x = typeof value === 'string' && /^(NaN|-?Infinity)$/.test(value) ? Number(value) : value;
      if (typeof x !== 'number') throw need('a number (or "NaN", "Infinity", "-Infinity")');
      return void (f.type === 'double' ? w.double(x) : w.float(x));
    }
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      if (!Number.isInteger(value) || (value as number) < -2147483648 || (value as number) > 2147483647) {
        throw need('a whole number from -2147483648 to 2147483647');
      }
      return void w[f.type](value as number);
    case 'uint32':
    case 'fixed32':
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 4294967295) {
        throw need('a whole number from 0 to 4294967295');
      }
      return void w[f.type](value as number);
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64': {
      const unsigned = f.type === 'uint64' || f.type === 'fixed64';
      const n = bigOf(value);
      const min = unsigned ? 0n : -(1n << 63n);
      const max = unsigned ? (1n << 64n) - 1n : (1n << 63n) - 1n;
      if (n === undefined || n < min || n > max) {
        throw need(`a whole number from ${min} to ${max}, as a decimal string (or a number up to 2^53)`);
      }
      const bits = BigInt.asUintN(64, n);
      const long = { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0, unsigned };
      return void w[f.type](long);
    }
  }
  throw new Error(`${formatPath(path)} has the type ${f.type}, which the encoder does not know.`);
}

function bigOf(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return BigInt(v);
  return undefined;
}

/** A map's key from its JSON property name. */
function mapKey(keyType: string, k: string, path: Path): unknown {
  if (keyType === 'string') return k;
  if (keyType === 'bool') {
    if (k === 'true' || k === 'false') return k === 'true';
    throw new Error(`${formatPath(path)}: a map with bool keys takes "true" or "false" as keys.`);
  }
  if (!/^-?\d+$/.test(k))
    throw new Error(`${formatPath(path)}: a map with ${keyType} keys takes whole numbers as keys.`);
  return /64/.test(keyType) ? k : Number(k);
}

/** Any: `@type` names the packed type; its fields (or `value`, for a well-known type's JSON form) beside it. */
function writeAny(
  schema: ProtoSchema,
  json: Record<string, unknown>,
  w: protobuf.Writer,
  path: Path,
  depth: number,
): void {
  const url = json['@type'];
  if (url === undefined && Object.keys(json).length === 0) return;
  if (typeof url !== 'string' || !url.includes('/')) {
    throw new Error(
      `${formatPath([...path, '@type'])} must name the packed type, like "type.googleapis.com/pkg.Message"; it is ${describe(url)}.`,
    );
  }
  const name = url.slice(url.lastIndexOf('/') + 1);
  const type = schema.type(name);
  w.uint32(10).string(url);
  if (!type) {
    const v = json.value;
    if (typeof v === 'string' && Object.keys(json).length === 2) {
      w.uint32(18).bytes(Buffer.from(v, 'base64'));
      return;
    }
    throw new Error(
      `${formatPath([...path, '@type'])} names ${name}, which the schema does not have; give its bytes as "value" (base64) or load its .proto.`,
    );
  }
  const { ['@type']: _, ...rest } = json;
  void _;
  const special = specialName(type.fullName);
  const body = special ? fromJsonForm(special, rest.value, () => formatPath([...path, 'value'])) : rest;
  if (!isObject(body))
    throw new Error(`${formatPath([...path, 'value'])} must be a JSON object, not ${describe(body)}.`);
  w.uint32(18).fork();
  writeMessage(schema, type, body, w, path, depth + 1);
  w.ldelim();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return typeof v === 'string' ? `the string ${s.length > 60 ? `${s.slice(0, 60)}…"` : s}` : `${typeof v} ${s}`;
}
