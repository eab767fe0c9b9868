// Over 400 lines: the schema walk over the wire (scalars, packed fields, maps, oneofs, Any, unknown fields, ranges) reads as one recursive reader.
/**
 * Decoding with a schema. protobufjs gives the reflection (fields, types, enums, oneofs); the walk
 * over the bytes is our own, because the view needs what protobufjs's generated decoder does not
 * keep: each field's byte range, the unknown fields with their wire types, the offset where a
 * broken payload fails, and the value read up to there.
 *
 * The value, field by field:
 * - Keys are the field names as the .proto spells them (`last_price`), not proto3 JSON's
 *   lowerCamel (`lastPrice`): the names match the .proto the user reads, `protoc --decode`'s text
 *   output and the filter paths they write from it. Extensions show as `[pkg.ext_name]`.
 * - What the wire has, nothing more: a field absent from the payload is absent from the value
 *   (proto3 leaves defaults off the wire, so `price: 0` is often not there); one present with its
 *   default value is shown. The encoder accepts the same shape.
 * - `oneof`: only the member on the wire (the last one if several came), plus the oneof's name as
 *   a key whose value names that member (`"kind": "price"`), as protobufjs's `toObject({oneofs:true})`
 *   does. proto3 `optional` fields' synthetic oneofs get no such key.
 * - Maps are objects (keys as strings: numbers in decimal, bools as "true"/"false"); enums by
 *   name, an unknown number as the number; 64-bit integers (int64, uint64, sint64, fixed64,
 *   sfixed64) ALWAYS as decimal strings; bytes as base64; float NaN/Infinity as "NaN"/"Infinity".
 * - `google.protobuf.Any`: `{"@type": url, ...fields}` when the schema knows the type
 *   (`{"@type", "value"}` for a well-known type with a JSON form), `{"@type", "value": base64}` when not.
 * - Well-known types in their JSON form (see wellKnown.ts): Timestamp "2024-05-01T12:00:00Z" etc.
 * - Unknown fields (numbers the type does not have, or a known number with an unexpected wire
 *   type, as protoc treats it): a `$unknown` list of `{field, wire, value}` in the message they
 *   came in, the value read as the schema-less view reads it (raw.ts).
 *
 * Ranges: tag to end of value for each field; a repeated field has one per element (`$.a[0]`) and
 * one per occurrence at the array's path (`$.a`); a packed field one for the whole field plus one
 * per element; a map one per entry at `$.m` and `$.m.key`; inside well-known types with a JSON form
 * only the whole field.
 */
import type * as protobuf from 'protobufjs';
import type { FieldRange } from '../decoder';
import { rawValue, readTag, seg, type Ranges } from './raw';
import { typeInfo, type FieldInfo } from './reflect';
import type { ProtoSchema } from './schema';
import { toJsonForm } from './wellKnown';
import {
  base64,
  int64String,
  jsonFloat,
  MAX_DEPTH,
  readDouble,
  readFixed32,
  readFloat,
  sint64String,
  uint64String,
  WIRE_EGROUP,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_SGROUP,
  WIRE_VARINT,
  WireError,
  WireReader,
} from './wire';

/** What a decode made: the value (complete, or what was read before `problem`), ranges, and how many known fields it read. */
export interface SchemaDecodeResult {
  value: Record<string, unknown>;
  ranges: FieldRange[];
  problem?: string;
  /** Known fields read with their expected wire type: 0 on a failure means the bytes never looked like the type. */
  known: number;
}

/** Decodes `bytes` as `type`. Never throws on bad bytes: a failure is `problem`, with what was read. */
export function decodeWithSchema(
  schema: ProtoSchema,
  type: protobuf.Type,
  bytes: Uint8Array,
  withRanges = true,
): SchemaDecodeResult {
  const w = new Walker(schema, bytes, withRanges ? [] : undefined);
  const value: Record<string, unknown> = {};
  try {
    w.message(type, new WireReader(bytes, 0, bytes.length), 0, '$', value);
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    return { value, ranges: w.ranges ?? [], problem: e.message, known: w.known };
  }
  return { value, ranges: w.ranges ?? [], known: w.known };
}

