import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli';
import { discoverTests, expectLineFor } from '../../src/core/scripts/discover';
import { parseExpectation } from '../../src/core/wsfile/expect';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { findUnresolvedVariables } from '../../src/core/wsfile/variables';
import { startWsServer } from './helpers';

const codes = (text: string) => parseWsFile(text).diagnostics.map((d) => `${d.code}@${d.range.startLine + 1}`);

test('script blocks are read where they stand: JetBrains < {% %} / > {% %} / > ./file, httpYac {{ }} / {{@streaming}}', () => {
  const parsed = parseWsFile(
    [
      '< {% request.variables.set("a", "1") %}', // 1
      '{{',
      '  exports.b = 2;',
      '}}',
      'WS ws://127.0.0.1:1/', // 5
      '',
      'hello',
      '',
      '> {%',
      '  client.log(1);', // 10
      '%}',
      '> ./check.js',
      '{{@streaming',
      '  await sleep(1);',
      '}}', // 15
      '{{',
      '  test("after", () => {});',
      '}}',
      '?? status == 101',
      '?? header content-type exists', // 20
    ].join('\n'),
  );
  assert.deepEqual(parsed.diagnostics, []);
  const [r] = parsed.requests;
  assert.deepEqual(
    r.scripts!.map((s) => [s.dialect, s.event, s.lines.startLine + 1, s.path ?? s.code!.trim()]),
    [
      ['jetbrains', 'pre-request', 1, 'request.variables.set("a", "1")'],
      ['httpyac', 'pre-request', 2, 'exports.b = 2;'],
      ['jetbrains', 'response', 9, 'client.log(1);'],
      ['jetbrains', 'response', 12, './check.js'],
      ['httpyac', 'streaming', 13, 'await sleep(1);'],
      ['httpyac', 'after', 16, 'test("after", () => {});'],
    ],
  );
  // Code keeps its columns and lines: script line N is file line codeLine + N.
  const one = r.scripts![0];
  assert.equal(one.code!.indexOf('request'), '< {% '.length);
  assert.equal(r.scripts![2].code!.split('\n')[1], '  client.log(1);');
  assert.deepEqual(
    r.assertions!.map((a) => [a.field, a.path, a.op, a.value, a.line + 1]),
    [
      ['status', undefined, '==', '101', 19],
      ['header', 'content-type', 'exists', undefined, 20],
    ],
  );
  assert.deepEqual(
    r.steps.map((s) => s.type),
    ['send'],
  );
});

test('bad ?? lines, unknown httpYac events and unclosed blocks are diagnostics at their lines', () => {
  assert.deepEqual(codes('WS ws://a\n\nhi\n?? body\n?? xpath /a == 1\n?? nonsense == 1\n{{@responseLogging\nx\n}}\n'), [
    'bad-assertion@4',
    'bad-assertion@5',
    'bad-assertion@6',
    'ignored-script@7',
  ]);
  const xpath = parseWsFile('WS ws://a\n\nhi\n?? xpath /a == 1\n').diagnostics[0];
  assert.equal(xpath.severity, 'warning');
});

test('=== expect: matchers, not, within, count; errors name what to write', () => {
  assert.deepEqual(parseExpectation('{"type": "pong"} within 2s count 3'), {
    text: '{"type": "pong"} within 2s count 3',
    not: false,
    matcher: { kind: 'json', value: { type: 'pong' } },
    withinMs: 2000,
    count: 3,
  });
  assert.deepEqual(parseExpectation('not /^err/i').valueOf(), {
    text: 'not /^err/i',
    not: true,
    matcher: { kind: 'regex', source: '^err', flags: 'i' },
    withinMs: undefined,
    count: 1,
  });
  assert.deepEqual((parseExpectation('contains "ok"') as { matcher: unknown }).matcher, {
    kind: 'contains',
    text: 'ok',
  });
  assert.deepEqual((parseExpectation('"pong"') as { matcher: unknown }).matcher, { kind: 'text', text: 'pong' });
  assert.deepEqual((parseExpectation('type == "a" && n > 1') as { matcher: unknown }).matcher, {
    kind: 'condition',
    condition: 'type == "a" && n > 1',
  });
  assert.deepEqual((parseExpectation('within 1s') as { matcher: unknown }).matcher, { kind: 'any' });
  assert.deepEqual((parseExpectation('json {"id": {{id}}}') as { matcher: unknown }).matcher, {
    kind: 'json',
    value: '{"id": {{id}}}',
  });
  assert.match((parseExpectation('{"a":') as { error: string }).error, /^The JSON after "expect" does not parse/);
  assert.match((parseExpectation('x within soon') as { error: string }).error, /"within soon" is not a duration/);
  assert.match((parseExpectation('x count 0') as { error: string }).error, /"count 0" needs a whole number/);
  assert.match((parseExpectation('/(/') as { error: string }).error, /regular expression .* is not valid/);
  assert.match((parseExpectation('type ==') as { error: string }).error, /is not something "=== expect" can check/);
  assert.deepEqual(codes('WS ws://a\n\n=== expect {"a":\nhi\n'), ['bad-expect@3']);
});

