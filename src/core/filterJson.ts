// Over 400 lines: one validating UTF-8 scanner for the JSON field filter; its states share one cursor and splitting them would cost the hot loop.
/**
 * The JSON field filter: `type == "trade"`, `price > 100`, `a.b[0].c != null`, `tags contains "x"`.
 * Payloads are checked as UTF-8 bytes by a validating scanner that only looks closely at the
 * values on the path, so a million small messages filter without a `JSON.parse` each. The path
 * is read by the grammar the ignore paths use (`./jsonPath.ts`).
 */

import { FilterError } from './filterError';
import { readJsonPath, readQuoted, type PathSegment } from './jsonPath';

export type JsonOperator = '==' | '!=' | '>' | '>=' | '<' | '<=' | 'contains';
export type JsonLiteral = string | number | boolean | null;
/**
 * A path step ([*] or .* means any element of an array, or any property of an object).
 * A condition holds when any value the path reaches satisfies it: `items[*].id == 3` matches
 * when some item's id is 3, as `tags contains "x"` does when some tag is "x".
 */
export const ANY: unique symbol = Symbol('any');
/** An object key, an array index, or ANY. */
export type PathStep = string | number | typeof ANY;

/** A parsed condition; without `op` it means "the field exists". */
export interface JsonCondition {
  path: PathStep[];
  op?: JsonOperator;
  value?: JsonLiteral;
}

const EXAMPLE = 'Write it like type == "trade", price > 100 or a.b[0].c != null.';
const OPERATORS: readonly JsonOperator[] = ['==', '!=', '>=', '<=', '>', '<'];

/** Parses a condition; throws a `FilterError` with a sentence when it is malformed. */
export function parseJsonCondition(text: string): JsonCondition {
  let i = 0;
  const n = text.length;
  const skipSpace = () => {
    while (i < n && /\s/.test(text[i])) i++;
  };
  const fail = (what: string): never => {
    throw new FilterError(`The JSON filter ${what}. ${EXAMPLE}`);
  };

  skipSpace();
  if (i === n) fail('is empty');
  const read = readJsonPath(text, i, true);
  if ('reason' in read) fail(read.reason);
  const { segments, starts, end } = read as { segments: PathSegment[]; starts: number[]; end: number };
  const path: PathStep[] = segments.map((segment, k) => {
    if (segment.type === 'descend')
      return fail(`uses "..", which it does not support; name each step, with [*] for any element (at ${starts[k]})`);
    return segment.type === 'key' ? segment.key : segment.type === 'index' ? segment.index : ANY;
  });
  i = end;
  if (i < n && !/\s/.test(text[i]) && !'=!<>'.includes(text[i]))
    fail(`has "${text[i]}" where . or [ was expected (at ${i})`);

  skipSpace();
  if (i === n) return { path };
  let op: JsonOperator | undefined = OPERATORS.find((o) => text.startsWith(o, i));
  if (!op && /^contains\b/i.test(text.slice(i))) op = 'contains';
  if (!op) {
    if (text[i] === '=') fail('uses =; compare with ==');
    fail(`has "${text.slice(i, i + 10)}" where an operator (== != > >= < <= contains) belongs`);
  }
  i += op!.length;
  skipSpace();
  if (i === n) fail(`needs a value after ${op}`);

  let value: JsonLiteral;
  const rest = text.slice(i);
  const number = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(rest);
  const word = /^(true|false|null)\b/.exec(rest);
  if (text[i] === '"' || text[i] === "'") {
    const quoted = readQuoted(text, i);
    if ('reason' in quoted) fail(quoted.reason);
    ({ value, end: i } = quoted as { value: string; end: number });
  } else if (number) {
    value = Number(number[0]);
    i += number[0].length;
  } else if (word) {
    value = word[1] === 'null' ? null : word[1] === 'true';
    i += word[1].length;
  } else {
    const bare = /^\S+/.exec(rest)![0];
    fail(`compares with ${bare}, which is not a value; put text in quotes: "${bare}"`);
  }
  skipSpace();
  if (i < n) fail(`has extra text at "${text.slice(i, i + 10)}"`);
  return { path, op, value: value! };
}

// ───────────────────────── the byte scanner ─────────────────────────

