/**
 * The JSON field filter: `type == "trade"`, `price > 100`, `a.b[0].c != null`, `tags contains "x"`.
 * Payloads are checked as UTF-8 bytes by a validating scanner that only looks closely at the one
 * value on the path, so a million small messages filter without a `JSON.parse` each.
 */

import { FilterError } from './filterError';

export type JsonOperator = '==' | '!=' | '>' | '>=' | '<' | '<=' | 'contains';
export type JsonLiteral = string | number | boolean | null;
/** An object key or an array index. */
export type PathStep = string | number;

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
  if (text[i] === '$' && (text[i + 1] === '.' || text[i + 1] === '[')) i += text[i + 1] === '.' ? 2 : 1;
  const path: PathStep[] = [];
  for (;;) {
    if (text[i] === '[') {
      i++;
      const index = /^\s*(\d+)\s*\]/.exec(text.slice(i));
      if (index) {
        path.push(Number(index[1]));
        i += index[0].length;
      } else if (text[i] === '"' || text[i] === "'") {
        const [key, next] = readQuoted(text, i, fail);
        i = next;
        if (text[i] !== ']') fail(`is missing a ] after [${JSON.stringify(key)}`);
        i++;
        path.push(key);
      } else {
        fail('has a [ that holds neither an array index nor a quoted key');
      }
    } else {
      const name = /^[^\s.[\]=!<>"']+/.exec(text.slice(i));
      if (!name) fail(`expects a field name at "${text.slice(i, i + 10)}"`);
      path.push(name![0]);
      i += name![0].length;
    }
    if (text[i] === '.') {
      i++;
      continue;
    }
    if (text[i] === '[') continue;
    break;
  }

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
    [value, i] = readQuoted(text, i, fail);
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

function readQuoted(text: string, start: number, fail: (what: string) => never): [string, number] {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
  if (i >= text.length) fail('has a string without its closing quote');
  const body = text.slice(start + 1, i);
  try {
    const json = quote === '"' ? body : body.replace(/\\'/g, "'").replace(/"/g, '\\"');
    return [JSON.parse(`"${json}"`) as string, i + 1];
  } catch {
    return fail(`has a string with a bad escape: ${text.slice(start, i + 1)}`);
  }
}

// ───────────────────────── the byte scanner ─────────────────────────

const T_STRING = 1;
const T_NUMBER = 2;
const T_TRUE = 3;
const T_FALSE = 4;
const T_NULL = 5;
const T_OBJECT = 6;
const T_ARRAY = 7;
/** Deeper documents are treated as not matching rather than risk the stack. */
const MAX_DEPTH = 500;

// The scanner's state lives in module variables: it is synchronous and never re-entered,
// and this keeps the inner loops free of property loads.
let buf: Buffer = Buffer.alloc(0);
let pos = 0;
let end = 0;
let path: readonly PathStep[] = [];
let pathKeys: readonly (Buffer | undefined)[] = [];
let foundType = 0;
let foundStart = 0;
let foundEnd = 0;
let foundEscaped = false;
let lastEscaped = false;

/** Tests payloads against one condition. */
export class JsonFieldMatcher {
  private readonly keys: (Buffer | undefined)[];
  private readonly literalBytes: Buffer | undefined;

  constructor(readonly condition: JsonCondition) {
    this.keys = condition.path.map((s) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : undefined));
    this.literalBytes = typeof condition.value === 'string' ? Buffer.from(condition.value, 'utf8') : undefined;
  }

  /** True when bytes `[start, stop)` of `bytes` are one JSON document whose field satisfies the condition. */
  matches(bytes: Buffer, start: number, stop: number): boolean {
    buf = bytes;
    pos = start;
    end = stop;
    path = this.condition.path;
    pathKeys = this.keys;
    foundType = 0;
    skipWs();
    if (!value(0, true)) return false;
    skipWs();
    if (pos !== end || foundType === 0) return false;
    return this.test();
  }

  private test(): boolean {
    const { op, value: literal } = this.condition;
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
        const right = literal as number | string;
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
  let i = foundStart;
  const negative = buf[i] === 0x2d;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let inFraction = false;
  for (; i < foundEnd; i++) {
    const c = buf[i];
    if (c === 0x2e) {
      inFraction = true;
      continue;
    }
    if (c < 0x30 || c > 0x39 || ++digits > 15) return Number(buf.toString('latin1', foundStart, foundEnd));
    mantissa = mantissa * 10 + (c - 0x30);
    if (inFraction) scale++;
  }
  // Both operands are exact doubles, so one division rounds correctly (Clinger's fast path).
  const result = scale === 0 ? mantissa : mantissa / POWERS_OF_TEN[scale];
  return negative ? -result : result;
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);

function skipWs(): void {
  while (pos < end) {
    const c = buf[pos];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
    pos++;
  }
}

