import type { MessageDecoder } from '../decode';
import { FilterError } from '../filterError';
import { JsonConditions, parseJsonConditions } from '../filterAll';
import { formatDuration, parseDuration } from './duration';
import { safeDecode } from './runProtocol';
import type { CountedMessage, MessageCounter } from './runWait';
import type { Expectation } from './types';
import { resolveText, type VariableContext } from './variables';

/**
 * `=== expect [not] MATCHER [within 2s] [count N]`: a declarative check of the server's messages,
 * with no JavaScript. MATCHER is a JSON subset (`{"type":"pong"}`), a regex (`/^ok/i`), a quoted
 * exact text (`"pong"`), `contains "text"`, or a filter condition (`type == "pong" && id > 3`) on
 * the message's JSON or its protocol's decoded view; nothing matches any message. The whole check is
 * on the `===` line, so the block below it is a message to send, as other clients read it.
 */
export function parseExpectation(text: string): Expectation | { error: string } {
  let rest = text.trim();
  let withinMs: number | undefined;
  let count = 1;
  for (;;) {
    const tail = /(?:^|\s)(within\s+(\S+)|count\s+(\S+))\s*$/i.exec(rest);
    if (!tail) break;
    if (tail[2] !== undefined) {
      const ms = parseDuration(tail[2]);
      if (ms === undefined || ms === 0)
        return { error: `"within ${tail[2]}" is not a duration. Write e.g. "within 2s" or "within 500ms".` };
      withinMs = ms;
    } else {
      count = Number(tail[3]);
      if (!Number.isInteger(count) || count < 1)
        return { error: `"count ${tail[3]}" needs a whole number of 1 or more, e.g. "count 3".` };
    }
    rest = rest.slice(0, tail.index).trim();
  }
  let not = false;
  const neg = /^not(\s+|$)/i.exec(rest);
  if (neg) {
    not = true;
    rest = rest.slice(neg[0].length).trim();
  }
  const matcher = readMatcher(rest);
  if ('error' in matcher) return matcher;
  return { text: text.trim(), not, matcher, withinMs, count };
}

function readMatcher(rest: string): Expectation['matcher'] | { error: string } {
  if (!rest) return { kind: 'any' };
  const json = /^json\s+([\s\S]*)$/i.exec(rest);
  const body = json ? json[1].trim() : rest;
  if (json || /^[[{]/.test(body)) {
    if (body.includes('{{')) return { kind: 'json', value: body }; // Variables resolve when it runs.
    try {
      return { kind: 'json', value: JSON.parse(body) as unknown };
    } catch (err) {
      return {
        error: `The JSON after "expect" does not parse (${(err as Error).message}). Write e.g. {"type": "pong"}.`,
      };
    }
  }
  const regex = /^\/(.+)\/([a-z]*)$/.exec(rest);
  if (regex) {
    try {
      new RegExp(regex[1], regex[2]);
    } catch (err) {
      return { error: `The regular expression after "expect" is not valid: ${(err as Error).message}.` };
    }
    return { kind: 'regex', source: regex[1], flags: regex[2] };
  }
  const quoted = /^(contains\s+)?("(?:[^"\\]|\\.)*")$/i.exec(rest);
  if (quoted) {
    let value: string;
    try {
      value = JSON.parse(quoted[2]) as string;
    } catch {
      return { error: `The quoted text ${quoted[2]} is not a valid string; escape quotes inside it with \\".` };
    }
    return quoted[1] ? { kind: 'contains', text: value } : { kind: 'text', text: value };
  }
  try {
    parseJsonConditions(rest);
  } catch (err) {
    const why = err instanceof FilterError ? err.message : String(err);
    return {
      error: `"${rest}" is not something "=== expect" can check: ${why} Write a JSON subset ({"type":"pong"}), a /regex/, "exact text", contains "text", or a condition such as type == "pong".`,
    };
  }
  return { kind: 'condition', condition: rest };
}

/** What the matcher is, in words, for a failure's `expected`. */
export function describeMatcher(e: Expectation): string {
  const m = e.matcher;
  switch (m.kind) {
    case 'json':
      return `a JSON message containing ${typeof m.value === 'string' ? m.value : JSON.stringify(m.value)}`;
    case 'regex':
      return `a message matching /${m.source}/${m.flags}`;
    case 'text':
      return `the message ${JSON.stringify(m.text)}`;
    case 'contains':
      return `a message containing ${JSON.stringify(m.text)}`;
    case 'condition':
      return `a message where ${m.condition}`;
    case 'any':
      return 'a server message';
  }
}

/** True when `actual` has everything `expected` has: objects by key (recursively), arrays element by element, the rest by value. */
export function jsonSubset(expected: unknown, actual: unknown): boolean {
  if (expected === null || typeof expected !== 'object') return Object.is(expected, actual) || expected === actual;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length < expected.length) return false;
    return expected.every((v, i) => jsonSubset(v, actual[i]));
  }
  if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
  const obj = actual as Record<string, unknown>;
  return Object.entries(expected).every(
    ([k, v]) => Object.prototype.hasOwnProperty.call(obj, k) && jsonSubset(v, obj[k]),
  );
}

export interface ExpectContext {
  counter: MessageCounter;
  decoder?: MessageDecoder;
  /** Server messages up to this number were read by earlier expectations (shared by a run's expectations). */
  cursor: { seq: number };
  limitMs: number;
  variables: VariableContext;
  line: number;
  signal?: AbortSignal;
}

