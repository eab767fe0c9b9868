import type { Socket } from 'node:net';
import type { FrameDirectionStats, FrameHeaderRecord, FrameLogStats } from '../shared/protocol';

/** Frame headers kept per connection before the oldest are dropped (about 10 MB of columns). */
export const DEFAULT_FRAME_LOG_CAPACITY = 1 << 20;

const OPCODE_NAMES: Record<number, string> = {
  0: 'continuation',
  1: 'text',
  2: 'binary',
  8: 'close',
  9: 'ping',
  10: 'pong',
};

/** "text", "ping", … or "reserved-0x3" for opcodes RFC 6455 does not define. */
export function opcodeName(opcode: number): string {
  return OPCODE_NAMES[opcode] ?? `reserved-0x${opcode.toString(16)}`;
}

// Bits of the `flags` column above the first header byte (FIN, RSV1-3, opcode): mask, direction,
// and how the length was written (0: in 7 bits, 1: 16 bits, 2: 64 bits), from which the header length follows.
const MASK_BIT = 1 << 8;
const RECEIVED_BIT = 1 << 9;
const LENGTH_CODE_SHIFT = 10;
const EXTENDED_LENGTH_BYTES = [0, 2, 8];
/** Stored in the length column when the real length (kept aside) does not fit 32 bits. */
const HUGE = 0xffff_ffff;

function emptyStats(): FrameDirectionStats {
  return {
    frames: 0,
    controlFrames: 0,
    messages: 0,
    compressedMessages: 0,
    wireBytes: 0,
    headerBytes: 0,
    dataPayloadBytes: 0,
    messageBytes: 0,
    compressionRatio: null,
  };
}

/** Frames per block of columns: blocks are added as the log grows and never copied. */
const BLOCK_SIZE = 16384;

/** One block of columns. */
interface Block {
  /** Milliseconds since the log's `epoch`. */
  times: Uint32Array;
  lengths: Uint32Array;
  /** First header byte (FIN, RSV1-3, opcode) | MASK_BIT | RECEIVED_BIT | length code. */
  flags: Uint16Array;
}

function newBlock(): Block {
  return {
    times: new Uint32Array(BLOCK_SIZE),
    lengths: new Uint32Array(BLOCK_SIZE),
    flags: new Uint16Array(BLOCK_SIZE),
  };
}

/**
 * The headers of every frame of a connection in both directions, in columns of typed arrays
 * (10 bytes a frame, no object per frame, no payload), in blocks that are never copied.
 * A ring: past `capacity` (rounded up to whole blocks) the oldest go.
 */
export class FrameLog {
  /** How many frames are kept at most. */
  readonly capacity: number;
  private readonly blocks: Block[] = [];
  private total = 0;
  /** The block being written, and where in it. */
  private block: Block | undefined;
  private offset = BLOCK_SIZE;
  private readonly sent = emptyStats();
  private readonly received = emptyStats();
  /** Lengths of 4 GiB and more, by frame index. */
  private readonly hugeLengths = new Map<number, number>();
  /** Time 0 of the time column: when the log was made. */
  private readonly epoch = Date.now();

  constructor(
    /** False when sniffing is off: the log stays empty. */
    readonly enabled = true,
    capacity = DEFAULT_FRAME_LOG_CAPACITY,
  ) {
    this.capacity = Math.max(1, Math.ceil(capacity / BLOCK_SIZE)) * BLOCK_SIZE;
  }

  /** Frames recorded so far (indexes run 0 … length-1; those below `firstKept` are gone). */
  get length(): number {
    return this.total;
  }

  /** The oldest index still kept. */
  get firstKept(): number {
    return Math.max(0, this.total - this.capacity);
  }

