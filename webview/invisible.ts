import { el } from './dom';

/**
 * Characters that change how text reads without showing themselves: bidi controls (U+202E
 * turns "gnp.exe" into "exe.png"), zero-width and other invisible characters, and control
 * characters. They are shown as visible marks; the raw text stays a click away.
 */
const NAMES: Record<number, [short: string, name: string]> = {
  0x00ad: ['SHY', 'SOFT HYPHEN'],
  0x034f: ['CGJ', 'COMBINING GRAPHEME JOINER'],
  0x061c: ['ALM', 'ARABIC LETTER MARK'],
  0x115f: ['HCF', 'HANGUL CHOSEONG FILLER'],
  0x1160: ['HJF', 'HANGUL JUNGSEONG FILLER'],
  0x180e: ['MVS', 'MONGOLIAN VOWEL SEPARATOR'],
  0x200b: ['ZWSP', 'ZERO WIDTH SPACE'],
  0x200c: ['ZWNJ', 'ZERO WIDTH NON-JOINER'],
  0x200d: ['ZWJ', 'ZERO WIDTH JOINER'],
  0x200e: ['LRM', 'LEFT-TO-RIGHT MARK'],
  0x200f: ['RLM', 'RIGHT-TO-LEFT MARK'],
  0x2028: ['LSEP', 'LINE SEPARATOR'],
  0x2029: ['PSEP', 'PARAGRAPH SEPARATOR'],
  0x202a: ['LRE', 'LEFT-TO-RIGHT EMBEDDING'],
  0x202b: ['RLE', 'RIGHT-TO-LEFT EMBEDDING'],
  0x202c: ['PDF', 'POP DIRECTIONAL FORMATTING'],
  0x202d: ['LRO', 'LEFT-TO-RIGHT OVERRIDE'],
  0x202e: ['RLO', 'RIGHT-TO-LEFT OVERRIDE'],
  0x2060: ['WJ', 'WORD JOINER'],
  0x2061: ['FA', 'FUNCTION APPLICATION'],
  0x2062: ['IT', 'INVISIBLE TIMES'],
  0x2063: ['IS', 'INVISIBLE SEPARATOR'],
  0x2064: ['IP', 'INVISIBLE PLUS'],
  0x2066: ['LRI', 'LEFT-TO-RIGHT ISOLATE'],
  0x2067: ['RLI', 'RIGHT-TO-LEFT ISOLATE'],
  0x2068: ['FSI', 'FIRST STRONG ISOLATE'],
  0x2069: ['PDI', 'POP DIRECTIONAL ISOLATE'],
  0x3164: ['HF', 'HANGUL FILLER'],
  0xfeff: ['BOM', 'ZERO WIDTH NO-BREAK SPACE'],
  0xffa0: ['HWHF', 'HALFWIDTH HANGUL FILLER'],
};

/** Bidi controls, invisible characters, C0 controls but tab, line feed and carriage return, DEL, C1, tag characters. */
const INVISIBLE =
  // eslint-disable-next-line no-control-regex, no-misleading-character-class
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;

/** True when `text` has a character that `visibleText` marks. */
export function hasInvisible(text: string): boolean {
  INVISIBLE.lastIndex = 0;
  return INVISIBLE.test(text);
}

/** The mark for one invisible character: its short name, or its code point. */
function mark(char: string): HTMLElement {
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase().padStart(4, '0');
  const known = NAMES[code];
  const span = el('span', 'invisible-mark', `⟨${known ? known[0] : `U+${hex}`}⟩`);
  span.title = `U+${hex}${known ? ` ${known[1]}` : code < 0x20 || (code >= 0x7f && code <= 0x9f) ? ' (a control character)' : ' (invisible)'}`;
  return span;
}

/** `text` as text nodes with every invisible character replaced by a visible mark (never markup). */
export function visibleText(text: string): Array<string | HTMLElement> {
  const out: Array<string | HTMLElement> = [];
  let last = 0;
  INVISIBLE.lastIndex = 0;
  for (let m = INVISIBLE.exec(text); m; m = INVISIBLE.exec(text)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(mark(m[0]));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Fills `node` with `text`, its invisible characters marked unless `raw`. */
export function setVisibleText(node: HTMLElement, text: string, raw = false): void {
  if (raw || !hasInvisible(text)) node.textContent = text;
  else node.replaceChildren(...visibleText(text));
}
