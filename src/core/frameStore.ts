import { DIRECTIONS, ROW_KINDS as KINDS, type Direction, type RowKind, type RowSummary } from '../shared/protocol';
import { closeCodeName } from './closeCodes';

/** Bytes per payload chunk; a payload larger than this gets a chunk of its own. */
const CHUNK_SIZE = 4 * 1024 * 1024;
/** Characters of preview the list shows. */
const PREVIEW_CHARS = 200;
/** Bytes shown as hex in a binary preview. */
const PREVIEW_HEX_BYTES = 48;

/** One stored row with its payload bytes (a view into the store; copy it to keep it). */
export interface StoredRow {
  index: number;
  time: number;
  direction: Direction;
  kind: RowKind;
  payload: Buffer;
}

/**
 * The store's columns for scanning many rows without an object per row (filtering, search).
 * The arrays are the store's own and may be longer than `length`; read only, and fetch them
 * again after any append, which may replace them. Row `i`'s payload is
 * `chunks[chunkIndexes[i]]` bytes `[chunkOffsets[i], chunkOffsets[i] + sizes[i])`.
 */
export interface FrameColumns {
  readonly length: number;
  /** Milliseconds since the epoch. */
  readonly times: Float64Array;
  /** Index into `DIRECTION_CODES` order: sent, received, event. */
  readonly directions: Uint8Array;
  /** Index into `KIND_CODES` order. */
  readonly kinds: Uint8Array;
  readonly sizes: Uint32Array;
  readonly chunkIndexes: Uint32Array;
  readonly chunkOffsets: Uint32Array;
  readonly chunks: readonly Buffer[];
}

/** The order of directions in `FrameColumns.directions`. */
export const DIRECTION_CODES: readonly Direction[] = DIRECTIONS;
/** The order of kinds in `FrameColumns.kinds`. */
export const KIND_CODES: readonly RowKind[] = KINDS;

/**
 * Every message and event of one connection, append-only and columnar: typed arrays hold
 * time, direction, kind, size and payload position; payload bytes live in large chunks.
 * No object per message, so a million rows cost their payload plus ~22 bytes each.
 */
export class FrameStore {
  private capacity = 0;
  private count = 0;
  private times = new Float64Array(0);
  private directions = new Uint8Array(0);
  private kinds = new Uint8Array(0);
  private sizes = new Uint32Array(0);
  private chunkIndexes = new Uint32Array(0);
  private chunkOffsets = new Uint32Array(0);
  private readonly chunks: Buffer[] = [];
  private chunkUsed = 0;

  get length(): number {
    return this.count;
  }

  /**
   * Append a row; `payload` is copied, except a payload over a chunk (4 MiB) that is a whole buffer of
   * its own: that one is kept as it is, so a 64 MiB message is not held twice (callers pass buffers
   * they do not change again: `ws`'s received messages, sent payloads). Returns its index.
   */
  append(time: number, direction: Direction, kind: RowKind, payload: Buffer | string): number {
    const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    if (this.count === this.capacity) this.grow();
    const i = this.count;
    let chunk: number;
    let offset = 0;
    if (bytes.length > CHUNK_SIZE && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
      this.chunks.push(bytes);
      chunk = this.chunks.length - 1;
      this.chunkUsed = bytes.length; // full: the next row starts a new chunk
    } else {
      [chunk, offset] = this.place(bytes.length);
      bytes.copy(this.chunks[chunk], offset);
    }
    this.times[i] = time;
    this.directions[i] = DIRECTIONS.indexOf(direction);
    this.kinds[i] = KINDS.indexOf(kind);
    this.sizes[i] = bytes.length;
    this.chunkIndexes[i] = chunk;
    this.chunkOffsets[i] = offset;
    this.count = i + 1;
    return i;
  }