  /** One frame header as plain data, or undefined when `index` is out of range or dropped. */
  get(index: number): FrameHeaderRecord | undefined {
    if (!Number.isInteger(index) || index < this.firstKept || index >= this.total) return undefined;
    const slot = index % this.capacity;
    const block = this.blocks[Math.floor(slot / BLOCK_SIZE)];
    const at = slot % BLOCK_SIZE;
    const flags = block.flags[at];
    const opcode = flags & 0x0f;
    const masked = (flags & MASK_BIT) !== 0;
    const length = block.lengths[at];
    return {
      index,
      time: this.epoch + block.times[at],
      direction: flags & RECEIVED_BIT ? 'received' : 'sent',
      opcode,
      opcodeName: opcodeName(opcode),
      fin: (flags & 0x80) !== 0,
      rsv1: (flags & 0x40) !== 0,
      rsv2: (flags & 0x20) !== 0,
      rsv3: (flags & 0x10) !== 0,
      masked,
      payloadLength: length === HUGE ? (this.hugeLengths.get(index) ?? HUGE) : length,
      headerLength: 2 + EXTENDED_LENGTH_BYTES[(flags >> LENGTH_CODE_SHIFT) & 3] + (masked ? 4 : 0),
    };
  }

  /** Frames `from` … `from+count-1` that are still kept. */
  slice(from: number, count: number): FrameHeaderRecord[] {
    const out: FrameHeaderRecord[] = [];
    const end = Math.min(this.total, from + count);
    for (let i = Math.max(from, this.firstKept); i < end; i++) out.push(this.get(i)!);
    return out;
  }

  /** Copies of the totals, with the compression ratio worked out. */
  get stats(): FrameLogStats {
    return {
      sent: finish(this.sent),
      received: finish(this.received),
      recorded: this.total,
      firstKept: this.firstKept,
    };
  }

  /** Counts the application bytes of one message (after decompression); the Connection calls it. */
  addMessageBytes(direction: 'sent' | 'received', bytes: number): void {
    (direction === 'sent' ? this.sent : this.received).messageBytes += bytes;
  }

  /** Adds the counts of a batch of frames of one direction (the reader sums a chunk, then calls this once). */
  addCounts(received: boolean, batch: FrameDirectionStats): void {
    const s = received ? this.received : this.sent;
    s.frames += batch.frames;
    s.controlFrames += batch.controlFrames;
    s.messages += batch.messages;
    s.compressedMessages += batch.compressedMessages;
    s.wireBytes += batch.wireBytes;
    s.headerBytes += batch.headerBytes;
    s.dataPayloadBytes += batch.dataPayloadBytes;
  }

  /** Stores one header; `flags` is the first header byte | MASK_BIT | RECEIVED_BIT | length code. */
  store(time: number, flags: number, payloadLength: number): void {
    if (!this.enabled) return;
    if (this.offset === BLOCK_SIZE) this.nextBlock();
    const block = this.block!;
    const at = this.offset++;
    block.times[at] = time - this.epoch;
    block.flags[at] = flags;
    if (payloadLength < HUGE) block.lengths[at] = payloadLength;
    else {
      block.lengths[at] = HUGE;
      this.hugeLengths.set(this.total, payloadLength);
    }
    this.total++;
  }

  private nextBlock(): void {
    const index = Math.floor((this.total % this.capacity) / BLOCK_SIZE);
    if (!this.blocks[index]) this.blocks[index] = newBlock();
    // The block is reused from here: long lengths of the frames it held are forgotten.
    else
      for (const k of this.hugeLengths.keys())
        if (k < this.total - this.capacity + BLOCK_SIZE) this.hugeLengths.delete(k);
    this.block = this.blocks[index];
    this.offset = 0;
  }
}

function finish(s: FrameDirectionStats): FrameDirectionStats {
  return { ...s, compressionRatio: s.messageBytes > 0 ? s.dataPayloadBytes / s.messageBytes : null };
}

/**
 * Reads frame headers out of one direction's byte stream, chunk by chunk, without copying
 * payloads: it jumps over them. A header split across chunks is assembled in a 14-byte buffer.
 * Counts are summed per chunk and handed to the log once, to keep the per-frame work small.
 */
export class FrameHeaderReader {
  /** Payload bytes still to jump over, from the previous chunk. */
  private skip = 0;
  // A Buffer like the chunks, so the reads in `header` see one kind of array.
  private readonly partial = Buffer.alloc(14);
  private filled = 0;
  /** Inside a message whose first frame had RSV1. */
  private compressedMessage = false;
  private readonly batch = emptyStats();
  private readonly directionBit: number;

  constructor(
    private readonly log: FrameLog,
    private readonly received: boolean,
  ) {
    this.directionBit = received ? RECEIVED_BIT : 0;
  }

