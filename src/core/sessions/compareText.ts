/**
 * The one way a comparison is put into words, for the inspector's notes (one line per
 * difference) and `wsi replay --compare` (the same line, with detail lines under some).
 */
import type { ComparedMessage, CompareResult, JsonDifference } from './compare';
import { eventPayload, type SessionMessage } from './format';

/** A difference in words: the sentence, and detail lines the CLI prints under it. */
export interface DescribedDifference {
  /** "#1 $.ts: 100 → 999", "#3 text differs at offset 0: expected "a", got "A"", "#4 missing: …". */
  line: string;
  details: string[];
}

/** Longest value shown in a sentence before it is cut with "…". */
const SHOWN = 80;

/** One differing position in words. */
export function describeDifference(m: ComparedMessage): DescribedDifference {
  const at = `#${m.index + 1}`;
  if (m.status === 'missing')
    return { line: `${at} missing: the server did not send ${show(m.expected)}`, details: [] };
  if (m.status === 'extra') return { line: `${at} extra: the server also sent ${show(m.actual)}`, details: [] };
  const d = m.diff;
  if (!d) return { line: `${at} differs`, details: [] };
  if (d.type === 'kind') return { line: `${at} was a ${d.expected} message, now ${d.actual}`, details: [] };
  if (d.type === 'json') {
    const more = d.more ? ` (and ${d.more} more)` : '';
    return { line: `${at} ${d.differences.map(jsonChange).join('; ')}${more}`, details: [] };
  }
  const unit = d.type === 'text' ? 'characters' : 'bytes';
  const quote = (s: string) => (d.type === 'text' ? short(JSON.stringify(s)) : s);
  return {
    line: `${at} ${d.type} differs at offset ${d.offset}: expected ${quote(d.expected)}, got ${quote(d.actual)}`,
    details: [`lengths: expected ${d.expectedLength} ${unit}, got ${d.actualLength}`],
  };
}

/** The one-line form (the inspector's notes). */
export function differenceLine(m: ComparedMessage): string {
  return describeDifference(m).line;
}

/** `wsi replay --compare`'s report: the summary, then each difference with its detail lines. */
export function formatComparison(c: CompareResult): string {
  const { matched, mismatched, missing, extra } = c.summary;
  const lines = [
    `${c.equal ? '✔' : '✘'} compare: ${matched} matched, ${mismatched} mismatched, ${missing} missing, ${extra} extra.`,
  ];
  for (const m of c.differences) {
    const { line, details } = describeDifference(m);
    lines.push(`  ${line}`, ...details.map((x) => `      ${x}`));
  }
  return lines.join('\n');
}

function jsonChange(x: JsonDifference): string {
  if (x.change === 'added') return `${x.path}: added ${value(x.actual)}`;
  if (x.change === 'removed') return `${x.path}: removed (was ${value(x.expected)})`;
  return `${x.path}: ${value(x.expected)} → ${value(x.actual)}`;
}

function show(e: SessionMessage | undefined): string {
  if (!e) return 'nothing';
  if (e.kind === 'text') return short(JSON.stringify(e.text ?? ''));
  return `a binary message of ${eventPayload(e).length} bytes`;
}

function value(v: unknown): string {
  return short(JSON.stringify(v) ?? 'undefined');
}

function short(s: string): string {
  return s.length > SHOWN ? `${s.slice(0, SHOWN)}…` : s;
}
