import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NO_ACTIONS } from '../../src/core/inspector/actions';
import { InspectorSession } from '../../src/core/inspector/session';
import { protocolForUrl } from '../../src/core/protocols';
import { PROTOCOL_VERSION, type FilterStatus, type ProtocolInfo, type ToWebview } from '../../src/shared/protocol';
import { waitFor } from './helpers';
import { startGraphqlWsServer } from './protocol.graphql.servers';
import { startSocketIo } from './socketio.servers';

function open(url: string, extra: Record<string, unknown> = {}) {
  const posted: ToWebview[] = [];
  const session = new InspectorSession(
    { url, handshakeTimeout: 3000, ...extra },
    (m) => posted.push(m),
    undefined,
    NO_ACTIONS,
  );
  session.receive({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
  const rows = () => session.model.withDecoded(session.store.summaries(0, session.store.length));
  const status = (): FilterStatus | undefined =>
    posted.flatMap((m) => (m.type === 'tick' && m.filter ? [m.filter] : [])).at(-1);
  const replies = new Map<number, { ok: boolean; result?: unknown; error?: string }>();
  const request = (message: Record<string, unknown> & { type: string }, id: number) => {
    session.receive({ ...message, id });
    return waitFor(() => posted.some((m) => m.type === 'response' && m.id === id), 5000, `reply ${id}`).then(() => {
      const r = posted.find((m) => m.type === 'response' && m.id === id);
      if (r?.type === 'response') replies.set(id, r);
      return r as { ok: boolean; result?: unknown; error?: string };
    });
  };
  return { session, posted, rows, status, request };
}

test('Socket.IO from the composer: emit with ack (a sentence with the latency), columns, the ack linked to its emit', async () => {
  const srv = await startSocketIo({ pingInterval: 100, pingTimeout: 300 });
  srv.io.on('connection', (socket) =>
    socket.on('chat', (msg: unknown, ack: (a: unknown) => void) => ack({ got: msg })),
  );
  const { session, rows, request, posted } = open(srv.url);
  try {
    await session.connect();
    await session.model.protocol!.ready();
    const info = posted.flatMap((m) => (m.type === 'snapshot' ? [m.snapshot.protocol] : [])).at(-1) as ProtocolInfo;
    assert.equal(info.id, 'socket.io');
    assert.deepEqual(
      info.actions.map((a) => a.id),
      ['emit', 'connect'],
    );
    const reply = await request(
      { type: 'compose', action: 'emit', values: { event: 'chat', args: '{"text":"hi"}', ack: true } },
      1,
    );
    assert.equal(reply.ok, true, reply.error);
    assert.match(String(reply.result), /^"chat" acknowledged after \d+(\.\d)? ms: \[\{"got":\{"text":"hi"\}\}\]$/);
    const all = rows();
    const emit = all.find((r) => r.direction === 'sent' && r.columns?.subject === 'chat');
    assert.ok(emit, JSON.stringify(all.map((r) => r.preview)));
    assert.deepEqual(emit.columns, { type: 'event', subject: 'chat', id: '0' });
    const ack = all.find((r) => r.direction === 'received' && r.columns?.type === 'ack');
    assert.ok(ack);
    assert.equal(ack.replyTo?.index, emit.index);
    assert.ok(ack.replyTo.ms >= 0 && ack.replyTo.ms < 5000);
    // The sentence is also a row, and a bad field is a sentence that names it.
    assert.ok(all.some((r) => r.direction === 'event' && /acknowledged after/.test(r.preview)));
    const bad = await request({ type: 'compose', action: 'emit', values: { event: 'chat', args: '[1,' } }, 2);
    assert.equal(bad.ok, false);
    assert.match(bad.error ?? '', /^The arguments is not valid JSON .*nothing was sent\.$/);
    const none = await request({ type: 'compose', action: 'emit', values: { args: '[]' } }, 3);
    assert.match(none.error ?? '', /Emit needs an event name/);
  } finally {
    session.dispose();
    await srv.close();
  }
});

test('keepalives fold away: the filter hides Engine.IO pings and pongs and counts them; the toggle off shows them', async () => {
  const srv = await startSocketIo({ pingInterval: 50, pingTimeout: 300 });
  srv.io.on('connection', (socket) => socket.emit('hello', 1));
  const { session, status, posted } = open(srv.url);
  try {
    await session.connect();
    await waitFor(
      () => session.store.summaries(0, session.store.length).filter((r) => r.preview === '3').length >= 4,
      5000,
      'four pongs',
    );
    session.receive({ type: 'setFilter', query: { hideKeepalives: true } });
    await waitFor(
      () => (status()?.keepalivesHidden ?? 0) >= 8 && status()?.running === false,
      5000,
      'keepalives hidden',
    );
    const tick = posted.filter((m) => m.type === 'tick').at(-1);
    assert.ok(tick?.type === 'tick' && tick.rows);
    assert.ok(!tick.rows.some((r) => r.preview === '2' || r.preview === '3'), 'no ping or pong in the window');
    assert.ok(
      tick.rows.some((r) => r.preview.startsWith('42')),
      'the event stays',
    );
    // Every hidden row is a ping or pong of the store.
    const keepalives = session.store
      .summaries(0, session.store.length)
      .filter((r) => r.preview === '2' || r.preview === '3');
    assert.ok(status()!.keepalivesHidden! <= keepalives.length);
    session.receive({ type: 'setFilter', query: { hideKeepalives: false } });
    await waitFor(
      () => posted.at(-1)?.type === 'tick' && !(posted.at(-1) as { filter?: unknown }).filter,
      3000,
      'no filter',
    );
  } finally {
    session.dispose();
    await srv.close();
  }
});

test('a subprotocol the server chose names the protocol: plain ws:// offering graphql-transport-ws speaks GraphQL, subscribe from the composer', async () => {
  const srv = await startGraphqlWsServer();
  const { session, rows, request } = open(srv.url, { protocols: ['graphql-transport-ws'] });
  try {
    await session.connect();
    await waitFor(() => session.model.protocol?.phase === 'ready', 5000, 'connection_ack');
    assert.ok(
      rows().some((r) =>
        /^Speaking GraphQL \(graphql-transport-ws\) \(recognised by the subprotocol graphql-transport-ws\)/.test(
          r.preview,
        ),
      ),
    );
    // One connection_init only: the session attached on open did its handshake once.
    assert.equal(rows().filter((r) => r.direction === 'sent' && r.preview.includes('connection_init')).length, 1);
    const reply = await request(
      { type: 'compose', action: 'subscribe', values: { query: 'subscription { count(to: 2) }' } },
      1,
    );
    assert.equal(reply.ok, true, reply.error);
    assert.match(String(reply.result), /^Started operation 1/);
    await waitFor(() => rows().some((r) => r.columns?.type === 'complete'), 5000, 'complete');
    const subscribe = rows().find((r) => r.columns?.type === 'subscribe');
    const nexts = rows().filter((r) => r.columns?.type === 'next');
    assert.equal(nexts.length, 2);
    for (const n of nexts) assert.equal(n.replyTo?.index, subscribe?.index);
    // Raw: no decoding; back to as recognised.
    session.receive({ type: 'setDecoder', choice: 'raw' });
    assert.ok(!rows().some((r) => r.decodedLine && r.kind === 'text' && r.direction !== 'event'));
    session.receive({ type: 'setDecoder', choice: 'auto' });
    assert.ok(rows().some((r) => r.columns?.type === 'next'));
  } finally {
    session.dispose();
    await srv.close();
  }
});

test('a URL pattern setting picks the protocol: first match wins, * is any run, unknown ids are skipped', () => {
  const patterns = { 'ws://localhost:*/graphql*': 'graphql', 'ws://*': 'none', 'wss://x/*': 'nope' };
  assert.equal(protocolForUrl('ws://localhost:4000/graphql', patterns), 'graphql');
  assert.equal(protocolForUrl('WS://LOCALHOST:4000/graphql?x=1', patterns), 'graphql');
  assert.equal(protocolForUrl('ws://other/graphql', patterns), 'none');
  assert.equal(protocolForUrl('wss://x/a', patterns), undefined);
  assert.equal(protocolForUrl('ws://a.b/c', { 'ws://a?b/*': 'socket.io' }), undefined, '? is a plain character');
});
