import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as signalR from '@microsoft/signalr';
import { openWith, signalr, signalrPeer, type SignalrSettings } from '../../src/core/protocols';
import type { TransportOptions } from '../../src/core/transport';
import { startWsServer, waitFor } from './helpers';
import { startHub, type HubOptions } from './protocol.signalr.hub';

// The SignalR session against a tiny hub on `ws` (protocol.signalr.hub.ts), and the mock peer
// (`serve`) against the real @microsoft/signalr client.

const RS = '\u001e';

async function setup(
  hubOptions: HubOptions = {},
  settings: SignalrSettings = {},
  options: Partial<TransportOptions> = {},
) {
  const hub = await startHub(hubOptions);
  const opened = openWith(signalr, hub.url.replace('ws:', 'http:'), { handshakeTimeout: 2000, ...options }, settings);
  if ('error' in opened) throw new Error(opened.error);
  const { transport: t, session: s } = opened;
  const notes: string[] = [];
  s.onNote((n) => notes.push(`${n.level}: ${n.text}`));
  const sent = () => hub.received.map((m) => JSON.stringify(m));
  return { hub, t, s, notes, sent, dispose: async () => (s.dispose(), t.dispose(), await hub.close()) };
}

test('SignalR session: handshake, invoke with result and latency, send, a failed invoke, and every compose action', async () => {
  const c = await setup();
  try {
    assert.equal(c.t.options.url, c.hub.url);
    await c.t.connect();
    await c.s.ready();
    assert.equal(c.s.phase, 'ready');
    assert.deepEqual(c.hub.received[0], { protocol: 'json', version: 1 });
    assert.ok(c.notes.includes('open: The SignalR server accepted the handshake (json, version 1).'));
    const { result, latencyMs } = await c.s.invoke('Add', [1, 2]);
    assert.equal(result, 3);
    assert.ok(latencyMs >= 0);
    assert.match(
      (await c.s.compose('invoke', { target: 'Add', arguments: '[20, 22]' })) ?? '',
      /^Completed after [\d.]+ ms: 42$/,
    );
    await assert.rejects(c.s.compose('invoke', { target: 'Fail', arguments: '' }), (e: Error) =>
      /^The hub method "Fail" failed after [\d.]+ ms: An unexpected error occurred invoking 'Fail' on the server\.$/.test(
        e.message,
      ),
    );
    const echoed: string[] = [];
    c.t.onMessage((m) => m.direction === 'received' && echoed.push(m.payload.toString()));
    assert.equal(await c.s.compose('send', { target: 'Echo', arguments: '["hi"]' }), undefined);
    await waitFor(() => echoed.includes(`{"type":1,"target":"Echoed","arguments":["hi"]}${RS}`), 2000, 'the echo');
    assert.deepEqual(c.hub.received.slice(1), [
      { type: 1, invocationId: '0', target: 'Add', arguments: [1, 2] },
      { type: 1, invocationId: '1', target: 'Add', arguments: [20, 22] },
      { type: 1, invocationId: '2', target: 'Fail', arguments: [] },
      { type: 1, target: 'Echo', arguments: ['hi'] },
    ]);
    await assert.rejects(
      c.s.compose('invoke', { target: ' ', arguments: '[]' }),
      /^Error: Invoke needs a target \(the hub method\); nothing was sent\.$/,
    );
    await assert.rejects(c.s.compose('send', { target: 'X', arguments: '{"a":1}' }), /Arguments must be a JSON array/);
    await assert.rejects(
      c.s.compose('invoke', { target: 'X', arguments: '[1,' }),
      /^Error: Arguments is not valid JSON \(.*\); nothing was sent\.$/,
    );
    await assert.rejects(
      c.s.compose('publish', {}),
      /SignalR has no "publish" action; it has invoke, send, stream and cancel\./,
    );
  } finally {
    await c.dispose();
  }
});

