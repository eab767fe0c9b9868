import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { WebSocketTransport } from '../../src/core/transport';
import { describeReconnect, reconnectDelay, reconnectPolicy } from '../../src/core/reconnect';
import type { ConnectionState } from '../../src/shared/protocol';
import { startWsServer, waitFor, collectRows, type Row } from './helpers';

const infoRows = (rows: Row[]) => rows.filter((r) => r.kind === 'info').map((r) => r.payload.toString());

describe('protocol: reconnect', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('after the server drops the connection, the same Transport opens again and messages continue', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    let connections = 0;
    srv.server.on('connection', (ws) => {
      connections++;
      ws.on('message', (data) => {
        if (data.toString() === 'drop') ws.terminate();
        else ws.send(`echo ${data.toString()}`);
      });
    });
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000, reconnect: { initialDelayMs: 30 } });
    cleanups.push(() => c.dispose());
    const rows: Row[] = [];
    const phases: string[] = [];
    collectRows(c, rows);
    c.onState((s) => phases.push(s.phase));
    await c.connect();
    await c.sendText('one');
    await c.sendText('drop');
    await waitFor(() => connections === 2 && c.state.phase === 'open', 3000, 'the second connection');
    await c.sendText('two');
    await waitFor(() => rows.some((r) => r.payload.toString() === 'echo two'), 2000, 'the echo after reconnecting');
    assert.deepEqual(phases, ['connecting', 'open', 'closed', 'connecting', 'open']);
    assert.deepEqual(infoRows(rows), ['Reconnecting in 30 ms (attempt 1 of 10)…']);
    assert.deepEqual(
      rows.filter((r) => r.direction === 'received' && r.kind === 'text').map((r) => r.payload.toString()),
      ['echo one', 'echo two'],
    );
    assert.equal(c.handshake?.ok, true);
    assert.equal(c.frames.stats.received.messages, 2, 'the frame log spans both sockets');
  });

  test('attempts back off and stop at the maximum; a server back in time is reached', async () => {
    const first = await startWsServer();
    const port = Number(new URL(first.url).port);
    first.server.on('connection', (ws) => ws.on('message', () => ws.close(1012, 'restart')));
    const c = new WebSocketTransport({
      url: first.url,
      handshakeTimeout: 1000,
      reconnect: { initialDelayMs: 20, factor: 2, maxAttempts: 3 },
    });
    cleanups.push(() => c.dispose());
    const rows: Row[] = [];
    collectRows(c, rows);
    await c.connect();
    await c.sendText('restart please');
    await waitFor(() => c.state.phase === 'closed', 2000, 'the 1012 close');
    await first.close();
    await waitFor(() => infoRows(rows).some((t) => t.startsWith('Gave up')), 3000, 'giving up');
    assert.deepEqual(infoRows(rows), [
      'Reconnecting in 20 ms (attempt 1 of 3)…',
      'Reconnecting in 40 ms (attempt 2 of 3)…',
      'Reconnecting in 80 ms (attempt 3 of 3)…',
      'Gave up reconnecting after 3 attempts. Reconnect by hand to try again.',
    ]);
    assert.equal(rows.filter((r) => r.kind === 'error').length, 3, 'each failed attempt is an error row');
    assert.equal(c.state.phase, 'error');

    // The server comes back on the same port; a manual connect works on the same object.
    const again = new WebSocketServer({ host: '127.0.0.1', port });
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const ws of again.clients) ws.terminate();
          again.close(() => r());
        }),
    );
    await new Promise<void>((r) => again.once('listening', () => r()));
    assert.equal((again.address() as AddressInfo).port, port);
    await c.connect();
    assert.equal(c.state.phase, 'open');
  });

  test('no reconnect after a close by the client or a normal close by the server', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) => ws.on('message', () => ws.close(1000)));
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000, reconnect: { initialDelayMs: 10 } });
    cleanups.push(() => c.dispose());
    const rows: Row[] = [];
    collectRows(c, rows);
    await c.connect();
    await c.sendText('end it');
    await waitFor(() => c.state.phase === 'closed', 2000, 'server close');
    await c.connect();
    c.close(1000, 'bye');
    await waitFor(() => c.state.phase === 'closed', 2000, 'client close');
    await new Promise((r) => setTimeout(r, 60));
    assert.equal((c.state as Extract<ConnectionState, { phase: 'closed' }>).byClient, true);
    assert.deepEqual(infoRows(rows), []);
  });

  test('close() during the wait cancels the reconnect', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) => ws.on('message', () => ws.terminate()));
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 2000, reconnect: { initialDelayMs: 100 } });
    cleanups.push(() => c.dispose());
    const rows: Row[] = [];
    collectRows(c, rows);
    await c.connect();
    await c.sendText('drop');
    await waitFor(() => infoRows(rows).length === 1, 2000, 'the reconnect notice');
    c.close();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(c.state.phase, 'closed');
    assert.equal(srv.server.clients.size, 0);
    assert.deepEqual(infoRows(rows), ['Reconnecting in 100 ms (attempt 1 of 10)…', 'Reconnecting was cancelled.']);
  });

  test('delays grow by the factor up to the cap', () => {
    const p = reconnectPolicy({ initialDelayMs: 500, factor: 2, maxDelayMs: 3000, maxAttempts: 6 })!;
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => reconnectDelay(p, n)),
      [500, 1000, 2000, 3000, 3000],
    );
    assert.equal(reconnectPolicy(false), undefined);
    assert.deepEqual(reconnectPolicy(true), { initialDelayMs: 1000, factor: 2, maxDelayMs: 30_000, maxAttempts: 10 });
    assert.equal(describeReconnect(2000, 3, 10), 'Reconnecting in 2 s (attempt 3 of 10)…');
  });
});
