import assert from 'node:assert/strict';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { WebSocketTransport, type Transport } from '../../src/core/transport';
import type { ConnectionState } from '../../src/shared/protocol';
import { closedPort, startHttpServer, startWsServer, waitFor, collectRows, type Row } from './helpers';

function track(connection: Transport): { frames: Row[]; states: ConnectionState[] } {
  const frames: Row[] = [];
  const states: ConnectionState[] = [];
  collectRows(connection, frames);
  connection.onState((s) => states.push(s));
  return { frames, states };
}

describe('WebSocketTransport', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('connects, sends and receives text and binary with their kinds and exact bytes', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) =>
      ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary })),
    );
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    const { frames, states } = track(c);
    await c.connect();
    assert.equal(c.state.phase, 'open');
    await c.sendText('héllo ✓');
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80]);
    await c.sendBinary(bytes);
    await waitFor(() => frames.filter((f) => f.direction === 'received').length === 2, 2000, 'two echoes');
    const received = frames.filter((f) => f.direction === 'received');
    assert.equal(received[0].kind, 'text');
    assert.equal(received[0].payload.toString('utf8'), 'héllo ✓');
    assert.equal(received[1].kind, 'binary');
    assert.deepEqual([...received[1].payload], [...bytes]);
    const sent = frames.filter((f) => f.direction === 'sent');
    assert.deepEqual(
      sent.map((f) => f.kind),
      ['text', 'binary'],
    );
    assert.deepEqual(
      states.map((s) => s.phase),
      ['connecting', 'open'],
    );
    assert.equal(frames[0].kind, 'open');
  });

  test('a close by the server reports its code, reason and who closed', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) => ws.on('message', () => ws.close(4001, 'go away now')));
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    const { frames } = track(c);
    await c.connect();
    await c.sendText('bye?');
    await waitFor(() => c.state.phase === 'closed', 2000, 'close');
    const state = c.state as Extract<ConnectionState, { phase: 'closed' }>;
    assert.equal(state.code, 4001);
    assert.equal(state.reason, 'go away now');
    assert.equal(state.byClient, false);
    assert.match(state.message, /server closed.*4001.*application-defined.*go away now/);
    const close = frames.find((f) => f.kind === 'close');
    assert.ok(close);
    assert.equal(close.direction, 'received');
    assert.equal(close.payload.readUInt16BE(0), 4001);
  });

  test('a close by the client sends the code and reason to the server', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    const got = new Promise<[number, string]>((resolve) =>
      srv.server.on('connection', (ws) => ws.on('close', (code, reason) => resolve([code, reason.toString()]))),
    );
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    await c.connect();
    c.close(1000, 'done here');
    assert.deepEqual(await got, [1000, 'done here']);
    await waitFor(() => c.state.phase === 'closed', 2000, 'closed state');
    assert.equal((c.state as { byClient: boolean }).byClient, true);
  });

  test('a refused connection is an error state with a sentence naming host and port', async () => {
    const port = await closedPort();
    const c = new WebSocketTransport({ url: `ws://127.0.0.1:${port}/x`, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    await assert.rejects(c.connect(), new RegExp(`Connection refused by 127\\.0\\.0\\.1:${port}`));
    assert.equal(c.state.phase, 'error');
  });

  test('a refused upgrade shows status and body', async () => {
    const http = await startHttpServer((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"token expired"}');
    });
    cleanups.push(() => http.close());
    const c = new WebSocketTransport({ url: `ws://127.0.0.1:${http.port}/`, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    await assert.rejects(c.connect(), /refused the upgrade: 401 Unauthorized\. Check the Authorization.*token expired/);
    assert.equal(c.state.phase, 'error');
  });

  test('a handshake that never completes times out with a clear message', async () => {
    const sockets: Socket[] = [];
    const silent = createNetServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          sockets.forEach((s) => s.destroy());
          silent.close(() => r());
        }),
    );
    const { port } = silent.address() as AddressInfo;
    const c = new WebSocketTransport({ url: `ws://127.0.0.1:${port}/`, handshakeTimeout: 300 });
    cleanups.push(() => c.dispose());
    const t0 = Date.now();
    await assert.rejects(c.connect(), /did not complete the WebSocket handshake in time/);
    assert.ok(Date.now() - t0 < 2000);
  });

  test('sending while not connected rejects with advice', async () => {
    const c = new WebSocketTransport({ url: 'ws://127.0.0.1:1/', handshakeTimeout: 500 });
    await assert.rejects(c.sendText('x'), /Not connected/);
    c.dispose();
  });

  test('the server dropping the TCP connection is an abnormal closure (1006)', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) => ws.on('message', () => ws.terminate()));
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    await c.connect();
    await c.sendText('drop me');
    await waitFor(() => c.state.phase === 'closed', 2000, 'closed');
    assert.equal((c.state as { code: number }).code, 1006);
    assert.match((c.state as { message: string }).message, /without a close frame/);
  });
});
