import { FilterError } from './filterError';
import { JsonFieldMatcher, parseJsonCondition, type JsonCondition } from './filterJson';
import { matchesValue } from './filterValue';

/**
 * JSON field conditions joined by `&&` (`type == "next" && id == "1"`): every one must hold, on the
 * message's JSON bytes or on a decoder's view of it. `&&` inside a quoted string is part of the string.
 */
export class JsonConditions {
  readonly conditions: JsonCondition[];
  private readonly matchers: JsonFieldMatcher[];

  constructor(text: string) {
    this.conditions = parseJsonConditions(text);
    this.matchers = this.conditions.map((c) => new JsonFieldMatcher(c));
  }

  /** True when bytes `[start, stop)` are one JSON document that meets every condition. */
  matches(bytes: Buffer, start: number, stop: number): boolean {
    for (const m of this.matchers) if (!m.matches(bytes, start, stop)) return false;
    return true;
  }

  /** True when a decoder's view meets every condition. */
  matchesValue(value: unknown): boolean {
    return this.conditions.every((c) => matchesValue(c, value));
  }
}

/** Parses `a == 1 && b contains "x"`; a sentence names the part that is wrong when there are several. */
export function parseJsonConditions(text: string): JsonCondition[] {
  const parts = splitAnd(text);
  return parts.map((part, k) => {
    try {
      return parseJsonCondition(part);
    } catch (err) {
      if (parts.length === 1 || !(err instanceof FilterError)) throw err;
      throw new FilterError(`Condition ${k + 1} of ${parts.length} ("${part.trim()}"): ${err.message}`, {
        cause: err,
      });
    }
  });
}

function splitAnd(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '&' && text[i + 1] === '&') {
      parts.push(text.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
