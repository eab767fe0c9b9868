import { test } from 'node:test';
import assert from 'node:assert/strict';
import type WebSocket from 'ws';
import type { HeldMessage, Release } from '../../src/core/relay';
import { startWsServer, waitFor } from './helpers';
import { startRelay, through } from './relay.helpers';

/** A target that keeps what it receives and answers "pong:<text>" to "ping:<text>". */
async function keepingTarget() {
  const s = await startWsServer();
  const got: string[] = [];
  const sockets: WebSocket[] = [];
  s.server.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('message', (d, isBinary) => {
      const text = isBinary ? `bin:${(d as Buffer).toString('hex')}` : d.toString();
      got.push(text);
      if (text.startsWith('ping:')) ws.send(`pong:${text.slice(5)}`);
    });
  });
  return { ...s, got, sockets };
}

async function setup(options: Parameters<typeof startRelay>[1] = {}) {
  const target = await keepingTarget();
  const r = await startRelay(target.url, options);
  const c = await through(r.relay, r.url);
  const held: HeldMessage[] = [];
  const released: Array<{ id: number; release: Release }> = [];
  const notes: string[] = [];
  c.connection.onHeld((h) => held.push(h));
  c.connection.onReleased((x) => released.push(x));
  c.connection.onNote((n) => notes.push(n.text));
  return {
    target,
    r,
    c,
    held,
    released,
    notes,
    async close() {
      await r.close();
      await target.close();
    },
  };
}

test('relay: pausing a direction stops reading its source; resuming delivers what waited, in order', async () => {
  const s = await setup();
  try {
    s.c.connection.pause('sent');
    assert.ok(s.c.connection.isPaused('sent') && s.c.connection.isSourcePaused('sent'));
    s.c.ws.send('a');
    s.c.ws.send('b');
    // The other direction still flows: a round trip through it, then the paused side still has nothing.
    s.target.sockets[0].send('marker');
    await waitFor(() => s.c.texts.includes('marker'));
    assert.deepEqual(s.target.got, []);
    s.c.connection.resume('sent');
    await waitFor(() => s.target.got.length === 2);
    assert.deepEqual(s.target.got, ['a', 'b']);
  } finally {
    await s.close();
  }
});

