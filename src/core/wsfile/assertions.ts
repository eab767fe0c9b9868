import type { Severity } from './types';

/**
 * httpYac's `?? field [path] op [value]` assertion lines, as they apply to a WebSocket request
 * (https://httpyac.github.io/guide/assert.html). Fields: `status` (101 once connected), `duration`
 * (ms the exchange took), `body` (the last server message; a path after it reads its JSON),
 * `header NAME` (the upgrade response's headers), `js EXPR` (an expression run in the sandbox).
 */
const FIELDS = new Set(['status', 'duration', 'body', 'header', 'js']);
/** httpYac fields that mean nothing for a WebSocket run; the line is skipped with a warning. */
const HTTP_ONLY = new Set(['xpath', 'protocol', 'statusCode', 'md5', 'sha256', 'sha512']);

export const ASSERT_OPS = [
  '==',
  '!=',
  '>=',
  '<=',
  '>',
  '<',
  'startsWith',
  'endsWith',
  'includes',
  'contains',
  'matches',
  'exists',
  'isTrue',
  'isFalse',
  'isNumber',
  'isString',
  'isBoolean',
  'isArray',
] as const;
const UNARY = new Set(['exists', 'isTrue', 'isFalse', 'isNumber', 'isString', 'isBoolean', 'isArray']);

export function parseAssertion(
  text: string,
): { field: string; path?: string; op: string; value?: string } | { error: string; severity: Severity } {
  const words = text.split(/\s+/).filter(Boolean);
  const field = words[0] ?? '';
  if (HTTP_ONLY.has(field))
    return {
      severity: 'warning',
      error: `"?? ${field}" checks HTTP responses; a WebSocket request has none, so this line is skipped.`,
    };
  if (!FIELDS.has(field))
    return {
      severity: 'error',
      error: `"?? ${field}" is not an assertion field here. Use status, duration, body, header NAME or js EXPRESSION, then an operator such as == and a value.`,
    };
  const at = words.findIndex((w, i) => i > 0 && (ASSERT_OPS as readonly string[]).includes(w));
  if (at < 0)
    return {
      severity: 'error',
      error: `"?? ${text}" has no operator. Write e.g. "?? ${field}${field === 'js' || field === 'header' ? ' …' : ''} == value"; operators: ${ASSERT_OPS.join(', ')}.`,
    };
  const op = words[at];
  const path = words.slice(1, at).join(' ') || undefined;
  if ((field === 'header' || field === 'js') && !path)
    return {
      severity: 'error',
      error: `"?? ${field}" needs ${field === 'js' ? 'an expression' : 'a header name'} before ${op}.`,
    };
  const value = words.slice(at + 1).join(' ');
  if (!UNARY.has(op) && !value) return { severity: 'error', error: `"?? ${text}" needs a value after ${op}.` };
  return { field, path, op, value: UNARY.has(op) ? undefined : value };
}

/** Checks `actual` against `op value` the way httpYac compares: numbers as numbers, the rest as text. */
export function checkAssertion(actual: unknown, op: string, value: string | undefined): boolean {
  const text = typeof actual === 'string' ? actual : actual === undefined ? '' : JSON.stringify(actual);
  const num = Number(value);
  const numeric = value !== undefined && value.trim() !== '' && !Number.isNaN(num) && typeof actual !== 'string';
  switch (op) {
    case '==':
      return numeric ? Number(actual) === num : text === value || String(actual) === value;
    case '!=':
      return numeric ? Number(actual) !== num : text !== value && String(actual) !== value;
    case '>':
      return Number(actual) > num;
    case '>=':
      return Number(actual) >= num;
    case '<':
      return Number(actual) < num;
    case '<=':
      return Number(actual) <= num;
    case 'startsWith':
      return text.startsWith(value ?? '');
    case 'endsWith':
      return text.endsWith(value ?? '');
    case 'includes':
    case 'contains':
      return text.includes(value ?? '');
    case 'matches':
      try {
        return new RegExp(value ?? '').test(text);
      } catch {
        return false;
      }
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'isTrue':
      return actual === true || actual === 'true';
    case 'isFalse':
      return actual === false || actual === 'false';
    case 'isNumber':
      return (
        typeof actual === 'number' ||
        (typeof actual === 'string' && actual.trim() !== '' && !Number.isNaN(Number(actual)))
      );
    case 'isString':
      return typeof actual === 'string';
    case 'isBoolean':
      return typeof actual === 'boolean';
    case 'isArray':
      return Array.isArray(actual);
  }
  return false;
}

/** `body a.b[0]`: the JSON value at a dotted path of the last message's JSON. */
export function readPath(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  let v = value;
  for (const part of path
    .replace(/^\$\.?/, '')
    .split(/\.|\[(\d+)\]/)
    .filter((p) => p !== undefined && p !== '')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}
