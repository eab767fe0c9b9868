import type { WsRequest } from '../wsfile/types';

/**
 * What a request will test, known from the file alone (for a test tree that updates as you
 * type): each `=== expect` and `??` line by name, and each script block, whose `client.test`
 * names are only known when it runs. Lines are 0-based.
 */
export interface DiscoveredTest {
  /** The result's name when it runs (`expect …`, the `??` text), or "script" for a block. */
  name: string;
  line: number;
  kind: 'expect' | 'assert' | 'script';
}

export function discoverTests(request: WsRequest): DiscoveredTest[] {
  const out: DiscoveredTest[] = [];
  for (const s of request.steps)
    if (s.type === 'expect')
      out.push({ name: `expect ${s.expect.text}`.trim(), line: s.lines.startLine, kind: 'expect' });
  for (const a of request.assertions ?? []) out.push({ name: a.text, line: a.line, kind: 'assert' });
  for (const s of request.scripts ?? [])
    if (s.event !== 'pre-request')
      out.push({ name: s.path ? `script ${s.path}` : 'script', line: s.lines.startLine, kind: 'script' });
  return out.sort((a, b) => a.line - b.line);
}

/**
 * An `=== expect` line for a recorded server message ("Export as test"): JSON messages become a
 * JSON subset without the `ignore` paths (dotted, `a.b` or `items[0].id`; volatile fields such as
 * timestamps), other text an exact-text expectation; binary messages have none.
 */
export function expectLineFor(
  message: { kind: 'text' | 'binary'; text?: string },
  ignore: string[] = [],
): string | undefined {
  if (message.kind !== 'text' || message.text === undefined) return undefined;
  const text = message.text;
  if (/^\s*[[{]/.test(text)) {
    try {
      const value = JSON.parse(text) as unknown;
      for (const path of ignore) removePath(value, path);
      return `=== expect ${JSON.stringify(value)}`;
    } catch {
      // Not JSON after all: exact text below.
    }
  }
  // A quoted JSON string: one line even when the text has line breaks.
  return `=== expect ${JSON.stringify(text)}`;
}

function removePath(value: unknown, path: string): void {
  const parts = path
    .replace(/^\$\.?/, '')
    .split(/\.|\[(\d+)\]/)
    .filter((p) => p !== undefined && p !== '');
  let v = value;
  for (let i = 0; i < parts.length - 1; i++) {
    if (v === null || typeof v !== 'object') return;
    v = (v as Record<string, unknown>)[parts[i]];
  }
  if (v !== null && typeof v === 'object' && parts.length) {
    const last = parts[parts.length - 1];
    if (Array.isArray(v) && /^\d+$/.test(last)) v.splice(Number(last), 1);
    else delete (v as Record<string, unknown>)[last];
  }
}
