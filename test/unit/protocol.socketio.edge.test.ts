import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnectionHealth } from '../../src/shared/protocol';
import type { ProtocolPhase } from '../../src/core/protocols';
import { startWsServer, waitFor } from './helpers';
import { socketIoClient, startSocketIo, texts } from './socketio.servers';

// What a real Socket.IO server never does (stop pinging, send broken packets, say nothing) comes
// from a plain `ws` server speaking a few Engine.IO frames by hand.
const OPEN = (interval: number, timeout: number) =>
  `0{"sid":"fake","upgrades":[],"pingInterval":${interval},"pingTimeout":${timeout},"maxPayload":1000000}`;

test('Socket.IO: a server that is not Socket.IO is named when no open packet comes', async () => {
  const srv = await startWsServer();
  const c = socketIoClient(srv.url.replace('ws:', 'http:'), { connectTimeoutMs: 150 });
  try {
    await c.t.connect();
    await assert.rejects(
      c.s.ready(),
      (err: Error) =>
        err.message ===
        'The server sent no Engine.IO open packet within 0.15 s: is it a Socket.IO server, and is the path right?',
    );
    assert.ok(c.notes.some((n) => n.startsWith('error: The server sent no Engine.IO open packet')));
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('Socket.IO: an EIO 4 server that stops pinging is unhealthy in Engine.IO words; a malformed packet is a note', async () => {
  const srv = await startWsServer();
  srv.server.on('connection', (ws) => {
    ws.send(OPEN(60, 40));
    ws.on('message', (m) => {
      if (m.toString() === '40') {
        ws.send('40{"sid":"s1"}');
        ws.send('42[null]');
      }
    });
  });
  const c = socketIoClient(srv.url);
  try {
    const health: ConnectionHealth[] = [];
    c.s.onHealth((h) => health.push(h));
    c.s.onEvent(() => undefined);
    await c.t.connect();
    await c.s.ready();
    await waitFor(() => health.length > 0, 2000, 'the missing ping to be noticed');
    assert.deepEqual(health[0], {
      healthy: false,
      missedPongs: 1,
      message:
        'The Socket.IO server sent no Engine.IO ping for 100 ms (pingInterval 60 + pingTimeout 40): it may have stopped, or the connection is stuck.',
    });
    await waitFor(() => c.notes.some((n) => n.includes('malformed')), 2000, 'the malformed note');
    assert.ok(
      c.notes.includes(
        'error: The Socket.IO server sent a malformed packet: An EVENT payload starts with the event name (a string); found null.',
      ),
    );
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('Socket.IO v2: a server that does not answer the client ping is unhealthy; an ack that never comes times out', async () => {
  const srv = await startWsServer();
  srv.server.on('connection', (ws) => {
    ws.send(OPEN(50, 50));
    ws.send('40');
  });
  const c = socketIoClient(srv.url, { eio: 3, ackTimeoutMs: 100 });
  try {
    const health: ConnectionHealth[] = [];
    c.s.onHealth((h) => health.push(h));
    await c.t.connect();
    await c.s.ready();
    await assert.rejects(
      c.s.emitWithAck('hello', [1]),
      (err: Error) => err.message === 'No ack for "hello" (ack id 0) on / within 0.1 s.',
    );
    await waitFor(() => health.length > 0, 2000, 'the unanswered ping');
    assert.equal(health[0].healthy, false);
    assert.equal(
      health[0].message,
      'The Socket.IO server did not answer the Engine.IO ping within pingTimeout (50 ms).',
    );
    assert.ok(texts(c.messages, 'sent').includes('2'));
    assert.ok(texts(c.messages, 'sent').includes('420["hello",1]'));
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('Socket.IO: after the transport reconnects, the session handshakes again and the namespace is connected anew', async () => {
  const srv = await startSocketIo();
  // The Engine.IO connection drops without a DISCONNECT (after one, as Socket.IO clients do, the namespace would stay left).
  srv.io.of('/room').on('connection', (socket) => socket.on('drop', () => socket.conn.close()));
  const c = socketIoClient(`${srv.url}/room`, {}, { reconnect: { initialDelayMs: 50, maxAttempts: 3 } });
  try {
    const phases: ProtocolPhase[] = [];
    c.s.onPhase((p) => phases.push(p));
    await c.t.connect();
    await c.s.ready();
    const first = c.s.engineOpen?.sid;
    await c.s.emit('drop', [], '/room');
    await waitFor(() => phases.filter((p) => p === 'ready').length === 2, 3000, 'the second handshake');
    assert.deepEqual(phases, ['handshaking', 'ready', 'closed', 'handshaking', 'ready']);
    assert.notEqual(c.s.engineOpen?.sid, first);
    assert.deepEqual(
      texts(c.messages, 'sent').filter((t) => t.startsWith('40')),
      ['40/room,', '40/room,'],
    );
    await c.s.ready();
  } finally {
    c.dispose();
    await srv.close();
  }
});
