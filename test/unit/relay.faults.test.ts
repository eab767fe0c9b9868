import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type WebSocket from 'ws';
import type { TransportMessage } from '../../src/core/transport';
import { startWsServer, waitFor } from './helpers';
import { startRelay, through } from './relay.helpers';

async function setup() {
  const target = await startWsServer();
  const got: string[] = [];
  const closes: number[] = [];
  const sockets: WebSocket[] = [];
  target.server.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (d) => {
      got.push(d.toString());
      if (d.toString().startsWith('echo')) ws.send(d.toString());
    });
    ws.on('close', (code) => closes.push(code));
  });
  const r = await startRelay(target.url);
  const c = await through(r.relay, r.url);
  const notes: string[] = [];
  c.connection.onNote((n) => notes.push(n.text));
  return {
    target,
    got,
    closes,
    sockets,
    r,
    c,
    notes,
    async close() {
      await r.close();
      await target.close();
    },
  };
}

for (const leg of ['client', 'server'] as const) {
  test(`relay fault: closing the ${leg} leg with a code closes both, each with that code`, async () => {
    const s = await setup();
    try {
      s.c.connection.closeLeg(leg, 4100, 'fault');
      const closed = await s.c.closed;
      assert.equal(closed.code, 4100);
      await waitFor(() => s.closes.length === 1);
      assert.equal(s.closes[0], 4100);
      await waitFor(() => s.c.connection.state.phase === 'closed');
      assert.match(s.notes.join('\n'), new RegExp(`Fault: the relay closes the ${leg} leg with 4100`));
    } finally {
      await s.close();
    }
  });

  test(`relay fault: resetting the ${leg} leg's TCP drops both legs without a close frame (1006)`, async () => {
    const s = await setup();
    try {
      s.c.connection.reset(leg);
      const closed = await s.c.closed;
      assert.equal(closed.code, 1006);
      await waitFor(() => s.closes.length === 1);
      assert.equal(s.closes[0], 1006);
      await waitFor(() => s.c.connection.state.phase === 'closed');
    } finally {
      await s.close();
    }
  });
}

test('relay fault: a stall stops forwarding without closing; lifting it delivers in order', async () => {
  const s = await setup();
  try {
    s.c.connection.stall('sent');
    s.c.ws.send('one');
    s.c.ws.send('two');
    s.sockets[0].send('marker');
    await waitFor(() => s.c.texts.includes('marker'));
    await waitFor(() => s.c.connection.buffered('sent') === 6, 2000, 'both queued in the relay');
    assert.deepEqual(s.got, []);
    assert.equal(s.c.ws.readyState, s.c.ws.OPEN);
    s.c.connection.stall('sent', false);
    await waitFor(() => s.got.length === 2);
    assert.deepEqual(s.got, ['one', 'two']);
  } finally {
    await s.close();
  }
});

test('relay fault: throttle caps bytes a second; latency delays every message, order kept', async () => {
  const s = await setup();
  try {
    const seen: TransportMessage[] = [];
    s.c.connection.onMessage((m) => seen.push(m));
    s.c.connection.throttle(100_000, 'sent');
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) s.c.ws.send(`x${i}`.padEnd(10_000, '.'));
    await waitFor(() => s.got.length === 3);
    // The first goes at once; each later one waits for the 100 ms the one before it costs.
    assert.ok(performance.now() - t0 >= 190, `${performance.now() - t0} ms`);
    assert.deepEqual(
      s.got.map((g) => g.slice(0, 2)),
      ['x0', 'x1', 'x2'],
    );
    s.c.connection.throttle(0);
    s.c.connection.addLatency(60);
    const t1 = performance.now();
    s.c.ws.send('echo 1');
    s.c.ws.send('echo 2');
    await waitFor(() => s.c.texts.length === 2);
    assert.deepEqual(s.c.texts, ['echo 1', 'echo 2']);
    assert.ok(performance.now() - t1 >= 115, `${performance.now() - t1} ms for a round trip with 60 ms each way`);
    const delayed = seen.filter((m) => m.kind === 'text' && m.payload.toString().startsWith('echo'));
    for (const m of delayed) assert.ok((m.relayMs ?? 0) >= 59, `${m.relayMs}`);
  } finally {
    await s.close();
  }
});

test('relay: a client sending a bad frame is closed with 1002 and a sentence citing RFC 6455', async () => {
  const target = await startWsServer();
  const serverCloses: number[] = [];
  target.server.on('connection', (ws) => ws.on('close', (code) => serverCloses.push(code)));
  const r = await startRelay(target.url);
  try {
    const port = r.relay.port ?? 0;
    const socket = connect(port, '127.0.0.1');
    let bytes = Buffer.alloc(0);
    socket.on('data', (d) => (bytes = Buffer.concat([bytes, d])));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(
      [
        'GET / HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n'),
    );
    await waitFor(() => bytes.includes('\r\n\r\n'));
    assert.match(bytes.toString('latin1'), /^HTTP\/1\.1 101/);
    await waitFor(() => r.relay.connections.length === 1);
    const connection = r.relay.connections[0];
    const notes: string[] = [];
    connection.onNote((n) => notes.push(n.text));
    // FIN, reserved opcode 0x3, masked, empty.
    socket.write(Buffer.from([0x83, 0x80, 1, 2, 3, 4]));
    await ended;
    const frame = bytes.subarray(bytes.indexOf('\r\n\r\n') + 4);
    assert.equal(frame[0], 0x88);
    assert.equal(frame.readUInt16BE(2), 1002);
    await waitFor(() => connection.state.phase === 'closed');
    assert.match(
      notes.join('\n'),
      /The client sent a frame with the reserved opcode 0x3 \(RFC 6455 §5\.2\); the relay closed the client leg with 1002\./,
    );
    await waitFor(() => serverCloses.length === 1);
  } finally {
    await r.close();
    await target.close();
  }
});
