import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest } from '../../src/core/wsfile/run';
import { startGraphqlWsServer, startLegacyServer } from './protocol.graphql.servers';
import { startSocketIo } from './socketio.servers';

const vars = (parsed: ReturnType<typeof parseWsFile>) => ({ fileVariables: parsed.variables, allowProcessEnv: false });

test('.ws protocol actions parse: words fill fields in order, name=value and flags, the block below is the body', () => {
  const parsed = parseWsFile(
    [
      '# @protocol socket.io',
      'WEBSOCKET http://127.0.0.1:1/chat',
      '',
      '=== emit chat ack',
      '{"text": "hi {{x}}"}',
      '=== emit "two words" namespace=/admin ack=false',
      '=== connect /admin',
      '=== wait-for event == "chat" && args[0].text contains "hi"',
      '=== emit',
      '=== emit a b c',
      '=== wait-for event ==',
      '=== frobnicate',
    ].join('\n'),
  );
  const [r] = parsed.requests;
  assert.deepEqual(
    r.steps.map((s) =>
      s.type === 'action' ? [s.action, s.values, s.lines] : s.type === 'wait-for' ? [s.type, s.condition] : [s.type],
    ),
    [
      ['emit', { event: 'chat', ack: true, args: '{"text": "hi {{x}}"}' }, { startLine: 3, endLine: 4 }],
      ['emit', { event: 'two words', namespace: '/admin', ack: false }, { startLine: 5, endLine: 5 }],
      ['connect', { namespace: '/admin' }, { startLine: 6, endLine: 6 }],
      ['wait-for', 'event == "chat" && args[0].text contains "hi"'],
    ],
  );
  const messages = parsed.diagnostics.map((d) => `${d.code}@${d.range.startLine}: ${d.message}`);
  assert.deepEqual(messages, [
    'bad-action@8: "=== emit" needs event (event); write it after the action\'s name.',
    'bad-action@9: "c" is one word too many for "=== emit"; it takes event=… namespace=… ack, and its arguments (json; an array is several arguments) on the lines below.',
    'bad-condition@10: The JSON filter needs a value after ==. Write it like type == "trade", price > 100 or a.b[0].c != null.',
    'unknown-separator@11: "=== frobnicate" is not something a .ws script can do. After === write nothing, wait-for-server, wait-for <condition>, expect <check>, wait 500ms, binary [hex|base64] or close [code] [reason], or one of the protocol\'s actions: emit, connect.',
  ]);
  // The http:// URL is no error with a protocol; without one it still is.
  assert.ok(!parsed.diagnostics.some((d) => d.code === 'bad-url-scheme'));
  const plain = parseWsFile('WEBSOCKET http://127.0.0.1:1/\n\n=== emit chat\n');
  assert.deepEqual(
    plain.diagnostics.map((d) => d.code),
    ['bad-url-scheme', 'unknown-separator'],
    'without @protocol, emit is no command',
  );
});

test('.ws with @protocol socket.io: emit with ack (its sentence), wait-for on the decoded event, a failed wait names the condition', async () => {
  const srv = await startSocketIo({ pingInterval: 100, pingTimeout: 300 });
  srv.io.on('connection', (socket) => {
    socket.on('chat', (msg: { text: string }, ack?: (a: unknown) => void) => {
      ack?.({ ok: true });
      socket.emit('chat', { text: `echo ${msg.text}` });
    });
  });
  const file = [
    '@who = bob',
    '# @protocol socket.io',
    `WEBSOCKET ${srv.url}/`,
    '',
    '=== emit chat ack',
    '{"text": "hi {{who}}"}',
    '=== wait-for event == "chat" && args[0].text == "echo hi bob"',
    '=== emit chat',
    '[{"text": "again"}]',
    '=== wait-for event == "nope"',
  ].join('\n');
  const parsed = parseWsFile(file);
  assert.deepEqual(parsed.diagnostics, []);
  const sentences: string[] = [];
  const result = await runWsRequest({
    request: parsed.requests[0],
    variables: vars(parsed),
    baseDir: __dirname,
    waitTimeoutMs: 1500,
    onSentence: (s) => sentences.push(s),
  });
  try {
    assert.equal(result.ok, false);
    assert.equal(result.failedStep, 3);
    assert.match(
      result.error ?? '',
      /^Step 4 \(line 10\): waited 1\.5 s for a server message where event == "nope", but none came \(\d+ other messages did\)\./,
    );
    assert.equal(sentences.length, 1);
    assert.match(sentences[0], /^"chat" acknowledged after [\d.]+ ms: \[\{"ok":true\}\]$/);
  } finally {
    result.connection?.dispose();
    await srv.close();
  }
});

