/**
 * Shared by the Protobuf tests: .proto files written to a temp dir, the real `protoc` to encode,
 * decode and make descriptor sets, and loading through our schema loader over the real file system.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadProtoSchema, type ProtoSchema, type ProtoSchemaResult } from '../../src/core/decode/protobuf';
import type { StoredMessage } from '../../src/core/decode';

/** A temp dir with files; `remove()` deletes it (call it in `after`, so it runs on failure too). */
export function tempProtos(files: Record<string, string>): { dir: string; path(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-pb-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function readFileOrUndefined(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** Loads entry files (absolute) with import roots (absolute), reading the real file system. */
export function load(files: string[], roots: string[] = []): ProtoSchemaResult {
  return loadProtoSchema({ files, roots, readFile: readFileOrUndefined });
}

export function loaded(files: string[], roots: string[] = []): ProtoSchema {
  const r = load(files, roots);
  if (!r.schema) throw new Error(`The schema did not load: ${JSON.stringify(r.errors)}`);
  return r.schema;
}

/** Runs protoc in `cwd` with `args` and `input`; throws with its stderr when it fails. */
export function protoc(cwd: string, args: string[], input?: Buffer | string): Buffer {
  const r = spawnSync('protoc', args, { cwd, input, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`protoc ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** `protoc --encode=TYPE` of text-format `text`, with `-I dir` and the file named. */
export function encodeText(dir: string, file: string, type: string, text: string, includes: string[] = ['.']): Buffer {
  return protoc(dir, [...includes.map((i) => `-I${i}`), `--encode=${type}`, file], text);
}

export function decodeText(dir: string, file: string, type: string, bytes: Buffer, includes: string[] = ['.']): string {
  return protoc(dir, [...includes.map((i) => `-I${i}`), `--decode=${type}`, file], bytes).toString('utf8');
}

export const received = (payload: Buffer, index = 0): StoredMessage => ({
  index,
  direction: 'received',
  kind: 'binary',
  payload,
});

/** A varint's bytes (for hand-made hostile payloads). */
export function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
}

/** protoc's text of one value in --decode_raw output (C escapes in strings) as bytes. */
export function unescapeC(quoted: string): Buffer {
  const s = quoted.slice(1, -1);
  const out: number[] = [];
  const simple: Record<string, number> = {
    n: 10,
    r: 13,
    t: 9,
    '"': 34,
    "'": 39,
    '\\': 92,
    a: 7,
    b: 8,
    f: 12,
    v: 11,
    '?': 63,
  };
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '\\') {
      for (const b of Buffer.from(s[i], 'utf8')) out.push(b);
      continue;
    }
    const c = s[++i];
    if (c in simple) out.push(simple[c]);
    else if (c === 'x') {
      const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(i + 1))![0];
      out.push(parseInt(m, 16));
      i += m.length;
    } else {
      const m = /^[0-7]{1,3}/.exec(s.slice(i))![0];
      out.push(parseInt(m, 8));
      i += m.length - 1;
    }
  }
  return Buffer.from(out);
}

/** A node of `protoc --decode_raw`'s output: field number to its values in order (strings as protoc prints them, or nested nodes). */
export type RawTree = Map<number, Array<string | RawTree>>;

export function parseDecodeRaw(text: string): RawTree {
  const lines = text.split('\n').filter((l) => l.trim());
  let i = 0;
  const block = (): RawTree => {
    const node: RawTree = new Map();
    while (i < lines.length) {
      const line = lines[i++].trim();
      if (line === '}') return node;
      const nested = /^(\d+) \{$/.exec(line);
      const m = nested ?? /^(\d+): (.*)$/.exec(line);
      if (!m) throw new Error(`Unexpected protoc line: ${line}`);
      const n = Number(m[1]);
      const list = node.get(n) ?? [];
      list.push(nested ? block() : m[2]);
      node.set(n, list);
    }
    return node;
  };
  return block();
}

/**
 * The test schema: an entry in root `a` importing from root `b` (`common/money.proto`), from its
 * own folder (`side.proto`) and well-known types; every scalar kind, maps, oneof, Any, nesting.
 */
export const MARKET: Record<string, string> = {
  'a/market/ticker.proto': `syntax = "proto3";
package market;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/any.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/empty.proto";
import "common/money.proto";
import "side.proto";

message Ticker {
  string symbol = 1;
  double price = 2;
  int64 volume = 3;
  Side side = 4;
  google.protobuf.Timestamp at = 5;
  common.Money fee = 6;
}

message Everything {
  int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4; sint32 s32 = 5; sint64 s64 = 6;
  fixed32 f32 = 7; fixed64 f64 = 8; sfixed32 sf32 = 9; sfixed64 sf64 = 10;
  float fl = 11; double db = 12; bool flag = 13; string text = 14; bytes data = 15;
  Side side = 16;
  repeated int32 packed = 17;
  repeated string names = 18;
  map<string, Ticker> by_symbol = 19;
  map<int64, string> by_id = 20;
  oneof choice { string label = 21; Ticker ticker = 22; }
  google.protobuf.Any any = 23;
  google.protobuf.Duration took = 24;
  google.protobuf.Struct meta = 25;
  google.protobuf.Int64Value wrapped = 26;
  google.protobuf.FieldMask mask = 27;
  google.protobuf.Empty nothing = 28;
  Nested nested = 29;
  message Nested { repeated Nested children = 1; string name = 2; }
  repeated sint64 packed64 = 30;
  optional int32 maybe = 31;
  google.protobuf.Timestamp when = 32;
}

message ItemV1 { string name = 1; }
message ItemV2 { string name = 1; int64 extra = 7; fixed32 f = 8; ItemV2 child = 9; bytes blob = 10; fixed64 g = 11; string note = 12; }
`,
  'a/market/side.proto': `syntax = "proto3";
package market;
enum Side { SIDE_UNSPECIFIED = 0; BUY = 1; SELL = 2; }
`,
  'b/common/money.proto': `syntax = "proto3";
package common;
message Money { string currency = 1; int64 units = 2; int32 nanos = 3; }
`,
  'a/legacy/legacy.proto': `syntax = "proto2";
package legacy;
message G {
  optional group Result = 1 { optional string url = 2; optional int32 rank = 3; }
  optional int32 n = 4;
  extensions 100 to 200;
}
extend G { optional string note = 100; }
`,
};

/** protoc's include flags for MARKET: root b first, then the entry's folder (as the loader searches). */
export const MARKET_INCLUDES = ['b', 'a/market'];

export const EVERYTHING_TEXT = `
i32: -5 i64: -9007199254740993 u32: 4294967295 u64: 18446744073709551615 s32: -7 s64: -9223372036854775808
f32: 4000000000 f64: 18446744073709551614 sf32: -2 sf64: 9007199254740993
fl: 1.5 db: -2.25 flag: true text: "h\\303\\251llo" data: "\\000\\001\\377"
side: SELL packed: [1, -1, 300] names: "a" names: "b"
by_symbol { key: "BTC" value { symbol: "BTC" price: 1 } }
by_id { key: 9007199254740993 value: "big" }
ticker { symbol: "ETH" volume: 5 }
any { [type.googleapis.com/market.Ticker] { symbol: "SOL" } }
took { seconds: 1 nanos: 500000000 }
meta { fields { key: "k" value { list_value { values { number_value: 1 } values { string_value: "x" } values { null_value: NULL_VALUE } values { bool_value: true } } } } }
wrapped { value: 9007199254740993 }
mask { paths: "a.b" paths: "c" }
nothing {}
nested { name: "n0" children { name: "n1" children { name: "n2" } } }
packed64: [-1, 9007199254740993]
maybe: 0
when { seconds: 1714564800 nanos: 250000000 }
`;

/** How our decoder shows EVERYTHING_TEXT. */
export const EVERYTHING_VALUE = {
  i32: -5,
  i64: '-9007199254740993',
  u32: 4294967295,
  u64: '18446744073709551615',
  s32: -7,
  s64: '-9223372036854775808',
  f32: 4000000000,
  f64: '18446744073709551614',
  sf32: -2,
  sf64: '9007199254740993',
  fl: 1.5,
  db: -2.25,
  flag: true,
  text: 'héllo',
  data: 'AAH/',
  side: 'SELL',
  packed: [1, -1, 300],
  names: ['a', 'b'],
  by_symbol: { BTC: { symbol: 'BTC', price: 1 } },
  by_id: { '9007199254740993': 'big' },
  choice: 'ticker',
  ticker: { symbol: 'ETH', volume: '5' },
  any: { '@type': 'type.googleapis.com/market.Ticker', symbol: 'SOL' },
  took: '1.500s',
  meta: { k: [1, 'x', null, true] },
  wrapped: '9007199254740993',
  mask: 'a.b,c',
  nothing: {},
  nested: { name: 'n0', children: [{ name: 'n1', children: [{ name: 'n2' }] }] },
  packed64: ['-1', '9007199254740993'],
  maybe: 0,
  when: '2024-05-01T12:00:00.250Z',
};

/** A length-prefixed `Nested` holding `levels` levels of `children` (field 1) around `name: "x"`. */
export function selfNested(levels: number): Buffer {
  const sizes = [3];
  for (let i = 1; i <= levels; i++) sizes.push(1 + varint(sizes[i - 1]).length + sizes[i - 1]);
  const parts: number[] = [...varint(sizes[levels])];
  for (let i = levels; i >= 1; i--) parts.push(0x0a, ...varint(sizes[i - 1]));
  parts.push(0x12, 0x01, 0x78);
  return Buffer.from(parts);
}
