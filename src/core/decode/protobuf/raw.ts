/**
 * Protobuf without a schema, read as `protoc --decode_raw` reads it. The view of a message is an
 * object keyed by field number (`{"1": 150, "2": {...}}`; a number seen more than once holds an
 * array, in wire order) with a `$wire` object that says how each number was read: "varint",
 * "fixed32", "fixed64", "group", "message (guessed)", "string" or "bytes". Values: varints as
 * unsigned integers (protoc prints them so; past 2^53 as decimal strings), fixed32/fixed64 as
 * unsigned integers the same way. A length-delimited field is shown as a nested message when its
 * bytes parse fully as one (protoc's own guess: non-empty, and at most 10 levels deep as protoc
 * guesses; marked "message (guessed)"), else as a string when valid UTF-8, else as base64 bytes.
 */
import type { FieldRange } from '../decoder';
import {
  base64,
  MAX_DEPTH,
  readFixed32,
  strictUtf8,
  unsignedValue,
  WIRE_EGROUP,
  WIRE_I32,
  WIRE_I64,
  WIRE_LEN,
  WIRE_SGROUP,
  WIRE_VARINT,
  WireError,
  WireReader,
} from './wire';

/** protoc stops guessing nested messages this many levels down (text_format.cc's recursion budget). */
export const GUESS_DEPTH = 10;
const MAX_FIELD_NUMBER = 536870911;

/** One field as read from the wire: its number, how it was read, and its value. */
export interface RawField {
  field: number;
  wire: string;
  value: unknown;
}

/** What collects the byte ranges of a walk (undefined: none wanted). */
export type Ranges = FieldRange[] | undefined;

/**
 * Reads a tag at `r.pos` into `r.field` and `r.wire`, or throws. Over-long tags (a trailing
 * 0x00 byte, which no encoder writes) are refused too, so random bytes are less often taken for a message.
 */
export function readTag(r: WireReader, strict = true): void {
  const at = r.pos;
  const tag = r.uint32();
  if (strict && r.overlong) throw new WireError(at, 'a tag is encoded in more bytes than it needs');
  const field = Math.floor(tag / 8);
  const wire = tag % 8;
  if (field === 0 || field > MAX_FIELD_NUMBER) throw new WireError(at, `a tag names field number ${field}`);
  if (wire > 5) throw new WireError(at, `a tag has the invalid wire type ${wire}`);
  r.field = field;
  r.wire = wire;
}

/**
 * Reads one field's value after its tag (`r.pos` is at the value) as the schema-less view shows it.
 * `path` is the value's path for `ranges`.
 */
export function rawValue(
  r: WireReader,
  field: number,
  wire: number,
  depth: number,
  path: string,
  ranges: Ranges,
): RawField {
  const b = r.bytes;
  switch (wire) {
    case WIRE_VARINT:
      r.varint();
      return { field, wire: 'varint', value: unsignedValue(r.lo, r.hi) };
    case WIRE_I64: {
      const at = r.skip(8, () => `the fixed64 field ${field}`);
      return { field, wire: 'fixed64', value: unsignedValue(readFixed32(b, at), readFixed32(b, at + 4)) };
    }
    case WIRE_I32: {
      const at = r.skip(4, () => `the fixed32 field ${field}`);
      return { field, wire: 'fixed32', value: readFixed32(b, at) };
    }
    case WIRE_LEN: {
      const end = r.length(() => `field ${field}`);
      const start = r.pos;
      r.pos = end;
      if (end > start && depth < GUESS_DEPTH && depth < MAX_DEPTH) {
        const inner: Ranges = ranges ? [] : undefined;
        const guess = tryRawMessage(b, start, end, depth + 1, path, inner);
        if (guess) {
          if (ranges && inner) for (const x of inner) ranges.push(x);
          return { field, wire: 'message (guessed)', value: guess };
        }
      }
      const text = strictUtf8(b, start, end);
      return text !== undefined
        ? { field, wire: 'string', value: text }
        : { field, wire: 'bytes', value: base64(b, start, end) };
    }
    case WIRE_SGROUP: {
      if (depth >= MAX_DEPTH) throw new WireError(r.pos, `groups nest deeper than ${MAX_DEPTH} levels`);
      const value = rawFields(r, depth + 1, path, ranges, field);
      return { field, wire: 'group', value };
    }
    default:
      throw new WireError(r.pos, `an end-group tag (field ${field}) has no group to end`);
  }
}

