import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { graphqlDecoder } from '../../src/core/protocols';
import { waitFor } from './helpers';
import { graphqlClient, startGraphqlWsServer } from './protocol.graphql.servers';

// The `graphql-transport-ws` dialect against graphql-ws' own server (useServer over `ws`) and a real schema.

const COUNT = 'subscription Count($to: Int!) { count(to: $to) }';

test('graphql-ws server: init payload seen by onConnect, ack, query, mutation, a counting subscription completed by the server', async () => {
  const srv = await startGraphqlWsServer();
  const c = graphqlClient('graphql-transport-ws', srv.url, { connectionParams: { token: 'abc' } });
  try {
    await c.t.connect();
    await c.s.ready();
    assert.deepEqual(srv.inits, [{ token: 'abc' }]);
    assert.equal(c.t.state.phase === 'open' && c.t.state.protocol, 'graphql-transport-ws');
    const hello = c.s.subscribe({ query: 'query Hi($n: String) { hello(name: $n) }', variables: { n: 'Ada' } });
    assert.deepEqual(await hello.done, [{ data: { hello: 'Hello Ada' } }]);
    const add = c.s.subscribe({ query: 'mutation Add { add(a: 2, b: 3) }', operationName: 'Add' });
    assert.deepEqual(await add.done, [{ data: { add: 5 } }]);
    const op = c.s.subscribe({ query: COUNT, variables: { to: 3 }, operationName: 'Count' });
    assert.deepEqual(await op.done, [{ data: { count: 1 } }, { data: { count: 2 } }, { data: { count: 3 } }]);
    assert.deepEqual(srv.log.stopped, ['count']);
    const got = c.received().filter((m) => m.id === op.id);
    assert.deepEqual(
      got.map((m) => m.type),
      ['next', 'next', 'next', 'complete'],
    );
    assert.deepEqual(c.sent()[3], {
      id: op.id,
      type: 'subscribe',
      payload: { query: COUNT, variables: { to: 3 }, operationName: 'Count' },
    });
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('graphql-ws server: a validation error and a throwing subscription are error messages; a field error is a next with errors', async () => {
  const srv = await startGraphqlWsServer();
  const c = graphqlClient('graphql-transport-ws', srv.url);
  try {
    await c.t.connect();
    await c.s.ready();
    await assert.rejects(
      c.s.subscribe({ query: '{ nope }' }).done,
      (e: Error) => e.message === 'Operation 1 failed: Cannot query field "nope" on type "Query".',
    );
    const boom = c.s.subscribe({ query: 'subscription { boom }' });
    await assert.rejects(boom.done, (e: Error) => e.message === 'Operation 2 failed: The counter broke');
    assert.deepEqual(boom.results, [{ data: { boom: 1 } }]);
    assert.deepEqual(srv.log.stopped, ['boom']);
    const fail = c.s.subscribe({ query: '{ fail }' });
    const [result] = (await fail.done) as Array<{ data: unknown; errors: Array<{ message: string }> }>;
    assert.deepEqual(result.data, { fail: null });
    assert.equal(result.errors[0].message, 'The field failed on purpose');
    const d = graphqlDecoder('graphql-transport-ws');
    const frames = c.messages.filter((m) => m.direction === 'received' && m.kind === 'text');
    const views = frames.map((m) => d.decode({ index: 0, direction: m.direction, kind: 'text', payload: m.payload }));
    assert.deepEqual(
      views.map((v) => v?.label),
      [
        'GraphQL connection_ack',
        'GraphQL error',
        'GraphQL next',
        'GraphQL error',
        'GraphQL next (with errors)',
        'GraphQL complete',
      ],
    );
    assert.equal(views[4]?.summary.startsWith('next #3 errors: The field failed on purpose'), true);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('graphql-ws server: complete from the client returns the server iterator; two operations run side by side', async () => {
  const srv = await startGraphqlWsServer();
  const c = graphqlClient('graphql-transport-ws', srv.url);
  try {
    await c.t.connect();
    await c.s.ready();
    const a = c.s.subscribe({ query: 'subscription { forever(from: 7) }' });
    const b = c.s.subscribe({ query: COUNT, variables: { to: 2 } });
    assert.notEqual(a.id, b.id);
    assert.deepEqual(await b.done, [{ data: { count: 1 } }, { data: { count: 2 } }]);
    await waitFor(() => a.results.length === 1, 2000, 'the first forever value');
    assert.deepEqual(a.results, [{ data: { forever: 7 } }]);
    assert.equal(srv.log.running.includes('forever'), true);
    await a.complete();
    await waitFor(() => srv.log.stopped.includes('forever'), 2000, 'the server to return the iterator');
    assert.deepEqual(await a.done, [{ data: { forever: 7 } }]);
    assert.deepEqual(
      c
        .sent()
        .filter((m) => m.id === a.id)
        .map((m) => m.type),
      ['subscribe', 'complete'],
    );
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('graphql-ws server: a client ping gets the pong (keepalive round trip), its payload echoed', async () => {
  const srv = await startGraphqlWsServer();
  const c = graphqlClient('graphql-transport-ws', srv.url, { keepAliveMs: 40 });
  try {
    await c.t.connect();
    await c.s.ready();
    await waitFor(() => c.s.health.lastRttMs !== undefined, 2000, 'a pong from the server');
    assert.equal(c.s.health.healthy, true);
    assert.equal(
      c.received().some((m) => m.type === 'pong'),
      true,
    );
    await c.s.ping({ n: 1 });
    await waitFor(
      () => c.received().some((m) => m.type === 'pong' && JSON.stringify(m.payload) === '{"n":1}'),
      2000,
      'the pong with the payload',
    );
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('graphql-ws server: a refusing onConnect closes with 4403 Forbidden, named', async () => {
  const srv = await startGraphqlWsServer((p) => p?.token === 'good');
  const c = graphqlClient('graphql-transport-ws', srv.url, { connectionParams: { token: 'bad' } });
  try {
    await c.t.connect();
    await assert.rejects(
      c.s.ready(),
      (e: Error) => e.message === 'The GraphQL server closed the connection with 4403 Forbidden: Forbidden.',
    );
    assert.deepEqual(srv.inits, [{ token: 'bad' }]);
    assert.equal(c.s.phase, 'closed');
    assert.ok(c.notes.includes('error: The GraphQL server closed the connection with 4403 Forbidden: Forbidden.'));
  } finally {
    c.dispose();
    await srv.close();
  }
});

/** A raw `ws` client speaking graphql-transport-ws by hand, to make the real server close as it does; 'ACK' waits for the ack. */
async function rawClose(url: string, frames: unknown[]): Promise<[number, string]> {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const closed = new Promise<[number, string]>((resolve) => ws.once('close', (code, r) => resolve([code, String(r)])));
  const acked = new Promise<void>((resolve) =>
    ws.on('message', (data) => String(data).includes('"connection_ack"') && resolve()),
  );
  for (const f of frames) {
    if (f === 'ACK') await acked;
    else ws.send(typeof f === 'string' ? f : JSON.stringify(f));
  }
  return closed;
}

test('graphql-ws server: the close codes it really sends (4400, 4401, 4409, 4429); no subprotocol for the legacy one, each named by the session', async () => {
  const srv = await startGraphqlWsServer();
  const init = { type: 'connection_init' };
  const sub = { id: '1', type: 'subscribe', payload: { query: 'subscription { forever(from: 1) }' } };
  try {
    assert.deepEqual(await rawClose(srv.url, ['{"type":"nonsense"}']), [4400, 'Invalid message received']);
    assert.deepEqual(await rawClose(srv.url, [sub]), [4401, 'Unauthorized']);
    assert.deepEqual(await rawClose(srv.url, [init, 'ACK', sub, sub]), [4409, 'Subscriber for 1 already exists']);
    assert.deepEqual(await rawClose(srv.url, [init, 'ACK', init]), [4429, 'Too many initialisation requests']);
    // The legacy subprotocol alone: graphql-ws chooses none, which the WebSocket client refuses.
    const legacy = graphqlClient('graphql-ws', srv.url);
    try {
      await assert.rejects(legacy.t.connect(), (e: Error) => /Server sent no subprotocol/.test(e.message));
    } finally {
      legacy.dispose();
    }
    // Our own session sending a second connection_init (a reconnect would not; a user's raw frame can).
    const c = graphqlClient('graphql-transport-ws', srv.url);
    try {
      await c.t.connect();
      await c.s.ready();
      const op = c.s.subscribe({ query: 'subscription { forever(from: 1) }' });
      await c.t.sendText(JSON.stringify(init));
      await assert.rejects(
        op.done,
        (e: Error) =>
          e.message ===
          `Operation ${op.id} ended: The GraphQL server closed the connection with 4429 Too many initialisation requests: Too many initialisation requests.`,
      );
      await waitFor(() => srv.log.stopped.includes('forever'), 2000, 'the server to return the iterator on close');
    } finally {
      c.dispose();
    }
  } finally {
    await srv.close();
  }
});

test('both subprotocols offered when no dialect is chosen: graphql-ws picks graphql-transport-ws and the session speaks it', async () => {
  const srv = await startGraphqlWsServer();
  const c = graphqlClient('auto', srv.url);
  try {
    assert.deepEqual(c.t.options.protocols?.slice().sort(), ['graphql-transport-ws', 'graphql-ws']);
    await c.t.connect();
    await c.s.ready();
    assert.equal(c.s.protocol, 'graphql-transport-ws');
    const op = c.s.subscribe({ query: COUNT, variables: { to: 1 } });
    assert.deepEqual(await op.done, [{ data: { count: 1 } }]);
    assert.equal(c.sent()[1]?.type, 'subscribe');
    assert.ok(c.notes.includes('open: The GraphQL server acknowledged the connection (graphql-transport-ws).'));
  } finally {
    c.dispose();
    await srv.close();
  }
});