test('relay: a client that stops reading pauses the server leg; memory in the relay stays bounded; nothing is lost', async () => {
  const highWater = 256 * 1024;
  const s = await setup({ highWater });
  try {
    const server = s.target.sockets[0];
    const raw = (s.c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    let received = 0;
    s.c.ws.on('message', () => received++);
    const chunk = Buffer.alloc(64 * 1024, 7);
    const total = 600; // 37.5 MiB
    let sent = 0;
    let maxInRelay = 0;
    const watch = setInterval(() => (maxInRelay = Math.max(maxInRelay, s.c.connection.buffered('received'))), 5);
    await new Promise<void>((resolve) => {
      const pump = () => {
        while (sent < total && server.bufferedAmount < 64 * 1024 * 1024) {
          server.send(chunk);
          sent++;
        }
        if (sent < total) setImmediate(pump);
        else resolve();
      };
      pump();
    });
    await waitFor(() => s.c.connection.isSourcePaused('received'), 5000, 'the server leg paused');
    await waitFor(() => server.bufferedAmount > 16 * 1024 * 1024, 5000, 'back-pressure at the server');
    clearInterval(watch);
    assert.ok(maxInRelay < highWater + 8 * chunk.length, `${maxInRelay} bytes were waiting in the relay`);
    raw.resume();
    await waitFor(() => received === total, 20000, 'every message');
    assert.ok(!s.c.connection.isSourcePaused('received'));
  } finally {
    await s.close();
  }
});

test('relay: a breakpoint holds only what it matches; forward with an edit, drop, and later messages pass', async () => {
  const s = await setup({ breakpoints: [{ match: { json: 'type == "order"' } }] });
  try {
    s.c.ws.send('{"type":"order","qty":1}');
    s.c.ws.send('{"type":"other"}');
    await waitFor(() => s.held.length === 1 && s.target.got.length === 1);
    assert.deepEqual(s.target.got, ['{"type":"other"}']);
    assert.equal(s.c.connection.held.length, 1);
    assert.equal(s.c.connection.counts.held, 1);
    assert.ok(s.c.connection.forward(s.held[0].id, '{"type":"order","qty":5}'));
    await waitFor(() => s.target.got.length === 2);
    assert.equal(s.target.got[1], '{"type":"order","qty":5}');
    assert.equal(s.released[0].release.how, 'forward');
    s.c.ws.send('{"type":"order","qty":2}');
    await waitFor(() => s.held.length === 2);
    assert.ok(s.c.connection.drop(s.held[1].id));
    assert.equal(s.c.connection.drop(s.held[1].id), false);
    s.c.ws.send('after');
    await waitFor(() => s.target.got.length === 3);
    assert.deepEqual(s.target.got.slice(2), ['after']);
    assert.equal(s.c.connection.counts.dropped, 1);
    assert.equal(s.c.connection.counts.held, 0);
  } finally {
    await s.close();
  }
});

test('relay: breakpoint timeouts forward or drop; decoded fields match through a decoder', async () => {
  const decoder = (_d: string, kind: string, p: Buffer) =>
    kind === 'binary' && p[0] === 1 ? (JSON.parse(p.subarray(1).toString()) as unknown) : undefined;
  const s = await setup({
    decoder,
    breakpoints: [
      { match: { text: 'slow-forward' }, timeoutMs: 30, onTimeout: 'forward' },
      { match: { text: 'slow-drop' }, timeoutMs: 30, onTimeout: 'drop' },
      { match: { json: 'kind == "secret"', kinds: ['binary'] } },
    ],
  });
  try {
    s.c.ws.send('slow-forward');
    s.c.ws.send('slow-drop');
    s.c.ws.send(Buffer.concat([Buffer.from([1]), Buffer.from('{"kind":"secret"}')]));
    await waitFor(() => s.released.length === 2 && s.held.length === 3 && s.target.got.length === 1);
    assert.deepEqual(s.target.got, ['slow-forward']);
    const how = s.released.map((x) => `${x.release.how} ${'byTimeout' in x.release && x.release.byTimeout}`);
    assert.deepEqual(how.sort(), ['drop true', 'forward true']);
    assert.equal(s.held[2].breakpoint, 2);
    assert.match(s.notes.join('\n'), /dropped \(its breakpoint timed out\)/);
  } finally {
    await s.close();
  }
});

test('relay: a client that disconnects mid-breakpoint releases what was held (dropped, with a note)', async () => {
  const s = await setup({ breakpoints: [{ match: { text: 'hold me' } }] });
  try {
    s.c.ws.send('hold me');
    await waitFor(() => s.held.length === 1);
    s.c.ws.terminate();
    await waitFor(() => s.c.connection.state.phase === 'closed');
    assert.equal(s.released.length, 1);
    assert.deepEqual(s.released[0].release, { how: 'drop', byTimeout: false, ended: true });
    assert.match(s.notes.join('\n'), /The client disconnected while 1 message was held; it was dropped\./);
    assert.equal(s.c.connection.forward(s.held[0].id), false);
    assert.deepEqual(s.target.got, []);
  } finally {
    await s.close();
  }
});

test('relay: rules set and delete JSON paths, replace by regex, delay, drop and duplicate', async () => {
  const s = await setup({
    rules: [
      { name: 'edit', match: { json: 'op == "edit"' }, set: { '$.user.role': 'admin', '$.n': 2 }, delete: ['$.token'] },
      { match: { text: 'colour' }, replace: { regex: 'colou?r', with: 'color' } },
      { name: 'no ads', match: { text: 'advert' }, drop: true },
      { match: { text: 'twice' }, duplicate: 1 },
      { match: { text: 'late' }, delayMs: 40 },
    ],
  });
  try {
    s.c.ws.send('{"op":"edit","token":"x","user":{"id":1}}');
    s.c.ws.send('my colour');
    s.c.ws.send('advert');
    s.c.ws.send('late');
    s.c.ws.send('twice');
    await waitFor(() => s.target.got.length === 5);
    assert.deepEqual(s.target.got, [
      '{"op":"edit","user":{"id":1,"role":"admin"},"n":2}',
      'my color',
      'twice',
      'twice',
      'late',
    ]);
    assert.equal(s.c.connection.counts.dropped, 1);
    assert.match(s.notes.join('\n'), /Rule "no ads" dropped a client→server message of 6 bytes\./);
    assert.throws(() => s.r.relay.setRules([{ match: { json: 'a ==' } }]), /./);
  } finally {
    await s.close();
  }
});
