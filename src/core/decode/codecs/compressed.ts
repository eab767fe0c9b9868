/**
 * Compressed payloads, inflated with node's zlib (at most MAX_INFLATED_BYTES out), then decoded again
 * by the inner decoders ('auto' over them): "MessagePack in gzip", "JSON in raw deflate". One decoder
 * per format:
 * - 'gzip': 1f 8b 08 (sure);
 * - 'zlib': an RFC 1950 header (deflate, window ≤ 32 KiB, header check % 31, no preset dictionary);
 *   a broken stream is shown under 'auto' only after 78 01, 78 9c or 78 da (zlib's usual headers);
 * - 'deflate' (raw, no header) and 'brotli': no magic bytes, so only when chosen.
 * Inflated bytes that no inner decoder reads show as base64 (the first MiB). Compression inside compression is
 * inflated up to MAX_NESTING levels in all.
 */
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import type { DecodedMessage, MessageDecoder, StoredMessage } from '../decoder';
import { hexPreview, SUMMARY_CHARS } from './common';

/** Most bytes one payload may inflate to. */
export const MAX_INFLATED_BYTES = 16 * 1024 * 1024;
/** Most inflated bytes shown (as base64) when no inner decoder reads them: views stay small in the cache. */
const MAX_SHOWN_BYTES = 1024 * 1024;
/** Most levels of compression inflated in one message (gzip in gzip in gzip). */
export const MAX_NESTING = 3;

export type CompressionFormat = 'gzip' | 'zlib' | 'deflate' | 'brotli';

interface Format {
  label: string;
  inflate(b: Buffer, options: ZlibOptions): Buffer;
  /** The magic bytes 'auto' looks for (none for raw deflate and brotli). */
  sniff(b: Buffer): boolean;
  /** A broken stream is surely this format: its problem shows under 'auto' too. */
  sure(b: Buffer): boolean;
}

const FORMATS: Record<CompressionFormat, Format> = {
  gzip: {
    label: 'gzip',
    inflate: gunzipSync,
    sniff: (b) => b.length >= 3 && b[0] === 0x1f && b[1] === 0x8b && b[2] === 0x08,
    sure: () => true,
  },
  zlib: {
    label: 'zlib',
    inflate: inflateSync,
    sniff: (b) =>
      b.length >= 2 && (b[0] & 0x0f) === 8 && b[0] >> 4 <= 7 && ((b[0] << 8) | b[1]) % 31 === 0 && !(b[1] & 0x20),
    // zlib's own headers at levels 0–1, 6 (the default) and 7–9; 78 5e (levels 2–5) is also "x^" of text.
    sure: (b) => b[0] === 0x78 && (b[1] === 0x01 || b[1] === 0x9c || b[1] === 0xda),
  },
  deflate: { label: 'raw deflate', inflate: inflateRawSync, sniff: () => false, sure: () => true },
  brotli: { label: 'brotli', inflate: brotliDecompressSync, sniff: () => false, sure: () => true },
};

/** Compression levels being inflated right now (decoding is synchronous): the bound on nesting. */
let nesting = 0;

interface Inflated {
  buffer: Buffer;
  engine: { bytesWritten: number };
}

function inflate(format: Format, b: Buffer): Inflated {
  return format.inflate(b, { maxOutputLength: MAX_INFLATED_BYTES, info: true }) as unknown as Inflated;
}

/**
 * Why the stream did not inflate, as a sentence after the format's name; or, when whole gzip members
 * end just before the bytes that broke it (gzip reads on for another member), what they inflate to.
 */
function failure(format: Format, b: Buffer, err: NodeJS.ErrnoException): string | Inflated {
  if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
    return `the payload inflates to more than ${MAX_INFLATED_BYTES / 1024 / 1024} MiB, the most that is inflated`;
  if (err.code === 'Z_BUF_ERROR') return `the stream ends at byte ${b.length} before it is complete (truncated)`;
  if (err.code === 'Z_NEED_DICT') return 'the stream needs a preset dictionary, which the payload does not carry';
  const what = err.message === 'Decompression failed' && err.code ? err.code.replace(/^ERR__/, '') : err.message;
  const at = failedAt(format, b);
  // The header of a next member is refused within its first bytes: a few prefixes before tell.
  for (let k = at; k > 0 && k >= at - 4; k--) {
    try {
      const whole = inflate(format, b.subarray(0, k));
      return { buffer: whole.buffer, engine: { bytesWritten: k } };
    } catch {
      // not whole there either
    }
  }
  return `${what} at byte ${at}`;
}

