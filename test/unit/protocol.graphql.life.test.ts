import assert from 'node:assert/strict';
import { test } from 'node:test';
import { graphqlAuto } from '../../src/core/protocols';
import { waitFor } from './helpers';
import { graphqlClient, startGraphqlWsServer, startLegacyServer, type GraphqlServer } from './protocol.graphql.servers';

// A GraphQL session's life against both real servers: the server's close codes named through the
// session, close() stopping what runs, reconnects redoing connection_init, and the decoder when the
// dialect is not known yet.

const FOREVER = { query: 'subscription { forever(from: 1) }' };

test('graphql-ws server: 4400 for a bad frame and 4409 for a duplicate id, named by the session, end the operations', async () => {
  const srv = await startGraphqlWsServer();
  const cases: Array<[string, string]> = [
    ['{"type":"nonsense"}', '4400 Bad request: Invalid message received'],
    [
      JSON.stringify({ id: '1', type: 'subscribe', payload: FOREVER }),
      '4409 Subscriber already exists: Subscriber for 1 already exists',
    ],
  ];
  try {
    for (const [frame, named] of cases) {
      const c = graphqlClient('graphql-transport-ws', srv.url);
      try {
        await c.t.connect();
        await c.s.ready();
        const op = c.s.subscribe(FOREVER);
        await waitFor(() => op.results.length === 1, 2000, 'a forever value');
        await c.t.sendText(frame);
        const why = `The GraphQL server closed the connection with ${named}.`;
        await assert.rejects(op.done, (e: Error) => e.message === `Operation 1 ended: ${why}`);
        assert.ok(c.notes.includes(`error: ${why}`), c.notes.join('\n'));
        assert.equal(c.s.phase, 'closed');
      } finally {
        c.dispose();
      }
    }
    await waitFor(() => srv.log.stopped.length === 2, 2000, 'the server to return both iterators');
  } finally {
    await srv.close();
  }
});

// graphql-ws: complete per operation, then our 1000; legacy: connection_terminate, and the server closes (1005, no code).
for (const [name, start, dialect, code] of [
  ['graphql-ws', startGraphqlWsServer, 'graphql-transport-ws', 1000],
  ['subscriptions-transport-ws', startLegacyServer, 'graphql-ws', 1005],
] as const) {
  test(`${name} server: close() stops every running operation on the server, then the connection closes (${code})`, async () => {
    const srv: GraphqlServer = await start();
    const c = graphqlClient(dialect, srv.url);
    try {
      await c.t.connect();
      await c.s.ready();
      const ops = [c.s.subscribe(FOREVER), c.s.subscribe(FOREVER)];
      await waitFor(() => ops.every((o) => o.results.length === 1), 2000, 'both running');
      assert.deepEqual([srv.log.stopped, srv.log.running], [[], ['forever', 'forever']]);
      c.s.close();
      await waitFor(() => c.t.state.phase === 'closed', 2000, 'the close');
      assert.equal(c.t.state.phase === 'closed' && c.t.state.code, code);
      await waitFor(() => srv.log.stopped.length === 2, 2000, 'the server to return both iterators');
      for (const o of ops) assert.deepEqual(await o.done, [{ data: { forever: 1 } }]);
    } finally {
      c.dispose();
      await srv.close();
    }
  });

  test(`${name} server: a subscription refused by its resolver (errors, no data) fails the operation with its sentence`, async () => {
    const srv: GraphqlServer = await start();
    const c = graphqlClient(dialect, srv.url);
    try {
      await c.t.connect();
      await c.s.ready();
      const op = c.s.subscribe({ query: 'subscription { denied }' });
      await assert.rejects(op.done, (e: Error) => e.message === 'Operation 1 failed: Not allowed to count');
      assert.deepEqual(
        op.results.map((r) => Object.keys(r as object)),
        [['errors']],
      );
      // The session goes on.
      const next = c.s.subscribe({ query: 'subscription { count(to: 1) }' });
      assert.deepEqual(await next.done, [{ data: { count: 1 } }]);
    } finally {
      c.dispose();
      await srv.close();
    }
  });

  test(`${name} server: after a dropped connection the session reconnects, sends connection_init again and is ready`, async () => {
    const srv: GraphqlServer = await start();
    const c = graphqlClient('auto', srv.url, { connectionParams: { n: 1 } }, { reconnect: { initialDelayMs: 20 } });
    try {
      await c.t.connect();
      await c.s.ready();
      const op = c.s.subscribe(FOREVER);
      await waitFor(() => op.results.length === 1, 2000, 'a forever value');
      srv.dropClients();
      await assert.rejects(op.done, (e: Error) => e.message.startsWith('Operation 1 ended: '));
      await waitFor(() => c.s.phase === 'ready', 3000, 'the session ready again');
      assert.deepEqual(srv.inits, [{ n: 1 }, { n: 1 }]);
      assert.equal(c.s.protocol, dialect);
      const again = c.s.subscribe({ query: 'subscription { count(to: 1) }' });
      assert.deepEqual(await again.done, [{ data: { count: 1 } }]);
    } finally {
      c.dispose();
      await srv.close();
    }
  });
}

test('graphqlAuto: the decoder follows the negotiated subprotocol, or reads either dialect before it is known', () => {
  const frame = (s: string) => ({
    index: 0,
    direction: 'received' as const,
    kind: 'text' as const,
    payload: Buffer.from(s),
  });
  assert.equal(graphqlAuto.decoder({ subprotocol: 'graphql-ws' }).id, 'graphql-ws');
  assert.equal(graphqlAuto.decoder({ subprotocol: 'graphql-transport-ws' }).id, 'graphql-transport-ws');
  const d = graphqlAuto.decoder({ url: 'ws://h/graphql' });
  assert.equal(d.id, 'graphql');
  assert.equal(d.decode(frame('{"type":"ka"}'))?.keepalive, true);
  assert.equal(d.decode(frame('{"type":"ping"}'))?.keepalive, true);
  assert.equal(d.decode(frame('{"id":"1","type":"data","payload":{"data":{"a":1}}}'))?.label, 'GraphQL data');
  assert.equal(d.decode(frame('{"id":"1","type":"error","payload":{"message":"x"}}'))?.problem, undefined);
  assert.equal(
    d.decode(frame('{"type":"bogus"}'))?.problem,
    '"bogus" is not a graphql-transport-ws message type (connection_init, connection_ack, ping, pong, subscribe, next, error, complete).',
  );
  assert.deepEqual(graphqlAuto.endpoint('http://h:4000/graphql'), {
    url: 'ws://h:4000/graphql',
    protocols: ['graphql-ws', 'graphql-transport-ws'],
    settings: {},
  });
});
