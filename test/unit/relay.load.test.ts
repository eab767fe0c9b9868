import { test } from 'node:test';
import assert from 'node:assert/strict';
import { socketIoDecoder } from '../../src/core/protocols';
import type { HeldMessage } from '../../src/core/relay';
import type { Side } from '../../src/core/transport';
import { startWsServer, waitFor } from './helpers';
import { client, opened, startRelay } from './relay.helpers';
import { socketIoClient, startSocketIo } from './socketio.servers';

test("relay + Socket.IO: a breakpoint holds an event while Engine.IO's pings and pongs keep flowing", async () => {
  const srv = await startSocketIo({ pingInterval: 40, pingTimeout: 200 });
  const got: unknown[][] = [];
  let disconnects = 0;
  srv.io.on('connection', (socket) => {
    socket.on('hold', (...args: unknown[]) => got.push(args));
    socket.on('disconnect', () => disconnects++);
  });
  const port = new URL(srv.url).port;
  const decoder = socketIoDecoder(4);
  const r = await startRelay(`ws://127.0.0.1:${port}`, {
    // The Socket.IO decoder's view: the breakpoint names the event, not the bytes.
    decoder: (direction: Side, kind, payload) => decoder.decode({ index: 0, direction, kind, payload })?.value,
    breakpoints: [{ match: { json: 'event == "hold"', directions: ['sent'] } }],
  });
  const relayPort = (r.relay.port ?? 0).toString();
  const c = socketIoClient(`http://127.0.0.1:${relayPort}`);
  try {
    await c.t.connect();
    await c.s.ready();
    await waitFor(() => r.relay.connections.length === 1);
    const connection = r.relay.connections[0];
    const held: HeldMessage[] = [];
    connection.onHeld((h) => held.push(h));
    let pings = 0;
    let pongs = 0;
    connection.onMessage((m) => {
      if (m.kind !== 'text') return;
      const text = m.payload.toString();
      if (m.direction === 'received' && text === '2') pings++;
      if (m.direction === 'sent' && text === '3') pongs++;
    });
    await c.s.emit('hold', [{ n: 1 }]);
    await waitFor(() => held.length === 1);
    assert.match(held[0].payload.toString(), /^42\["hold"/);
    // Five ping intervals with the event held: the client's pongs pass, so Socket.IO keeps the connection.
    await waitFor(() => pings >= 5 && pongs >= 5, 5000, 'pings and pongs while the event is held');
    assert.equal(disconnects, 0);
    assert.deepEqual(got, []);
    connection.forward(held[0].id, '42["hold",{"n":2}]');
    await waitFor(() => got.length === 1);
    assert.deepEqual(got[0], [{ n: 2 }]);
  } finally {
    c.dispose();
    await r.close();
    await srv.close();
  }
});

test('relay: 100 concurrent clients × 1,000 msg/s each for 2 s, none lost, each in order', async () => {
  const target = await startWsServer();
  const counts = new Map<string, { n: number; outOfOrder: number }>();
  target.server.on('connection', (ws, req) => {
    const id = new URL(req.url ?? '/', 'http://x').searchParams.get('client') ?? '?';
    const c = { n: 0, outOfOrder: 0 };
    counts.set(id, c);
    ws.on('message', (d) => {
      if (Number(d.toString()) !== c.n) c.outOfOrder++;
      c.n++;
    });
  });
  const r = await startRelay(target.url);
  const clients = Array.from({ length: 100 }, (_, i) => client(`${r.url}/?client=${i}`));
  try {
    await Promise.all(clients.map((c) => opened(c.ws)));
    await waitFor(() => counts.size === 100);
    const perClient = 2000;
    let sent = 0;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      // Each tick sends what the rate allows by now, so the rate holds even when a tick runs late.
      const timer = setInterval(() => {
        const due = Math.min(perClient, Math.floor(((performance.now() - started) / 1000) * 1000));
        for (; sent < due; sent++) for (const c of clients) c.ws.send(String(sent));
        if (sent === perClient) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    await waitFor(() => [...counts.values()].every((c) => c.n === perClient), 30_000, 'every message at the server');
    for (const [id, c] of counts) assert.deepEqual(c, { n: perClient, outOfOrder: 0 }, `client ${id}`);
    assert.equal(r.relay.counts.live, 100);
    const relayed = r.relay.connections.reduce((sum, c) => sum + c.counts.sent, 0);
    assert.equal(relayed, 100 * perClient);
  } finally {
    for (const c of clients) c.ws.terminate();
    await r.close();
    await target.close();
  }
});
