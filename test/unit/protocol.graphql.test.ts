import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebSocket } from 'ws';
import type { StoredMessage } from '../../src/core/decode';
import {
  detectProtocol,
  graphqlCloseName,
  graphqlDecoder,
  graphqlTransportWs,
  graphqlWsLegacy,
  PROTOCOLS,
  type Dialect,
} from '../../src/core/protocols';
import { createTransport, type TransportMessage } from '../../src/core/transport';
import { startWsServer, waitFor } from './helpers';

// Until the real servers (graphql-ws, subscriptions-transport-ws with a graphql schema) are
// devDependencies, a `ws` server speaks each dialect by hand, as their PROTOCOL documents give it.

const msg = (payload: string): StoredMessage => ({
  index: 0,
  direction: 'received',
  kind: 'text',
  payload: Buffer.from(payload),
});

async function graphqlServer(dialect: Dialect, onMessage: (ws: WebSocket, m: Record<string, unknown>) => void) {
  const srv = await startWsServer({
    handleProtocols: (offered: Set<string>) => (offered.has(dialect) ? dialect : false),
  });
  srv.server.on('connection', (ws) =>
    ws.on('message', (data) => onMessage(ws, JSON.parse(data.toString()) as Record<string, unknown>)),
  );
  return srv;
}

function client(dialect: Dialect, url: string, settings = {}) {
  const protocol = dialect === 'graphql-ws' ? graphqlWsLegacy : graphqlTransportWs;
  const e = protocol.endpoint(url.replace('ws:', 'http:'), settings);
  if ('error' in e) throw new Error(e.error);
  const t = createTransport({ url: e.url, protocols: e.protocols, handshakeTimeout: 2000 });
  const s = protocol.attach(t, e.settings);
  const messages: TransportMessage[] = [];
  const notes: string[] = [];
  t.onMessage((m) => messages.push(m));
  s.onNote((n) => notes.push(`${n.level}: ${n.text}`));
  const sent = () =>
    messages
      .filter((m) => m.direction === 'sent' && m.kind === 'text')
      .map((m) => JSON.parse(m.payload.toString()) as unknown);
  return { t, s, notes, sent, dispose: () => (s.dispose(), t.dispose()) };
}

