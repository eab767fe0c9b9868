/**
 * The Protobuf wire format at byte level, shared by the schema decoder, the schema-less view and
 * the encoder: varints read as two 32-bit halves (exact to 64 bits, no allocation), fixed-width
 * numbers, and a `WireError` that says what failed at which byte offset.
 */

/** Deepest nesting of messages and groups read (protoc's own recursion limit is 100). */
export const MAX_DEPTH = 64;

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_SGROUP = 3;
export const WIRE_EGROUP = 4;
export const WIRE_I32 = 5;

/** The wire types' names as the view shows them. */
export const WIRE_NAMES = ['varint', 'fixed64', 'len', 'group', 'end group', 'fixed32', 'wire type 6', 'wire type 7'];

const TWO_32 = 4294967296;

/** A payload the reader cannot go on with: `offset` is where the bad part begins ("{at}" in `reason` places it). */
export class WireError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason.includes('{at}') ? reason.replace('{at}', `at byte ${offset}`) : `${reason} at byte ${offset}`);
  }
}

/** A cursor over `bytes`, reading up to `end`. Every read checks the bounds and throws `WireError`. */
export class WireReader {
  pos: number;
  /** The two halves of the last varint read by `varint()`. */
  lo = 0;
  hi = 0;
  /** The last varint was longer than its value needs (a trailing 0x00 byte): real encoders never write these. */
  overlong = false;
  /** The field number and wire type of the last tag `readTag` read. */
  field = 0;
  wire = 0;

  constructor(
    readonly bytes: Uint8Array,
    pos: number,
    public end: number,
  ) {
    this.pos = pos;
  }

  /** Reads a varint into `lo`/`hi`. */
  varint(): void {
    const b = this.bytes;
    const start = this.pos;
    let lo = 0;
    let hi: number;
    let i = start;
    let byte: number;
    for (let shift = 0; shift < 28; shift += 7) {
      if (i >= this.end) throw new WireError(start, 'a varint runs past the end of the message');
      byte = b[i++];
      lo |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.done(start, i, lo >>> 0, 0, byte);
    }
    // Byte 5 carries bits 28..34: four to lo, three to hi.
    if (i >= this.end) throw new WireError(start, 'a varint runs past the end of the message');
    byte = b[i++];
    lo |= (byte & 0x0f) << 28;
    hi = (byte & 0x7f) >> 4;
    if (byte < 0x80) return this.done(start, i, lo >>> 0, hi, byte);
    for (let shift = 3; shift < 32; shift += 7) {
      if (i >= this.end) throw new WireError(start, 'a varint runs past the end of the message');
      byte = b[i++];
      hi |= (byte & 0x7f) << shift;
      if (byte < 0x80) return this.done(start, i, lo >>> 0, hi >>> 0, byte);
    }
    throw new WireError(start, 'a varint is longer than 10 bytes');
  }

  private done(start: number, i: number, lo: number, hi: number, last: number): void {
    this.pos = i;
    this.lo = lo;
    this.hi = hi;
    this.overlong = last === 0 && i - start > 1;
  }

  /** A varint that must fit in 32 bits unsigned (tags, lengths): larger ones are returned as Infinity. */
  uint32(): number {
    this.varint();
    return this.hi === 0 ? this.lo : Infinity;
  }

  /** A length prefix, checked against what remains: returns the end offset of the bytes it announces. */
  length(what: string | (() => string)): number {
    const at = this.pos;
    this.varint();
    const n = this.hi * TWO_32 + this.lo;
    const left = this.end - this.pos;
    if (n > left) {
      throw new WireError(
        at,
        `${name(what)} declares ${uint64String(this.lo, this.hi)} bytes {at} but only ${left} remain`,
      );
    }
    return this.pos + n;
  }

  skip(n: number, what: string | (() => string)): number {
    const at = this.pos;
    if (this.end - at < n)
      throw new WireError(at, `${name(what)} needs ${n} bytes {at} but only ${this.end - at} remain`);
    this.pos = at + n;
    return at;
  }
}

function name(what: string | (() => string)): string {
  return typeof what === 'string' ? what : what();
}

/** `lo`/`hi` as an unsigned 64-bit integer: a number up to 2^53, past it a decimal string. */
export function unsignedValue(lo: number, hi: number): number | string {
  if (hi < 0x200000) return hi * TWO_32 + lo;
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** `lo`/`hi` as an unsigned 64-bit decimal string. */
export function uint64String(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** `lo`/`hi` as a signed (two's complement) 64-bit decimal string. */
export function int64String(lo: number, hi: number): string {
  if (hi < 0x200000) return String(hi * TWO_32 + lo);
  if (hi >= 0xffe00000) return String(-((~hi >>> 0) * TWO_32 + (~lo >>> 0) + 1));
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** `lo`/`hi` zigzag-decoded (sint64) as a decimal string. */
export function sint64String(lo: number, hi: number): string {
  const negative = lo & 1;
  let l = ((lo >>> 1) | (hi << 31)) >>> 0;
  let h = hi >>> 1;
  if (negative) {
    l = ~l >>> 0;
    h = ~h >>> 0;
  }
  return int64String(l, h);
}

export function readFixed32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

const scratch = new DataView(new ArrayBuffer(8));

export function readFloat(b: Uint8Array, at: number): number {
  scratch.setUint32(0, readFixed32(b, at), true);
  return scratch.getFloat32(0, true);
}

export function readDouble(b: Uint8Array, at: number): number {
  scratch.setUint32(0, readFixed32(b, at), true);
  scratch.setUint32(4, readFixed32(b, at + 4), true);
  return scratch.getFloat64(0, true);
}

/** A float as JSON can hold it: NaN and the infinities as the strings proto3's JSON mapping uses. */
export function jsonFloat(x: number): number | string {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/** `bytes[start, end)` as text when it is valid UTF-8, else undefined. */
export function strictUtf8(bytes: Uint8Array, start: number, end: number): string | undefined {
  try {
    return fatalUtf8.decode(bytes.subarray(start, end));
  } catch {
    return undefined;
  }
}

export function base64(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('base64');
}