test('SignalR session: a stream shows its items and completes; a running one is cancelled with CancelInvocation', async () => {
  const c = await setup();
  try {
    await c.t.connect();
    await c.s.ready();
    const counter = c.s.stream('Counter', [3]);
    const seen: unknown[] = [];
    counter.onItem((i) => seen.push(i));
    assert.deepEqual(await counter.done, [0, 1, 2]);
    assert.deepEqual(seen, [0, 1, 2]);
    await waitFor(
      () => c.notes.some((n) => /^info: Stream 0 \(Counter\) completed after 3 items in [\d.]+ ms\.$/.test(n)),
      2000,
      'the note',
    );
    assert.equal(
      await c.s.compose('stream', { target: 'Forever', arguments: '[]' }),
      'Stream 1 (Forever) started: its items arrive as rows; Cancel stream stops it.',
    );
    const forever = c.s.streams()[0];
    await waitFor(() => forever.items.length >= 2, 2000, 'two items');
    assert.match((await c.s.compose('cancel', {})) ?? '', /^Cancelled stream 1 \(Forever\) after \d+ items\.$/);
    assert.deepEqual(c.s.streams(), []);
    await waitFor(() => c.hub.received.some((m) => m.type === 5), 2000, 'the CancelInvocation');
    assert.deepEqual(
      c.hub.received.filter((m) => m.type === 4 || m.type === 5),
      [
        { type: 4, invocationId: '0', target: 'Counter', arguments: [3] },
        { type: 4, invocationId: '1', target: 'Forever', arguments: [] },
        { type: 5, invocationId: '1' },
      ],
    );
    await assert.rejects(c.s.compose('cancel', {}), /^Error: There is no running stream to cancel\.$/);
    await assert.rejects(
      c.s.compose('cancel', { id: '9' }),
      /^Error: There is no running stream 9 \(running: none\)\.$/,
    );
  } finally {
    await c.dispose();
  }
});

test('SignalR session: Pings kept past the server timeout; a quiet server is unhealthy in SignalR’s words, then healthy again', async () => {
  const c = await setup({ pingMs: 40 }, { keepAliveMs: 40, serverTimeoutMs: 400 });
  const healths: boolean[] = [];
  c.s.onHealth((h) => healths.push(h.healthy));
  try {
    await c.t.connect();
    await c.s.ready();
    const pings = () => c.hub.received.filter((m) => m.type === 6).length;
    // Past the server timeout twice over with the hub pinging: still healthy, and our Pings went out.
    const start = Date.now();
    await waitFor(() => Date.now() - start > 900 && pings() >= 5, 3000, 'Pings past the server timeout');
    assert.equal(c.s.health.healthy, true);
    assert.deepEqual(healths, []);
    c.hub.silence();
    await waitFor(() => !c.s.health.healthy, 2000, 'unhealthy');
    assert.equal(
      c.s.health.message,
      'Server timeout elapsed without receiving a message from the server (nothing for 0.4 s).',
    );
    // Anything from the server counts: a Completion makes it healthy again.
    await c.s.invoke('Add', [1, 1]);
    assert.equal(c.s.health.healthy, true);
    assert.deepEqual(healths.slice(0, 2), [false, true]);
  } finally {
    await c.dispose();
  }
  // The server's pings are not answered (the spec has no answer): with our keepalive far off, none go out.
  const q = await setup({ pingMs: 20 }, { keepAliveMs: 60_000 });
  try {
    await q.t.connect();
    await q.s.ready();
    let heard = 0;
    q.t.onMessage((m) => m.direction === 'received' && heard++);
    await waitFor(() => heard >= 10, 2000, 'ten server Pings');
    assert.equal(q.hub.received.filter((m) => m.type === 6).length, 0);
  } finally {
    await q.dispose();
  }
});

test('SignalR session: a Close record is a note with its error and ends what waits; a refused handshake rejects ready()', async () => {
  const c = await setup();
  try {
    await c.t.connect();
    await c.s.ready();
    const pending = c.s.stream('Forever', []);
    await c.s.send('Bye', ['The hub is shutting down.']);
    await assert.rejects(
      pending.done,
      (e: Error) =>
        e.message ===
        'Invocation 0 (Forever) ended: The SignalR server closed the connection with an error (it allows reconnecting): The hub is shutting down.',
    );
    assert.ok(
      c.notes.includes(
        'error: The SignalR server closed the connection with an error (it allows reconnecting): The hub is shutting down.',
      ),
    );
    assert.equal(c.s.phase, 'closed');
  } finally {
    await c.dispose();
  }
  const r = await setup({ refuse: "Requested protocol 'json' is not available." });
  try {
    await r.t.connect();
    await assert.rejects(
      r.s.ready(),
      /^Error: The SignalR server refused the handshake: Requested protocol 'json' is not available\.$/,
    );
    assert.equal(r.s.phase, 'closed');
    await assert.rejects(
      r.s.invoke('Add', [1, 2]),
      /^Error: The SignalR session is closed \(The SignalR server refused the handshake: Requested protocol 'json' is not available\.\); nothing was sent\.$/,
    );
  } finally {
    await r.dispose();
  }
});

test('SignalR session: the server invoking with an id gets the error Completion a client without that method sends', async () => {
  const c = await setup();
  try {
    await c.t.connect();
    await c.s.ready();
    await c.s.send('Ask', []);
    await waitFor(() => c.hub.received.some((m) => m.type === 3), 2000, 'the Completion');
    assert.deepEqual(c.hub.received.at(-1), { type: 3, invocationId: 's1', error: "Client didn't provide a result." });
  } finally {
    await c.dispose();
  }
});

