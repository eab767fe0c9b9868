import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest } from '../../src/core/wsfile/run';
import { waitFor } from './helpers';
import { startGraphqlWsServer, startLegacyServer } from './protocol.graphql.servers';
import { startSocketIo } from './socketio.servers';

test('@protocol names a protocol the inspector speaks; anything else is an error that lists them', () => {
  const ok = parseWsFile('# @protocol Socket.IO\nWEBSOCKET ws://127.0.0.1:1/\n');
  assert.equal(ok.requests[0].settings.protocol, 'socket.io');
  assert.deepEqual(ok.diagnostics, []);
  const none = parseWsFile('# @protocol none\nWEBSOCKET ws://127.0.0.1:1/socket.io/?EIO=4\n');
  assert.equal(none.requests[0].settings.protocol, 'none');
  const bad = parseWsFile('# @protocol amqp\nWEBSOCKET ws://127.0.0.1:1/\n');
  assert.equal(bad.requests[0].settings.protocol, undefined);
  const d = bad.diagnostics.find((x) => x.code === 'bad-directive-value');
  assert.ok(d, JSON.stringify(bad.diagnostics));
  assert.match(d.message, /@protocol "amqp" is not a protocol the inspector speaks\. Use one of: socket\.io, .*none\./);
  assert.deepEqual([d.range.startLine, d.range.startCol], [0, 12], 'on the value');
});

test('a .ws request with @protocol socket.io: the steps run while pings are answered, past the ping timeout', async () => {
  const srv = await startSocketIo({ pingInterval: 100, pingTimeout: 200 });
  const heard: string[] = [];
  srv.io.on('connection', (socket) => {
    socket.emit('hello', 'there');
    socket.on('chat', (text: string) => heard.push(text));
  });
  // A plain ws:// URL: the directive, not the URL, says Socket.IO (the endpoint adds /socket.io/?EIO=4).
  const file = `# @protocol socket.io\nWEBSOCKET ${srv.url.replace('http', 'ws')}/\n\n=== wait-for-server\n=== wait-for-server\n=== wait-for-server\n=== wait 700ms\n42["chat","still here"]\n`;
  const parsed = parseWsFile(file);
  const notes: string[] = [];
  const result = await runWsRequest({
    request: parsed.requests[0],
    variables: { fileVariables: parsed.variables, allowProcessEnv: false },
    baseDir: __dirname,
    waitTimeoutMs: 3000,
    onConnection: (_c, _s, protocol) => protocol.session?.onNote((n) => notes.push(n.text)),
  });
  try {
    assert.deepEqual(parsed.diagnostics, []);
    assert.equal(result.ok, true, result.error);
    assert.equal(result.connection?.state.phase, 'open', 'the server kept us past five ping intervals');
    assert.ok(
      notes.some((n) => /namespace \//.test(n)),
      `the session joined the namespace: ${notes.join(' | ')}`,
    );
    await waitFor(() => heard.length > 0, 3000, 'the chat event at the server');
    assert.deepEqual(heard, ['still here'], 'a raw EVENT frame from the file reached the server as an event');
  } finally {
    result.connection?.dispose();
    await srv.close();
  }
});

test('a .ws request with @protocol graphql against the real graphql-ws and legacy servers: init done for the file, its subscribe answered', async () => {
  for (const start of [startGraphqlWsServer, startLegacyServer]) {
    const srv = await start();
    // The file subscribes in the dialect the server speaks: graphql-ws' "subscribe", the legacy "start".
    const legacy = start === startLegacyServer;
    const subscribe = JSON.stringify({
      id: '1',
      type: legacy ? 'start' : 'subscribe',
      payload: { query: 'subscription { count(to: 2) }' },
    });
    const file = `# @protocol graphql\nWEBSOCKET ${srv.url}\n\n=== wait-for-server\n${subscribe}\n=== wait-for-server\n=== wait-for-server\n=== wait-for-server\n`;
    const parsed = parseWsFile(file);
    const result = await runWsRequest({
      request: parsed.requests[0],
      variables: { fileVariables: parsed.variables, allowProcessEnv: false },
      baseDir: __dirname,
      waitTimeoutMs: 3000,
    });
    try {
      assert.deepEqual(parsed.diagnostics, []);
      assert.equal(result.ok, true, `${start.name}: ${result.error}`);
      assert.equal(srv.inits.length, 1, `${start.name}: one connection_init, sent by the session`);
    } finally {
      result.connection?.dispose();
      await srv.close();
    }
  }
});
