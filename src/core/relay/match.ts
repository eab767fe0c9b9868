import type { FilterQuery } from '../../shared/protocol';
import { JsonConditions } from '../filterAll';
import { FilterError } from '../filterError';
import { parseJsonPath, removePath, type PathSegment } from '../jsonPath';
import type { MessageKind, Side } from '../transport';

/**
 * Which relayed messages a breakpoint or rule applies to: the filter bar's query (same grammar:
 * substring or regex text, directions, kinds, JSON conditions joined by `&&`), tried on the
 * payload's JSON and, when a decoder is given, on its view of the message (a protocol's, a codec's).
 */
export type MessageMatch = Pick<FilterQuery, 'text' | 'mode' | 'caseSensitive' | 'directions' | 'kinds' | 'json'>;

/** A decoder's structured view of one message (Socket.IO event, MessagePack value), or undefined. */
export type RelayDecoder = (direction: Side, kind: 'text' | 'binary', payload: Buffer) => unknown;

/** A compiled `MessageMatch`; throws a FilterError with a sentence when the query is not valid. */
export class MessageMatcher {
  private readonly regex: RegExp | undefined;
  private readonly needle: string | undefined;
  private readonly json: JsonConditions | undefined;

  constructor(
    readonly query: MessageMatch,
    private readonly decoder?: RelayDecoder,
  ) {
    const text = query.text ?? '';
    const caseSensitive = query.caseSensitive ?? false;
    if (text && query.mode === 'regex') {
      try {
        this.regex = new RegExp(text, caseSensitive ? '' : 'i');
      } catch (err) {
        throw new FilterError(`Invalid regular expression: ${(err as Error).message}`);
      }
    } else if (text) this.needle = caseSensitive ? text : text.toLowerCase();
    if (query.json?.trim()) this.json = new JsonConditions(query.json);
  }

  /**
   * True when the message meets every part of the query. A user's regex runs here on the relay's
   * path (no worker: a message is at most one payload), so a pathological one slows this relay only.
   */
  matches(direction: Side, kind: MessageKind, payload: Buffer): boolean {
    const q = this.query;
    if (q.directions?.length && !q.directions.includes(direction)) return false;
    if (q.kinds?.length && !(q.kinds as readonly string[]).includes(kind)) return false;
    if (this.needle !== undefined || this.regex) {
      const text = payload.toString(kind === 'binary' ? 'latin1' : 'utf8');
      if (this.regex && !this.regex.test(text)) return false;
      if (this.needle !== undefined && !(q.caseSensitive ? text : text.toLowerCase()).includes(this.needle))
        return false;
    }
    if (this.json) {
      if (this.json.matches(payload, 0, payload.length)) return true;
      if (kind !== 'text' && kind !== 'binary') return false;
      const view = this.decoder?.(direction, kind, payload);
      return view !== undefined && this.json.matchesValue(view);
    }
    return true;
  }
}

/** What a rule does to a message it matches, in this order: edits, then drop, delay, duplicate. */
export interface RuleActions {
  /** JSON path → new value (the payload must be JSON; else the edit is skipped with a note). */
  set?: Record<string, unknown>;
  /** JSON paths to delete. */
  delete?: string[];
  /** A regex replace over the payload as text; `with` may use $1… */
  replace?: { regex: string; flags?: string; with: string };
  drop?: boolean;
  delayMs?: number;
  /** Extra copies forwarded after the message. */
  duplicate?: number;
}

export interface RelayRule extends RuleActions {
  /** Optional name, shown in notes. */
  name?: string;
  match: MessageMatch;
}

/** A rule ready to run: its matcher and its paths parsed. Throws a FilterError with a sentence when invalid. */
export class CompiledRule {
  readonly matcher: MessageMatcher;
  private readonly sets: Array<{ path: PathSegment[]; value: unknown }> = [];
  private readonly deletes: PathSegment[][] = [];
  private readonly regex: RegExp | undefined;

  constructor(
    readonly rule: RelayRule,
    decoder?: RelayDecoder,
  ) {
    this.matcher = new MessageMatcher(rule.match, decoder);
    const path = (p: string) => {
      const parsed = parseJsonPath(p);
      if ('error' in parsed) throw new FilterError(parsed.error);
      return parsed;
    };
    for (const [p, value] of Object.entries(rule.set ?? {})) this.sets.push({ path: path(p), value });
    for (const p of rule.delete ?? []) this.deletes.push(path(p));
    if (rule.replace) {
      try {
        this.regex = new RegExp(rule.replace.regex, rule.replace.flags ?? 'g');
      } catch (err) {
        throw new FilterError(`Invalid regular expression: ${(err as Error).message}`);
      }
    }
  }

  /** The payload after this rule's edits, or a sentence when an edit could not apply. */
  edit(payload: Buffer, kind: MessageKind): { payload: Buffer; problem?: string } {
    let out = payload;
    let problem: string | undefined;
    if (this.sets.length || this.deletes.length) {
      let value: unknown;
      try {
        value = JSON.parse(out.toString('utf8'));
      } catch {
        value = undefined;
        problem = 'the message is not JSON, so its JSON paths were not edited';
      }
      if (value !== undefined) {
        for (const s of this.sets) value = setPath(value, s.path, s.value);
        for (const d of this.deletes) removePath(value, d);
        out = Buffer.from(JSON.stringify(value), 'utf8');
      }
    }
    if (this.regex && this.rule.replace) {
      const encoding = kind === 'binary' ? 'latin1' : 'utf8';
      out = Buffer.from(out.toString(encoding).replace(this.regex, this.rule.replace.with), encoding);
    }
    return { payload: out, problem };
  }
}

/** Sets `value` at every place `path` names (creating missing object keys); `$` alone replaces the whole value. */
export function setPath(root: unknown, path: readonly PathSegment[], value: unknown): unknown {
  if (!path.length) return value;
  const [first, ...rest] = path;
  if (typeof root !== 'object' || root === null) return root;
  const obj = root as Record<string | number, unknown>;
  const apply = (key: string | number) => {
    obj[key] = rest.length ? setPath(obj[key] ?? (rest[0].type === 'index' ? [] : {}), rest, value) : value;
  };
  if (first.type === 'key' && !Array.isArray(root)) apply(first.key);
  else if (first.type === 'index' && Array.isArray(root)) apply(first.index);
  else if (first.type === 'wildcard') for (const k of Object.keys(obj)) apply(Array.isArray(root) ? Number(k) : k);
  else if (first.type === 'descend') {
    for (const k of Object.keys(obj)) setPath(obj[k], path, value);
    if (first.key === '*' || Object.hasOwn(obj, first.key)) {
      const here: PathSegment = first.key === '*' ? { type: 'wildcard' } : { type: 'key', key: first.key };
      setPath(root, [here, ...rest], value);
    }
  }
  return root;
}