test('.ws with @protocol graphql: subscribe with the query below, wait-for next and complete by operation id, on both dialects', async () => {
  for (const start of [startGraphqlWsServer, startLegacyServer]) {
    const srv = await start();
    const file = [
      '# @protocol graphql',
      `WEBSOCKET ${srv.url}`,
      '',
      '=== subscribe variables={"to":2}',
      'subscription Count($to: Int!) {',
      '  count(to: $to)',
      '}',
      '=== wait-for type == "next" && payload.data.count == 2 || type == "data"',
      '=== wait-for id == "1" && type contains "complete"',
    ].join('\n');
    const parsed = parseWsFile(file);
    // `||` is no operator: the condition is rejected with the filter's sentence.
    assert.equal(parsed.diagnostics[0]?.code, 'bad-condition', JSON.stringify(parsed.diagnostics));
    const fixed = parseWsFile(file.replace(' || type == "data"', ''));
    assert.deepEqual(fixed.diagnostics, []);
    const legacy = start === startLegacyServer;
    const request = legacy
      ? parseWsFile(
          file
            .replace(
              '=== wait-for type == "next" && payload.data.count == 2 || type == "data"',
              '=== wait-for type == "data" && payload.data.count == 2',
            )
            .replace('type contains "complete"', 'type == "complete"'),
        ).requests[0]
      : fixed.requests[0];
    const result = await runWsRequest({ request, variables: vars(fixed), baseDir: __dirname, waitTimeoutMs: 3000 });
    try {
      assert.equal(result.ok, true, `${legacy ? 'legacy' : 'graphql-ws'}: ${result.error}`);
    } finally {
      result.connection?.dispose();
      await srv.close();
    }
  }
});

test("JetBrains' GRAPHQL request: the operation and its variables below it are a subscribe, run against the real graphql-ws server", async () => {
  const srv = await startGraphqlWsServer();
  const file = [
    '### Count',
    `GRAPHQL ${srv.url.replace('ws://', 'http://')}`,
    'X-Trace: 1',
    '',
    'subscription Count($to: Int!) {',
    '  count(to: $to)',
    '}',
    '',
    '{',
    '  "to": 3',
    '}',
    '=== wait-for type == "next" && payload.data.count == 3',
  ].join('\n');
  const parsed = parseWsFile(file);
  try {
    assert.deepEqual(parsed.diagnostics, []);
    const [r] = parsed.requests;
    assert.equal(r.keyword, 'GRAPHQL');
    assert.equal(r.settings.protocol, 'graphql');
    assert.deepEqual(r.steps[0], {
      type: 'action',
      action: 'subscribe',
      values: { variables: '{\n  "to": 3\n}', query: 'subscription Count($to: Int!) {\n  count(to: $to)\n}' },
      lines: { startLine: 4, endLine: 6 },
    });
    const result = await runWsRequest({ request: r, variables: vars(parsed), baseDir: __dirname, waitTimeoutMs: 3000 });
    try {
      assert.equal(result.ok, true, result.error);
    } finally {
      result.connection?.dispose();
    }
  } finally {
    await srv.close();
  }
});
