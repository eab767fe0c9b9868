import { BUILTIN_DECODERS, DecoderPipeline, payloadDecoders } from '../decode';
import { eventPayload, type SessionMessage } from './format';
import { IGNORED, formatPath, parseJsonPath, removePath, type PathSegment } from '../jsonPath';

/** How to compare. */
export interface CompareOptions {
  /** JSON paths to leave out of JSON messages, e.g. "$.ts", "$.data[*].id", "$..requestId". */
  ignore?: readonly string[];
  /** At most this many path differences per message are listed (default 20). */
  maxDifferences?: number;
  /**
   * The decoder seam: a structured view of a message that is not JSON text (a protocol's or a
   * codec's), or undefined. Two messages with views are compared structurally, ignore paths inside.
   */
  decode?: (message: SessionMessage) => unknown;
}

/** One difference inside two JSON messages. */
export interface JsonDifference {
  path: string;
  change: 'changed' | 'added' | 'removed';
  expected?: unknown;
  actual?: unknown;
}

/** Why two messages at the same position differ. */
export type MessageDiff =
  | { type: 'kind'; expected: 'text' | 'binary'; actual: 'text' | 'binary' }
  | { type: 'json'; differences: JsonDifference[]; more: number }
  /** Text or binary: the first offset (characters for text, bytes for binary) where they differ. */
  | {
      type: 'text' | 'binary';
      offset: number;
      expectedLength: number;
      actualLength: number;
      expected: string;
      actual: string;
    };

/** One position of the comparison. */
export interface ComparedMessage {
  /** 0-based position among the server messages. */
  index: number;
  status: 'matched' | 'mismatched' | 'missing' | 'extra';
  expected?: SessionMessage;
  actual?: SessionMessage;
  diff?: MessageDiff;
}

export interface CompareSummary {
  matched: number;
  mismatched: number;
  /** Recorded messages the live server did not send. */
  missing: number;
  /** Live messages beyond the recorded ones. */
  extra: number;
}

export interface CompareResult {
  summary: CompareSummary;
  /** True when every position matched and the counts are equal. */
  equal: boolean;
  /** Every position that is not `matched`, in order. */
  differences: ComparedMessage[];
}

/** Characters of context shown around the first difference of text. */
const SNIPPET = 40;

/**
 * Compares recorded server messages with live ones, position by position. Messages whose
 * text is JSON on both sides are compared structurally with the `ignore` paths removed;
 * other text and binary messages byte for byte. Throws with a sentence on a bad ignore path.
 */
export function compareAnswers(
  recorded: readonly SessionMessage[],
  live: readonly SessionMessage[],
  options: CompareOptions = {},
): CompareResult {
  const ignore: PathSegment[][] = [];
  for (const p of options.ignore ?? []) {
    const parsed = parseJsonPath(p);
    if ('error' in parsed) throw new Error(parsed.error);
    ignore.push(parsed);
  }
  const max = options.maxDifferences ?? 20;
  const summary: CompareSummary = { matched: 0, mismatched: 0, missing: 0, extra: 0 };
  const differences: ComparedMessage[] = [];
  const n = Math.max(recorded.length, live.length);
  for (let index = 0; index < n; index++) {
    const expected = recorded[index];
    const actual = live[index];
    if (!actual) {
      summary.missing++;
      differences.push({ index, status: 'missing', expected });
      continue;
    }
    if (!expected) {
      summary.extra++;
      differences.push({ index, status: 'extra', actual });
      continue;
    }
    const diff = diffMessages(expected, actual, ignore, max, options.decode);
    if (!diff) summary.matched++;
    else {
      summary.mismatched++;
      differences.push({ index, status: 'mismatched', expected, actual, diff });
    }
  }
  return { summary, equal: differences.length === 0, differences };
}