/** Scans one value at `pos`; `onPath` says the path so far led here, `depth` how far. */
function value(depth: number, onPath: boolean): boolean {
  if (pos >= end) return false;
  const start = pos;
  const c = buf[pos];
  let type: number;
  if (c === 0x22) {
    if (!string()) return false;
    type = T_STRING;
  } else if (c === 0x7b) {
    if (depth >= MAX_DEPTH || !object(depth, onPath)) return false;
    type = T_OBJECT;
  } else if (c === 0x5b) {
    if (depth >= MAX_DEPTH || !array(depth, onPath)) return false;
    type = T_ARRAY;
  } else if (c === 0x74) {
    if (!literal(0x72, 0x75, 0x65, -1)) return false;
    type = T_TRUE;
  } else if (c === 0x66) {
    if (!literal(0x61, 0x6c, 0x73, 0x65)) return false;
    type = T_FALSE;
  } else if (c === 0x6e) {
    if (!literal(0x75, 0x6c, 0x6c, -1)) return false;
    type = T_NULL;
  } else {
    if (!number()) return false;
    type = T_NUMBER;
  }
  if (onPath && depth === path.length) {
    foundType = type;
    if (type === T_STRING) {
      foundStart = start + 1;
      foundEnd = pos - 1;
      foundEscaped = lastEscaped;
    } else {
      foundStart = start;
      foundEnd = pos;
    }
  }
  return true;
}

function literal(a: number, b: number, c: number, d: number): boolean {
  const need = d < 0 ? 4 : 5;
  if (pos + need > end || buf[pos + 1] !== a || buf[pos + 2] !== b || buf[pos + 3] !== c) return false;
  if (d >= 0 && buf[pos + 4] !== d) return false;
  pos += need;
  return true;
}

function digits(): boolean {
  const start = pos;
  while (pos < end && buf[pos] >= 0x30 && buf[pos] <= 0x39) pos++;
  return pos > start;
}

function number(): boolean {
  if (buf[pos] === 0x2d) pos++;
  if (pos >= end) return false;
  if (buf[pos] === 0x30) pos++;
  else if (!digits()) return false;
  if (pos < end && buf[pos] === 0x2e) {
    pos++;
    if (!digits()) return false;
  }
  if (pos < end && (buf[pos] === 0x65 || buf[pos] === 0x45)) {
    pos++;
    if (pos < end && (buf[pos] === 0x2b || buf[pos] === 0x2d)) pos++;
    if (!digits()) return false;
  }
  return true;
}

/** Scans a string at `pos` (on its opening quote); sets `lastEscaped`. */
function string(): boolean {
  pos++;
  lastEscaped = false;
  while (pos < end) {
    const c = buf[pos++];
    if (c === 0x22) return true;
    if (c < 0x20) return false;
    if (c === 0x5c) {
      lastEscaped = true;
      if (pos >= end) return false;
      const e = buf[pos++];
      if (e === 0x75) {
        if (pos + 4 > end) return false;
        for (let k = 0; k < 4; k++) if (!isHex(buf[pos++])) return false;
      } else if (e !== 0x22 && e !== 0x5c && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) {
        return false;
      }
    }
  }
  return false;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function object(depth: number, onPath: boolean): boolean {
  pos++;
  skipWs();
  if (pos < end && buf[pos] === 0x7d) {
    pos++;
    return true;
  }
  const step = onPath && depth < path.length ? path[depth] : undefined;
  for (;;) {
    if (pos >= end || buf[pos] !== 0x22) return false;
    const keyStart = pos + 1;
    if (!string()) return false;
    const childOnPath = typeof step === 'string' && keyEquals(keyStart, pos - 1, step, pathKeys[depth]!);
    skipWs();
    if (pos >= end || buf[pos] !== 0x3a) return false;
    pos++;
    skipWs();
    if (!value(depth + 1, childOnPath)) return false;
    skipWs();
    if (pos >= end) return false;
    const c = buf[pos++];
    if (c === 0x7d) return true;
    if (c !== 0x2c) return false;
    skipWs();
  }
}

function keyEquals(start: number, stop: number, key: string, keyBytes: Buffer): boolean {
  if (lastEscaped) return JSON.parse(buf.toString('utf8', start - 1, stop + 1)) === key;
  if (stop - start !== keyBytes.length) return false;
  for (let i = 0; i < keyBytes.length; i++) if (buf[start + i] !== keyBytes[i]) return false;
  return true;
}

function array(depth: number, onPath: boolean): boolean {
  pos++;
  skipWs();
  if (pos < end && buf[pos] === 0x5d) {
    pos++;
    return true;
  }
  const step = onPath && depth < path.length ? path[depth] : undefined;
  for (let index = 0; ; index++) {
    if (!value(depth + 1, step === index)) return false;
    skipWs();
    if (pos >= end) return false;
    const c = buf[pos++];
    if (c === 0x5d) return true;
    if (c !== 0x2c) return false;
    skipWs();
  }
}
