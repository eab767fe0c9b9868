/**
 * How a byte stream (raw TCP or TLS) is cut into messages, and its one-word spelling
 * (`lf`, `crlf`, `nul`, `delim=<hex>`, `fixed=N`, `prefix=4be[+incl][@off]`, `raw`) used by
 * `.ws` files (`# @framing …`), settings and recordings.
 */
export type Framing =
  /** Each chunk as it arrived (one 'data' event), so TCP segmentation shows. */
  | { kind: 'raw' }
  /** Up to a delimiter, which is not part of the message. */
  | { kind: 'delimiter'; delimiter: Buffer }
  /** Every `length` bytes. */
  | { kind: 'fixed'; length: number }
  /**
   * A length field of `bytes` bytes after `offset` header bytes; the message is the bytes after the
   * field. `includesPrefix`: the length counts the header and the field too.
   */
  | { kind: 'prefix'; bytes: 1 | 2 | 4 | 8; endian: 'be' | 'le'; includesPrefix: boolean; offset: number };

export const RAW: Framing = { kind: 'raw' };

const NAMED_DELIMITERS: Record<string, string> = { lf: '0a', crlf: '0d0a', nul: '00' };

/** Fixed lengths and header offsets above this are refused when parsed. */
const MAX_SPEC_NUMBER = 1 << 30;

/** Parses the spelling; a sentence says what is wrong and what is allowed. */
export function parseFraming(text: string): { ok: true; framing: Framing } | { ok: false; error: string } {
  const t = text.trim();
  const lower = t.toLowerCase();
  const bad = (why: string) => ({ ok: false as const, error: `${why} ${FRAMING_HELP}` });
  if (lower === 'raw' || lower === 'chunks') return { ok: true, framing: RAW };
  if (lower in NAMED_DELIMITERS)
    return { ok: true, framing: { kind: 'delimiter', delimiter: Buffer.from(NAMED_DELIMITERS[lower], 'hex') } };
  let m = /^delim(?:iter)?=(.*)$/i.exec(t);
  if (m) {
    const value = m[1];
    const quoted = /^"(.+)"$/.exec(value);
    if (quoted) return { ok: true, framing: { kind: 'delimiter', delimiter: Buffer.from(quoted[1], 'utf8') } };
    const hex = value.replace(/^0x/i, '').replace(/\s+/g, '');
    if (!hex || hex.length % 2 !== 0 || !/^[0-9a-f]+$/i.test(hex))
      return bad(
        `"${value}" is not a delimiter: write it as hex bytes (delim=0d0a) or as a quoted string (delim="END").`,
      );
    return { ok: true, framing: { kind: 'delimiter', delimiter: Buffer.from(hex, 'hex') } };
  }
  m = /^fixed=(\d+)$/i.exec(t);
  if (m) {
    const length = Number(m[1]);
    if (length < 1 || length > MAX_SPEC_NUMBER)
      return bad(`fixed=${m[1]}: the length must be 1 to ${MAX_SPEC_NUMBER}.`);
    return { ok: true, framing: { kind: 'fixed', length } };
  }
  m = /^prefix=(1|2|4|8)(be|le)?(\+incl)?(?:@(\d+))?$/i.exec(t);
  if (m) {
    const offset = m[4] === undefined ? 0 : Number(m[4]);
    if (offset > MAX_SPEC_NUMBER) return bad(`The header offset @${m[4]} is too large.`);
    const bytes = Number(m[1]) as 1 | 2 | 4 | 8;
    const endian = (m[2]?.toLowerCase() ?? 'be') as 'be' | 'le';
    return { ok: true, framing: { kind: 'prefix', bytes, endian, includesPrefix: !!m[3], offset } };
  }
  if (/^prefix/i.test(t))
    return bad(
      `"${t}" is not a length prefix: the length field is 1, 2, 4 or 8 bytes, e.g. prefix=4be, prefix=2le+incl@3.`,
    );
  return bad(`"${t}" is not a framing.`);
}

export const FRAMING_HELP =
  'Use raw, lf, crlf, nul, delim=<hex> or delim="text", fixed=N, or prefix=<1|2|4|8><be|le>[+incl][@offset].';

/** The spelling `parseFraming` reads back. */
export function formatFraming(f: Framing): string {
  switch (f.kind) {
    case 'raw':
      return 'raw';
    case 'delimiter': {
      const hex = f.delimiter.toString('hex');
      const named = Object.entries(NAMED_DELIMITERS).find(([, h]) => h === hex);
      return named ? named[0] : `delim=${hex}`;
    }
    case 'fixed':
      return `fixed=${f.length}`;
    case 'prefix':
      return `prefix=${f.bytes}${f.endian}${f.includesPrefix ? '+incl' : ''}${f.offset ? `@${f.offset}` : ''}`;
  }
}

/** Accepts a Framing or its spelling (options may carry either); throws the sentence for a bad spelling. */
export function toFraming(value: Framing | string | undefined): Framing {
  if (value === undefined) return RAW;
  if (typeof value !== 'string') return value;
  const parsed = parseFraming(value);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.framing;
}
