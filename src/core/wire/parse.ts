import { opcodeName } from '../frameSniffer';
import type { RawChunk } from '../framing';

/** One field of a frame header: where it is in its direction's stream, and its value. */
export interface WireField {
  name: 'FIN' | 'RSV1' | 'RSV2' | 'RSV3' | 'opcode' | 'MASK' | 'length' | 'extended length' | 'mask key' | 'payload';
  /** Byte offset in the direction's stream, and length in bytes (bit fields share their byte). */
  offset: number;
  length: number;
  /** For bit fields: the bit mask within the byte at `offset`. */
  bits?: number;
  value: number | boolean | string;
}

/** A piece of one direction's stream: the HTTP upgrade, a frame, or bytes that did not parse. */
export type WireSegment =
  | { kind: 'http'; direction: RawChunk['direction']; offset: number; length: number; time: number; text: string }
  | {
      kind: 'frame';
      direction: RawChunk['direction'];
      offset: number;
      /** Header and payload (as much of it as was captured). */
      length: number;
      time: number;
      fin: boolean;
      rsv: [boolean, boolean, boolean];
      opcode: number;
      opcodeName: string;
      masked: boolean;
      /** How the payload length was written: in the 7 bits, or 16 or 64 bits after them. */
      lengthForm: 7 | 16 | 64;
      payloadLength: number;
      maskKey?: string;
      headerLength: number;
      /** A control frame between the fragments of a data message. */
      betweenFragments: boolean;
      /** False when the capture ended inside the frame. */
      complete: boolean;
      fields: WireField[];
    }
  | { kind: 'unparsed'; direction: RawChunk['direction']; offset: number; length: number; time: number; why: string };

/**
 * Cuts a captured WebSocket byte stream into segments, each direction on its own: the HTTP
 * request (sent) or response (received) up to its blank line, then frames with their header fields
 * marked. Segments are returned in time order (then by direction and offset).
 */
export function parseWire(chunks: readonly RawChunk[]): WireSegment[] {
  const out: WireSegment[] = [];
  for (const direction of ['sent', 'received'] as const) {
    const mine = chunks.filter((c) => c.direction === direction);
    if (mine.length === 0) continue;
    const bytes = Buffer.concat(mine.map((c) => c.bytes));
    // The time of the chunk each byte came in: a sorted list of chunk starts.
    const starts: number[] = [];
    let total = 0;
    for (const c of mine) {
      starts.push(total);
      total += c.bytes.length;
    }
    const timeAt = (offset: number) => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= offset) lo = mid;
        else hi = mid - 1;
      }
      return mine[lo].time;
    };
    parseDirection(bytes, direction, timeAt, out);
  }
  return out.sort((a, b) => a.time - b.time || (a.direction === b.direction ? a.offset - b.offset : 0));
}

