import type { DecodedMessage, MessageDecoder, StoredMessage } from './decoder';

/** Longest summary line, in characters. */
const SUMMARY_CHARS = 200;

/** JSON in a text message, or in a binary one that is valid UTF-8. */
export const jsonDecoder: MessageDecoder = {
  id: 'json',
  label: 'JSON',
  sniff: (m) => {
    const first = firstNonSpace(m.payload);
    // An object or an array: a bare number or string is left as text.
    return first === 0x7b || first === 0x5b;
  },
  decode: (m) => {
    const text = utf8(m);
    if (text === undefined) return undefined;
    const value: unknown = JSON.parse(text);
    return {
      decoder: 'json',
      label: m.kind === 'binary' ? 'JSON in a binary frame' : 'JSON',
      value,
      summary: line(text),
    };
  },
};

/** Text inside a binary frame, when the bytes are valid UTF-8 without control characters other than whitespace. */
export const utf8Decoder: MessageDecoder = {
  id: 'utf8',
  label: 'UTF-8 text',
  sniff: (m) => m.kind === 'binary' && m.payload.length > 0,
  decode: (m): DecodedMessage | undefined => {
    const text = utf8(m);
    if (text === undefined || hasControl(text)) return undefined;
    return { decoder: 'utf8', label: 'UTF-8 text in a binary frame', value: text, summary: line(text) };
  },
};

/** The decoders every connection has, in order of preference. Protocol and codec decoders go before these. */
export const BUILTIN_DECODERS: readonly MessageDecoder[] = [jsonDecoder, utf8Decoder];

const fatal = new TextDecoder('utf-8', { fatal: true });

function utf8(m: StoredMessage): string | undefined {
  if (m.kind === 'text') return m.payload.toString('utf8');
  try {
    return fatal.decode(m.payload);
  } catch {
    return undefined;
  }
}

function firstNonSpace(b: Buffer): number | undefined {
  for (let i = 0; i < b.length && i < 64; i++) {
    const c = b[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
  }
  return undefined;
}

function line(text: string): string {
  const one = text.replace(/\s*\n\s*/g, ' ');
  return one.length > SUMMARY_CHARS ? `${one.slice(0, SUMMARY_CHARS)}…` : one;
}

/** True when `text` has a control character other than tab, newline, vertical tab, form feed and carriage return. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 ? c < 0x09 || c > 0x0d : c === 0x7f) return true;
  }
  return false;
}