/** The difference between two messages, or undefined when they are equal (after ignoring). */
export function diffMessages(
  expected: SessionMessage,
  actual: SessionMessage,
  ignore: readonly PathSegment[][] = [],
  max = 20,
  decode?: (message: SessionMessage) => unknown,
): MessageDiff | undefined {
  if (expected.kind !== actual.kind) return { type: 'kind', expected: expected.kind, actual: actual.kind };
  const structural = (va: unknown, vb: unknown): MessageDiff | undefined => {
    for (const p of ignore) {
      removePath(va, p);
      removePath(vb, p);
    }
    const found: JsonDifference[] = [];
    const total = diffJson(va, vb, [], found, max);
    return total ? { type: 'json', differences: found, more: total - found.length } : undefined;
  };
  const ja = expected.kind === 'text' ? parseJsonText(expected.text ?? '') : { ok: false as const };
  const jb = actual.kind === 'text' ? parseJsonText(actual.text ?? '') : { ok: false as const };
  if (ja.ok && jb.ok) return structural(ja.value, jb.value);
  // Without a protocol, binary payloads are compared as the payload codecs read them (MessagePack, CBOR, …).
  const views = decode ?? payloadView;
  {
    // Views are copied first: removing ignored paths must not change a decoder's cached value.
    const va = viewOf(views, expected);
    const vb = va === undefined ? undefined : viewOf(views, actual);
    if (va !== undefined && vb !== undefined) return structural(va, vb);
  }
  if (expected.kind === 'text') {
    const a = expected.text ?? '';
    const b = actual.text ?? '';
    if (a === b) return undefined;
    const offset = firstDifference(a, b);
    return {
      type: 'text',
      offset,
      expectedLength: a.length,
      actualLength: b.length,
      expected: snippet(a, offset),
      actual: snippet(b, offset),
    };
  }
  const a = eventPayload(expected);
  const b = eventPayload(actual);
  if (a.equals(b)) return undefined;
  let offset = 0;
  while (offset < a.length && offset < b.length && a[offset] === b[offset]) offset++;
  const hex = (buf: Buffer) =>
    [...buf.subarray(offset, offset + 16)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  return { type: 'binary', offset, expectedLength: a.length, actualLength: b.length, expected: hex(a), actual: hex(b) };
}

/** True when two messages are the same: equal bytes, or equal JSON. */
export function messagesMatch(expected: SessionMessage, actual: SessionMessage): boolean {
  return diffMessages(expected, actual, [], 1) === undefined;
}

let payloads: DecoderPipeline | undefined;

/** A binary message's value as 'auto' payloads read it (not text: that is compared as text or JSON). */
function payloadView(m: SessionMessage): unknown {
  if (m.kind !== 'binary') return undefined;
  payloads ??= new DecoderPipeline([...payloadDecoders('auto', undefined).decoders, ...BUILTIN_DECODERS]);
  const v = payloads.decodeFresh({
    index: 0,
    direction: m.dir === 'sent' ? 'sent' : 'received',
    kind: 'binary',
    payload: eventPayload(m),
  });
  return v && v.decoder !== 'utf8' && !v.problem ? v.value : undefined;
}

function viewOf(decode: (message: SessionMessage) => unknown, message: SessionMessage): unknown {
  const view = decode(message);
  return view === undefined ? undefined : structuredClone(view);
}

function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false } {
  const t = text.trimStart();
  // Only objects and arrays: "1" and "1.0" are different answers even if they parse the same.
  if (t[0] !== '{' && t[0] !== '[') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Collects up to `max` differences; returns how many there are in all. */
function diffJson(a: unknown, b: unknown, path: Array<string | number>, out: JsonDifference[], max: number): number {
  const add = (d: JsonDifference) => {
    if (out.length < max) out.push(d);
    return 1;
  };
  if (a === b) return 0;
  const aObj = typeof a === 'object' && a !== null;
  const bObj = typeof b === 'object' && b !== null;
  if (!aObj || !bObj || Array.isArray(a) !== Array.isArray(b)) {
    if (a === IGNORED || b === IGNORED) return 0;
    return add({ path: formatPath(path), change: 'changed', expected: a, actual: b });
  }
  let count = 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= a.length) count += add({ path: formatPath([...path, i]), change: 'added', actual: b[i] });
      else if (i >= b.length) count += add({ path: formatPath([...path, i]), change: 'removed', expected: a[i] });
      else count += diffJson(a[i], b[i], [...path, i], out, max);
    }
    return count;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const key of Object.keys(ao)) {
    if (!Object.hasOwn(bo, key))
      count += add({ path: formatPath([...path, key]), change: 'removed', expected: ao[key] });
    else count += diffJson(ao[key], bo[key], [...path, key], out, max);
  }
  for (const key of Object.keys(bo)) {
    if (!Object.hasOwn(ao, key)) count += add({ path: formatPath([...path, key]), change: 'added', actual: bo[key] });
  }
  return count;
}

function firstDifference(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function snippet(text: string, offset: number): string {
  const from = Math.max(0, offset - 10);
  const s = text.slice(from, from + SNIPPET);
  return `${from > 0 ? '…' : ''}${s}${from + SNIPPET < text.length ? '…' : ''}`;
}

/**
 * Reads the `ignorePaths` setting (`setting` names it in the sentence): a list of JSON paths.
 * Anything else, or a path that does not parse, is a sentence naming the setting and the value.
 */
export function readIgnorePaths(value: unknown, setting: string): { paths: string[] } | { error: string } {
  if (value === undefined || value === null) return { paths: [] };
  if (!Array.isArray(value) || value.some((p) => typeof p !== 'string')) {
    return {
      error: `The setting ${setting} must be a list of JSON paths such as ["$.timestamp", "$.data[*].id"], but it is ${JSON.stringify(value)}. Fix it in the settings and run the command again.`,
    };
  }
  for (const p of value as string[]) {
    const parsed = parseJsonPath(p);
    if ('error' in parsed)
      return {
        error: `The setting ${setting} is not valid: ${parsed.error} Fix it in the settings and run the command again.`,
      };
  }
  return { paths: value as string[] };
}
