/** The MessagePack reader: one value straight into JSON-compatible form (msgpack.ts says how each type shows). */
import { exactInteger, hexPreview, isName, isoTime, jsonNumber, keyText, Malformed, setKey } from './common';

/** Deepest nesting of maps and arrays read; deeper is a problem. */
export const MAX_DEPTH = 64;

export interface MsgpackRead {
  value: unknown;
  problem?: string;
  /** The payload is a map and every key of it (at the top) is a string. */
  stringKeyedMap: boolean;
  /** The payload is a map whose first pair read whole, with a name for its key: surely MessagePack, even when broken. */
  surely: boolean;
}

const TIMESTAMP = -1;

export class MsgpackReader {
  pos = 0;
  stringKeys = true;
  /** The key of the top-level map's first pair, once that pair is read whole. */
  firstKey: unknown = undefined;

  constructor(
    private readonly b: Buffer,
    private readonly end: number,
  ) {}

  value(depth: number): unknown {
    const b = this.b;
    const at = this.pos;
    if (at >= this.end) throw new Malformed(`the payload ends at byte ${at} where a value should start`);
    const c = b[at];
    this.pos = at + 1;
    if (c <= 0x7f) return c;
    if (c >= 0xe0) return c - 0x100;
    if (c <= 0x8f) return this.map(c & 0x0f, depth, at);
    if (c <= 0x9f) return this.array(c & 0x0f, depth, at);
    if (c <= 0xbf) return this.str(c & 0x1f, at);
    switch (c) {
      case 0xc0:
        return null;
      case 0xc1:
        throw new Malformed(`byte ${at} is 0xc1, which MessagePack never uses`);
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
      case 0xc5:
      case 0xc6:
        return this.bin(this.length(1 << (c - 0xc4), at, 'bin'), at);
      case 0xc7:
      case 0xc8:
      case 0xc9:
        return this.ext(this.length(1 << (c - 0xc7), at, 'ext'), at);
      case 0xca:
        this.need(4, at, 'float 32');
        this.pos += 4;
        return jsonNumber(b.readFloatBE(at + 1));
      case 0xcb:
        this.need(8, at, 'float 64');
        this.pos += 8;
        return jsonNumber(b.readDoubleBE(at + 1));
      case 0xcc:
      case 0xcd:
      case 0xce:
        return this.length(1 << (c - 0xcc), at, 'uint');
      case 0xcf:
        this.need(8, at, 'uint 64');
        this.pos += 8;
        return exactInteger(b.readBigUInt64BE(at + 1));
      case 0xd0:
        this.need(1, at, 'int 8');
        this.pos += 1;
        return b.readInt8(at + 1);
      case 0xd1:
        this.need(2, at, 'int 16');
        this.pos += 2;
        return b.readInt16BE(at + 1);
      case 0xd2:
        this.need(4, at, 'int 32');
        this.pos += 4;
        return b.readInt32BE(at + 1);
      case 0xd3:
        this.need(8, at, 'int 64');
        this.pos += 8;
        return exactInteger(b.readBigInt64BE(at + 1));
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return this.ext(1 << (c - 0xd4), at);
      case 0xd9:
      case 0xda:
      case 0xdb:
        return this.str(this.length(1 << (c - 0xd9), at, 'str'), at);
      case 0xdc:
      case 0xdd:
        return this.array(this.length(c === 0xdc ? 2 : 4, at, 'array'), depth, at);
      default:
        return this.map(this.length(c === 0xde ? 2 : 4, at, 'map'), depth, at);
    }
  }

  private need(n: number, at: number, what: string): void {
    if (this.pos + n > this.end)
      throw new Malformed(`the payload ends at byte ${this.end} inside the ${what} header that starts at byte ${at}`);
  }

  /** An unsigned big-endian integer of `size` bytes (1, 2 or 4) after the type byte. */
  private length(size: number, at: number, what: string): number {
    this.need(size, at, what);
    const b = this.b;
    const p = this.pos;
    this.pos = p + size;
    return size === 1 ? b[p] : size === 2 ? b.readUInt16BE(p) : b.readUInt32BE(p);
  }

  private bytes(n: number, at: number, what: string): number {
    const left = this.end - this.pos;
    if (n > left) throw new Malformed(`the ${what} declared ${n} bytes at byte ${at} but only ${left} remain`);
    const p = this.pos;
    this.pos = p + n;
    return p;
  }