  /** The row at `index` with a view of its payload, or undefined when out of range. */
  get(index: number): StoredRow | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) return undefined;
    return {
      index,
      time: this.times[index],
      direction: DIRECTIONS[this.directions[index]],
      kind: KINDS[this.kinds[index]],
      payload: this.payload(index),
    };
  }

  /** Summaries of rows `[start, start + count)`, clamped to what exists. */
  summaries(start: number, count: number): RowSummary[] {
    const from = Math.max(0, Math.floor(start));
    const to = Math.min(this.count, from + Math.max(0, Math.floor(count)));
    const rows: RowSummary[] = [];
    for (let i = from; i < to; i++) rows.push(this.summary(i));
    return rows;
  }

  summary(index: number): RowSummary {
    const kind = KINDS[this.kinds[index]];
    return {
      index,
      time: this.times[index],
      direction: DIRECTIONS[this.directions[index]],
      kind,
      size: this.sizes[index],
      preview: preview(kind, this.payload(index, kind === 'binary' ? PREVIEW_HEX_BYTES : PREVIEW_CHARS * 4)),
    };
  }

  /** The columns, for fast scans; see `FrameColumns` for the rules. */
  columns(): FrameColumns {
    return {
      length: this.count,
      times: this.times,
      directions: this.directions,
      kinds: this.kinds,
      sizes: this.sizes,
      chunkIndexes: this.chunkIndexes,
      chunkOffsets: this.chunkOffsets,
      chunks: this.chunks,
    };
  }

  /** Drops every row and frees the payload memory. */
  clear(): void {
    this.capacity = 0;
    this.count = 0;
    this.times = new Float64Array(0);
    this.directions = new Uint8Array(0);
    this.kinds = new Uint8Array(0);
    this.sizes = new Uint32Array(0);
    this.chunkIndexes = new Uint32Array(0);
    this.chunkOffsets = new Uint32Array(0);
    this.chunks.length = 0;
    this.chunkUsed = 0;
  }

  /** Bytes held for payloads, counting whole chunks. */
  get payloadCapacityBytes(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  private payload(index: number, limit = Infinity): Buffer {
    const size = Math.min(this.sizes[index], limit);
    const offset = this.chunkOffsets[index];
    return this.chunks[this.chunkIndexes[index]].subarray(offset, offset + size);
  }

  private place(size: number): [number, number] {
    const last = this.chunks.length - 1;
    if (last >= 0 && this.chunkUsed + size <= this.chunks[last].length) {
      const offset = this.chunkUsed;
      this.chunkUsed += size;
      return [last, offset];
    }
    this.chunks.push(Buffer.allocUnsafe(Math.max(CHUNK_SIZE, size)));
    this.chunkUsed = size;
    return [this.chunks.length - 1, 0];
  }

  private grow(): void {
    const next = Math.max(1024, this.capacity * 2);
    this.times = resize(this.times, next);
    this.directions = resize(this.directions, next);
    this.kinds = resize(this.kinds, next);
    this.sizes = resize(this.sizes, next);
    this.chunkIndexes = resize(this.chunkIndexes, next);
    this.chunkOffsets = resize(this.chunkOffsets, next);
    this.capacity = next;
  }
}

function resize<T extends Float64Array | Uint8Array | Uint32Array>(array: T, length: number): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  next.set(array);
  return next;
}

/** One line for the list: text with line breaks shown as ⏎, binary as spaced hex. */
export function preview(kind: RowKind, bytes: Buffer): string {
  if (kind === 'binary') {
    return bytes.toString('hex').replace(/(..)(?!$)/g, '$1 ');
  }
  if (kind === 'close') {
    if (bytes.length < 2) return 'no status code';
    const reason = bytes.subarray(2).toString('utf8');
    return closeCodeName(bytes.readUInt16BE(0)) + (reason ? ` "${reason}"` : '');
  }
  const text = bytes.toString('utf8');
  // Control characters are what this replaces; the rule against them in patterns does not apply.
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/\r\n|\r|\n/g, ' ⏎ ').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '·');
  return line.length > PREVIEW_CHARS ? line.slice(0, PREVIEW_CHARS) + '…' : line;
}
