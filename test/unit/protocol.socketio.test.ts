import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NamespaceStatus, SocketIoEvent } from '../../src/core/protocols';
import { createTransport } from '../../src/core/transport';
import { waitFor } from './helpers';
import { socketIoClient, startSocketIo, texts } from './socketio.servers';

test('Socket.IO v4: connect by the http:// URL, the open packet read, the server event received, an emit acked with its latency', async () => {
  const srv = await startSocketIo();
  srv.io.on('connection', (socket) => {
    socket.emit('welcome', { text: 'hi' }, 7);
    socket.on('add', (a: number, b: number, cb: (sum: number) => void) => cb(a + b));
  });
  const c = socketIoClient(srv.url);
  try {
    const events: SocketIoEvent[] = [];
    c.s.onEvent((e) => events.push(e));
    assert.equal(c.t.options.url, `${srv.url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    await c.t.connect();
    await c.s.ready();
    assert.equal(c.s.phase, 'ready');
    assert.equal(typeof c.s.engineOpen?.sid, 'string');
    assert.equal(c.s.engineOpen?.pingInterval, 25000);
    assert.equal(c.s.engineOpen?.pingTimeout, 20000);
    await waitFor(() => events.length === 1, 2000, 'the welcome event');
    assert.deepEqual(
      [events[0].namespace, events[0].event, events[0].args, events[0].ackId],
      ['/', 'welcome', [{ text: 'hi' }, 7], undefined],
    );
    const ack = await c.s.emitWithAck('add', [2, 3]);
    assert.deepEqual(ack.args, [5]);
    assert.equal(ack.namespace, '/');
    assert.ok(ack.latencyMs >= 0 && ack.latencyMs < 2000, `latency ${ack.latencyMs}`);
    // The frames stay raw: the CONNECT, the event, the emit and its ack as they were on the wire.
    const sent = texts(c.messages, 'sent');
    assert.deepEqual(sent, ['40', `420["add",2,3]`]);
    assert.ok(texts(c.messages, 'received').includes('42["welcome",{"text":"hi"},7]'));
    assert.ok(texts(c.messages, 'received').includes('430[5]'));
    assert.match(c.notes.join('\n'), /Engine\.IO 4 session \S+ opened \(ping interval 25000 ms, timeout 20000 ms\)/);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('Socket.IO v4: a custom namespace from the URL with an auth payload; its sid is the server socket id', async () => {
  const srv = await startSocketIo();
  const admin = srv.io.of('/admin');
  admin.use((socket, next) => (socket.handshake.auth.token === 'secret' ? next() : next(new Error('Not authorized'))));
  let serverId = '';
  admin.on('connection', (socket) => {
    serverId = socket.id;
    socket.emit('hello', socket.handshake.auth, socket.handshake.query.room);
  });
  const c = socketIoClient(`${srv.url}/admin?room=blue`, { auth: { token: 'secret' } });
  try {
    const events: SocketIoEvent[] = [];
    const status: NamespaceStatus[] = [];
    c.s.onEvent((e) => events.push(e));
    c.s.onNamespace((s) => status.push(s));
    assert.match(c.t.options.url, /\/socket\.io\/\?room=blue&EIO=4&transport=websocket$/);
    await c.t.connect();
    await c.s.ready();
    assert.deepEqual(texts(c.messages, 'sent'), ['40/admin,{"token":"secret"}']);
    assert.deepEqual(status, [{ namespace: '/admin', state: 'connected', sid: serverId }]);
    await waitFor(() => events.length === 1, 2000, 'the hello event');
    assert.deepEqual(
      [events[0].namespace, events[0].event, events[0].args],
      ['/admin', 'hello', [{ token: 'secret' }, 'blue']],
    );
    await assert.rejects(c.s.emit('x', [], '/'), /Namespace \/ is not connected: connect it first, then emit\./);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('Socket.IO v4: a middleware refusing the auth is a CONNECT_ERROR sentence, with its data', async () => {
  const srv = await startSocketIo();
  srv.io.of('/admin').use((_socket, next) => next(Object.assign(new Error('Not authorized'), { data: { code: 42 } })));
  const c = socketIoClient(`${srv.url}/admin`, { auth: { token: 'wrong' } });
  try {
    const status: NamespaceStatus[] = [];
    c.s.onNamespace((s) => status.push(s));
    await c.t.connect();
    await assert.rejects(
      c.s.ready(),
      (err: Error) =>
        err.message === 'The Socket.IO server refused namespace /admin: Not authorized (data: {"code":42})',
    );
    assert.deepEqual(status, [
      { namespace: '/admin', state: 'refused', message: 'Not authorized', data: { code: 42 } },
    ]);
    assert.ok(
      c.notes.includes('error: The Socket.IO server refused namespace /admin: Not authorized (data: {"code":42})'),
    );
    assert.equal(c.s.phase, 'closed');
    await assert.rejects(c.s.ready(), /refused namespace \/admin: Not authorized/, 'asked again, the same answer');
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('Socket.IO v4: binary attachments both ways (emit with a Buffer, ack with one, a server binary event)', async () => {
  const srv = await startSocketIo();
  srv.io.on('connection', (socket) => {
    socket.on('upload', (meta: { name: string }, data: Buffer, cb: (r: unknown) => void) =>
      cb({ name: meta.name, size: data.length, back: Buffer.from(data).reverse() }),
    );
    socket.on('send-blob', () =>
      socket.emit('blob', Buffer.from('hello'), { label: 'x', inner: [Buffer.from([0, 255])] }),
    );
  });
  const c = socketIoClient(srv.url);
  try {
    const events: SocketIoEvent[] = [];
    c.s.onEvent((e) => events.push(e));
    await c.t.connect();
    await c.s.ready();
    const ack = await c.s.emitWithAck('upload', [{ name: 'f.bin' }, Buffer.from([1, 2, 3])]);
    const r = ack.args[0] as { name: string; size: number; back: Buffer };
    assert.deepEqual([r.name, r.size], ['f.bin', 3]);
    assert.ok(Buffer.isBuffer(r.back));
    assert.deepEqual([...r.back], [3, 2, 1]);
    await c.s.emit('send-blob');
    await waitFor(() => events.length === 1, 2000, 'the blob event');
    const [blob, meta] = events[0].args as [Buffer, { label: string; inner: Buffer[] }];
    assert.equal(blob.toString(), 'hello');
    assert.deepEqual([meta.label, [...meta.inner[0]]], ['x', [0, 255]]);
    // On the wire: the binary packets and their attachments, raw.
    const wire = c.messages
      .filter((m) => m.kind === 'text' || m.kind === 'binary')
      .map((m) => `${m.direction} ${m.kind === 'text' ? m.payload.toString() : `<${[...m.payload].join(',')}>`}`);
    assert.ok(wire.includes('sent 451-0["upload",{"name":"f.bin"},{"_placeholder":true,"num":0}]'), wire.join('\n'));
    assert.ok(wire.includes('sent <1,2,3>'));
    assert.ok(wire.includes('received 461-0[{"name":"f.bin","size":3,"back":{"_placeholder":true,"num":0}}]'));
    assert.ok(wire.includes('received <3,2,1>'));
    assert.ok(wire.includes('received <0,255>'));
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('Socket.IO v4: the server pings every 100 ms with a 200 ms timeout; answered pings keep the connection past it', async () => {
  const srv = await startSocketIo({ pingInterval: 100, pingTimeout: 200 });
  const reasons: string[] = [];
  srv.io.on('connection', (socket) => {
    socket.on('disconnect', (reason) => reasons.push(reason));
    socket.on('echo', (v: unknown, cb: (v: unknown) => void) => cb(v));
  });
  const c = socketIoClient(srv.url);
  // Without a session nobody answers the pings, and the server drops the connection: the control.
  const bare = createTransport({ url: c.t.options.url, handshakeTimeout: 3000 });
  try {
    await c.t.connect();
    await c.s.ready();
    const start = Date.now();
    await bare.connect();
    await waitFor(() => bare.state.phase === 'closed', 3000, 'the server to drop the unanswered connection');
    const pongs = () => texts(c.messages, 'sent').filter((t) => t === '3').length;
    await waitFor(() => pongs() >= 6 && Date.now() - start > 600, 5000, 'six pings answered');
    assert.equal(c.t.state.phase, 'open');
    assert.equal(c.s.health.healthy, true);
    assert.deepEqual(reasons, []);
    assert.deepEqual((await c.s.emitWithAck('echo', ['still here'])).args, ['still here']);
    assert.ok(texts(c.messages, 'received').filter((t) => t === '2').length >= 6);
  } finally {
    bare.dispose();
    c.dispose();
    await srv.close();
  }
});

test('Socket.IO v4: the server answers an emit by disconnecting the namespace, then the whole connection', async () => {
  const srv = await startSocketIo();
  // The server leaves the namespace instead of acking (an emit to a namespace it has left would make it close everything).
  srv.io.on('connection', (socket) => socket.on('kick', () => socket.disconnect()));
  const c = socketIoClient(srv.url);
  try {
    const status: NamespaceStatus[] = [];
    c.s.onNamespace((s) => status.push(s));
    await c.t.connect();
    await c.s.ready();
    await assert.rejects(
      c.s.emitWithAck('kick'),
      (err: Error) => err.message === 'No ack for "kick" (ack id 0): Namespace / is no longer connected.',
    );
    assert.deepEqual(status[1], { namespace: '/', state: 'disconnected', by: 'server' });
    assert.ok(c.notes.includes('info: The Socket.IO server disconnected namespace /.'));
    assert.ok(texts(c.messages, 'received').includes('41'));
    assert.equal(c.s.phase, 'closed', 'no namespace connected');
    // Connected again, then the server closes everything.
    const { sid } = await c.s.connect('/');
    assert.equal(c.s.phase, 'ready');
    const again = srv.io.sockets.sockets.get(sid ?? '');
    assert.ok(again, 'the server knows the new socket id');
    again.disconnect(true);
    await waitFor(() => c.t.state.phase === 'closed', 2000, 'the close');
    assert.equal(c.s.phase, 'closed');
    assert.deepEqual(status.slice(2), [
      { namespace: '/', state: 'connected', sid },
      { namespace: '/', state: 'disconnected', by: 'server' },
    ]);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('Socket.IO v4: the server emits with an ack, the client answers it; close() leaves the namespace first', async () => {
  const srv = await startSocketIo();
  const answers: unknown[] = [];
  const reasons: string[] = [];
  srv.io.on('connection', (socket) => {
    socket.on('disconnect', (reason) => reasons.push(reason));
    void socket
      .timeout(2000)
      .emitWithAck('question', 6)
      .then((a: unknown) => answers.push(a));
  });
  const c = socketIoClient(srv.url);
  try {
    c.s.onEvent((e) => void c.s.answer(e, (e.args[0] as number) * 7));
    await c.t.connect();
    await waitFor(() => answers.length === 1, 2000, 'the answer');
    assert.deepEqual(answers, [42]);
    c.s.close();
    await waitFor(() => reasons.length === 1 && c.t.state.phase === 'closed', 2000, 'the disconnect');
    assert.deepEqual(reasons, ['client namespace disconnect']);
  } finally {
    c.dispose();
    await srv.close();
  }
});
