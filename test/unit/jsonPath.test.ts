import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareAnswers, readIgnorePaths } from '../../src/core/sessions/compare';
import { messageEvent } from '../../src/core/sessions/format';
import { createFilter } from '../../src/core/filter';
import { ANY, parseJsonCondition } from '../../src/core/filterJson';
import { FrameStore } from '../../src/core/frameStore';
import { parseJsonPath } from '../../src/core/jsonPath';

async function matching(docs: string[], json: string): Promise<number[]> {
  const store = new FrameStore();
  docs.forEach((d, i) => store.append(i, 'received', 'text', d));
  const filter = createFilter({ json });
  await filter.update(store);
  filter.dispose();
  return Array.from(filter.matches.indexes);
}

test('filter: [*] means any element; the condition holds when one of them satisfies it', async () => {
  const docs = [
    '{"items":[{"id":1},{"id":3}]}',
    '{"items":[{"id":1},{"id":2}]}',
    '{"items":[]}',
    '{"items":[{"name":"x"},{"id":3,"name":"y"}]}',
    '{"items":{"a":{"id":3}}}',
    '{"items":[{"id":3}],"tail":',
    '{"other":[{"id":3}]}',
  ];
  assert.deepEqual(await matching(docs, '$.items[*].id == 3'), [0, 3, 4]);
  assert.deepEqual(await matching(docs, 'items[*].id == 3'), [0, 3, 4]);
  assert.deepEqual(await matching(docs, 'items.*.id == 3'), [0, 3, 4]);
  // "Any", also for !=: some element's id is not 3.
  assert.deepEqual(await matching(docs, 'items[*].id != 3'), [0, 1]);
  assert.deepEqual(await matching(docs, 'items[*].name'), [3]);
  assert.deepEqual(await matching(docs, 'items[*] contains "name"'), [3]);
  assert.deepEqual(await matching(docs, 'items[*].id > 2'), [0, 3, 4]);
  assert.deepEqual(await matching(docs, 'items[*].id >= 5'), []);
  // On arrays, `tags[*] == "x"` keeps the rows `tags contains "x"` keeps.
  const tags = ['{"tags":["a","x"]}', '{"tags":["a"]}', '{"tags":[]}', '{"tags":[["x"]]}'];
  assert.deepEqual(await matching(tags, 'tags[*] == "x"'), await matching(tags, 'tags contains "x"'));
  assert.deepEqual(await matching(tags, 'tags[*] == "x"'), [0]);
  assert.deepEqual(parseJsonCondition('a[*].b').path, ['a', ANY, 'b']);
  assert.deepEqual(parseJsonCondition('a[ * ]').path, ['a', ANY]);
  assert.deepEqual(parseJsonCondition("a['*']").path, ['a', '*']);
  assert.throws(
    () => parseJsonCondition('$..id == 1'),
    (e: Error) =>
      e.message ===
      'The JSON filter uses "..", which it does not support; name each step, with [*] for any element (at 1). Write it like type == "trade", price > 100 or a.b[0].c != null.',
  );
});

test('ignore paths: [*] leaves a field out of every element', () => {
  const r = (text: string) => messageEvent(0, 'received', 'text', text);
  const recorded = [r('{"list":[{"id":1,"v":1},{"id":2,"v":2}]}')];
  assert.equal(
    compareAnswers(recorded, [r('{"list":[{"id":8,"v":1},{"id":9,"v":2}]}')], { ignore: ['$.list[*].id'] }).equal,
    true,
  );
  const other = compareAnswers(recorded, [r('{"list":[{"id":8,"v":1},{"id":9,"v":5}]}')], { ignore: ['$.list[*].id'] });
  assert.deepEqual(
    other.differences[0].diff?.type === 'json' && other.differences[0].diff.differences.map((d) => d.path),
    ['$.list[1].v'],
  );
  assert.deepEqual(parseJsonPath('$.list[ * ].id'), [
    { type: 'key', key: 'list' },
    { type: 'wildcard' },
    { type: 'key', key: 'id' },
  ]);
});

test('the filter and ignore paths read one grammar: the same malformed path, the same reason, at the same place', () => {
  const reason = (message: string, prefix: RegExp, suffix: RegExp) => message.replace(prefix, '').replace(suffix, '');
  const cases: Array<[string, string]> = [
    ['$.a[', `has a bracket that is not [n], [*] or ['name'] (at 3)`],
    ['$.a[x]', `has a bracket that is not [n], [*] or ['name'] (at 3)`],
    ['$.a[1', `has a bracket that is not [n], [*] or ['name'] (at 3)`],
    ['$.a[*', `has a bracket that is not [n], [*] or ['name'] (at 3)`],
    ['$.', 'has "." with no name after it (at 2)'],
    ['$.a.', 'has "." with no name after it (at 4)'],
    ['$.a..', 'has ".." with no name after it (at 3)'],
    ['$.a["b"', 'is missing a ] after ["b" (at 7)'],
    ['$.a["b', 'has a string without its closing quote (at 4)'],
    ["$.a['\\q']", 'has a string with a bad escape: \\q (at 5)'],
    ['$.a]', 'has "]" where . or [ was expected (at 3)'],
  ];
  for (const [path, why] of cases) {
    const ignore = parseJsonPath(path);
    assert.ok('error' in ignore, path);
    assert.equal(ignore.error, `The JSON path "${path}" ${why}. Write it like $.ts, $.data[*].id or $..id.`);
    let filterMessage = '';
    try {
      parseJsonCondition(`${path} == 1`);
    } catch (e) {
      filterMessage = (e as Error).message;
    }
    assert.equal(
      reason(filterMessage, /^The JSON filter /, /\. Write it like type == .*$/),
      reason(ignore.error, /^The JSON path ".*?" /, /\. Write it like \$\.ts.*$/),
      path,
    );
  }
  // The setting's sentence carries the same reason.
  const setting = readIgnorePaths(['$.a['], 'websocketInspector.replay.ignorePaths');
  assert.ok('error' in setting && setting.error.includes(`has a bracket that is not [n], [*] or ['name'] (at 3)`));
});
