/**
 * A top-level field of a MessagePack map read straight from the bytes, for the filter over a
 * million rows: keys are compared as bytes and every other value is skipped without being built.
 * It answers only where the full decode would give the same: a binary frame that is one map with
 * string keys only, read to its last byte without a fault within MAX_DEPTH (such a payload is
 * MessagePack under 'auto' too, see msgpack.ts). Anything else is DECODE_FULLY.
 */
import { DECODE_FULLY, type QuickField } from '../decoder';
import { jsonNumber } from './common';
import { MAX_DEPTH, MsgpackReader } from './msgpackRead';

let lastField = '';
let lastBytes = Buffer.alloc(0);

export const msgpackQuickField: QuickField = (field, kind, b, start, end) => {
  if (kind !== 'binary' || end <= start) return DECODE_FULLY;
  const c = b[start];
  let n: number;
  let p: number;
  if (c >= 0x80 && c <= 0x8f) {
    n = c & 0x0f;
    p = start + 1;
  } else if (c === 0xde && start + 3 <= end) {
    n = b.readUInt16BE(start + 1);
    p = start + 3;
  } else if (c === 0xdf && start + 5 <= end) {
    n = b.readUInt32BE(start + 1);
    p = start + 5;
  } else return DECODE_FULLY;
  if (field !== lastField) {
    // A key of invalid UTF-8 reads as U+FFFD: only the full decode can match such a field.
    if (field.includes('\ufffd')) return DECODE_FULLY;
    lastField = field;
    lastBytes = Buffer.from(field, 'utf8');
  }
  const name = lastBytes;
  const nameLength = name.length;
  let found = -1;
  let foundEnd = -1;
  for (let i = 0; i < n; i++) {
    if (p >= end) return DECODE_FULLY;
    const k = b[p];
    let length: number;
    let at: number;
    if (k >= 0xa0 && k <= 0xbf) {
      length = k & 0x1f;
      at = p + 1;
    } else if (k === 0xd9 && p + 2 <= end) {
      length = b[p + 1];
      at = p + 2;
    } else if (k === 0xda && p + 3 <= end) {
      length = b.readUInt16BE(p + 1);
      at = p + 3;
    } else if (k === 0xdb && p + 5 <= end) {
      length = b.readUInt32BE(p + 1);
      at = p + 5;
    } else return DECODE_FULLY;
    p = at + length;
    if (p > end) return DECODE_FULLY;
    let match = length === nameLength;
    for (let j = 0; match && j < length; j++) if (b[at + j] !== name[j]) match = false;
    const valueEnd = skip(b, p, end, 1);
    if (valueEnd < 0) return DECODE_FULLY;
    // The later of equal keys wins, as in the decoded object.
    if (match) {
      found = p;
      foundEnd = valueEnd;
    }
    p = valueEnd;
  }
  if (p !== end) return DECODE_FULLY;
  return found < 0 ? undefined : valueAt(b, found, foundEnd);
};

/** The value at `[p, end)`: common scalars directly, anything else by the reader. */
function valueAt(b: Buffer, p: number, end: number): unknown {
  const c = b[p];
  if (c <= 0x7f) return c;
  if (c >= 0xe0) return c - 0x100;
  switch (c) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xca:
      return jsonNumber(b.readFloatBE(p + 1));
    case 0xcb:
      return jsonNumber(b.readDoubleBE(p + 1));
    case 0xcc:
      return b[p + 1];
    case 0xcd:
      return b.readUInt16BE(p + 1);
    case 0xce:
      return b.readUInt32BE(p + 1);
    case 0xd0:
      return b.readInt8(p + 1);
    case 0xd1:
      return b.readInt16BE(p + 1);
    case 0xd2:
      return b.readInt32BE(p + 1);
  }
  const r = new MsgpackReader(b, end);
  r.pos = p;
  return r.value(1);
}

/** The offset just past the value at `p` (checked as the reader checks it), or -1 when it is broken. */
function skip(b: Buffer, p: number, end: number, depth: number): number {
  if (p >= end) return -1;
  const c = b[p];
  let next: number;
  if (c <= 0x7f || c >= 0xe0) return p + 1;
  if (c <= 0x8f) return items(b, p + 1, end, (c & 0x0f) * 2, depth);
  if (c <= 0x9f) return items(b, p + 1, end, c & 0x0f, depth);
  if (c <= 0xbf) next = p + 1 + (c & 0x1f);
  else
    switch (c) {
      case 0xc1:
        return -1;
      case 0xc0:
      case 0xc2:
      case 0xc3:
        return p + 1;
      case 0xc4:
      case 0xd9:
        next = p + 2 > end ? -1 : p + 2 + b[p + 1];
        break;
      case 0xc5:
      case 0xda:
        next = p + 3 > end ? -1 : p + 3 + b.readUInt16BE(p + 1);
        break;
      case 0xc6:
      case 0xdb:
        next = p + 5 > end ? -1 : p + 5 + b.readUInt32BE(p + 1);
        break;
      case 0xc7:
        next = p + 2 > end ? -1 : p + 3 + b[p + 1];
        break;
      case 0xc8:
        next = p + 3 > end ? -1 : p + 4 + b.readUInt16BE(p + 1);
        break;
      case 0xc9:
        next = p + 5 > end ? -1 : p + 6 + b.readUInt32BE(p + 1);
        break;
      case 0xcc:
      case 0xd0:
        next = p + 2;
        break;
      case 0xcd:
      case 0xd1:
        next = p + 3;
        break;
      case 0xca:
      case 0xce:
      case 0xd2:
        next = p + 5;
        break;
      case 0xcb:
      case 0xcf:
      case 0xd3:
        next = p + 9;
        break;
      case 0xd4:
        next = p + 3;
        break;
      case 0xd5:
        next = p + 4;
        break;
      case 0xd6:
        next = p + 6;
        break;
      case 0xd7:
        next = p + 10;
        break;
      case 0xd8:
        next = p + 18;
        break;
      case 0xdc:
        return p + 3 > end ? -1 : items(b, p + 3, end, b.readUInt16BE(p + 1), depth);
      case 0xdd:
        return p + 5 > end ? -1 : items(b, p + 5, end, b.readUInt32BE(p + 1), depth);
      case 0xde:
        return p + 3 > end ? -1 : items(b, p + 3, end, b.readUInt16BE(p + 1) * 2, depth);
      default:
        return p + 5 > end ? -1 : items(b, p + 5, end, b.readUInt32BE(p + 1) * 2, depth);
    }
  return next > end ? -1 : next;
}

/** Skips `count` values of a container at `depth`. */
function items(b: Buffer, p: number, end: number, count: number, depth: number): number {
  if (depth >= MAX_DEPTH || count > end - p) return -1;
  for (let i = 0; i < count && p >= 0; i++) p = skip(b, p, end, depth + 1);
  return p;
}
