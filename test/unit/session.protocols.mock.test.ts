import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { SubscriptionClient } from 'subscriptions-transport-ws';
import { graphqlTransportWs, socketIo, socketIoServer, type OutgoingFrame } from '../../src/core/protocols';
import { serveSession, type MockServerEvent } from '../../src/core/sessions/mockServer';
import { startGraphqlWsServer, startLegacyServer } from './protocol.graphql.servers';
import { chatServer, recordChat, recordCount, tempDir, texts } from './session.protocols.servers';
import { socketIoClient } from './socketio.servers';
import { waitFor } from './helpers';

// socket.io-client is not a dependency; socket.io ships the same client, built for browsers, in
// client-dist. With `ws` as the global WebSocket it runs in Node over the websocket transport.
(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { io } = require(join(require.resolve('socket.io'), '..', '..', 'client-dist', 'socket.io.js')) as {
  io: (url: string, options: Record<string, unknown>) => SocketIoClient;
};

interface SocketIoClient {
  id?: string;
  connected: boolean;
  on(event: string, listener: (...args: unknown[]) => void): void;
  emit(event: string, ...args: unknown[]): void;
  emitWithAck(event: string, ...args: unknown[]): Promise<unknown>;
  close(): void;
}

test('the mock server plays Socket.IO to the real socket.io client: a new sid, CONNECT answered, the recorded ack with the client’s id', async () => {
  const dir = tempDir();
  const server = await chatServer();
  const events: MockServerEvent[] = [];
  let client: SocketIoClient | undefined;
  const mock = await (async () => {
    const recording = await recordChat(server.url, dir);
    return { recording, server: await serveSession(recording, { speed: 100, onEvent: (e) => events.push(e) }) };
  })();
  try {
    const recordedSid = texts(mock.recording, 'received')
      .find((t) => t.startsWith('0{'))
      ?.slice(1);
    const c = io(mock.server.url.replace('ws:', 'http:'), { transports: ['websocket'], reconnection: false });
    client = c;
    let hello: unknown;
    const question = new Promise<unknown>((resolve) =>
      c.on('question', (q, ack) => {
        (ack as (a: unknown) => void)('alice');
        resolve(q);
      }),
    );
    c.on('hello', (h) => (hello = h));
    await waitFor(() => c.connected, 3000, 'the client connected');
    assert.ok(c.id && !recordedSid?.includes(c.id));
    assert.equal(await question, 'name?');
    await waitFor(() => hello !== undefined, 3000, 'hello');
    assert.equal(hello, 'alice');
    // The client's first emit takes ack id 0 (and matches nothing); the chat goes with id 1, recorded with 0.
    c.emit('noise', () => undefined);
    const ack = (await c.emitWithAck('chat', { text: 'hi' })) as { ok: boolean; echo: unknown };
    assert.deepEqual({ ok: ack.ok, echo: ack.echo }, { ok: true, echo: { text: 'hi' } });
    assert.ok(events.some((e) => e.type === 'protocol'));
    assert.ok(events.some((e) => e.type === 'unmatched' && e.message.text?.includes('noise')));
    assert.equal(events.filter((e) => e.type === 'matched').length, 2);
  } finally {
    client?.close();
    await mock.server.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Socket.IO mock in Engine.IO 3: open and 40 on connect, the client’s pings answered; in 4 the server part pings', async () => {
  const dir = tempDir();
  const server = await chatServer();
  try {
    const recording = await recordChat(server.url, dir, 3);
    assert.ok(recording.header.url.includes('EIO=3'));
    const mock = await serveSession(recording, { speed: 100 });
    // socket.io-client v2 is not installed: our own Engine.IO 3 session is the client.
    const c = socketIoClient(`${mock.url}/socket.io/?EIO=3&transport=websocket`);
    let hello: unknown;
    c.s.onEvent((e) => {
      if (e.event === 'question') void c.s.answer(e, 'alice');
      if (e.event === 'hello') hello = e.args[0];
    });
    try {
      await c.t.connect();
      await c.s.ready();
      await waitFor(() => hello !== undefined, 3000, 'hello');
      assert.equal(hello, 'alice');
      const sent = () => c.messages.filter((m) => m.direction === 'sent' && m.payload.toString() === '2').length;
      const got = () => c.messages.filter((m) => m.direction === 'received' && m.payload.toString() === '3').length;
      // The announced interval is 25 s: ask for a ping now by hand, as the session does on its timer.
      await c.t.sendText('2');
      await waitFor(() => got() >= 1, 3000, 'the pong');
      assert.ok(sent() >= 1);
      assert.equal(c.s.health.healthy, true);
    } finally {
      c.dispose();
      await mock.close();
    }
    const frames: OutgoingFrame[] = [];
    const peer = socketIoServer({ url: 'ws://x/socket.io/?EIO=4&transport=websocket' }, { pingInterval: 10 });
    const [open] = peer.greet();
    assert.equal(JSON.parse(open.payload.toString().slice(1)).pingInterval, 10);
    peer.start?.((f) => frames.push(...f));
    await waitFor(() => frames.length >= 2, 2000, 'two server pings');
    peer.dispose?.();
    assert.deepEqual(
      frames.slice(0, 2).map((f) => f.payload.toString()),
      ['2', '2'],
    );
    assert.equal(peer.answer({ direction: 'sent', kind: 'text', payload: Buffer.from('3') })?.length, 0);
    const nsAnswer = peer.answer({ direction: 'sent', kind: 'text', payload: Buffer.from('40/admin,{"t":1}') });
    assert.match(nsAnswer?.[0].payload.toString() ?? '', /^40\/admin,\{"sid":"[\w-]{20}"\}$/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the mock plays graphql-transport-ws to graphql-ws’ own client (its UUID ids answered) and the legacy dialect to SubscriptionClient', async () => {
  const dir = tempDir();
  const modern = await startGraphqlWsServer();
  const legacy = await startLegacyServer();
  try {
    const recorded = await recordCount(modern.url, dir, 'graphql-transport-ws');
    const mock = await serveSession(recorded, { speed: 100 });
    const client = createClient({ url: mock.url, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    try {
      const values: unknown[] = [];
      await new Promise<void>((resolve, reject) =>
        client.subscribe(
          { query: 'subscription { count(to: 2) }' },
          { next: (v) => values.push(v), error: reject, complete: resolve },
        ),
      );
      assert.deepEqual(values, [{ data: { count: 1 } }, { data: { count: 2 } }]);
    } finally {
      await client.dispose();
      await mock.close();
    }

    const old = await recordCount(legacy.url, dir, 'graphql-ws');
    assert.equal(old.header.protocol, 'graphql-ws');
    const legacyMock = await serveSession(old, { speed: 100 });
    const sub = new SubscriptionClient(legacyMock.url, { reconnect: false }, WebSocket);
    try {
      const values: unknown[] = [];
      await new Promise<void>((resolve, reject) =>
        sub.request({ query: 'subscription { count(to: 2) }' }).subscribe({
          next: (v) => values.push(v),
          error: reject,
          complete: resolve,
        }),
      );
      assert.deepEqual(values, [{ data: { count: 1 } }, { data: { count: 2 } }]);
      assert.equal(sub.status, WebSocket.OPEN);
    } finally {
      sub.close();
      await legacyMock.close();
    }
  } finally {
    await modern.close();
    await legacy.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the replay hooks: Socket.IO ack ids in any packet shape, CONNECT settings; GraphQL operation ids and the init payload', () => {
  const m = (text: string, direction: 'sent' | 'received' = 'received') => ({
    direction,
    kind: 'text' as const,
    payload: Buffer.from(text),
  });
  const ids = socketIo.replay?.ids;
  const swap = (text: string, id: string) => ids?.(m(text))?.withId(id).toString();
  assert.deepEqual(
    { role: ids?.(m('4212["q"]'))?.role, key: ids?.(m('4212["q"]'))?.key, id: ids?.(m('4212["q"]'))?.id },
    { role: 'asks', key: '/', id: '12' },
  );
  assert.equal(swap('4212["q"]', '7'), '427["q"]');
  assert.equal(swap('42/my-ns,3["q",1]', '40'), '42/my-ns,40["q",1]');
  assert.equal(
    swap('451-/up,9["f",{"_placeholder":true,"num":0}]', '10'),
    '451-/up,10["f",{"_placeholder":true,"num":0}]',
  );
  assert.equal(ids?.(m('43/up,5[]'))?.role, 'answers');
  assert.equal(swap('461-3[{"_placeholder":true,"num":0}]', '4'), '461-4[{"_placeholder":true,"num":0}]');
  assert.equal(ids?.(m('42["no ack"]')), undefined);
  assert.equal(ids?.(m('2')), undefined);
  assert.deepEqual(socketIo.replay?.settings?.([m('40/admin,{"token":"x"}', 'sent')]), {
    namespace: '/admin',
    auth: { token: 'x' },
  });
  assert.deepEqual(socketIo.replay?.settings?.([m('40/admin?token=y,', 'sent')]), {
    namespace: '/admin',
    auth: { token: 'y' },
  });
  const g = graphqlTransportWs.replay;
  const sub = g?.ids?.(m('{"id":"1","type":"subscribe","payload":{"query":"{a}"}}', 'sent'));
  assert.equal(sub?.role, 'asks');
  assert.equal(sub?.withId('u-u').toString(), '{"id":"u-u","type":"subscribe","payload":{"query":"{a}"}}');
  assert.equal(g?.ids?.(m('{"id":"1","type":"next","payload":{}}'))?.role, 'answers');
  assert.equal(g?.ids?.(m('{"type":"connection_ack"}')), undefined);
  assert.deepEqual(g?.settings?.([m('{"type":"connection_init","payload":{"token":"z"}}', 'sent')]), {
    connectionParams: { token: 'z' },
  });
});