class Walker {
  known = 0;

  constructor(
    readonly schema: ProtoSchema,
    readonly bytes: Uint8Array,
    public ranges: Ranges,
  ) {}

  /** Reads fields until `r.end` (or the end tag of group `group`) into `out`. */
  message(
    type: protobuf.Type,
    r: WireReader,
    depth: number,
    path: string,
    out: Record<string, unknown>,
    group?: number,
  ): void {
    const info = typeInfo(type);
    if (info.any) return this.any(r, depth, path, out, group);
    while (r.pos < r.end) {
      const start = r.pos;
      readTag(r, false);
      const { field, wire } = r;
      if (wire === WIRE_EGROUP) {
        if (field === group) return;
        throw new WireError(start, `an end-group tag (field ${field}) has no group to end`);
      }
      const f = info.byId.get(field);
      if (f && this.field(f, wire, r, depth, path, out, start)) continue;
      const list = (out.$unknown ??= []) as unknown[];
      const at = `${path}.$unknown[${list.length}]`;
      const read = rawValue(r, field, wire, depth, at, this.ranges);
      list.push(read);
      this.range(at, start, r.pos);
    }
    if (group !== undefined) throw new WireError(r.pos, `the group of field ${group} has no end tag`);
  }

  /** Reads a known field; false when its wire type is not the one it should have (then it is an unknown field). */
  private field(
    f: FieldInfo,
    wire: number,
    r: WireReader,
    depth: number,
    path: string,
    out: Record<string, unknown>,
    start: number,
  ): boolean {
    if (f.map) {
      if (wire !== WIRE_LEN) return false;
      this.known++;
      this.mapEntry(f, r, depth, path, out, start);
      return true;
    }
    const packed = f.packable && wire === WIRE_LEN;
    const fits = f.kind === 'message' ? wire === WIRE_LEN || wire === WIRE_SGROUP : wire === f.wire || packed;
    if (!fits) return false;
    // Counted before its value is read: a field of the type with the right wire type is evidence enough.
    this.known++;
    if (f.kind === 'message' && depth + 1 > MAX_DEPTH) {
      throw new WireError(start, `messages nest deeper than ${MAX_DEPTH} levels`);
    }
    if (f.oneof) {
      for (const m of f.oneof.members) if (m !== f.name) delete out[m];
      out[f.oneof.name] = f.name;
    }
    if (packed) {
      const end = r.length(f.what);
      const list = (out[f.name] ??= []) as unknown[];
      const own = path + f.seg;
      const outer = r.end;
      r.end = end;
      while (r.pos < end) {
        const at = r.pos;
        const item = `${own}[${list.length}]`;
        list.push(this.scalar(f, r, depth, item));
        this.range(item, at, r.pos);
      }
      r.end = outer;
      this.range(own, start, r.pos);
      return true;
    }
    if (f.repeated) {
      const list = (out[f.name] ??= []) as unknown[];
      const i = list.length;
      const item = `${path}${f.seg}[${i}]`;
      if (f.kind === 'message') {
        const into: Record<string, unknown> = {};
        list.push(into);
        this.child(f, wire, r, depth, item, into, (v) => (list[i] = v));
      } else list.push(this.scalar(f, r, depth, item));
      this.range(item, start, r.pos);
      this.range(path + f.seg, start, r.pos);
      return true;
    }
    const own = path + f.seg;
    if (f.kind === 'message') {
      const old = out[f.name];
      // A message field seen twice merges, as protoc does.
      const into =
        typeof old === 'object' && old !== null && !Array.isArray(old) ? (old as Record<string, unknown>) : {};
      setKey(out, f.name, into);
      this.child(f, wire, r, depth, own, into, (v) => setKey(out, f.name, v));
    } else {
      setKey(out, f.name, this.scalar(f, r, depth, own));
    }
    this.range(own, start, r.pos);
    return true;
  }

