import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnectionHealth } from '../../src/shared/protocol';
import type { NamespaceStatus, SocketIoEvent } from '../../src/core/protocols';
import { createTransport } from '../../src/core/transport';
import { waitFor } from './helpers';
import { socketIoClient, startSocketIo, texts } from './socketio.servers';

// Socket.IO v2 clients speak Engine.IO 3: the real v4 server takes them with allowEIO3.

test('Socket.IO v2 (EIO=3): / connected by the server, the client pings every pingInterval and the connection outlives pingTimeout', async () => {
  const srv = await startSocketIo({ allowEIO3: true, pingInterval: 100, pingTimeout: 200 });
  const reasons = new Map<string, string>();
  srv.io.on('connection', (socket) => {
    // In v2 a socket's id on / is its Engine.IO session id.
    socket.on('disconnect', (reason) => reasons.set(socket.id, reason));
    socket.emit('welcome', 'v2');
    socket.on('add', (a: number, b: number, cb: (sum: number) => void) => cb(a + b));
  });
  const c = socketIoClient(srv.url, { eio: 3 });
  // The control: an Engine.IO 3 connection that never pings is dropped after pingInterval + pingTimeout.
  const bare = createTransport({ url: c.t.options.url, handshakeTimeout: 3000 });
  try {
    const events: SocketIoEvent[] = [];
    const health: ConnectionHealth[] = [];
    c.s.onEvent((e) => events.push(e));
    c.s.onHealth((h) => health.push(h));
    assert.match(c.t.options.url, /\/socket\.io\/\?EIO=3&transport=websocket$/);
    await c.t.connect();
    await c.s.ready();
    // Nothing sent for `/`: a v2 server connects it by itself.
    assert.deepEqual(texts(c.messages, 'sent'), []);
    await waitFor(() => events.length === 1, 2000, 'the welcome event');
    assert.deepEqual([events[0].event, events[0].args], ['welcome', ['v2']]);
    const start = Date.now();
    await bare.connect();
    await waitFor(() => bare.state.phase === 'closed', 3000, 'the server to drop the silent connection');
    await waitFor(() => reasons.size === 1, 2000, 'the server to see it go');
    assert.deepEqual([...reasons.values()], ['ping timeout']);
    const pings = () => texts(c.messages, 'sent').filter((t) => t === '2').length;
    await waitFor(() => pings() >= 6 && Date.now() - start > 600, 5000, 'six pings sent');
    await waitFor(() => texts(c.messages, 'received').filter((t) => t === '3').length >= 6, 2000, 'six pongs');
    assert.equal(c.t.state.phase, 'open');
    assert.equal(reasons.has(c.s.engineOpen?.sid ?? ''), false, 'the session socket is still connected');
    assert.equal(reasons.size, 1);
    assert.equal(c.s.health.healthy, true);
    assert.ok(typeof c.s.health.lastRttMs === 'number' && c.s.health.lastRttMs < 200, `rtt ${c.s.health.lastRttMs}`);
    assert.ok(health.length >= 6, 'each pong reports its round trip');
    const ack = await c.s.emitWithAck('add', [40, 2]);
    assert.deepEqual(ack.args, [42]);
  } finally {
    bare.dispose();
    c.dispose();
    await srv.close();
  }
});

test('Socket.IO v2 (EIO=3): a custom namespace with auth as its query, refused with a string, and binary both ways', async () => {
  const srv = await startSocketIo({ allowEIO3: true });
  const admin = srv.io.of('/admin');
  admin.use((socket, next) => (socket.handshake.auth.token === 'secret' ? next() : next(new Error('Not authorized'))));
  admin.on('connection', (socket) => {
    socket.on('reverse', (b: Buffer, cb: (r: Buffer) => void) => cb(Buffer.from(b).reverse()));
    socket.emit('blob', Buffer.from([9, 8]));
  });
  const ok = socketIoClient(`${srv.url}/admin`, { eio: 3, auth: { token: 'secret' } });
  const refused = socketIoClient(`${srv.url}/admin`, { eio: 3, auth: { token: 'nope' } });
  try {
    const events: SocketIoEvent[] = [];
    ok.s.onEvent((e) => events.push(e));
    await ok.t.connect();
    await ok.s.ready();
    assert.deepEqual(texts(ok.messages, 'sent'), ['40/admin?token=secret,']);
    await waitFor(() => events.length === 1, 2000, 'the blob');
    assert.deepEqual([events[0].namespace, [...(events[0].args[0] as Buffer)]], ['/admin', [9, 8]]);
    // EIO 3 binary frames carry the packet type first (4, message) in both directions.
    const received = ok.messages.filter((m) => m.direction === 'received' && m.kind === 'binary');
    assert.deepEqual([...received[0].payload], [4, 9, 8]);
    const ack = await ok.s.emitWithAck('reverse', [Buffer.from([1, 2, 3])], '/admin');
    assert.deepEqual([...(ack.args[0] as Buffer)], [3, 2, 1]);
    const sent = ok.messages.filter((m) => m.direction === 'sent' && m.kind === 'binary');
    assert.deepEqual([...sent[0].payload], [4, 1, 2, 3]);

    const status: NamespaceStatus[] = [];
    refused.s.onNamespace((s) => status.push(s));
    await refused.t.connect();
    await assert.rejects(
      refused.s.ready(),
      (err: Error) => err.message === 'The Socket.IO server refused namespace /admin: Not authorized',
    );
    assert.ok(texts(refused.messages, 'received').includes('44/admin,"Not authorized"'));
    assert.deepEqual(status.at(-1), { namespace: '/admin', state: 'refused', message: 'Not authorized' });
  } finally {
    ok.dispose();
    refused.dispose();
    await srv.close();
  }
});