test('SignalR session: a dropped connection reconnects and redoes the handshake; close() sends Close, then closes', async () => {
  const c = await setup({}, {}, { reconnect: { initialDelayMs: 20 } });
  try {
    await c.t.connect();
    await c.s.ready();
    for (const ws of c.hub.sockets()) ws.terminate();
    await waitFor(() => c.hub.connections === 2 && c.s.phase === 'ready', 3000, 'the second handshake');
    assert.equal(c.hub.received.filter((m) => m.protocol === 'json').length, 2);
    assert.equal((await c.s.invoke('Add', [2, 2])).result, 4);
    c.s.close();
    await waitFor(() => c.t.state.phase === 'closed', 2000, 'closed');
    assert.deepEqual(c.hub.received.at(-1), { type: 7 });
  } finally {
    await c.dispose();
  }
});

test('SignalR mock peer: the real @microsoft/signalr client starts against it, its Pings keep it alive, and invoke completes', async () => {
  const srv = await startWsServer();
  const answered: string[] = [];
  srv.server.on('connection', (ws) => {
    const peer = signalrPeer();
    for (const f of peer.greet()) ws.send(f.payload.toString());
    ws.on('message', (data) => {
      const payload = Buffer.from(data as Buffer);
      const out = peer.answer({ direction: 'sent', kind: 'text', payload });
      if (out)
        for (const f of out) {
          answered.push(f.payload.toString());
          ws.send(f.payload.toString());
        }
      // Not the protocol's: the recording's script answers an invocation (here: its Completion).
      else {
        const m = JSON.parse(payload.toString().split(RS)[0]) as { invocationId?: string; arguments?: number[] };
        if (m.invocationId)
          ws.send(JSON.stringify({ type: 3, invocationId: m.invocationId, result: m.arguments?.[0] }) + RS);
      }
    });
  });
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(srv.url.replace('ws:', 'http:') + '/hub', {
      skipNegotiation: true,
      transport: signalR.HttpTransportType.WebSockets,
    })
    .configureLogging(signalR.LogLevel.None)
    .build();
  connection.keepAliveIntervalInMilliseconds = 40;
  connection.serverTimeoutInMilliseconds = 400;
  try {
    await connection.start();
    assert.equal(connection.state, signalR.HubConnectionState.Connected);
    assert.equal(await connection.invoke('Echo', 7), 7);
    // Past the client's server timeout twice over: the peer's Ping answers kept it connected.
    const start = Date.now();
    const pings = () => answered.filter((a) => a === `{"type":6}${RS}`).length;
    await waitFor(() => Date.now() - start > 900 && pings() >= 10, 3000, 'ten Pings answered past the server timeout');
    assert.equal(connection.state, signalR.HubConnectionState.Connected);
    assert.equal(answered[0], `{}${RS}`);
    const refused = signalrPeer().answer({
      direction: 'sent',
      kind: 'text',
      payload: Buffer.from(`{"protocol":"messagepack","version":1}${RS}`),
    });
    assert.deepEqual(
      refused?.map((f) => f.payload.toString()),
      [`{"error":"The protocol 'messagepack' is not supported."}${RS}`],
    );
  } finally {
    await connection.stop().catch(() => undefined);
    await srv.close();
  }
});

test('SignalR session: every wait has a bound: an unanswered handshake, an invoke without Completion', async () => {
  const m = await setup({ mute: true }, { handshakeTimeoutMs: 150 });
  try {
    await m.t.connect();
    await assert.rejects(
      m.s.invoke('Add', [1]),
      /^Error: The SignalR server has not answered the handshake yet; nothing was sent\.$/,
    );
    // A compose while the handshake is under way waits for it, as long as the handshake timeout.
    await assert.rejects(
      m.s.compose('invoke', { target: 'Add', arguments: '[1, 2]' }),
      /^Error: The SignalR server did not answer the handshake within 0.15 s\.$/,
    );
    assert.ok(m.notes.includes('error: The SignalR server did not answer the handshake within 0.15 s.'));
  } finally {
    await m.dispose();
  }
  const c = await setup({}, { invokeTimeoutMs: 150 });
  try {
    await c.t.connect();
    await c.s.ready();
    await assert.rejects(
      c.s.compose('invoke', { target: 'Nobody', arguments: '[]' }),
      /^Error: The SignalR server sent no Completion for invocation 0 \(Nobody\) within 0.15 s\.$/,
    );
  } finally {
    await c.dispose();
  }
});