  /** A message-typed value: attached before it is read (`into`), so a failure inside leaves what was read; `replace` puts its JSON form. */
  private child(
    f: FieldInfo,
    wire: number,
    r: WireReader,
    depth: number,
    path: string,
    into: Record<string, unknown>,
    replace: (v: unknown) => void,
  ): Record<string, unknown> {
    if (depth + 1 > MAX_DEPTH) throw new WireError(r.pos, `messages nest deeper than ${MAX_DEPTH} levels`);
    const type = f.type!;
    const special = typeInfo(type).special;
    const ranges = this.ranges;
    if (special) this.ranges = undefined;
    try {
      if (wire === WIRE_SGROUP) this.message(type, r, depth + 1, path, into, f.id);
      else {
        const end = r.length(f.what);
        const outer = r.end;
        r.end = end;
        this.message(type, r, depth + 1, path, into);
        r.end = outer;
      }
    } finally {
      this.ranges = ranges;
    }
    if (special) replace(toJsonForm(special, into));
    return into;
  }

  private scalar(f: FieldInfo, r: WireReader, depth: number, path: string): unknown {
    const b = r.bytes;
    switch (f.kind) {
      case 'double':
        return jsonFloat(readDouble(b, r.skip(8, f.what)));
      case 'float':
        return jsonFloat(readFloat(b, r.skip(4, f.what)));
      case 'fixed32':
        return readFixed32(b, r.skip(4, f.what));
      case 'sfixed32':
        return readFixed32(b, r.skip(4, f.what)) | 0;
      case 'fixed64': {
        const at = r.skip(8, f.what);
        return uint64String(readFixed32(b, at), readFixed32(b, at + 4));
      }
      case 'sfixed64': {
        const at = r.skip(8, f.what);
        return int64String(readFixed32(b, at), readFixed32(b, at + 4));
      }
      case 'string': {
        const end = r.length(f.what);
        const s = Buffer.from(b.buffer, b.byteOffset + r.pos, end - r.pos).toString('utf8');
        r.pos = end;
        return s;
      }
      case 'bytes': {
        const end = r.length(f.what);
        const s = base64(b, r.pos, end);
        r.pos = end;
        return s;
      }
      case 'message': {
        // A map's message value (other message fields go through `child`).
        const into: Record<string, unknown> = {};
        let out: unknown = into;
        this.child(f, WIRE_LEN, r, depth, path, into, (v) => (out = v));
        return out;
      }
    }
    r.varint();
    const { lo, hi } = r;
    switch (f.kind) {
      case 'int64':
        return int64String(lo, hi);
      case 'uint64':
        return uint64String(lo, hi);
      case 'sint64':
        return sint64String(lo, hi);
      case 'int32':
        return lo | 0;
      case 'uint32':
        return lo;
      case 'sint32':
        return (lo >>> 1) ^ -(lo & 1);
      case 'bool':
        return lo !== 0 || hi !== 0;
      case 'enum':
        return f.enumValues?.[lo | 0] ?? lo | 0;
      default:
        return lo;
    }
  }

