import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { WebSocketTransport } from '../../src/core/transport';
import { expectedAccept } from '../../src/core/handshake';
import { startRawServer } from './protocol.servers';

describe('protocol: handshake header values as a person reads them', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('a UTF-8 header value is decoded as UTF-8; bytes that are not UTF-8 are shown as \\x escapes', async () => {
    const raw = await startRawServer((socket, request) => {
      const key = /sec-websocket-key: *(\S+)/i.exec(request)?.[1] ?? '';
      socket.write(
        Buffer.concat([
          Buffer.from(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${expectedAccept(key)}\r\n`,
          ),
          Buffer.from('X-Note: ⮕ café\r\n', 'utf8'),
          Buffer.from([...Buffer.from('X-Bad: a'), 0xff, 0xfe, ...Buffer.from('b\r\n')]),
          Buffer.from('X-Latin: plain ascii\r\n\r\n'),
        ]),
      );
    });
    cleanups.push(() => raw.close());
    const c = new WebSocketTransport({ url: `ws://127.0.0.1:${raw.port}/`, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    await c.connect();
    const got = new Map(c.handshake!.response!.headers.map((h) => [h.name, h.value]));
    assert.equal(got.get('X-Note'), '⮕ café', 'not "â®• cafÃ©"');
    assert.equal(got.get('X-Bad'), 'a\\xff\\xfeb');
    assert.equal(got.get('X-Latin'), 'plain ascii');
  });
});