/** `bytes[start, end)` as a raw message, or undefined when it is not one (a guess that failed). */
export function tryRawMessage(
  bytes: Uint8Array,
  start: number,
  end: number,
  depth: number,
  path: string,
  ranges: Ranges,
): Record<string, unknown> | undefined {
  try {
    return rawFields(new WireReader(bytes, start, end), depth, path, ranges);
  } catch (e) {
    if (e instanceof WireError) return undefined;
    throw e;
  }
}

/**
 * Reads fields until `r.end` (or, inside a group, until its end tag) into the keyed view. Throws
 * WireError; on a throw the fields read so far are lost (the top-level decoder reports the offset).
 */
export function rawFields(
  r: WireReader,
  depth: number,
  path: string,
  ranges: Ranges,
  group?: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const wires: Record<string, string | string[]> = {};
  const counts: Record<string, number> = {};
  /** Where the first occurrence of each number left its ranges, to index them when a second one comes. */
  const firstRanges: Record<string, [number, number]> = {};
  while (r.pos < r.end) {
    const start = r.pos;
    readTag(r);
    const { field, wire } = r;
    if (wire === WIRE_EGROUP) {
      if (group === field) return finish(out, wires);
      throw new WireError(
        start,
        group === undefined
          ? `an end-group tag (field ${field}) has no group to end`
          : `the group of field ${group} is ended by field ${field}'s end tag`,
      );
    }
    const key = String(field);
    const n = counts[key] ?? 0;
    counts[key] = n + 1;
    const from = ranges?.length ?? 0;
    const own = path + seg(key);
    const at = n > 0 ? `${own}[${n}]` : own;
    const read = rawValue(r, field, wire, depth, at, ranges);
    if (ranges) ranges.push({ path: at, start, end: r.pos });
    if (ranges && n > 0) ranges.push({ path: own, start, end: r.pos });
    if (ranges && n === 1) indexFirst(ranges, firstRanges[key], own);
    if (n === 0) {
      out[key] = read.value;
      wires[key] = read.wire;
      if (ranges) firstRanges[key] = [from, ranges.length];
    } else {
      if (n === 1) out[key] = [out[key]];
      (out[key] as unknown[]).push(read.value);
      const w = wires[key];
      if (Array.isArray(w)) w.push(read.wire);
      else if (w !== read.wire) wires[key] = [...Array<string>(n).fill(w), read.wire];
    }
  }
  if (group !== undefined) throw new WireError(r.pos, `the group of field ${group} has no end tag`);
  return finish(out, wires);
}

/** The first occurrence's ranges (`prefix…`) become element 0's (`prefix[0]…`); its whole-field range stays too. */
function indexFirst(ranges: FieldRange[], [from, to]: [number, number], prefix: string): void {
  for (let i = from; i < to; i++)
    ranges[i] = { ...ranges[i], path: `${prefix}[0]${ranges[i].path.slice(prefix.length)}` };
  const top = ranges[to - 1];
  ranges.push({ path: prefix, start: top.start, end: top.end });
}

function finish(out: Record<string, unknown>, wires: Record<string, string | string[]>): Record<string, unknown> {
  out.$wire = wires;
  return out;
}

/** `key` as a path segment, exactly as `formatPath` of src/core/jsonPath.ts prints it. */
export function seg(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `['${key.replace(/['\\]/g, '\\$&')}']`;
}
