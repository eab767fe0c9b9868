import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseWsFile, splitLines } from '../../src/core/wsfile/parse';
import { findUnresolvedVariables } from '../../src/core/wsfile/variables';
import type { ParsedWsFile } from '../../src/core/wsfile/types';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'wsfile');
/** Generous for a slow CI machine; typical parses take well under 1 ms. */
const BUDGET_MS = 100;

const fixtureTexts: string[] = ['jetbrains', 'httpyac'].flatMap((dir) =>
  readdirSync(join(FIXTURES, dir))
    .filter((f) => f.endsWith('.http'))
    .map((f) => readFileSync(join(FIXTURES, dir, f), 'utf8')),
);

/** Tokens that drive the parser's states, mixed with noise. */
const LINE_PIECES = [
  '###',
  '### name',
  '===',
  '=== wait-for-server',
  '=== wait 10ms',
  '=== wait',
  '=== binary',
  '=== binary base64',
  '=== binary xyz',
  '=== close',
  '=== close 4000 r',
  '=== close 99999',
  'WEBSOCKET ws://h/p',
  'WS',
  'WSS h',
  'ws://{{h}}',
  'https://x',
  'GET https://x',
  '# @timeout 5s',
  '# @deflate maybe',
  '// @name n',
  '# @',
  '@v = {{v}}',
  '@v := 1',
  'Header: v',
  'Bad Header: v',
  ': v',
  '{{',
  '}}',
  '{{@streaming',
  '< {%',
  '> {%',
  '%}',
  '< ./f',
  '<@ ./f',
  '<@latin1 ./f',
  '00 ff 0g',
  'AQ==AQ',
  '{"a": {{x}}}',
  '[1,2',
  '',
  '   ',
  '\t',
  '\u0000',
  '\uFEFF',
  'é',
  '\u2028',
];

function checkInvariants(text: string, parsed: ParsedWsFile): void {
  assert.ok(Array.isArray(parsed.requests) && Array.isArray(parsed.variables) && Array.isArray(parsed.diagnostics));
  const internal = parsed.diagnostics.find((d) => d.code === 'internal');
  assert.equal(internal, undefined, internal?.message);
  const lineCount = splitLines(text).length;
  for (const d of parsed.diagnostics) {
    assert.ok(
      d.range.startLine >= 0 && d.range.endLine < lineCount && d.range.startLine <= d.range.endLine,
      `diagnostic range out of the document: ${JSON.stringify(d)}`,
    );
    assert.ok(d.range.startCol >= 0 && d.range.endCol >= 0, JSON.stringify(d));
    assert.ok(d.message.length > 10 && /[.?]$/.test(d.message), `diagnostic message is not a sentence: ${d.message}`);
  }
  for (const r of parsed.requests) {
    assert.ok(r.range.startLine <= r.range.endLine && r.range.endLine < lineCount);
    for (const s of r.steps) {
      assert.ok(
        s.lines.startLine >= r.range.startLine && s.lines.endLine <= r.range.endLine,
        `step outside its request: ${JSON.stringify(s)}`,
      );
      if (s.type === 'wait-for-server') assert.ok(s.count >= 1);
    }
  }
}

function timedParse(text: string): { parsed: ParsedWsFile; ms: number } {
  const t0 = performance.now();
  const parsed = parseWsFile(text);
  findUnresolvedVariables(text, parsed, { allowProcessEnv: false });
  return { parsed, ms: performance.now() - t0 };
}

test('random text never makes the parser fail or take over 100 ms', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 4000 }), (text) => {
      const { parsed, ms } = timedParse(text);
      checkInvariants(text, parsed);
      assert.ok(ms < BUDGET_MS, `took ${ms.toFixed(1)} ms`);
    }),
    { numRuns: 400 },
  );
});

test("random files built from the format's own tokens keep every invariant", () => {
  const line = fc.oneof(fc.constantFrom(...LINE_PIECES), fc.string({ maxLength: 40 }));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 200 }), fc.constantFrom('\n', '\r\n', '\r'), (lines, eol) => {
      const text = lines.join(eol);
      const { parsed, ms } = timedParse(text);
      checkInvariants(text, parsed);
      assert.ok(ms < BUDGET_MS, `took ${ms.toFixed(1)} ms`);
    }),
    { numRuns: 500 },
  );
});

test('random mutations of the real JetBrains and httpYac fixtures keep every invariant', () => {
  assert.ok(fixtureTexts.length >= 8, 'fixtures were found');
  const mutation = fc.oneof(
    fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.nat({ max: 50 }) }),
    fc.record({
      op: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.oneof(fc.constantFrom(...LINE_PIECES.map((p) => `\n${p}\n`)), fc.string({ maxLength: 20 })),
    }),
    fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.nat({ max: 200 }) }),
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...fixtureTexts),
      fc.array(mutation, { minLength: 1, maxLength: 10 }),
      (original, mutations) => {
        let text = original;
        for (const m of mutations) {
          const at = text.length ? m.at % (text.length + 1) : 0;
          if (m.op === 'delete') text = text.slice(0, at) + text.slice(at + m.len);
          else if (m.op === 'insert') text = text.slice(0, at) + m.text + text.slice(at);
          else text = text.slice(0, at) + text.slice(at, at + m.len) + text.slice(at);
        }
        const { parsed, ms } = timedParse(text);
        checkInvariants(text, parsed);
        assert.ok(ms < BUDGET_MS, `took ${ms.toFixed(1)} ms`);
      },
    ),
    { numRuns: 500 },
  );
});

test('pathological long lines stay fast (no regex backtracking blow-up)', () => {
  const spaces = ' '.repeat(50_000);
  const cases = [
    `WS ws://a${spaces}x`,
    `WS ws://a\nH:${spaces}x${spaces}`,
    `WS ws://a\n\n===${spaces}//${spaces}x`,
    `@v =${spaces}x${spaces}y`,
    `WS ws://a\n\n${'{{'.repeat(20_000)}`,
    `WS ws://a\n\n=== binary\n${'0'.repeat(99_999)}`,
    `WS ws://a\n\n=== binary base64\n${'A'.repeat(99_999)}`,
    `WS ws://a\n\n${'=== wait-for-server\n'.repeat(20_000)}`,
  ];
  for (const text of cases) {
    const { parsed, ms } = timedParse(text);
    checkInvariants(text, parsed);
    assert.ok(
      ms < BUDGET_MS * 3,
      `took ${ms.toFixed(1)} ms on a ${text.length}-character input starting ${JSON.stringify(text.slice(0, 30))}`,
    );
  }
});