const T_STRING = 1;
const T_NUMBER = 2;
const T_TRUE = 3;
const T_FALSE = 4;
const T_NULL = 5;
const T_OBJECT = 6;
const T_ARRAY = 7;
/** Deeper documents are treated as not matching rather than grow the stack without bound. */
const MAX_DEPTH = 512;

/** Per open container: 1 object, 2 array, plus 4 when it lies on the path. */
const stack = new Uint8Array(MAX_DEPTH + 1);
/** Per open array: the index of the element being read. */
const indexes = new Int32Array(MAX_DEPTH + 1);

// Where the scan found the value on the path (set by `scan`, read by the tests after it).
let buf: Buffer = Buffer.alloc(0);
let foundType = 0;
let foundStart = 0;
let foundEnd = 0;
let foundEscaped = false;

/** Tests payloads against one condition. */
export class JsonFieldMatcher {
  private readonly keys: (Buffer | undefined)[];
  private readonly literalBytes: Buffer | undefined;
  private readonly decide = () => this.test();
  private readonly op: JsonOperator | undefined;
  private readonly literal: JsonLiteral | undefined;
  private readonly any: boolean;

  constructor(readonly condition: JsonCondition) {
    this.any = condition.path.includes(ANY);
    this.keys = condition.path.map((s) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : undefined));
    this.literalBytes = typeof condition.value === 'string' ? Buffer.from(condition.value, 'utf8') : undefined;
    this.op = condition.op;
    this.literal = condition.value;
  }

  /** True when bytes `[start, stop)` of `bytes` are one JSON document whose field satisfies the condition. */
  matches(bytes: Buffer, start: number, stop: number): boolean {
    return scan(bytes, start, stop, this.condition.path, this.keys, this.decide, this.any);
  }

  private test(): boolean {
    const op = this.op;
    const literal = this.literal;
    if (op === undefined) return true;
    switch (op) {
      case '==':
        return this.equals(literal!);
      case '!=':
        return !this.equals(literal!);
      case 'contains':
        return this.contains(literal!);
      default: {
        let left: number | string;
        if (foundType === T_NUMBER && typeof literal === 'number') left = foundNumber();
        else if (foundType === T_STRING && typeof literal === 'string') left = foundString();
        else return false;
        const right = literal;
        return op === '>' ? left > right : op === '>=' ? left >= right : op === '<' ? left < right : left <= right;
      }
    }
  }

  private equals(literal: JsonLiteral): boolean {
    switch (typeof literal) {
      case 'string': {
        if (foundType !== T_STRING) return false;
        if (foundEscaped) return foundString() === literal;
        const want = this.literalBytes!;
        if (foundEnd - foundStart !== want.length) return false;
        for (let i = 0; i < want.length; i++) if (buf[foundStart + i] !== want[i]) return false;
        return true;
      }
      case 'number':
        return foundType === T_NUMBER && foundNumber() === literal;
      case 'boolean':
        return foundType === (literal ? T_TRUE : T_FALSE);
      default:
        return foundType === T_NULL;
    }
  }

  private contains(literal: JsonLiteral): boolean {
    if (foundType === T_STRING) return foundString().includes(String(literal));
    if (foundType === T_ARRAY) {
      const items = JSON.parse(buf.toString('utf8', foundStart, foundEnd)) as unknown[];
      return items.some((item) => item === literal);
    }
    if (foundType === T_OBJECT && typeof literal === 'string') {
      return Object.hasOwn(JSON.parse(buf.toString('utf8', foundStart, foundEnd)) as object, literal);
    }
    return false;
  }
}

function foundString(): string {
  if (!foundEscaped) return buf.toString('utf8', foundStart, foundEnd);
  return JSON.parse(buf.toString('utf8', foundStart - 1, foundEnd + 1)) as string;
}

