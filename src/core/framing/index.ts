import { decodeBase64, decodeHex } from '../wsfile/binary';
import { createFramer } from './framer';
import { formatFraming, type Framing } from './spec';

export * from './spec';
export { createFramer, type Framer, type FramerSink } from './framer';

/**
 * Raw chunks and framing. A raw TCP/TLS transport keeps the bytes as they arrived: each 'data'
 * event is a `RawChunk` (`TcpTransport.onChunk`, and a bounded log in `TcpTransport.chunks`).
 * Messages are a view of those chunks under one framing: a recording stores the raw chunks and
 * the framing's spelling (`formatFraming`), so `reframe` can cut the same bytes again with another
 * framing, without reconnecting; messages carry their own bytes, so the list shows them as usual.
 */
export interface RawChunk {
  time: number;
  direction: 'sent' | 'received';
  bytes: Buffer;
}

/** A message cut from raw chunks. */
export interface FramedMessage {
  /** Time of the chunk that completed it. */
  time: number;
  direction: 'sent' | 'received';
  payload: Buffer;
  note?: string;
}

/**
 * Cuts recorded chunks again with `framing`, each direction on its own (as the transport did).
 * A length field past `max` stops that direction with `error` set (the live connection would close).
 */
export function reframe(
  chunks: readonly RawChunk[],
  framing: Framing,
  max = 100 * 1024 * 1024,
): { messages: FramedMessage[]; errors: string[] } {
  const messages: FramedMessage[] = [];
  const errors: string[] = [];
  let time = 0;
  const framers = (['sent', 'received'] as const).map((direction) =>
    createFramer(framing, max, {
      message: (payload, note) => messages.push({ time, direction, payload, ...(note ? { note } : {}) }),
      fatal: (sentence) => errors.push(sentence),
    }),
  );
  for (const c of chunks) {
    time = c.time;
    framers[c.direction === 'sent' ? 0 : 1].push(c.bytes);
  }
  for (const f of framers) f.end();
  return { messages, errors };
}

/** Lengths above this do not look like a length prefix. */
const PLAUSIBLE_LENGTH = 16 * 1024 * 1024;

/**
 * A framing guessed from the first bytes a server sent: text with \r\n → crlf, with \n → lf,
 * bytes that read as a chain of big-endian length-prefixed messages → prefix=4be or 2be, else raw.
 */
export function suggestFraming(first: Buffer): { framing: Framing; why: string } {
  const text = looksLikeText(first);
  if (text && first.includes('\r\n'))
    return { framing: { kind: 'delimiter', delimiter: Buffer.from('\r\n') }, why: 'text with \\r\\n line ends' };
  if (text && first.includes('\n'))
    return { framing: { kind: 'delimiter', delimiter: Buffer.from('\n') }, why: 'text with \\n line ends' };
  // Whole messages first (either size), then a 4-byte first message still arriving.
  if (!text)
    for (const exact of [true, false])
      for (const bytes of exact ? ([4, 2] as const) : ([4] as const)) {
        const framing: Framing = { kind: 'prefix', bytes, endian: 'be', includesPrefix: false, offset: 0 };
        if (chainsAsPrefix(first, bytes, exact))
          return {
            framing,
            why: `the first bytes read as ${bytes}-byte big-endian lengths (${formatFraming(framing)})`,
          };
      }
  return {
    framing: { kind: 'raw' },
    why: text ? 'text without line ends' : 'no length prefix or delimiter stands out',
  };
}

function looksLikeText(b: Buffer): boolean {
  if (b.length === 0) return false;
  const n = Math.min(b.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

function chainsAsPrefix(b: Buffer, bytes: 2 | 4, exact: boolean): boolean {
  let at = 0;
  let frames = 0;
  while (at + bytes <= b.length) {
    const length = bytes === 4 ? b.readUInt32BE(at) : b.readUInt16BE(at);
    if (length === 0 || length > PLAUSIBLE_LENGTH) return false;
    at += bytes + length;
    frames++;
  }
  return frames > 0 && (exact ? at === b.length : at > b.length);
}

/** The bytes that go on the wire for one message: the prefix added, or the delimiter appended when missing. */
export function frameOutgoing(framing: Framing, payload: Buffer): Buffer {
  if (framing.kind === 'delimiter') {
    const d = framing.delimiter;
    const ends = payload.length >= d.length && payload.subarray(payload.length - d.length).equals(d);
    return ends ? payload : Buffer.concat([payload, d]);
  }
  if (framing.kind !== 'prefix') return payload;
  const h = framing.offset + framing.bytes;
  const header = Buffer.alloc(h);
  const value = framing.includesPrefix ? payload.length + h : payload.length;
  const p = framing.offset;
  const be = framing.endian === 'be';
  if (framing.bytes === 1) {
    if (value > 0xff) throw new Error(`A message of ${payload.length} bytes does not fit a 1-byte length prefix.`);
    header[p] = value;
  } else if (framing.bytes === 2) {
    if (value > 0xffff) throw new Error(`A message of ${payload.length} bytes does not fit a 2-byte length prefix.`);
    if (be) header.writeUInt16BE(value, p);
    else header.writeUInt16LE(value, p);
  } else if (framing.bytes === 4) {
    if (be) header.writeUInt32BE(value, p);
    else header.writeUInt32LE(value, p);
  } else if (be) header.writeBigUInt64BE(BigInt(value), p);
  else header.writeBigUInt64LE(BigInt(value), p);
  return Buffer.concat([header, payload]);
}

/** How the composer's input becomes bytes: text with a chosen line ending, or hex, or base64. */
export interface InputEncoding {
  encoding: 'text' | 'hex' | 'base64';
  /** For text: what each line ends with (and what a last line gets). Default: as typed. */
  lineEnding?: 'as-typed' | 'lf' | 'crlf' | 'none';
}

/** The user's input as bytes, or the sentence for bad hex or base64. */
export function encodeInput(
  input: string,
  how: InputEncoding,
): { ok: true; bytes: Buffer } | { ok: false; error: string } {
  if (how.encoding === 'hex' || how.encoding === 'base64') {
    const r = how.encoding === 'hex' ? decodeHex(input) : decodeBase64(input);
    return r.ok ? { ok: true, bytes: r.bytes } : { ok: false, error: r.error.message };
  }
  const ending = how.lineEnding ?? 'as-typed';
  if (ending === 'as-typed') return { ok: true, bytes: Buffer.from(input, 'utf8') };
  const lines = input.split(/\r\n|\n/);
  const eol = ending === 'lf' ? '\n' : ending === 'crlf' ? '\r\n' : '';
  const text = ending === 'none' ? lines.join('\n') : lines.join(eol) + eol;
  return { ok: true, bytes: Buffer.from(text, 'utf8') };
}