function parseDirection(
  b: Buffer,
  direction: RawChunk['direction'],
  timeAt: (offset: number) => number,
  out: WireSegment[],
): void {
  const end = b.indexOf('\r\n\r\n');
  if (end < 0) {
    out.push({
      kind: 'unparsed',
      direction,
      offset: 0,
      length: b.length,
      time: timeAt(0),
      why: 'the HTTP upgrade did not end in what was captured',
    });
    return;
  }
  out.push({
    kind: 'http',
    direction,
    offset: 0,
    length: end + 4,
    time: timeAt(0),
    text: b.toString('latin1', 0, end + 4),
  });
  let at = end + 4;
  let inMessage = false;
  while (at < b.length) {
    if (b.length - at < 2) break;
    const b0 = b[at];
    const b1 = b[at + 1];
    const len7 = b1 & 0x7f;
    const lengthForm = len7 === 126 ? 16 : len7 === 127 ? 64 : 7;
    const masked = (b1 & 0x80) !== 0;
    const headerLength = 2 + (lengthForm === 16 ? 2 : lengthForm === 64 ? 8 : 0) + (masked ? 4 : 0);
    if (b.length - at < headerLength) break;
    const payloadLength =
      lengthForm === 7 ? len7 : lengthForm === 16 ? b.readUInt16BE(at + 2) : Number(b.readBigUInt64BE(at + 2));
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    const control = opcode >= 8;
    const fields: WireField[] = [
      { name: 'FIN', offset: at, length: 1, bits: 0x80, value: fin },
      { name: 'RSV1', offset: at, length: 1, bits: 0x40, value: (b0 & 0x40) !== 0 },
      { name: 'RSV2', offset: at, length: 1, bits: 0x20, value: (b0 & 0x20) !== 0 },
      { name: 'RSV3', offset: at, length: 1, bits: 0x10, value: (b0 & 0x10) !== 0 },
      { name: 'opcode', offset: at, length: 1, bits: 0x0f, value: opcode },
      { name: 'MASK', offset: at + 1, length: 1, bits: 0x80, value: masked },
      { name: 'length', offset: at + 1, length: 1, bits: 0x7f, value: len7 },
    ];
    if (lengthForm !== 7)
      fields.push({ name: 'extended length', offset: at + 2, length: lengthForm === 16 ? 2 : 8, value: payloadLength });
    let maskKey: string | undefined;
    if (masked) {
      maskKey = b.toString('hex', at + headerLength - 4, at + headerLength);
      fields.push({ name: 'mask key', offset: at + headerLength - 4, length: 4, value: maskKey });
    }
    const available = Math.min(payloadLength, b.length - at - headerLength);
    fields.push({ name: 'payload', offset: at + headerLength, length: available, value: payloadLength });
    out.push({
      kind: 'frame',
      direction,
      offset: at,
      length: headerLength + available,
      time: timeAt(at),
      fin,
      rsv: [(b0 & 0x40) !== 0, (b0 & 0x20) !== 0, (b0 & 0x10) !== 0],
      opcode,
      opcodeName: opcodeName(opcode),
      masked,
      lengthForm,
      payloadLength,
      ...(maskKey ? { maskKey } : {}),
      headerLength,
      betweenFragments: control && inMessage,
      complete: available === payloadLength,
      fields,
    });
    if (!control) inMessage = !fin;
    at += headerLength + payloadLength;
  }
  if (at < b.length)
    out.push({
      kind: 'unparsed',
      direction,
      offset: at,
      length: b.length - at,
      time: timeAt(at),
      why: 'a frame header cut off by the end of the capture',
    });
}

/** What the protocol adds, per direction: upgrade bytes, header bytes per frame, masking, fragmentation. */
export interface WireSummary {
  httpBytes: number;
  frames: number;
  controlFrames: number;
  headerBytes: number;
  payloadBytes: number;
  maskedFrames: number;
  /** Data messages sent in more than one frame. */
  fragmentedMessages: number;
  /** Control frames that came between the fragments of a message. */
  controlBetweenFragments: number;
}

export function summarizeWire(segments: readonly WireSegment[]): Record<RawChunk['direction'], WireSummary> {
  const empty = (): WireSummary => ({
    httpBytes: 0,
    frames: 0,
    controlFrames: 0,
    headerBytes: 0,
    payloadBytes: 0,
    maskedFrames: 0,
    fragmentedMessages: 0,
    controlBetweenFragments: 0,
  });
  const sums = { sent: empty(), received: empty() };
  for (const s of segments) {
    const sum = sums[s.direction];
    if (s.kind === 'http') sum.httpBytes += s.length;
    if (s.kind !== 'frame') continue;
    sum.frames++;
    sum.headerBytes += s.headerLength;
    sum.payloadBytes += s.payloadLength;
    if (s.masked) sum.maskedFrames++;
    if (s.opcode >= 8) sum.controlFrames++;
    if (s.betweenFragments) sum.controlBetweenFragments++;
    if (s.opcode !== 0 && s.opcode < 8 && !s.fin) sum.fragmentedMessages++;
  }
  return sums;
}
