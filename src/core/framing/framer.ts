import { formatBytes } from '../transport/wsDescribe';
import type { Framing } from './spec';

/** Where a framer's messages go. */
export interface FramerSink {
  /** One message; `note` says when it is not whole (cut at the maximum, or the stream ended inside it). */
  message(payload: Buffer, note?: string): void;
  /**
   * The stream cannot be cut any more (a length field beyond the maximum): the framer stops, and the
   * transport closes the connection with this sentence. Later bytes are still in the raw chunks.
   */
  fatal(sentence: string): void;
}

/** Cuts one direction of a stream into messages, chunk by chunk. */
export interface Framer {
  push(chunk: Buffer): void;
  /** The stream ended: what is left becomes a last message with a note. */
  end(): void;
  /** Bytes waiting for the rest of their message. */
  readonly pendingBytes: number;
  readonly failed: boolean;
}

/** Chunks kept for a message not yet whole: concatenated once, when it is. */
class Pending {
  chunks: Buffer[] = [];
  length = 0;
  add(b: Buffer): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.length += b.length;
  }
  all(extra?: Buffer): Buffer {
    const list = extra ? [...this.chunks, extra] : this.chunks;
    return list.length === 1 ? list[0] : Buffer.concat(list);
  }
  clear(): void {
    this.chunks = [];
    this.length = 0;
  }
}

function endNote(have: number, want?: number): string {
  return want !== undefined
    ? `The connection ended in the middle of a message: ${formatBytes(have)} of its ${formatBytes(want)} arrived (kept as they are).`
    : `The connection ended in the middle of a message: ${formatBytes(have)} of it arrived without the delimiter (kept as they are).`;
}

/** Each chunk as it came. */
class RawFramer implements Framer {
  readonly pendingBytes = 0;
  readonly failed = false;
  constructor(private readonly sink: FramerSink) {}
  push(chunk: Buffer): void {
    if (chunk.length) this.sink.message(chunk);
  }
  end(): void {}
}

/** Fixed length and length prefix: each message's size is known once its header is in. */
class LengthFramer implements Framer {
  private readonly pending = new Pending();
  /** Whole size (header included) of the message in `pending`, once its header is in; -1 before. */
  private want = -1;
  failed = false;
  private readonly headerLength: number;

  constructor(
    private readonly framing: Extract<Framing, { kind: 'fixed' | 'prefix' }>,
    private readonly max: number,
    private readonly sink: FramerSink,
  ) {
    this.headerLength = framing.kind === 'fixed' ? 0 : framing.offset + framing.bytes;
  }

  get pendingBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): void {
    if (this.failed) return;
    const h = this.headerLength;
    const n = chunk.length;
    let i = 0;
    const pending = this.pending;
    if (pending.length > 0) {
      if (this.want < 0) {
        if (pending.length + n < h) return pending.add(chunk);
        this.want = this.total(Buffer.concat([...pending.chunks, chunk.subarray(0, h)]), 0);
        if (this.want < 0) return;
      }
      if (pending.length + n < this.want) return pending.add(chunk);
      i = this.want - pending.length;
      const whole = pending.all(chunk.subarray(0, i));
      pending.clear();
      this.want = -1;
      this.sink.message(whole.subarray(h));
    }
    while (n - i >= h) {
      const total = this.total(chunk, i);
      if (total < 0) return;
      if (n - i < total) {
        this.want = total;
        break;
      }
      this.sink.message(chunk.subarray(i + h, i + total));
      i += total;
    }
    if (i < n) pending.add(chunk.subarray(i));
  }

  end(): void {
    if (this.failed || this.pending.length === 0) return;
    const h = this.headerLength;
    const have = Math.max(0, this.pending.length - h);
    const all = this.pending.all();
    this.pending.clear();
    this.sink.message(
      all.subarray(Math.min(this.headerLength, all.length)),
      endNote(have, this.want > 0 ? this.want - h : undefined),
    );
  }

  /** The whole size of the message whose header starts at `at`, or -1 after failing the stream. */
  private total(buf: Buffer, at: number): number {
    const f = this.framing;
    if (f.kind === 'fixed') return f.length;
    const p = at + f.offset;
    let value: number;
    if (f.bytes === 1) value = buf[p];
    else if (f.bytes === 2) value = f.endian === 'be' ? buf.readUInt16BE(p) : buf.readUInt16LE(p);
    else if (f.bytes === 4) value = f.endian === 'be' ? buf.readUInt32BE(p) : buf.readUInt32LE(p);
    else value = Number(f.endian === 'be' ? buf.readBigUInt64BE(p) : buf.readBigUInt64LE(p));
    const h = this.headerLength;
    if (f.includesPrefix && value < h)
      return this.fail(
        `A length field says ${value} bytes, fewer than the ${h} bytes of header it counts (framing prefix with +incl): the stream cannot be cut after it, so the connection is closed.`,
      );
    const body = f.includesPrefix ? value - h : value;
    if (body > this.max)
      return this.fail(
        `A length prefix claims a message of ${formatBytes(body)}, over the maximum message size of ${formatBytes(this.max)}: the stream cannot be cut after it, so the connection is closed. Check the framing (length size, byte order, offset), or raise the maximum message size.`,
      );
    return h + body;
  }

  private fail(sentence: string): number {
    this.failed = true;
    this.pending.clear();
    this.sink.fatal(sentence);
    return -1;
  }
}

