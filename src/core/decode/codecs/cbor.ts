/**
 * CBOR (RFC 8949) read straight into a JSON-compatible value, in one pass, with the byte offset of
 * whatever fails:
 * - integers → numbers, past 2^53 exact decimal strings; bignums (tags 2 and 3) → exact decimal strings
 *   (one longer than MAX_BIGNUM_BYTES stays `{ "$tag": 2, "value": "<base64>" }`);
 * - floats (half, single, double) → numbers; NaN/±Infinity → "NaN"/"Infinity"/"-Infinity";
 * - byte strings → base64; text → string; indefinite lengths joined;
 * - maps → objects; a key that is not a text string becomes its JSON text (`1` → "1"), the later of equal keys wins;
 * - tags → `{ "$tag": n, "value": … }`; tag 1 (epoch time) adds `"date": "<ISO-8601>"`, tag 0's value
 *   is its date string; the self-describe tag 55799 is dropped (its content shows);
 * - undefined → `{ "$undefined": true }`; other simple values → `{ "$simple": n }`.
 * Declared lengths are checked against the bytes that remain before anything is allocated; nesting
 * (arrays, maps and tags) stops at MAX_DEPTH. The whole payload must be one item.
 *
 * Detection ('auto'): the self-describe tag d9 d9 f7 surely; otherwise a binary frame whose first
 * byte opens an array, a map or a tag (a tag's first byte is also a UTF-8 lead byte: valid UTF-8 is
 * left to the text decoders). Bytes 0x80–0x9f are MessagePack's fixmap and fixarray too:
 * msgpack.ts has the rule (it runs first and leaves whole CBOR to this decoder). A broken payload
 * shows its problem under 'auto' only when it is surely CBOR (self-described, or a map whose first
 * pair reads whole with a name for a key, `isName` in common.ts).
 */
import { isUtf8 } from 'node:buffer';
import type { DecodedMessage, MessageDecoder } from '../decoder';
import { exactInteger, hexPreview, isName, isoTime, jsonNumber, keyText, Malformed, setKey, summarize } from './common';

/** Deepest nesting of arrays, maps and tags read; deeper is a problem. */
export const MAX_DEPTH = 64;
/** Bignums up to this many bytes become decimal strings (the conversion is quadratic in the length). */
const MAX_BIGNUM_BYTES = 1024;
const SELF_DESCRIBE = 55799;
const BREAK = 0xff;

export interface CborRead {
  value: unknown;
  problem?: string;
  /** Starts with the self-describe tag (d9 d9 f7). */
  selfDescribed: boolean;
  /** A map whose first pair read whole, with a name for its key. */
  namedFirstKey: boolean;
}

class Reader {
  pos = 0;
  /** The key of the top-level map's first pair, once that pair is read whole. */
  firstKey: unknown = undefined;

  constructor(
    private readonly b: Buffer,
    private readonly end: number,
  ) {}

