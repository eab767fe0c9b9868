import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { test } from 'node:test';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest } from '../../src/core/wsfile/run';

// A server whose first messages come in the same TCP write as its 101 answer: `ws` reads them
// before the connection says it is open, so a response handler must still get them.

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const frame = (text: string) => Buffer.concat([Buffer.from([0x81, Buffer.byteLength(text)]), Buffer.from(text)]);

test('messages that arrive with the handshake answer reach the response handler, in order', async () => {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once('data', (request) => {
      const key = /sec-websocket-key: (.+)\r\n/i.exec(request.toString())?.[1] ?? '';
      const accept = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      socket.write(
        Buffer.concat([
          Buffer.from(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
          ),
          frame('{"n":1}'),
          frame('{"n":2}'),
          frame('{"n":3}'),
        ]),
      );
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    const parsed = parseWsFile(
      [
        `WEBSOCKET ws://127.0.0.1:${port}/`,
        '',
        '> {%',
        '  const seen = [];',
        '  response.body.onEachMessage((m, unsubscribe) => {',
        '    seen.push(m.n);',
        '    if (seen.length === 3) {',
        '      client.test("all three, in order", () => client.assert(seen.join() === "1,2,3", seen.join()));',
        '      unsubscribe();',
        '    }',
        '  });',
        '%}',
        '',
      ].join('\n'),
    );
    const run = await runWsRequest({
      request: parsed.requests[0],
      variables: { fileVariables: parsed.variables, allowProcessEnv: false },
      baseDir: __dirname,
      scripts: 'run',
      settleMs: 300,
    });
    run.connection?.dispose();
    assert.deepEqual(
      run.tests.map((t) => [t.name, t.passed, t.message]),
      [['all three, in order', true, undefined]],
    );
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