  /** One map entry: the key is found first so the value's ranges carry it in their path. */
  private mapEntry(
    f: FieldInfo,
    r: WireReader,
    depth: number,
    path: string,
    out: Record<string, unknown>,
    start: number,
  ): void {
    const end = r.length(f.what);
    const map = (out[f.name] ??= {}) as Record<string, unknown>;
    const { key: kf, value: vf } = f.map!;
    let key: unknown =
      kf.kind === 'string' ? '' : kf.kind === 'bool' ? false : kf.wire === WIRE_VARINT && /64/.test(kf.kind) ? '0' : 0;
    let valueAt = -1;
    const scan = new WireReader(r.bytes, r.pos, end);
    while (scan.pos < end) {
      readTag(scan, false);
      const { field: n, wire } = scan;
      if (n === 1 && wire === kf.wire) key = this.scalar(kf, scan, depth, path);
      else if (n === 2 && (wire === vf.wire || (vf.kind === 'message' && wire === WIRE_LEN))) {
        valueAt = scan.pos;
        skipValue(scan, wire, n);
      } else skipValue(scan, wire, n);
    }
    const k = String(key);
    const own = path + f.seg;
    const item = own + seg(k);
    let value: unknown =
      vf.kind === 'message' ? {} : vf.kind === 'enum' ? (vf.enumValues?.[0] ?? 0) : defaultOf(vf.kind);
    if (valueAt >= 0) value = this.scalar(vf, new WireReader(r.bytes, valueAt, end), depth, item);
    setKey(map, k, value);
    this.range(item, start, end);
    this.range(own, start, end);
    r.pos = end;
  }

  /** google.protobuf.Any: `@type` and the packed message unpacked in place when its type is known. */
  private any(r: WireReader, depth: number, path: string, out: Record<string, unknown>, group?: number): void {
    let url = '';
    let urlRange: [number, number] | undefined;
    let value: [number, number, number] | undefined;
    while (r.pos < r.end) {
      const start = r.pos;
      readTag(r, false);
      const { field: n, wire } = r;
      if (wire === WIRE_EGROUP && n === group) break;
      if ((n === 1 || n === 2) && wire === WIRE_LEN) {
        const end = r.length(() => `field ${n} (${n === 1 ? 'type_url' : 'value'}) of a google.protobuf.Any`);
        if (n === 1) {
          url = Buffer.from(r.bytes.buffer, r.bytes.byteOffset + r.pos, end - r.pos).toString('utf8');
          urlRange = [start, end];
        } else value = [start, r.pos, end];
        r.pos = end;
        this.known++;
      } else skipValue(r, wire, n);
    }
    if (urlRange) {
      out['@type'] = url;
      this.range(`${path}['@type']`, urlRange[0], urlRange[1]);
    }
    const type = url ? this.schema.type(url.slice(url.lastIndexOf('/') + 1)) : undefined;
    if (!value) return;
    if (!type) {
      out.value = base64(r.bytes, value[1], value[2]);
      this.range(`${path}.value`, value[0], value[2]);
      return;
    }
    if (depth + 1 > MAX_DEPTH) throw new WireError(value[1], `messages nest deeper than ${MAX_DEPTH} levels`);
    const special = typeInfo(type).special;
    const inner = new WireReader(r.bytes, value[1], value[2]);
    if (!special) return this.message(type, inner, depth + 1, path, out);
    const into: Record<string, unknown> = {};
    const ranges = this.ranges;
    this.ranges = undefined;
    try {
      this.message(type, inner, depth + 1, path, into);
    } finally {
      this.ranges = ranges;
    }
    out.value = toJsonForm(special, into);
    this.range(`${path}.value`, value[0], value[2]);
  }

  private range(path: string, start: number, end: number): void {
    this.ranges?.push({ path, start, end });
  }
}

/** Skips one value of wire type `wire` (the Any and map scans). */
function skipValue(r: WireReader, wire: number, field: number): void {
  switch (wire) {
    case WIRE_VARINT:
      return void r.varint();
    case WIRE_I64:
      return void r.skip(8, () => `field ${field}`);
    case WIRE_I32:
      return void r.skip(4, () => `field ${field}`);
    case WIRE_LEN:
      r.pos = r.length(() => `field ${field}`);
      return;
    default:
      rawValue(r, field, wire, MAX_DEPTH - 1, '', undefined);
  }
}

function defaultOf(kind: string): unknown {
  if (kind === 'string' || kind === 'bytes') return '';
  if (kind === 'bool') return false;
  if (/64/.test(kind) && kind !== 'double') return '0';
  return 0;
}

/** Sets `obj[key]` as an own property even for "__proto__" (map keys come from the payload). */
function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
