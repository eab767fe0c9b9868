import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareAnswers } from '../../src/core/sessions/compare';
import { describeDifference, differenceLine, formatComparison } from '../../src/core/sessions/compareText';
import { messageEvent } from '../../src/core/sessions/format';

const r = (text: string) => messageEvent(0, 'received', 'text', text);
const b = (bytes: number[]) => messageEvent(0, 'received', 'binary', Buffer.from(bytes));

/** One comparison with every kind of difference. */
function mixed() {
  const recorded = [r('{"n":1,"ts":100,"gone":true}'), r('plain three'), b([1, 2, 3]), r('{"x":1}'), r('was here')];
  const live = [r('{"n":1,"ts":999,"new":[1]}'), r('PLAIN THREE'), b([1, 2, 4, 5]), b([1])];
  return compareAnswers(recorded, live);
}

test('compareText: one sentence per difference, in the wording the inspector and wsi share', () => {
  assert.deepEqual(mixed().differences.map(differenceLine), [
    '#1 $.ts: 100 → 999; $.gone: removed (was true); $.new: added [1]',
    '#2 text differs at offset 0: expected "plain three", got "PLAIN THREE"',
    '#3 binary differs at offset 2: expected 03, got 04 05',
    '#4 was a text message, now binary',
    '#5 missing: the server did not send "was here"',
  ]);
  const extra = compareAnswers([], [b([1, 2])]).differences.map(differenceLine);
  assert.deepEqual(extra, ['#1 extra: the server also sent a binary message of 2 bytes']);
  const many = compareAnswers([r('{"a":[1,2,3,4]}')], [r('{"a":[5,6,7,8]}')], { maxDifferences: 2 });
  assert.equal(differenceLine(many.differences[0]), '#1 $.a[0]: 1 → 5; $.a[1]: 2 → 6 (and 2 more)');
  const long = compareAnswers([r(`{"a":"${'x'.repeat(200)}"}`)], [r('{"a":1}')]).differences[0];
  assert.match(differenceLine(long), /^#1 \$\.a: "x{79}… → 1$/);
});

test('compareText: wsi replay prints the same sentence as the inspector, with detail lines under it', () => {
  const c = mixed();
  const lines = formatComparison(c).split('\n');
  assert.equal(lines[0], '✘ compare: 0 matched, 4 mismatched, 1 missing, 0 extra.');
  // Every difference's heading in the CLI is the panel's line, indented; details follow, indented further.
  const headings = lines.slice(1).filter((l) => /^ {2}#/.test(l));
  assert.deepEqual(
    headings,
    c.differences.map((m) => `  ${differenceLine(m)}`),
  );
  for (const m of c.differences) {
    const at = lines.indexOf(`  ${differenceLine(m)}`);
    const { details } = describeDifference(m);
    assert.deepEqual(
      lines.slice(at + 1, at + 1 + details.length),
      details.map((d) => `      ${d}`),
    );
  }
  assert.ok(lines.includes('      lengths: expected 11 characters, got 11'), lines.join('\n'));
  assert.ok(lines.includes('      lengths: expected 3 bytes, got 4'), lines.join('\n'));
  assert.equal(
    formatComparison(compareAnswers([r('a')], [r('a')])),
    '✔ compare: 1 matched, 0 mismatched, 0 missing, 0 extra.',
  );
});

test("compare with a decoder: binary messages compare by their views, ignore paths apply inside, the decoder's values stay as they were", () => {
  // A toy codec: byte 0 is a sequence number, the rest an event name.
  const view = { seq: 0, event: '' };
  const cached = new Map<string, { seq: number; event: string }>();
  const decode = (m: ReturnType<typeof b>) => {
    if (m.kind !== 'binary') return undefined;
    const bytes = Buffer.from(m.base64 ?? '', 'base64');
    const key = bytes.toString('hex');
    if (!cached.has(key)) cached.set(key, { ...view, seq: bytes[0], event: bytes.subarray(1).toString('latin1') });
    return cached.get(key);
  };
  const bin = (seq: number, event: string) => b([seq, ...Buffer.from(event, 'latin1')]);
  const c = compareAnswers([bin(1, 'chat'), bin(2, 'join')], [bin(7, 'chat'), bin(8, 'left')], {
    ignore: ['$.seq'],
    decode,
  });
  assert.deepEqual(c.differences.map(differenceLine), ['#2 $.event: "join" → "left"']);
  assert.equal(cached.get('0163686174')?.seq, 1, 'ignoring $.seq did not change the cached view');
  const raw = compareAnswers([bin(1, 'chat')], [bin(7, 'chat')]);
  assert.match(differenceLine(raw.differences[0]), /binary differs at offset 0/, 'without a decoder: bytes');
});