  value(depth: number): unknown {
    const b = this.b;
    const at = this.pos;
    if (at >= this.end) throw new Malformed(`the payload ends at byte ${at} where an item should start`);
    const initial = b[at];
    this.pos = at + 1;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) return this.simple(info, at);
    if (info === 31) {
      if (major === 2 || major === 3) return this.chunks(major, at);
      if (major === 4) return this.array(-1, depth, at);
      if (major === 5) return this.map(-1, depth, at);
      throw new Malformed(
        `byte ${at} (0x${hex(initial)}) is an indefinite length, which major type ${major} cannot have`,
      );
    }
    const arg = this.argument(info, at);
    switch (major) {
      case 0:
        return typeof arg === 'bigint' ? exactInteger(arg) : arg;
      case 1:
        return typeof arg === 'bigint' ? exactInteger(-1n - arg) : -1 - arg;
      case 2: {
        const p = this.bytes(arg, at, 'byte string');
        return b.toString('base64', p, this.pos);
      }
      case 3: {
        const p = this.bytes(arg, at, 'text string');
        return b.toString('utf8', p, this.pos);
      }
      case 4:
        return this.array(arg, depth, at);
      case 5:
        return this.map(arg, depth, at);
      default:
        return this.tag(arg, depth, at);
    }
  }

  /** The argument after the initial byte: a number, or a bigint past 2^53. */
  private argument(info: number, at: number): number | bigint {
    if (info < 24) return info;
    if (info > 27) throw new Malformed(`byte ${at} uses additional information ${info}, which CBOR reserves`);
    const size = 1 << (info - 24);
    if (this.pos + size > this.end)
      throw new Malformed(
        `the payload ends at byte ${this.end} inside the ${size}-byte argument that starts at byte ${at}`,
      );
    const b = this.b;
    const p = this.pos;
    this.pos = p + size;
    if (size === 1) return b[p];
    if (size === 2) return b.readUInt16BE(p);
    if (size === 4) return b.readUInt32BE(p);
    const big = b.readBigUInt64BE(p);
    return big <= 9007199254740991n ? Number(big) : big;
  }

  private bytes(n: number | bigint, at: number, what: string): number {
    const left = this.end - this.pos;
    if (n > left) throw new Malformed(`the ${what} declared ${n} bytes at byte ${at} but only ${left} remain`);
    const p = this.pos;
    this.pos = p + Number(n);
    return p;
  }

  /** An indefinite-length byte or text string: definite chunks of the same type up to a break. */
  private chunks(major: number, at: number): string {
    const what = major === 2 ? 'byte string' : 'text string';
    const parts: Buffer[] = [];
    const texts: string[] = [];
    for (;;) {
      if (this.pos >= this.end)
        throw new Malformed(
          `the payload ends at byte ${this.end} before the break that closes the ${what} at byte ${at}`,
        );
      const c = this.b[this.pos];
      if (c === BREAK) break;
      if (c >> 5 !== major || (c & 0x1f) === 31)
        throw new Malformed(`the indefinite ${what} at byte ${at} holds something else at byte ${this.pos}`);
      const chunkAt = this.pos++;
      const n = this.argument(c & 0x1f, chunkAt);
      const p = this.bytes(n, chunkAt, what);
      if (major === 2) parts.push(this.b.subarray(p, this.pos));
      else texts.push(this.b.toString('utf8', p, this.pos));
    }
    this.pos++;
    return major === 2 ? Buffer.concat(parts).toString('base64') : texts.join('');
  }

  private deeper(depth: number, at: number): void {
    if (depth >= MAX_DEPTH) throw new Malformed(`the nesting goes deeper than ${MAX_DEPTH} levels at byte ${at}`);
  }

  /** True before the next item of a container of `n` items (-1: indefinite) of which `i` were read. */
  private more(n: number, i: number, at: number, what: string): boolean {
    if (n >= 0) return i < n;
    if (this.pos >= this.end)
      throw new Malformed(
        `the payload ends at byte ${this.end} before the break that closes the ${what} at byte ${at}`,
      );
    if (this.b[this.pos] !== BREAK) return true;
    this.pos++;
    return false;
  }

  private array(n: number | bigint, depth: number, at: number): unknown[] {
    this.deeper(depth, at);
    const left = this.end - this.pos;
    if (n > left) throw new Malformed(`the array declared ${n} items at byte ${at} but only ${left} bytes remain`);
    const count = Number(n);
    const arr: unknown[] = [];
    try {
      for (let i = 0; this.more(count, i, at, 'array'); i++) arr.push(this.value(depth + 1));
    } catch (err) {
      if (err instanceof Malformed) {
        if (err.hasPartial) arr.push(err.partial);
        err.wrap(arr);
      }
      throw err;
    }
    return arr;
  }

  private map(n: number | bigint, depth: number, at: number): Record<string, unknown> {
    this.deeper(depth, at);
    const left = this.end - this.pos;
    if (n > left / 2) throw new Malformed(`the map declared ${n} pairs at byte ${at} but only ${left} bytes remain`);
    const count = Number(n);
    const obj: Record<string, unknown> = {};
    let key: string | undefined;
    try {
      for (let i = 0; this.more(count, i, at, 'map'); i++) {
        key = undefined;
        const k = this.value(depth + 1);
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

  private tag(n: number | bigint, depth: number, at: number): unknown {
    this.deeper(depth, at);
    const contentAt = this.pos;
    let value: unknown;
    try {
      value = this.value(depth + 1);
    } catch (err) {
      if (err instanceof Malformed)
        err.wrap({ $tag: exactInteger(BigInt(n)), ...(err.hasPartial ? { value: err.partial } : {}) });
      throw err;
    }
    if (n === SELF_DESCRIBE) return value;
    if ((n === 2 || n === 3) && this.b[contentAt] >> 5 === 2 && typeof value === 'string') {
      const bytes = value.length <= Math.ceil(MAX_BIGNUM_BYTES / 3) * 4 ? Buffer.from(value, 'base64') : undefined;
      if (bytes && bytes.length <= MAX_BIGNUM_BYTES) {
        const big = bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
        return exactInteger(n === 2 ? big : -1n - big);
      }
    }
    if (n === 1 && typeof value === 'number') {
      const seconds = Math.floor(value);
      const date = isoTime(seconds, Math.min(999_999_999, Math.round((value - seconds) * 1e9)));
      return { $tag: 1, value, ...(date ? { date } : {}) };
    }
    return { $tag: exactInteger(BigInt(n)), value };
  }

  /** Major type 7: false, true, null, undefined, simple values, floats; a lone break is a problem. */
  private simple(info: number, at: number): unknown {
    const b = this.b;
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return { $undefined: true };
      case 24: {
        const n = this.argument(24, at) as number;
        if (n < 32)
          throw new Malformed(`the simple value at byte ${at} is ${n} in two bytes, which CBOR forbids below 32`);
        return { $simple: n };
      }
      case 25: {
        const h = this.argument(25, at) as number;
        return jsonNumber(half(h));
      }
      case 26:
        this.argument(26, at);
        return jsonNumber(b.readFloatBE(at + 1));
      case 27:
        if (this.pos + 8 > this.end)
          throw new Malformed(`the payload ends at byte ${this.end} inside the 8-byte float that starts at byte ${at}`);
        this.pos += 8;
        return jsonNumber(b.readDoubleBE(at + 1));
      case 31:
        throw new Malformed(`byte ${at} is a break (0xff) outside an indefinite-length item`);
      default:
        if (info < 20) return { $simple: info };
        throw new Malformed(`byte ${at} uses additional information ${info}, which CBOR reserves`);
    }
  }
}

function initialMap(c: number): boolean {
  return c >= 0xa0 && c <= 0xbf;
}

function half(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const v = exp === 0 ? mant * 2 ** -24 : exp !== 31 ? (mant + 1024) * 2 ** (exp - 25) : mant === 0 ? Infinity : NaN;
  return h & 0x8000 ? -v : v;
}

function hex(c: number): string {
  return c.toString(16).padStart(2, '0');
}

/** Reads `b` as one CBOR item; bytes after it, or any failure, give a `problem` sentence. */
export function readCbor(b: Buffer): CborRead {
  const r = new Reader(b, b.length);
  const selfDescribed = b.length >= 3 && b[0] === 0xd9 && b[1] === 0xd9 && b[2] === 0xf7;
  const read = (value: unknown, problem?: string): CborRead => ({
    value,
    ...(problem ? { problem: `CBOR: ${problem}` } : {}),
    selfDescribed,
    namedFirstKey: initialMap(b[0]) && isName(r.firstKey),
  });
  if (b.length === 0) return read(null, 'the payload is empty');
  try {
    const value = r.value(0);
    if (r.pos !== b.length)
      return read(value, `a whole item ends at byte ${r.pos} but ${b.length - r.pos} more bytes follow it`);
    return read(value);
  } catch (err) {
    if (!(err instanceof Malformed)) throw err;
    return read(err.hasPartial ? err.partial : hexPreview(b), err.message);
  }
}

/** True when `b` is one whole, well-formed CBOR item. */
export function cborReadsWhole(b: Buffer): boolean {
  return readCbor(b).problem === undefined;
}

/** First bytes 'auto' tries: an array, a map or a tag (the reserved and break codes left out). */
export function opensCbor(c: number): boolean {
  return (c >= 0x80 && c <= 0x9b) || c === 0x9f || (c >= 0xa0 && c <= 0xbb) || c === 0xbf || (c >= 0xc0 && c <= 0xdb);
}

/** The view of `payload`; under 'auto' (`trial`) a broken one only when it is surely CBOR. */
export function decodeCbor(payload: Buffer, trial = false): DecodedMessage | undefined {
  // Bytes c2–db also start two-byte UTF-8 characters ("Ё!" reads as 16([-2])): text stays text.
  if (trial && payload[0] >= 0xc0 && payload[0] <= 0xdb && isUtf8(payload)) return undefined;
  const r = readCbor(payload);
  if (trial && r.problem && !r.selfDescribed && !r.namedFirstKey) return undefined;
  return {
    decoder: 'cbor',
    label: 'CBOR',
    value: r.value,
    summary: summarize(r.value),
    ...(r.problem ? { problem: r.problem } : {}),
  };
}

export const cborDecoder: MessageDecoder = {
  id: 'cbor',
  label: 'CBOR',
  sniff: (m) => m.kind === 'binary' && m.payload.length > 0 && opensCbor(m.payload[0]),
  decode: (m, context) => decodeCbor(m.payload, context?.trial),
};