/** Up to a delimiter; a message that reaches the maximum without one is cut there, with a note. */
class DelimiterFramer implements Framer {
  private readonly pending = new Pending();
  readonly failed = false;
  private readonly hex: string;

  constructor(
    private readonly delimiter: Buffer,
    private readonly max: number,
    private readonly sink: FramerSink,
  ) {
    this.hex = delimiter.toString('hex');
  }

  get pendingBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): void {
    const d = this.delimiter;
    const pending = this.pending;
    let start = 0;
    if (pending.length > 0 && d.length > 1) {
      // A delimiter split between the pending bytes and this chunk.
      const tail = pending.all().subarray(Math.max(0, pending.length - (d.length - 1)));
      const joined = Buffer.concat([tail, chunk.subarray(0, d.length - 1)]);
      const at = joined.indexOf(d);
      if (at >= 0 && at < tail.length) {
        const whole = pending.all();
        pending.clear();
        this.emit(whole.subarray(0, whole.length - (tail.length - at)));
        start = at + d.length - tail.length;
      }
    }
    for (;;) {
      const at = chunk.indexOf(d, start);
      if (at < 0) break;
      if (pending.length > 0) {
        const whole = pending.all(chunk.subarray(start, at));
        pending.clear();
        this.emit(whole);
      } else this.emit(chunk.subarray(start, at));
      start = at + d.length;
    }
    if (start < chunk.length) pending.add(chunk.subarray(start));
    if (pending.length > this.max) {
      const all = pending.all();
      pending.clear();
      let at = 0;
      for (; all.length - at > this.max; at += this.max)
        this.sink.message(all.subarray(at, at + this.max), this.cutNote());
      pending.add(all.subarray(at));
    }
  }

  end(): void {
    if (this.pending.length === 0) return;
    const all = this.pending.all();
    this.pending.clear();
    this.sink.message(all, endNote(all.length));
  }

  private emit(message: Buffer): void {
    let at = 0;
    for (; message.length - at > this.max; at += this.max)
      this.sink.message(message.subarray(at, at + this.max), this.cutNote());
    this.sink.message(at ? message.subarray(at) : message);
  }

  private cutNote(): string {
    return `No delimiter (${this.hex}) within the maximum message size of ${formatBytes(this.max)}: the message is cut there, and what follows goes on as the next message.`;
  }
}

/** A framer for one direction of a stream; `max` is the maximum message size (maxPayload). */
export function createFramer(framing: Framing, max: number, sink: FramerSink): Framer {
  switch (framing.kind) {
    case 'raw':
      return new RawFramer(sink);
    case 'delimiter':
      return new DelimiterFramer(framing.delimiter, max, sink);
    case 'fixed':
    case 'prefix':
      return new LengthFramer(framing, max, sink);
  }
}
