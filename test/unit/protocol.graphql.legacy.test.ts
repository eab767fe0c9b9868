import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graphqlDecoder } from '../../src/core/protocols';
import { waitFor } from './helpers';
import { graphqlClient, startLegacyServer } from './protocol.graphql.servers';

// The legacy `graphql-ws` dialect against subscriptions-transport-ws' own SubscriptionServer and a real schema.

const COUNT = 'subscription Count($to: Int!) { count(to: $to) }';

test('subscriptions-transport-ws: init payload seen by onConnect, ack, ka keepalives, query, mutation, a counting subscription', async () => {
  const srv = await startLegacyServer(undefined, 30);
  const c = graphqlClient('graphql-ws', srv.url, { connectionParams: { token: 'abc' } });
  try {
    await c.t.connect();
    await c.s.ready();
    assert.deepEqual(srv.inits, [{ token: 'abc' }]);
    assert.equal(c.t.state.phase === 'open' && c.t.state.protocol, 'graphql-ws');
    const hello = c.s.subscribe({ query: 'query Hi($n: String) { hello(name: $n) }', variables: { n: 'Ada' } });
    assert.deepEqual(await hello.done, [{ data: { hello: 'Hello Ada' } }]);
    const add = c.s.subscribe({ query: 'mutation Add { add(a: 2, b: 3) }', operationName: 'Add' });
    assert.deepEqual(await add.done, [{ data: { add: 5 } }]);
    const op = c.s.subscribe({ query: COUNT, variables: { to: 3 }, operationName: 'Count' });
    assert.deepEqual(await op.done, [{ data: { count: 1 } }, { data: { count: 2 } }, { data: { count: 3 } }]);
    assert.deepEqual(srv.log.stopped, ['count']);
    assert.deepEqual(
      c
        .received()
        .filter((m) => m.id === op.id)
        .map((m) => m.type),
      ['data', 'data', 'data', 'complete'],
    );
    assert.deepEqual(c.sent()[3], {
      id: op.id,
      type: 'start',
      payload: { query: COUNT, variables: { to: 3 }, operationName: 'Count' },
    });
    await waitFor(() => c.received().filter((m) => m.type === 'ka').length >= 2, 2000, 'two ka keepalives');
    assert.equal(c.s.health.healthy, true);
    assert.equal(typeof c.s.health.lastPongAt, 'number');
    assert.equal(c.notes.filter((n) => n.includes('malformed')).length, 0, c.notes.join('\n'));
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('subscriptions-transport-ws: validation errors (a data result with errors, no data) fail the operation; a throwing subscription is an error', async () => {
  const srv = await startLegacyServer();
  const c = graphqlClient('graphql-ws', srv.url);
  try {
    await c.t.connect();
    await c.s.ready();
    // Errors and no data: the request failed before execution, as graphql-ws' error message says it.
    const bad = c.s.subscribe({ query: '{ nope }' });
    await assert.rejects(
      bad.done,
      (e: Error) => e.message === 'Operation 1 failed: Cannot query field "nope" on type "Query".',
    );
    assert.equal((bad.results[0] as { errors: unknown[] }).errors.length, 1);
    const boom = c.s.subscribe({ query: 'subscription { boom }' });
    await assert.rejects(boom.done, (e: Error) => e.message === 'Operation 2 failed: The counter broke');
    assert.deepEqual(boom.results, [{ data: { boom: 1 } }]);
    assert.deepEqual(srv.log.stopped, ['boom']);
    const d = graphqlDecoder('graphql-ws');
    const views = c.messages
      .filter((m) => m.direction === 'received' && m.kind === 'text')
      .map((m) => d.decode({ index: 0, direction: m.direction, kind: 'text', payload: m.payload }));
    assert.deepEqual(
      views.map((v) => v?.label),
      ['GraphQL connection_ack', 'GraphQL data (with errors)', 'GraphQL complete', 'GraphQL data', 'GraphQL error'],
    );
    assert.equal(views[1]?.summary.startsWith('data #1 errors: Cannot query field "nope" on type "Query".'), true);
    // The server's complete carries "payload":null: the view shows none (the raw frame keeps it).
    assert.deepEqual([views[2]?.summary, views[2]?.value], ['complete #1', { type: 'complete', id: '1' }]);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('subscriptions-transport-ws: stop from the client returns the server iterator; two operations side by side; terminate', async () => {
  const srv = await startLegacyServer();
  const c = graphqlClient('graphql-ws', srv.url);
  try {
    await c.t.connect();
    await c.s.ready();
    const a = c.s.subscribe({ query: 'subscription { forever(from: 7) }' });
    const b = c.s.subscribe({ query: COUNT, variables: { to: 2 } });
    assert.notEqual(a.id, b.id);
    assert.deepEqual(await b.done, [{ data: { count: 1 } }, { data: { count: 2 } }]);
    await waitFor(() => a.results.length === 1, 2000, 'the first forever value');
    await a.complete();
    await waitFor(() => srv.log.stopped.includes('forever'), 2000, 'the server to return the iterator');
    assert.deepEqual(await a.done, [{ data: { forever: 7 } }]);
    const c2 = c.s.subscribe({ query: 'subscription { forever(from: 1) }' });
    await waitFor(() => c2.results.length === 1, 2000, 'another forever value');
    c.s.close();
    await waitFor(() => c.t.state.phase === 'closed', 2000, 'the close');
    await waitFor(() => srv.log.stopped.length === 3, 2000, 'the server to stop the last one');
    assert.deepEqual(
      c.sent().map((m) => m.type),
      ['connection_init', 'start', 'start', 'stop', 'start', 'stop', 'connection_terminate'],
    );
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('subscriptions-transport-ws: a refusing onConnect is a connection_error, said as a sentence', async () => {
  const srv = await startLegacyServer((p) => p?.token === 'good');
  const c = graphqlClient('graphql-ws', srv.url, { connectionParams: { token: 'bad' } });
  try {
    await c.t.connect();
    await assert.rejects(
      c.s.ready(),
      (e: Error) => e.message === 'The GraphQL server refused the connection: Prohibited connection!',
    );
    assert.deepEqual(srv.inits, [{ token: 'bad' }]);
    await waitFor(() => c.t.state.phase === 'closed', 2000, 'the server to close (1011)');
    assert.equal(c.t.state.phase === 'closed' && c.t.state.code, 1011);
    assert.equal(c.s.phase, 'closed');
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('subscriptions-transport-ws: after the ack, its complaints about a bad frame are notes, and the session stays ready', async () => {
  const srv = await startLegacyServer();
  const c = graphqlClient('graphql-ws', srv.url);
  try {
    await c.t.connect();
    await c.s.ready();
    const a = c.s.subscribe({ query: 'subscription { forever(from: 1) }' });
    await waitFor(() => a.results.length === 1, 2000, 'a forever value');
    // Not JSON: the server answers connection_error and keeps the connection.
    await c.t.sendText('{not json');
    await waitFor(() => c.received().some((m) => m.type === 'connection_error'), 2000, 'the connection_error');
    // An unknown type: the server answers an error without an id.
    await c.t.sendText('{"type":"nonsense"}');
    await waitFor(() => c.received().some((m) => m.type === 'error' && m.id === undefined), 2000, 'the error');
    assert.equal(c.s.phase, 'ready');
    assert.deepEqual(
      c.notes.filter((n) => n.startsWith('error:')),
      [
        `error: The GraphQL server reported a connection error: ${(c.received().find((m) => m.type === 'connection_error')?.payload as { message: string }).message}`,
        'error: The GraphQL server reported an error: Invalid message type!',
      ],
    );
    const b = c.s.subscribe({ query: COUNT, variables: { to: 1 } });
    assert.deepEqual(await b.done, [{ data: { count: 1 } }]);
    assert.equal(srv.log.running.includes('forever'), true);
    assert.equal(
      graphqlDecoder('graphql-ws').decode({
        index: 0,
        direction: 'received',
        kind: 'text',
        payload: Buffer.from('{"type":"error","payload":{"message":"Invalid message type!"}}'),
      })?.problem,
      undefined,
    );
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('both subprotocols offered when no dialect is chosen: subscriptions-transport-ws picks graphql-ws and the session speaks it', async () => {
  const srv = await startLegacyServer();
  const c = graphqlClient('auto', srv.url);
  try {
    await c.t.connect();
    await c.s.ready();
    assert.equal(c.t.state.phase === 'open' && c.t.state.protocol, 'graphql-ws');
    assert.equal(c.s.protocol, 'graphql-ws');
    const op = c.s.subscribe({ query: COUNT, variables: { to: 2 } });
    assert.deepEqual(await op.done, [{ data: { count: 1 } }, { data: { count: 2 } }]);
    assert.equal(c.sent()[1]?.type, 'start');
    assert.ok(c.notes.includes('open: The GraphQL server acknowledged the connection (graphql-ws).'));
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('subscriptions-transport-ws: offered only graphql-transport-ws, it closes with 1002; the session says why', async () => {
  const srv = await startLegacyServer();
  const c = graphqlClient('graphql-transport-ws', srv.url);
  try {
    await c.t.connect();
    await assert.rejects(
      c.s.ready(),
      (e: Error) => e.message === 'The server closed the connection: 1002 Protocol Error.',
    );
    assert.deepEqual(srv.inits, []);
    assert.deepEqual(c.notes, [
      'error: The GraphQL server closed the connection with 1002 before acknowledging connection_init: subscriptions-transport-ws does so for any subprotocol but its legacy graphql-ws. Connect without choosing a dialect to offer both.',
    ]);
  } finally {
    c.dispose();
    await srv.close();
  }
});