test('the block below "=== expect" is a message to send, as other clients read a === line', () => {
  const [r] = parseWsFile('WS ws://a\n\nfirst\n=== expect "first"\nsecond\n=== expect "second"\n').requests;
  assert.deepEqual(
    r.steps.map((s) => (s.type === 'send' && s.message.kind === 'text' ? `send ${s.message.text}` : s.type)),
    ['send first', 'expect', 'send second', 'expect'],
  );
});

test('wsi parse: scripts and assertions in the JSON; a script syntax error is an error diagnostic at its line (exit 1)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-parse-'));
  try {
    const file = join(dir, 'a.ws');
    writeFileSync(
      file,
      'WS ws://127.0.0.1:1/\n\nhi\n\n> {%\n  client.test("x", () => {\n    let x = ;\n  });\n%}\n?? status == 101\n> ./missing.js\n',
    );
    const out: string[] = [];
    const code = await main(
      ['parse', file],
      (s) => out.push(s),
      () => undefined,
    );
    assert.equal(code, 1);
    const json = JSON.parse(out.join('\n')) as {
      requests: Array<{ scripts: Array<{ event: string }>; assertions: unknown[] }>;
      diagnostics: Array<{ code: string; range: { startLine: number }; message: string }>;
    };
    assert.deepEqual(
      json.requests[0].scripts.map((s) => s.event),
      ['response', 'response'],
    );
    assert.equal(json.requests[0].assertions.length, 1);
    assert.deepEqual(
      json.diagnostics.map((d) => [d.code, d.range.startLine + 1]),
      [['script-file', 11]],
      'a missing external file is reported first: nothing compiles until every file is there',
    );
    writeFileSync(join(dir, 'missing.js'), 'client.log(1)\n');
    out.length = 0;
    await main(
      ['parse', file],
      (s) => out.push(s),
      () => undefined,
    );
    const again = JSON.parse(out.join('\n')) as typeof json;
    assert.deepEqual(
      again.diagnostics.map((d) => [d.code, d.range.startLine + 1]),
      [['script-syntax', 7]],
    );
    assert.match(
      again.diagnostics[0].message,
      /^This script does not compile: SyntaxError: .*\. Nothing is sent until it does\.$/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('variables that scripts set are not reported as unresolved', () => {
  const text =
    '< {%\n  request.variables.set("fromScript", "1");\n  client.global.set(\'token\', "t");\n%}\n{{\n  exports.yac = 2;\n}}\nWS ws://a/{{fromScript}}\nAuthorization: {{token}}\n\n{{yac}} {{nobody}}\n';
  const parsed = parseWsFile(text);
  const found = findUnresolvedVariables(text, parsed, { allowProcessEnv: false });
  assert.deepEqual(
    found.map((d) => d.message.slice(0, 12)),
    ['{{nobody}} i'],
  );
});

test('wsi run runs scripts and expectations, prints each result, and exits 1 when a test fails', async () => {
  const server = await startWsServer();
  server.server.on('connection', (socket) => socket.on('message', (d) => socket.send(d.toString('utf8'))));
  const dir = mkdtempSync(join(tmpdir(), 'wsi-run-'));
  try {
    const file = join(dir, 'a.ws');
    writeFileSync(file, `WS ${server.url}\n\nhello\n=== expect "hello"\nagain\n=== expect "nope"\n`);
    const out: string[] = [];
    const code = await main(
      ['run', file, '--wait-timeout', '500ms', '--linger', '0'],
      (s) => out.push(s),
      () => undefined,
    );
    assert.equal(code, 1);
    const text = out.join('\n');
    assert.match(text, /✔ expect "hello"/);
    assert.match(text, /✘ expect "nope" \(line 6\): Server message 2 is not the message "nope"\./);
    assert.match(text, /✘ .*: 1 of 2 tests failed\.$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

test('discoverTests lists expectations, ?? lines and script blocks in line order; expectLineFor writes an expectation for a message', () => {
  const [r] = parseWsFile(
    'WS ws://a\n\nhi\n=== expect "hi"\n\n> {%\n  client.test("x", () => {});\n%}\n> ./more.js\n?? status == 101\n',
  ).requests;
  assert.deepEqual(discoverTests(r), [
    { name: 'expect "hi"', line: 3, kind: 'expect' },
    { name: 'script', line: 5, kind: 'script' },
    { name: 'script ./more.js', line: 8, kind: 'script' },
    { name: 'status == 101', line: 9, kind: 'assert' },
  ]);
  const line = expectLineFor({ kind: 'text', text: '{"type":"tick","ts":1733,"items":[{"id":1,"at":5}]}' }, [
    'ts',
    'items[0].at',
  ]);
  assert.equal(line, '=== expect {"type":"tick","items":[{"id":1}]}');
  assert.equal(expectLineFor({ kind: 'text', text: 'two\nlines' }), '=== expect "two\\nlines"');
  assert.equal(expectLineFor({ kind: 'binary' }), undefined);
  // The exported line parses back to the same check.
  const back = parseWsFile(`WS ws://a\n\n${line}\n`).requests[0].steps[0];
  assert.equal(back.type, 'expect');
});