/** The number found; exact for the common short decimals without a string, else via `Number()`. */
function foundNumber(): number {
  const b = buf;
  const stop = foundEnd;
  let i = foundStart;
  const negative = b[i] === 0x2d;
  if (negative) i++;
  let mantissa = 0;
  let scale = -1;
  const first = i;
  for (; i < stop; i++) {
    const c = b[i];
    if (c === 0x2e && scale < 0) {
      scale = i;
      continue;
    }
    if (c < 0x30 || c > 0x39) return Number(b.toString('latin1', foundStart, stop));
    mantissa = mantissa * 10 + (c - 0x30);
  }
  const digits = stop - first - (scale < 0 ? 0 : 1);
  if (digits > 15) return Number(b.toString('latin1', foundStart, stop));
  // Both operands are exact doubles, so one division rounds correctly (Clinger's fast path).
  const result = scale < 0 ? mantissa : mantissa / POWERS_OF_TEN[stop - scale - 1];
  return negative ? -result : result;
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * True when `b[p, end)` is one JSON document (as strict as `JSON.parse`) whose value at `path`
 * passes `decide`. `decide` runs as soon as that value has been read, so most rows that fail it
 * are rejected without reading the rest; a row that passes is validated to its end. (With a
 * duplicated key every occurrence must pass, where `JSON.parse` would keep only the last.
 * With ANY in the path, one value on it that passes is enough, and the rest are still read.)
 * One loop with an explicit stack and everything in locals: this is the filter's inner loop.
 */
function scan(
  b: Buffer,
  p: number,
  end: number,
  path: readonly PathStep[],
  keys: readonly (Buffer | undefined)[],
  decide: () => boolean,
  /** ANY is in the path, so several values may be on it: one that passes is enough. */
  any: boolean,
): boolean {
  const target = path.length;
  let passed = false;
  let depth = 0;
  /** The value about to be read lies on the path. */
  let onPath = true;
  /** The depth of the open container that is the target, or -1. */
  let targetContainer = -1;
  let type: number;
  let escaped = false;
  buf = b;
  foundType = 0;
  let c: number;

  for (;;) {
    // ── one value ──
    while (p < end && (c = b[p]) <= 0x20 && (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
    if (p >= end) return false;
    const start = p;
    c = b[p];
    if (c === 0x7b || c === 0x5b) {
      if (depth === MAX_DEPTH) return false;
      const isObject = c === 0x7b;
      const here = onPath && depth === target;
      if (here) {
        targetContainer = depth + 1;
        foundStart = p;
      }
      depth++;
      const containerOnPath: boolean = onPath && depth <= target;
      stack[depth] = (isObject ? 1 : 2) | (containerOnPath ? 4 : 0);
      p++;
      while (p < end && (c = b[p]) <= 0x20 && (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
      if (p >= end) return false;
      if (c === (isObject ? 0x7d : 0x5d)) {
        // Empty container: it is a whole value; close it below.
        p++;
        depth--;
        if (here) {
          foundType = isObject ? T_OBJECT : T_ARRAY;
          foundEnd = p;
          targetContainer = -1;
          if (decide()) passed = true;
          else if (!any) return false;
        }
      } else if (isObject) {
        // The first key.
        if (c !== 0x22) return false;
        const keyStart = p + 1;
        p = string(b, p, end);
        if (p < 0) return false;
        onPath = containerOnPath && keyMatches(b, keyStart, p - 1, lastEscaped, path[depth - 1], keys[depth - 1]);
        while (p < end && (c = b[p]) <= 0x20 && (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
        if (p >= end || c !== 0x3a) return false;
        p++;
        continue;
      } else {
        indexes[depth] = 0;
        onPath = containerOnPath && (path[depth - 1] === 0 || path[depth - 1] === ANY);
        continue;
      }
    } else {
      if (c === 0x22) {
        p = string(b, p, end);
        if (p < 0) return false;
        type = T_STRING;
        escaped = lastEscaped;
      } else if (c === 0x74) {
        if (p + 4 > end || b[p + 1] !== 0x72 || b[p + 2] !== 0x75 || b[p + 3] !== 0x65) return false;
        p += 4;
        type = T_TRUE;
      } else if (c === 0x66) {
        if (p + 5 > end || b[p + 1] !== 0x61 || b[p + 2] !== 0x6c || b[p + 3] !== 0x73 || b[p + 4] !== 0x65)
          return false;
        p += 5;
        type = T_FALSE;
      } else if (c === 0x6e) {
        if (p + 4 > end || b[p + 1] !== 0x75 || b[p + 2] !== 0x6c || b[p + 3] !== 0x6c) return false;
        p += 4;
        type = T_NULL;
      } else {
        p = number(b, p, end);
        if (p < 0) return false;
        type = T_NUMBER;
      }
      if (onPath && depth === target) {
        foundType = type;
        if (type === T_STRING) {
          foundStart = start + 1;
          foundEnd = p - 1;
          foundEscaped = escaped;
        } else {
          foundStart = start;
          foundEnd = p;
        }
        if (decide()) passed = true;
        else if (!any) return false;
      }
    }

    // ── after a value: a separator, or closing brackets ──
    for (;;) {
      while (p < end && (c = b[p]) <= 0x20 && (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
      if (depth === 0) return p === end && passed;
      if (p >= end) return false;
      p++;
      const kind = stack[depth];
      if (c === 0x2c) {
        const containerOnPath = (kind & 4) !== 0;
        if ((kind & 1) !== 0) {
          while (p < end && (c = b[p]) <= 0x20 && (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
          if (p >= end || c !== 0x22) return false;
          const keyStart = p + 1;
          p = string(b, p, end);
          if (p < 0) return false;
          onPath = containerOnPath && keyMatches(b, keyStart, p - 1, lastEscaped, path[depth - 1], keys[depth - 1]);
          while (p < end && (c = b[p]) <= 0x20 && (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) p++;
          if (p >= end || c !== 0x3a) return false;
          p++;
        } else {
          const index = ++indexes[depth];
          onPath = containerOnPath && (path[depth - 1] === index || path[depth - 1] === ANY);
        }
        break;
      }
      if (c !== ((kind & 1) !== 0 ? 0x7d : 0x5d)) return false;
      if (targetContainer === depth) {
        foundType = (kind & 1) !== 0 ? T_OBJECT : T_ARRAY;
        foundEnd = p;
        targetContainer = -1;
        if (decide()) passed = true;
        else if (!any) return false;
      }
      depth--;
    }
  }
}

let lastEscaped = false;

/** Scans the string whose opening quote is at `p`; returns the position after it, or -1. Sets `lastEscaped`. */
function string(b: Buffer, p: number, end: number): number {
  p++;
  let escaped = false;
  while (p < end) {
    const c = b[p++];
    if (c === 0x22) {
      lastEscaped = escaped;
      return p;
    }
    if (c === 0x5c) {
      escaped = true;
      if (p >= end) return -1;
      const e = b[p++];
      if (e === 0x75) {
        if (p + 4 > end) return -1;
        for (let k = 0; k < 4; k++) if (!isHex(b[p++])) return -1;
      } else if (
        e !== 0x22 &&
        e !== 0x5c &&
        e !== 0x2f &&
        e !== 0x62 &&
        e !== 0x66 &&
        e !== 0x6e &&
        e !== 0x72 &&
        e !== 0x74
      ) {
        return -1;
      }
    } else if (c < 0x20) {
      return -1;
    }
  }
  return -1;
}

/** Scans a number at `p` with JSON's grammar; returns the position after it, or -1. */
function number(b: Buffer, p: number, end: number): number {
  if (b[p] === 0x2d) p++;
  if (p >= end) return -1;
  let c = b[p++];
  if (c >= 0x31 && c <= 0x39) {
    while (p < end) {
      c = b[p];
      if (c < 0x30 || c > 0x39) break;
      p++;
    }
  } else if (c !== 0x30) {
    return -1;
  }
  if (p < end && b[p] === 0x2e) {
    const from = ++p;
    while (p < end) {
      c = b[p];
      if (c < 0x30 || c > 0x39) break;
      p++;
    }
    if (p === from) return -1;
  }
  if (p < end && ((c = b[p]) === 0x65 || c === 0x45)) {
    p++;
    if (p < end && ((c = b[p]) === 0x2b || c === 0x2d)) p++;
    const from = p;
    while (p < end) {
      c = b[p];
      if (c < 0x30 || c > 0x39) break;
      p++;
    }
    if (p === from) return -1;
  }
  return p;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function keyMatches(
  b: Buffer,
  start: number,
  stop: number,
  escaped: boolean,
  step: PathStep,
  keyBytes: Buffer | undefined,
): boolean {
  if (keyBytes === undefined) return step === ANY;
  if (escaped) return JSON.parse(b.toString('utf8', start - 1, stop + 1)) === step;
  if (stop - start !== keyBytes.length) return false;
  for (let i = 0; i < keyBytes.length; i++) if (b[start + i] !== keyBytes[i]) return false;
  return true;
}
