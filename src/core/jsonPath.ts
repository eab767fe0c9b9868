/**
 * The one JSON-path grammar of the extension, for the comparison's ignore paths (`$.ts`,
 * `$.data[*].id`, `$..id`) and the filter's field paths (`a.b[0].c`, `$.items[*].id`):
 * `$`, `.name`, `.*`, `..name`, `..*`, `[n]`, `[*]`, `['name']` and `["name"]` (spaces allowed
 * inside brackets; quoted names take JSON's escapes and \'). A name is anything up to white
 * space or one of `. [ ] = ! < > " '`. The filter also lets the path start with a bare name
 * (`a.b` for `$.a.b`) and ends it where its operator begins.
 */

export type PathSegment =
  | { type: 'key'; key: string }
  | { type: 'index'; index: number }
  | { type: 'wildcard' }
  /** `key` is a property name, or '*' for every property. */
  | { type: 'descend'; key: string };

/** The segments of `path` (the whole string, starting with `$`), or a sentence saying what is wrong with it. */
export function parseJsonPath(path: string): PathSegment[] | { error: string } {
  const bad = (why: string) => ({
    error: `The JSON path "${path}" ${why}. Write it like $.ts, $.data[*].id or $..id.`,
  });
  if (!path.startsWith('$')) return bad('must start with $');
  const read = readJsonPath(path, 0);
  if ('reason' in read) return bad(read.reason);
  if (read.end < path.length) return bad(`has "${path[read.end]}" where . or [ was expected (at ${read.end})`);
  return read.segments;
}

/** What a path's name may hold: up to white space or one of `. [ ] = ! < > " '`. */
const NAME = /[^\s.[\]=!<>"']+/y;

/**
 * Reads a path at `text[start]` and stops at the first character that cannot continue it
 * (`end`). With `bare`, the path may begin with a name instead of `$` (and `$` not followed by
 * `.` or `[` is a name). The reason says what is wrong and where (an offset into `text`).
 */
export function readJsonPath(
  text: string,
  start: number,
  bare = false,
): { segments: PathSegment[]; starts: number[]; end: number } | { reason: string } {
  const segments: PathSegment[] = [];
  /** Where each segment begins in `text`. */
  const starts: number[] = [];
  const name = (at: number) => {
    NAME.lastIndex = at;
    return NAME.exec(text)?.[0];
  };
  let i = start;
  if (text[i] === '$' && (!bare || text[i + 1] === '.' || text[i + 1] === '[')) i++;
  else if (!bare) return { reason: 'must start with $' };
  else if (text[i] !== '[') {
    const first = name(i);
    if (first === undefined) return { reason: `expects a field name at "${text.slice(i, i + 10)}"` };
    starts.push(i);
    segments.push(first === '*' ? { type: 'wildcard' } : { type: 'key', key: first });
    i += first.length;
  }
  while (i < text.length) {
    starts.push(i);
    if (text.startsWith('..', i)) {
      const key = name(i + 2);
      if (key === undefined) return { reason: `has ".." with no name after it (at ${i})` };
      segments.push({ type: 'descend', key });
      i += 2 + key.length;
    } else if (text[i] === '.') {
      const key = name(i + 1);
      if (key === undefined) return { reason: `has "." with no name after it (at ${i + 1})` };
      segments.push(key === '*' ? { type: 'wildcard' } : { type: 'key', key });
      i += 1 + key.length;
    } else if (text[i] === '[') {
      const open = i;
      const m = /\[\s*(?:(\*)|(\d+)|(["']))/y;
      m.lastIndex = i;
      const found = m.exec(text);
      if (!found) return { reason: `has a bracket that is not [n], [*] or ['name'] (at ${open})` };
      i = m.lastIndex;
      let segment: PathSegment;
      if (found[1]) segment = { type: 'wildcard' };
      else if (found[2] !== undefined) segment = { type: 'index', index: Number(found[2]) };
      else {
        const quoted = readQuoted(text, i - 1);
        if ('reason' in quoted) return quoted;
        segment = { type: 'key', key: quoted.value };
        i = quoted.end;
      }
      const after = i;
      while (/\s/.test(text[i] ?? '')) i++;
      if (text[i] !== ']') {
        if (segment.type !== 'key') return { reason: `has a bracket that is not [n], [*] or ['name'] (at ${open})` };
        return { reason: `is missing a ] after [${JSON.stringify(segment.key)} (at ${after})` };
      }
      i++;
      segments.push(segment);
    } else {
      starts.pop();
      break;
    }
  }
  return { segments, starts, end: i };
}

/**
 * Reads the string whose quote (' or ") is at `text[start]`: JSON's escapes, and \' in either.
 * Used for quoted names in paths and for the filter's string values.
 */
export function readQuoted(text: string, start: number): { value: string; end: number } | { reason: string } {
  const quote = text[start];
  let i = start + 1;
  let value = '';
  for (;;) {
    if (i >= text.length) return { reason: `has a string without its closing quote (at ${start})` };
    const c = text[i];
    if (c === quote) return { value, end: i + 1 };
    if (c !== '\\') {
      value += c;
      i++;
      continue;
    }
    const e = text[i + 1];
    const simple = e === undefined ? undefined : ESCAPES[e];
    if (simple !== undefined) {
      value += simple;
      i += 2;
    } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
      value += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      i += 6;
    } else {
      return { reason: `has a string with a bad escape: ${text.slice(i, i + 2)} (at ${i})` };
    }
  }
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Removes every place `segments` points at from `value` (in place); `$` alone removes nothing. */
export function removePath(value: unknown, segments: readonly PathSegment[]): void {
  if (!segments.length || !isContainer(value)) return;
  const [first, ...rest] = segments;
  const last = rest.length === 0;
  const visit = (key: string | number) => {
    if (last) deleteKey(value, key);
    else removePath((value as Record<string | number, unknown>)[key], rest);
  };
  switch (first.type) {
    case 'key':
      if (!Array.isArray(value) && Object.hasOwn(value, first.key)) visit(first.key);
      return;
    case 'index':
      if (Array.isArray(value) && first.index < value.length) visit(first.index);
      return;
    case 'wildcard':
      for (const key of keysOf(value).reverse()) visit(key);
      return;
    case 'descend': {
      // Apply the rest at this level for matching keys, and search every child.
      const here: PathSegment = first.key === '*' ? { type: 'wildcard' } : { type: 'key', key: first.key };
      for (const key of keysOf(value)) removePath((value as Record<string | number, unknown>)[key], segments);
      removePath(value, [here, ...rest]);
      return;
    }
  }
}

/** A path in the same notation, for reports: `$.data[0]['a b']`. */
export function formatPath(parts: readonly (string | number)[]): string {
  return `$${parts.map((p) => (typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `['${p.replace(/['\\]/g, '\\$&')}']`)).join('')}`;
}

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === 'object' && v !== null;
}

function keysOf(v: Record<string, unknown> | unknown[]): Array<string | number> {
  return Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
}

function deleteKey(container: Record<string, unknown> | unknown[], key: string | number): void {
  // Array elements are marked rather than spliced, so positions of the others stay the same.
  if (Array.isArray(container)) container[key as number] = IGNORED;
  else delete container[key as string];
}

/** What an ignored array element becomes: equal to any other ignored element. */
export const IGNORED = '\u0000ignored';