/**
 * The offset of the byte that breaks the stream: the shortest prefix that fails with the same kind
 * of error rather than "truncated", found by bisection (each try bounded as the whole one).
 */
function failedAt(format: Format, b: Buffer): number {
  let good = 0;
  let bad = b.length;
  while (bad - good > 1) {
    const mid = (good + bad) >>> 1;
    let broken: boolean;
    try {
      inflate(format, b.subarray(0, mid));
      broken = false;
    } catch (err) {
      broken = (err as NodeJS.ErrnoException).code !== 'Z_BUF_ERROR';
    }
    if (broken) bad = mid;
    else good = mid;
  }
  return bad - 1;
}

function view(id: string, label: string, value: unknown, summary: string, problem?: string): DecodedMessage {
  return { decoder: id, label, value, summary, ...(problem ? { problem } : {}) };
}

/** The inflated bytes decoded by the first inner decoder that sniffs and decodes them, as 'auto' does. */
function decodeInner(id: string, format: Format, m: StoredMessage, inflated: Buffer, inner: readonly MessageDecoder[]) {
  const message: StoredMessage = { ...m, kind: 'binary', payload: inflated };
  for (const d of inner) {
    if (!d.sniff(message)) continue;
    let v: DecodedMessage | undefined;
    try {
      v = d.decode(message, { trial: true });
    } catch {
      continue;
    }
    if (!v) continue;
    // A compressed view's label already says what it holds ("MessagePack in gzip").
    const what = Object.hasOwn(FORMATS, d.id) ? v.label : d.label;
    // The inner decoder's offsets count in the inflated bytes, not in the frame's.
    const problem =
      v.problem &&
      (Object.hasOwn(FORMATS, d.id) ? v.problem : `${v.problem} (of the ${inflated.length} inflated bytes)`);
    return view(id, `${what} in ${format.label}`, v.value, v.summary, problem);
  }
  const summary = `${inflated.length} bytes: ${hexPreview(inflated)}`.slice(0, SUMMARY_CHARS);
  const label = `Binary data in ${format.label}`;
  if (inflated.length <= MAX_SHOWN_BYTES) return view(id, label, inflated.toString('base64'), summary);
  const shown = inflated.toString('base64', 0, MAX_SHOWN_BYTES);
  const problem = `${format.label}: the ${inflated.length} inflated bytes are no format known here; the first ${MAX_SHOWN_BYTES / 1024 / 1024} MiB show`;
  return view(id, label, shown, summary, problem);
}

/** One format's decoder; `inner` gives the decoders for the inflated bytes (called when decoding). */
export function compressedDecoder(id: CompressionFormat, inner: () => readonly MessageDecoder[]): MessageDecoder {
  const format = FORMATS[id];
  return {
    id,
    label: format.label,
    sniff: (m) => m.kind === 'binary' && format.sniff(m.payload),
    decode: (m, context) => {
      const trial = context?.trial;
      const b = m.payload;
      const broken = (problem: string) =>
        trial && !format.sure(b)
          ? undefined
          : view(id, format.label, hexPreview(b), hexPreview(b), `${format.label}: ${problem}`);
      if (b.length === 0) return broken('the payload is empty');
      if (nesting >= MAX_NESTING)
        return broken(`compressed more than ${MAX_NESTING} levels deep; the innermost level is not inflated`);
      let out: Inflated;
      try {
        out = inflate(format, b);
      } catch (err) {
        const why = failure(format, b, err as NodeJS.ErrnoException);
        if (typeof why === 'string') return broken(why);
        out = why;
      }
      const used = out.engine.bytesWritten;
      nesting++;
      try {
        const v = decodeInner(id, format, m, out.buffer, inner());
        if (used >= b.length) return v;
        const extra = `${format.label}: the stream ends at byte ${used} but ${b.length - used} more bytes follow it`;
        return { ...v, problem: v.problem ? `${extra}; ${v.problem}` : extra };
      } finally {
        nesting--;
      }
    },
  };
}

/** gzip, zlib, raw deflate and brotli, in that order ('auto' tries only gzip and zlib). */
export function compressedDecoders(inner: () => readonly MessageDecoder[]): MessageDecoder[] {
  return (['gzip', 'zlib', 'deflate', 'brotli'] as const).map((id) => compressedDecoder(id, inner));
}
