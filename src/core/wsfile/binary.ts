/** A decoding failure with the offending spot, relative to the block's first line. */
export interface DecodeError {
  /** 0-based line within the block. */
  line: number;
  col: number;
  length: number;
  message: string;
}

export type DecodeResult = { ok: true; bytes: Buffer } | { ok: false; error: DecodeError };

/**
 * Hex bytes separated by any whitespace, each group optionally prefixed `0x`
 * ("01 02 ff", "0x01 0x02", "0102ff"). Every group needs an even number of digits.
 */
export function decodeHex(source: string): DecodeResult {
  const out: number[] = [];
  const lines = source.split('\n');
  for (let l = 0; l < lines.length; l++) {
    const line = lines[l];
    const group = /\S+/g;
    let m: RegExpExecArray | null;
    while ((m = group.exec(line))) {
      let digits = m[0];
      let col = m.index;
      if (/^0x/i.test(digits)) {
        digits = digits.slice(2);
        col += 2;
        if (!digits) return bad(l, m.index, 2, `"0x" has no hex digits after it. Write bytes like 0x1f or 1f.`);
      }
      for (let i = 0; i < digits.length; i++) {
        if (!/[0-9a-f]/i.test(digits[i])) {
          return bad(
            l,
            col + i,
            1,
            `"${digits[i]}" is not a hex digit (line ${l + 1} of the block, column ${col + i + 1}). Use 0-9 and a-f, with spaces between bytes if you like.`,
          );
        }
      }
      if (digits.length % 2 === 1) {
        return bad(
          l,
          m.index,
          m[0].length,
          `"${m[0]}" has an odd number of hex digits, so its last byte is incomplete. Each byte takes two digits, e.g. 0a not a.`,
        );
      }
      for (let i = 0; i < digits.length; i += 2) out.push(parseInt(digits.slice(i, i + 2), 16));
    }
  }
  return { ok: true, bytes: Buffer.from(out) };
}

/**
 * Standard or URL-safe base64; whitespace and line breaks are ignored.
 * Padding is optional, but a lone trailing character (length 1 mod 4) is refused.
 */
export function decodeBase64(source: string): DecodeResult {
  const lines = source.split('\n');
  let clean = '';
  let padSeen: { line: number; col: number } | undefined;
  for (let l = 0; l < lines.length; l++) {
    const line = lines[l];
    for (let c = 0; c < line.length; c++) {
      const ch = line[c];
      if (/\s/.test(ch)) continue;
      if (ch === '=') {
        padSeen ??= { line: l, col: c };
        clean += ch;
        continue;
      }
      if (!/[A-Za-z0-9+/_-]/.test(ch)) {
        return bad(
          l,
          c,
          1,
          `"${ch}" is not a base64 character (line ${l + 1} of the block, column ${c + 1}). Base64 uses A-Z, a-z, 0-9, + and / (or - and _).`,
        );
      }
      if (padSeen) {
        return bad(
          l,
          c,
          1,
          `Base64 continues after "=" padding at line ${padSeen.line + 1}, column ${padSeen.col + 1}. Padding may only end the data.`,
        );
      }
      clean += ch;
    }
  }
  const body = clean.replace(/=+$/, '');
  if (clean.length - body.length > 2 || body.length % 4 === 1) {
    const last = lastNonSpace(lines);
    return bad(
      last.line,
      last.col,
      1,
      `The base64 ends in the middle of a byte (${body.length} characters, which is 1 more than a multiple of 4). Check for a missing or extra character.`,
    );
  }
  return { ok: true, bytes: Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64') };
}

function lastNonSpace(lines: string[]): { line: number; col: number } {
  for (let l = lines.length - 1; l >= 0; l--) {
    const m = /\S\s*$/.exec(lines[l]);
    if (m) return { line: l, col: m.index };
  }
  return { line: 0, col: 0 };
}

function bad(line: number, col: number, length: number, message: string): DecodeResult {
  return { ok: false, error: { line, col, length, message } };
}