  private str(n: number, at: number): string {
    const p = this.bytes(n, at, 'string');
    return this.b.toString('utf8', p, p + n);
  }

  private bin(n: number, at: number): string {
    const p = this.bytes(n, at, 'bin');
    return this.b.toString('base64', p, p + n);
  }

  /** An extension of `n` data bytes: its type byte, then the data. */
  private ext(n: number, at: number): unknown {
    this.need(1, at, 'ext');
    const type = this.b.readInt8(this.pos);
    this.pos += 1;
    const p = this.bytes(n, at, 'ext');
    return type === TIMESTAMP
      ? (timestamp(this.b, p, n) ?? plainExt(this.b, type, p, n))
      : plainExt(this.b, type, p, n);
  }

  private array(n: number, depth: number, at: number): unknown[] {
    if (depth >= MAX_DEPTH) throw new Malformed(`the nesting goes deeper than ${MAX_DEPTH} levels at byte ${at}`);
    const left = this.end - this.pos;
    if (n > left) throw new Malformed(`the array declared ${n} items at byte ${at} but only ${left} bytes remain`);
    const arr: unknown[] = [];
    try {
      for (let i = 0; i < n; i++) arr.push(this.value(depth + 1));
    } catch (err) {
      if (err instanceof Malformed) {
        if (err.hasPartial) arr.push(err.partial);
        err.wrap(arr);
      }
      throw err;
    }
    return arr;
  }

  private map(n: number, depth: number, at: number): Record<string, unknown> {
    if (depth >= MAX_DEPTH) throw new Malformed(`the nesting goes deeper than ${MAX_DEPTH} levels at byte ${at}`);
    const left = this.end - this.pos;
    if (n * 2 > left) throw new Malformed(`the map declared ${n} pairs at byte ${at} but only ${left} bytes remain`);
    const obj: Record<string, unknown> = {};
    let key: string | undefined;
    try {
      for (let i = 0; i < n; i++) {
        key = undefined;
        const k = this.value(depth + 1);
        if (depth === 0 && typeof k !== 'string') this.stringKeys = false;
        key = keyText(k);
        setKey(obj, key, this.value(depth + 1));
        if (depth === 0 && i === 0) this.firstKey = k;
      }
    } catch (err) {
      if (err instanceof Malformed) {
        if (key !== undefined && err.hasPartial) setKey(obj, key, err.partial);
        err.wrap(obj);
      }
      throw err;
    }
    return obj;
  }
}

function plainExt(b: Buffer, type: number, p: number, n: number): { $ext: number; data: string } {
  return { $ext: type, data: b.toString('base64', p, p + n) };
}

/** The timestamp extension's three sizes; undefined when the data is not a valid timestamp. */
function timestamp(b: Buffer, p: number, n: number): unknown {
  let seconds: bigint;
  let nanoseconds: number;
  if (n === 4) {
    seconds = BigInt(b.readUInt32BE(p));
    nanoseconds = 0;
  } else if (n === 8) {
    const hi = b.readUInt32BE(p);
    nanoseconds = hi >>> 2;
    seconds = BigInt((hi & 3) * 0x1_0000_0000 + b.readUInt32BE(p + 4));
  } else if (n === 12) {
    nanoseconds = b.readUInt32BE(p);
    seconds = b.readBigInt64BE(p + 4);
  } else return undefined;
  if (nanoseconds > 999_999_999) return undefined;
  return isoTime(seconds, nanoseconds) ?? { $ext: TIMESTAMP, seconds: exactInteger(seconds), nanoseconds };
}

/** Reads `b` as one MessagePack value; bytes after it, or any failure, give a `problem` sentence. */
export function readMsgpack(b: Buffer): MsgpackRead {
  const r = new MsgpackReader(b, b.length);
  const first = b[0];
  const isMap = (first >= 0x80 && first <= 0x8f) || first === 0xde || first === 0xdf;
  const read = (value: unknown, problem?: string): MsgpackRead => ({
    value,
    ...(problem ? { problem: `MessagePack: ${problem}` } : {}),
    stringKeyedMap: isMap && r.stringKeys && !problem,
    surely: isMap && isName(r.firstKey),
  });
  if (b.length === 0) return read(null, 'the payload is empty');
  try {
    const value = r.value(0);
    if (r.pos !== b.length)
      return read(value, `a whole value ends at byte ${r.pos} but ${b.length - r.pos} more bytes follow it`);
    return read(value);
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
    return read(err.hasPartial ? err.partial : hexPreview(b), err.message);
  }
}
