/**
 * The benchmark's messages: every one carries its sequence number so a client can prove that
 * none were lost or reordered. Text messages are small JSON documents (good for the filters),
 * binary ones start with the number as a big-endian uint32.
 */

const PREFIX = '{"seq":';
const SEQ_DIGITS = 10;
/** Numbers are written as SEQ_BASE + seq, so the fixed width has no leading zero (valid JSON). */
const SEQ_BASE = 1_000_000_000;
const TEMPLATE_HEAD = `${PREFIX}${SEQ_BASE},"type":"trade","price":100.00,"pad":"`;
const TYPE_AT = TEMPLATE_HEAD.indexOf('trade');
const PRICE_AT = TEMPLATE_HEAD.indexOf('100.00');
/** Smallest text message that holds the whole JSON shape; smaller ones hold only the number. */
export const MIN_JSON_SIZE = TEMPLATE_HEAD.length + 2;

const QUOTE = Buffer.from('quote');
const TRADE = Buffer.from('trade');

/** A reusable message of `size` bytes; call `write(seq, target, at)` to stamp a number into a copy. */
export class MessageTemplate {
  readonly bytes: Buffer;
  /** Bytes before the JSON (the Socket.IO event's head). */
  private readonly offset: number;

  constructor(
    readonly size: number,
    readonly binary: boolean,
    /** Text only: the JSON goes inside a Socket.IO event, `42["tick",{…}]` (still `size` bytes). */
    readonly socketIo = false,
  ) {
    const at = socketIo ? SOCKET_IO_PREFIX.length : 0;
    this.offset = at;
    if (binary) {
      if (size < 4) throw new Error('Binary messages need at least 4 bytes for the sequence number.');
      this.bytes = Buffer.alloc(size, 0xa5);
    } else if (size >= MIN_JSON_SIZE + (socketIo ? SOCKET_IO_PREFIX.length + 1 : 0)) {
      const pad = size - MIN_JSON_SIZE - (socketIo ? SOCKET_IO_PREFIX.length + 1 : 0);
      const json = TEMPLATE_HEAD + 'x'.repeat(pad) + '"}';
      this.bytes = Buffer.from(socketIo ? `${SOCKET_IO_PREFIX}${json}]` : json, 'latin1');
    } else {
      if (size < SEQ_DIGITS)
        throw new Error(`Text messages need at least ${SEQ_DIGITS} bytes for the sequence number.`);
      this.bytes = Buffer.alloc(size, 0x20);
    }
  }

  /** Writes the whole message for `seq` into `target` at `at`. */
  write(seq: number, target: Buffer, at: number): void {
    this.bytes.copy(target, at);
    this.stamp(seq, target, at);
  }

  /** Changes only the varying bytes of a message already in `target` at `at`. */
  stamp(seq: number, target: Buffer, at: number): void {
    if (this.binary) {
      target.writeUInt32BE(seq >>> 0, at);
      return;
    }
    const json = this.size >= MIN_JSON_SIZE;
    at += this.offset;
    writeDigits(target, at + (json ? PREFIX.length : 0), SEQ_DIGITS, SEQ_BASE + seq);
    if (!json) return;
    (seq % 4 === 0 ? QUOTE : TRADE).copy(target, at + TYPE_AT);
    // Prices 100.00 to 999.99, spread evenly.
    const cents = 10_000 + ((seq * 7919) % 90_000);
    writeDigits(target, at + PRICE_AT, 3, Math.floor(cents / 100));
    writeDigits(target, at + PRICE_AT + 4, 2, cents % 100);
  }

  /** The message for `seq`, as a fresh Buffer. */
  make(seq: number): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    this.write(seq, out, 0);
    return out;
  }
}

/** Where the JSON starts in a Socket.IO flood's messages. */
export const SOCKET_IO_PREFIX = '42["tick",';

/** The sequence number a message carries, or -1 when it carries none (`offset`: bytes before the JSON). */
export function readSeq(bytes: Buffer, start: number, size: number, binary: boolean, offset = 0): number {
  if (binary) return size >= 4 ? bytes.readUInt32BE(start) : -1;
  start += offset;
  size -= offset;
  const at = size >= MIN_JSON_SIZE ? start + PREFIX.length : start;
  if (size < SEQ_DIGITS) return -1;
  let n = 0;
  for (let i = 0; i < SEQ_DIGITS; i++) {
    const d = bytes[at + i] - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n - SEQ_BASE;
}

function writeDigits(target: Buffer, at: number, width: number, value: number): void {
  for (let i = width - 1; i >= 0; i--) {
    target[at + i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
}