export interface ExpectOutcome {
  passed: boolean;
  message?: string;
  expected: string;
  actual?: string;
  /** The server message (1-based number in the run) that decided it. */
  messageIndex?: number;
}

/** Runs one expectation against the server's messages; never throws. */
export async function runExpectation(e: Expectation, ctx: ExpectContext): Promise<ExpectOutcome> {
  const test = matcherFor(e, ctx);
  const expected = `${e.not ? 'no ' : ''}${describeMatcher(e)}${e.count > 1 ? ` ×${e.count}` : ''}${e.withinMs ? ` within ${formatDuration(e.withinMs)}` : ''}`;
  if ('error' in test) return { passed: false, message: test.error, expected };
  const { counter, cursor } = ctx;
  const why = (o: string, waited: number) =>
    o === 'aborted'
      ? 'stopped while waiting'
      : o === 'closed'
        ? `the connection ended (${counter.endReason ?? 'closed'})`
        : `nothing more came within ${formatDuration(waited)}`;

  if (e.withinMs === undefined) {
    // The next `count` messages after the cursor, one by one.
    for (let i = 0; i < e.count; i++) {
      const next = await counter.waitForMatch(cursor.seq, () => true, ctx.limitMs, ctx.signal);
      if (typeof next !== 'object') {
        if (e.not) return { passed: true, expected };
        return {
          passed: false,
          expected,
          message: `Expected ${describeMatcher(e)} as server message ${cursor.seq + 1}, but ${why(next, ctx.limitMs)}${i ? ` (${i} of ${e.count} matched)` : ''}.`,
        };
      }
      cursor.seq = next.seq;
      const ok = test(next);
      if (ok === e.not)
        return {
          passed: false,
          expected,
          actual: preview(next),
          messageIndex: next.seq,
          message: e.not
            ? `Server message ${next.seq} is ${describeMatcher(e)}, which it should not be.`
            : `Server message ${next.seq} is not ${describeMatcher(e)}.`,
        };
    }
    return { passed: true, expected, messageIndex: cursor.seq };
  }

  // Any messages after the cursor, within the window.
  const deadline = Date.now() + e.withinMs;
  let found = 0;
  let from = cursor.seq;
  let last: CountedMessage | undefined;
  while (found < e.count) {
    const left = deadline - Date.now();
    const m = left > 0 ? await counter.waitForMatch(from, test, left, ctx.signal) : 'timeout';
    if (typeof m !== 'object') {
      if (e.not && m !== 'aborted') return { passed: true, expected };
      const others = counter.count - cursor.seq - found;
      return {
        passed: false,
        expected,
        message: `Waited ${formatDuration(e.withinMs)} for ${describeMatcher(e)}${e.count > 1 ? ` ×${e.count}` : ''}: ${found ? `${found} came, then ` : ''}${why(m, e.withinMs)}${others > 0 ? ` (${others} other message${others === 1 ? '' : 's'} did)` : ''}.`,
      };
    }
    found++;
    from = m.seq;
    last = m;
  }
  if (e.not)
    return {
      passed: false,
      expected,
      actual: last && preview(last),
      messageIndex: last?.seq,
      message: `Server message ${last?.seq} is ${describeMatcher(e)}, and none should have come within ${formatDuration(e.withinMs)}.`,
    };
  cursor.seq = from;
  return { passed: true, expected, messageIndex: from };
}

function matcherFor(e: Expectation, ctx: ExpectContext): ((m: CountedMessage) => boolean) | { error: string } {
  const m = e.matcher;
  const text = (msg: CountedMessage) => (msg.kind === 'text' ? msg.payload.toString('utf8') : undefined);
  switch (m.kind) {
    case 'any':
      return () => true;
    case 'text':
      return (msg) => text(msg) === m.text;
    case 'contains':
      return (msg) => text(msg)?.includes(m.text) ?? false;
    case 'regex': {
      const re = new RegExp(m.source, m.flags.replace('g', ''));
      return (msg) => re.test(text(msg) ?? '');
    }
    case 'json': {
      let value = m.value;
      if (typeof value === 'string') {
        const r = resolveText(value, ctx.variables, ctx.line);
        if ('error' in r) return r;
        try {
          value = JSON.parse(r.value);
        } catch (err) {
          return {
            error: `The JSON after "expect" does not parse once its variables are filled in: ${(err as Error).message}.`,
          };
        }
      }
      return (msg) => {
        const view = decoded(msg, ctx);
        if (view !== undefined && jsonSubset(value, view)) return true;
        const t = text(msg);
        if (t === undefined) return false;
        try {
          return jsonSubset(value, JSON.parse(t));
        } catch {
          return false;
        }
      };
    }
    case 'condition': {
      const conditions = new JsonConditions(m.condition);
      return (msg) => {
        const view = decoded(msg, ctx);
        if (view !== undefined && conditions.matchesValue(view)) return true;
        return msg.kind === 'text' && conditions.matches(msg.payload, 0, msg.payload.length);
      };
    }
  }
}

function decoded(m: CountedMessage, ctx: ExpectContext): unknown {
  const { decoder } = ctx;
  if (!decoder?.sniff({ index: m.seq, direction: 'received', kind: m.kind, payload: m.payload })) return undefined;
  return safeDecode(decoder, m, ctx.counter);
}

/** A message as a failure shows it: text up to 500 characters, or the binary size. */
export function preview(m: CountedMessage): string {
  if (m.kind === 'binary') return `binary, ${m.payload.length} bytes`;
  const t = m.payload.toString('utf8');
  return t.length > 500 ? `${t.slice(0, 500)}…` : t;
}
