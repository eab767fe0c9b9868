import { DECODE_FULLY, type QuickField } from './decode';
import { FilterError } from './filterError';
import { JsonFieldMatcher, parseJsonCondition, type JsonCondition } from './filterJson';
import { holds, matchesValue } from './filterValue';

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
    const top = this.conditions.every((c) => c.path.length === 1 && typeof c.path[0] === 'string');
    this.topFields = top ? this.conditions.map((c) => ({ field: c.path[0] as string, onValue: c })) : undefined;
  }

  /** Each condition as (top-level field, the condition on that field's value), when every one is on a top-level field. */
  private readonly topFields: Array<{ field: string; onValue: JsonCondition }> | undefined;

  /** True when bytes `[start, stop)` are one JSON document that meets every condition. */
  matches(bytes: Buffer, start: number, stop: number): boolean {
    for (const m of this.matchers) if (!m.matches(bytes, start, stop)) return false;
    return true;
  }

  /**
   * Every condition on a top-level field read by `read` (a decoder's quick field reader): true or
   * false, or undefined when a field can only be known by decoding (or a path goes deeper).
   */
  matchesQuick(
    read: QuickField,
    kind: 'text' | 'binary',
    bytes: Buffer,
    start: number,
    stop: number,
  ): boolean | undefined {
    const fields = this.topFields;
    if (!fields) return undefined;
    let all = true;
    for (let k = 0; k < fields.length; k++) {
      const v = read(fields[k].field, kind, bytes, start, stop);
      if (v === DECODE_FULLY) return undefined;
      // A field the message does not have meets no condition, as in the decoded view.
      if (v === undefined || !holds(v, fields[k].onValue)) all = false;
    }
    return all;
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
