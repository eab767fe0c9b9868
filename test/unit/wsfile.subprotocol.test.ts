import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { EchoServer } from '../../src/core/echoServer';
import { WebSocketTransport } from '../../src/core/transport';
import { parseWsFile } from '../../src/core/wsfile/parse';

let echo: EchoServer | undefined;
after(async () => echo?.close());

test('@subprotocol with a name that is not a token: an error at that name, naming it', () => {
  const text = '# @subprotocol chat.v1, bad/name\nWS ws://a\n';
  const parsed = parseWsFile(text);
  const found = parsed.diagnostics.filter((d) => d.code === 'bad-directive-value');
  assert.equal(found.length, 1, JSON.stringify(parsed.diagnostics));
  const d = found[0];
  assert.equal(d.severity, 'error');
  const at = text.indexOf('bad/name');
  assert.deepEqual(d.range, { startLine: 0, startCol: at, endLine: 0, endCol: at + 'bad/name'.length });
  assert.match(d.message, /"bad\/name"/);
  // A good list has no diagnostic.
  assert.deepEqual(parseWsFile('# @subprotocol graphql-transport-ws, v2.chat\nWS ws://a\n').diagnostics, []);
});

test('connecting with an invalid subprotocol fails with a sentence that names it', async () => {
  echo = await EchoServer.start();
  const c = new WebSocketTransport({ url: echo.url, protocols: ['chat.v1', 'bad name'], handshakeTimeout: 1000 });
  try {
    await assert.rejects(c.connect(), (err: Error) => {
      assert.match(
        err.message,
        /^Could not connect to ws:\/\/127\.0\.0\.1:\d+: the subprotocol "bad name" is not a valid/,
      );
      return true;
    });
    assert.equal(c.state.phase, 'error');
  } finally {
    c.dispose();
  }
});
