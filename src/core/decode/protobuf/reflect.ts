/**
 * What the schema decoder needs of a message type, read once from protobufjs's reflection and
 * kept per type: its fields by number, with the wire type each expects.
 */
import * as protobuf from 'protobufjs';
import { seg } from './raw';
import { specialName } from './wellKnown';
import { WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './wire';

export interface FieldInfo {
  name: string;
  /** The name as a path segment (`.name`, `['odd name']`). */
  seg: string;
  /** How problems name it: "field 3 (price)". */
  what: string;
  id: number;
  /** A scalar type name ("int64", "string"…), "enum" or "message". */
  kind: string;
  /** The wire type a single value of it has. */
  wire: number;
  repeated: boolean;
  /** Repeated scalars may come packed (one length-delimited run). */
  packable: boolean;
  type?: protobuf.Type;
  enumValues?: Record<number, string>;
  oneof?: { name: string; members: string[] };
  map?: { key: FieldInfo; value: FieldInfo };
}

export interface TypeInfo {
  byId: Map<number, FieldInfo>;
  special?: string;
  any: boolean;
}

const WIRE_OF: Record<string, number> = {
  double: WIRE_I64,
  fixed64: WIRE_I64,
  sfixed64: WIRE_I64,
  float: WIRE_I32,
  fixed32: WIRE_I32,
  sfixed32: WIRE_I32,
  string: WIRE_LEN,
  bytes: WIRE_LEN,
  message: WIRE_LEN,
};

const infos = new WeakMap<protobuf.Type, TypeInfo>();

export function typeInfo(type: protobuf.Type): TypeInfo {
  let info = infos.get(type);
  if (info) return info;
  const byId = new Map<number, FieldInfo>();
  for (const f of type.fieldsArray) byId.set(f.id, fieldInfo(f));
  info = { byId, special: specialName(type.fullName), any: type.fullName === '.google.protobuf.Any' };
  infos.set(type, info);
  return info;
}

function fieldInfo(f: protobuf.Field): FieldInfo {
  f.resolve();
  const name = f.name.startsWith('.') ? `[${f.name.slice(1)}]` : f.name;
  const map = f instanceof protobuf.MapField ? f : undefined;
  const info = scalarInfo(name, f.id, map ? map.type : f.type, f.resolvedType);
  info.repeated = f.repeated && !map;
  info.packable = info.repeated && info.wire !== WIRE_LEN;
  const oneof = f.partOf;
  if (oneof && !oneof.isProto3Optional) {
    info.oneof = { name: oneof.name, members: oneof.fieldsArray.map((m) => m.name) };
  }
  if (map) {
    info.map = {
      key: scalarInfo('key', 1, map.keyType, null),
      value: scalarInfo('value', 2, map.type, f.resolvedType),
    };
    info.wire = WIRE_LEN;
    info.kind = 'map';
  }
  return info;
}

function scalarInfo(name: string, id: number, type: string, resolved: protobuf.ReflectionObject | null): FieldInfo {
  const kind = resolved instanceof protobuf.Type ? 'message' : resolved instanceof protobuf.Enum ? 'enum' : type;
  return {
    name,
    seg: seg(name),
    what: `field ${id} (${name})`,
    id,
    kind,
    wire: WIRE_OF[kind] ?? WIRE_VARINT,
    repeated: false,
    packable: false,
    ...(resolved instanceof protobuf.Type ? { type: resolved } : {}),
    ...(resolved instanceof protobuf.Enum ? { enumValues: resolved.valuesById } : {}),
  };
}
