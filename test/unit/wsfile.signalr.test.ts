import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest } from '../../src/core/wsfile/run';
import { startHub } from './protocol.signalr.hub';

// A .ws file speaking SignalR to the tiny hub: `=== invoke` (the arguments below it), `=== stream`,
// and `=== wait-for` on the decoded records (a frame of several records is matched with records[*]).

test('.ws with @protocol signalr: invoke with its sentence, stream, wait-for on the decoded records', async () => {
  const hub = await startHub();
  const file = [
    '# @protocol signalr',
    `WEBSOCKET ${hub.url.replace('ws:', 'http:')}`,
    '',
    '=== invoke Add',
    '[2, 3]',
    '=== stream Counter',
    '[3]',
    '=== wait-for records[*].item == 2',
    '=== send Echo',
    '["hi"]',
    '=== wait-for type == "Invocation" && target == "Echoed" && arguments[0] == "hi"',
  ].join('\n');
  const parsed = parseWsFile(file);
  assert.deepEqual(parsed.diagnostics, []);
  const sentences: string[] = [];
  const result = await runWsRequest({
    request: parsed.requests[0],
    variables: { fileVariables: parsed.variables, allowProcessEnv: false },
    baseDir: __dirname,
    waitTimeoutMs: 2000,
    onSentence: (s) => sentences.push(s),
  });
  try {
    assert.equal(result.ok, true, result.error);
    assert.match(sentences[0], /^Completed after [\d.]+ ms: 5$/);
    assert.equal(sentences[1], 'Stream 1 (Counter) started: its items arrive as rows; Cancel stream stops it.');
    assert.deepEqual(
      hub.received.map((m) => m.type ?? 'handshake'),
      ['handshake', 1, 4, 1],
    );
  } finally {
    result.connection?.dispose();
    await hub.close();
  }
});
