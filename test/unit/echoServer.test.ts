import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { EchoServer } from '../../src/core/echoServer';

describe('EchoServer', () => {
  test('echoes text as text and binary as binary, on 127.0.0.1', async () => {
    const server = await EchoServer.start();
    try {
      assert.match(server.url, /^ws:\/\/127\.0\.0\.1:\d+$/);
      const ws = new WebSocket(server.url);
      await new Promise((r, j) => ws.once('open', r).once('error', j));
      const got: Array<[string, boolean]> = [];
      const done = new Promise<void>((resolve) =>
        ws.on('message', (data, isBinary) => {
          got.push([isBinary ? (data as Buffer).toString('hex') : (data as Buffer).toString(), isBinary]);
          if (got.length === 2) resolve();
        }),
      );
      ws.send('ping text');
      ws.send(Buffer.from([1, 2, 3]));
      await done;
      assert.deepEqual(got, [
        ['ping text', false],
        ['010203', true],
      ]);
      assert.equal(server.clientCount, 1);
      ws.close();
    } finally {
      await server.close();
    }
  });

  test('a taken port is refused with a sentence that says what to do', async () => {
    const first = await EchoServer.start();
    try {
      await assert.rejects(
        EchoServer.start({ port: first.port }),
        /already in use.*websocketInspector\.echoServer\.port/,
      );
    } finally {
      await first.close();
    }
  });

  test('close() drops connected clients', async () => {
    const server = await EchoServer.start();
    const ws = new WebSocket(server.url);
    await new Promise((r) => ws.once('open', r));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await server.close();
    assert.equal(await closed, 1006);
  });
});