  /** Feeds the next bytes of the stream. */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    if (this.skip > 0) {
      if (this.skip >= n) {
        this.skip -= n;
        return;
      }
      i = this.skip;
      this.skip = 0;
    }
    const time = Date.now();
    if (this.filled > 0) {
      i = this.completePartial(chunk, i, time);
      if (this.filled > 0) return this.flush();
    }
    while (i < n) {
      if (n - i < 2) break;
      const b1 = chunk[i + 1];
      const len7 = b1 & 0x7f;
      const headerLength = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
      if (n - i < headerLength) break;
      i += headerLength + this.header(chunk, i, headerLength, time);
    }
    if (i > n) this.skip = i - n;
    else if (i < n) this.completePartial(chunk, i, time);
    this.flush();
  }

  /** Adds bytes from `at` to the partial header; returns where the chunk continues. */
  private completePartial(chunk: Uint8Array, at: number, time: number): number {
    let i = at;
    while (i < chunk.length) {
      this.partial[this.filled++] = chunk[i++];
      if (this.filled < 2) continue;
      const b1 = this.partial[1];
      const len7 = b1 & 0x7f;
      const needed = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
      if (this.filled < needed) continue;
      this.filled = 0;
      const length = this.header(this.partial, 0, needed, time);
      const available = chunk.length - i;
      if (length > available) {
        this.skip = length - available;
        return chunk.length;
      }
      return i + length;
    }
    return i;
  }

  /** Records the header at `at`; returns its payload length. */
  private header(bytes: Uint8Array, at: number, headerLength: number, time: number): number {
    const b0 = bytes[at];
    const b1 = bytes[at + 1];
    const len7 = b1 & 0x7f;
    let length = len7;
    if (len7 === 126) length = (bytes[at + 2] << 8) | bytes[at + 3];
    else if (len7 === 127) {
      const high = ((bytes[at + 2] << 24) >>> 0) + (bytes[at + 3] << 16) + (bytes[at + 4] << 8) + bytes[at + 5];
      const low = ((bytes[at + 6] << 24) >>> 0) + (bytes[at + 7] << 16) + (bytes[at + 8] << 8) + bytes[at + 9];
      length = high * 0x1_0000_0000 + low;
    }
    const opcode = b0 & 0x0f;
    const batch = this.batch;
    batch.frames++;
    batch.headerBytes += headerLength;
    batch.wireBytes += headerLength + length;
    if (opcode >= 8) batch.controlFrames++;
    else {
      if (opcode !== 0) this.compressedMessage = (b0 & 0x40) !== 0;
      batch.dataPayloadBytes += length;
      if (b0 & 0x80) {
        batch.messages++;
        if (this.compressedMessage) batch.compressedMessages++;
      }
    }
    const code = len7 === 126 ? 1 << LENGTH_CODE_SHIFT : len7 === 127 ? 2 << LENGTH_CODE_SHIFT : 0;
    this.log.store(time, b0 | (b1 & 0x80 ? MASK_BIT : 0) | this.directionBit | code, length);
    return length;
  }

  private flush(): void {
    const b = this.batch;
    if (b.frames === 0) return;
    this.log.addCounts(this.received, b);
    b.frames = b.controlFrames = b.messages = b.compressedMessages = 0;
    b.wireBytes = b.headerBytes = b.dataPayloadBytes = 0;
  }
}

/**
 * Watches an upgraded socket without taking anything from it: a `data` listener placed before
 * `ws`'s own for what arrives, and a wrapper around `socket.write` for what `ws` writes.
 * Returns a function that stops watching.
 */
export function sniffSocket(socket: Socket, log: FrameLog): () => void {
  const incoming = new FrameHeaderReader(log, true);
  const outgoing = new FrameHeaderReader(log, false);
  const onData = (chunk: Buffer) => incoming.push(chunk);
  socket.prependListener('data', onData);
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with the socket as `this`, and put back
  const write = socket.write;
  // `ws` writes Buffers (header and payload, sometimes in one); anything else passes untouched.
  socket.write = function sniffedWrite(this: Socket, chunk: unknown, ...rest: unknown[]) {
    if (chunk instanceof Uint8Array) outgoing.push(chunk);
    return Reflect.apply(write, this, [chunk, ...rest]) as boolean;
  };
  return () => {
    socket.removeListener('data', onData);
    socket.write = write;
  };
}
