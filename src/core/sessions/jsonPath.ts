/**
 * The small JSONPath subset used to ignore parts of messages when comparing:
 * `$`, `.name`, `['name']`, `[3]`, `[*]`, `.*` and `..name` (any depth).
 */

export type PathSegment =
  | { type: 'key'; key: string }
  | { type: 'index'; index: number }
  | { type: 'wildcard' }
  /** `key` is a property name, or '*' for every property. */
  | { type: 'descend'; key: string };

/** The segments of `path`, or a sentence saying what is wrong with it. */
export function parseJsonPath(path: string): PathSegment[] | { error: string } {
  const bad = (why: string) => ({
    error: `The JSON path "${path}" ${why}. Write it like $.ts, $.data[*].id or $..id.`,
  });
  if (!path.startsWith('$')) return bad('must start with $');
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    if (path.startsWith('..', i)) {
      i += 2;
      const m = /^(\*|[^.[\]]+)/.exec(path.slice(i));
      if (!m) return bad('has ".." with no name after it');
      segments.push({ type: 'descend', key: m[1] });
      i += m[1].length;
    } else if (path[i] === '.') {
      i++;
      const m = /^(\*|[^.[\]]+)/.exec(path.slice(i));
      if (!m) return bad(`has "." with no name after it (at ${i})`);
      segments.push(m[1] === '*' ? { type: 'wildcard' } : { type: 'key', key: m[1] });
      i += m[1].length;
    } else if (path[i] === '[') {
      const rest = path.slice(i);
      const m = /^\[(?:(\*)|(\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\]/.exec(rest);
      if (!m) return bad(`has a bracket that is not [n], [*] or ['name'] (at ${i})`);
      if (m[1]) segments.push({ type: 'wildcard' });
      else if (m[2] !== undefined) segments.push({ type: 'index', index: Number(m[2]) });
      else segments.push({ type: 'key', key: (m[3] ?? m[4]).replace(/\\(.)/g, '$1') });
      i += m[0].length;
    } else {
      return bad(`has "${path[i]}" where . or [ was expected (at ${i})`);
    }
  }
  return segments;
}

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