test('graphql-transport-ws: init with payload, ack, ping answered, a subscription with results and complete', async () => {
  const srv = await graphqlServer('graphql-transport-ws', (ws, m) => {
    if (m.type === 'connection_init') {
      ws.send(JSON.stringify({ type: 'connection_ack', payload: { hello: (m.payload as { token: string }).token } }));
      ws.send(JSON.stringify({ type: 'ping', payload: { n: 1 } }));
    }
    if (m.type === 'subscribe') {
      for (const n of [1, 2]) ws.send(JSON.stringify({ id: m.id, type: 'next', payload: { data: { count: n } } }));
      ws.send(JSON.stringify({ id: m.id, type: 'complete' }));
    }
  });
  const c = client('graphql-transport-ws', srv.url, { connectionParams: { token: 't' } });
  try {
    assert.deepEqual(c.t.options.protocols, ['graphql-transport-ws']);
    await c.t.connect();
    await c.s.ready();
    const op = c.s.subscribe({ query: 'subscription { count }', variables: { from: 1 }, operationName: 'Count' });
    assert.deepEqual(await op.done, [{ data: { count: 1 } }, { data: { count: 2 } }]);
    await waitFor(() => c.sent().length === 3, 2000, 'the pong');
    assert.deepEqual(c.sent(), [
      { type: 'connection_init', payload: { token: 't' } },
      { type: 'pong', payload: { n: 1 } },
      {
        id: '1',
        type: 'subscribe',
        payload: { query: 'subscription { count }', variables: { from: 1 }, operationName: 'Count' },
      },
    ]);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('graphql-transport-ws: an error per operation is a sentence; a 4401 close is named', async () => {
  const srv = await graphqlServer('graphql-transport-ws', (ws, m) => {
    if (m.type === 'connection_init') ws.send(JSON.stringify({ type: 'connection_ack' }));
    if (m.type === 'subscribe' && m.id === '1')
      ws.send(JSON.stringify({ id: m.id, type: 'error', payload: [{ message: 'Cannot query field "x"' }] }));
    if (m.type === 'subscribe' && m.id === '2') ws.close(4401, 'Unauthorized');
  });
  const c = client('graphql-transport-ws', srv.url);
  try {
    await c.t.connect();
    await c.s.ready();
    await assert.rejects(
      c.s.subscribe({ query: '{ x }' }).done,
      (e: Error) => e.message === 'Operation 1 failed: Cannot query field "x"',
    );
    await assert.rejects(
      c.s.subscribe({ query: 'subscription { y }' }).done,
      (e: Error) =>
        e.message ===
        'Operation 2 ended: The GraphQL server closed the connection with 4401 Unauthorized: Unauthorized.',
    );
    assert.equal(c.s.phase, 'closed');
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('legacy graphql-ws: init, ack, ka keepalives, start with data, stop from the client; connection_error refuses', async () => {
  let refuse = false;
  const srv = await graphqlServer('graphql-ws', (ws, m) => {
    if (m.type === 'connection_init') {
      if (refuse) return ws.send(JSON.stringify({ type: 'connection_error', payload: { message: 'Bad token' } }));
      ws.send(JSON.stringify({ type: 'connection_ack' }));
      ws.send(JSON.stringify({ type: 'ka' }));
    }
    if (m.type === 'start') ws.send(JSON.stringify({ id: m.id, type: 'data', payload: { data: { tick: 1 } } }));
  });
  const c = client('graphql-ws', srv.url);
  const r = client('graphql-ws', srv.url);
  try {
    await c.t.connect();
    await c.s.ready();
    const op = c.s.subscribe({ query: 'subscription { tick }' });
    await waitFor(() => op.results.length === 1, 2000, 'the data');
    await op.complete();
    assert.deepEqual(await op.done, [{ data: { tick: 1 } }]);
    c.s.close();
    await waitFor(() => c.t.state.phase === 'closed', 2000, 'the close');
    assert.deepEqual(
      c.sent().map((m) => (m as { type: string }).type),
      ['connection_init', 'start', 'stop', 'connection_terminate'],
    );
    refuse = true;
    await r.t.connect();
    await assert.rejects(
      r.s.ready(),
      (e: Error) => e.message === 'The GraphQL server refused the connection: Bad token',
    );
  } finally {
    c.dispose();
    r.dispose();
    await srv.close();
  }
});

test('GraphQL decoder: messages of both dialects from their specs, keepalives marked, malformed ones named', () => {
  const d = graphqlDecoder('graphql-transport-ws');
  const sub = d.decode(
    msg(
      '{"id":"1","type":"subscribe","payload":{"query":"subscription OnMsg { m }","operationName":"OnMsg","variables":{"a":1}}}',
    ),
  );
  assert.deepEqual(sub?.value, {
    id: '1',
    type: 'subscribe',
    payload: { query: 'subscription OnMsg { m }', operationName: 'OnMsg', variables: { a: 1 } },
    query: 'subscription OnMsg { m }',
    operationName: 'OnMsg',
    variables: { a: 1 },
  });
  assert.equal(sub?.summary, 'subscribe #1 OnMsg {"a":1}');
  assert.equal(
    d.decode(msg('{"id":"1","type":"next","payload":{"data":{"m":2}}}'))?.summary,
    'next #1 {"data":{"m":2}}',
  );
  assert.equal(d.decode(msg('{"type":"ping"}'))?.keepalive, true);
  assert.equal(d.decode(msg('{"type":"pong"}'))?.keepalive, true);
  assert.equal(graphqlDecoder('graphql-ws').decode(msg('{"type":"ka"}'))?.keepalive, true);
  assert.equal(
    graphqlDecoder('graphql-ws').decode(msg('{"id":"2","type":"data","payload":{"data":null}}'))?.label,
    'GraphQL data',
  );
  const bad: Array<[string, string]> = [
    [
      '{"type":"start","id":"1","payload":{"query":"{a}"}}',
      '"start" is not a graphql-transport-ws message type (connection_init, connection_ack, ping, pong, subscribe, next, error, complete).',
    ],
    ['{"type":"next","payload":{}}', 'A "next" message needs an "id" string.'],
    ['{"type":"subscribe","id":"1"}', 'A "subscribe" message needs a "payload" object.'],
    ['{"type":"subscribe","id":"1","payload":{}}', 'A "subscribe" payload needs a "query" string.'],
    ['{"type":"error","id":"1","payload":{"message":"x"}}', 'A "error" payload is an array of GraphQL errors.'],
    ['{"id":"1"}', 'The message has no "type" string.'],
    ['[1]', 'A GraphQL over WebSocket message is a JSON object with a "type".'],
  ];
  for (const [frame, problem] of bad) assert.equal(d.decode(msg(frame))?.problem, problem, frame);
  assert.match(d.decode(msg('{"type":'))?.problem ?? '', /^The message is not valid JSON/);
  assert.equal(graphqlCloseName(4400), '4400 Bad request');
  assert.equal(graphqlCloseName(4408), '4408 Connection initialisation timeout');
  assert.equal(graphqlCloseName(4450), '4450 (a GraphQL client error)');
  assert.equal(graphqlCloseName(1000), undefined);
});

test('GraphQL detection: by the negotiated subprotocol, or by messages only one dialect has', () => {
  assert.deepEqual(
    [
      detectProtocol(PROTOCOLS, { url: 'ws://h/graphql', subprotocol: 'graphql-transport-ws' })?.protocol.id,
      'subprotocol',
    ],
    ['graphql-transport-ws', 'subprotocol'],
  );
  assert.equal(
    detectProtocol(PROTOCOLS, { url: 'ws://h/graphql', subprotocol: 'graphql-ws' })?.protocol.id,
    'graphql-ws',
  );
  const ka = { direction: 'received' as const, kind: 'text' as const, payload: Buffer.from('{"type":"ka"}') };
  assert.equal(detectProtocol(PROTOCOLS, { url: 'ws://h/graphql' }, [ka])?.protocol.id, 'graphql-ws');
  assert.deepEqual(graphqlTransportWs.endpoint('https://api.example/graphql'), {
    url: 'wss://api.example/graphql',
    protocols: ['graphql-transport-ws'],
    settings: { dialect: 'graphql-transport-ws' },
  });
});

test('graphql-transport-ws: with keepAliveMs the client pings; a pong gives the round trip, none marks it unhealthy', async () => {
  let answer = true;
  const srv = await graphqlServer('graphql-transport-ws', (ws, m) => {
    if (m.type === 'connection_init') ws.send(JSON.stringify({ type: 'connection_ack' }));
    if (m.type === 'ping' && answer) ws.send(JSON.stringify({ type: 'pong' }));
  });
  const c = client('graphql-transport-ws', srv.url, { keepAliveMs: 50 });
  try {
    await c.t.connect();
    await c.s.ready();
    await waitFor(() => c.s.health.lastRttMs !== undefined, 2000, 'a pong');
    assert.equal(c.s.health.healthy, true);
    answer = false;
    await waitFor(() => !c.s.health.healthy, 2000, 'the missed pong');
    assert.equal(c.s.health.message, 'The GraphQL server did not answer the ping within 50 ms.');
  } finally {
    c.dispose();
    await srv.close();
  }
});
