import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { stomp } from '../../src/core/protocols';
import { waitFor } from './helpers';
import { dropClients, startBroker, stompClient } from './protocol.stomp.servers';

// STOMP over plain WebSocket against stomp-broker-js (its ws@5 adapter). That broker speaks 1.1,
// answers RECEIPT only for DISCONNECT (its SEND callback is lost in its middleware), ignores ACK and
// NACK, keeps one heart-beat direction, and does not deliver a client's SEND to its own subscriptions.

const decode = (payload: Buffer, direction: 'sent' | 'received' = 'received') =>
  stomp.decoder({}).decode({ index: 0, direction, kind: 'text', payload });

test('stomp-broker-js: CONNECT / CONNECTED (v12.stomp offered first and chosen, 1.1 spoken), SUBSCRIBE, a MESSAGE linked to it, UNSUBSCRIBE', async () => {
  const srv = await startBroker();
  const c = stompClient(srv.url, { login: 'ada', passcode: 'secret', connectHeaders: { 'x-app': 'wsi' } });
  const subscribed: string[] = [];
  srv.broker.on('subscribe', (s) => subscribed.push((s as { id: string }).id));
  try {
    await c.t.connect();
    await c.s.ready();
    assert.equal(c.t.state.phase === 'open' && c.t.state.protocol, 'v12.stomp');
    assert.equal(c.s.version, '1.1');
    assert.deepEqual(srv.connects[0], {
      'accept-version': '1.0,1.1,1.2',
      host: '127.0.0.1',
      'heart-beat': '10000,10000',
      login: 'ada',
      passcode: 'secret',
      'x-app': 'wsi',
    });
    assert.match(
      c.notes[0],
      /^open: Connected with STOMP 1\.1 to STOMP-JS\/1\.3\.0 \(session id\d+\); no heart-beats\.$/,
    );
    const said = await c.s.compose('subscribe', { destination: '/topic/prices', ack: 'client', headers: '{"x-n":1}' });
    assert.equal(said, 'Subscribed to /topic/prices as sub-1 (ack client).');
    await waitFor(() => subscribed.length === 1, 2000, 'the broker to see the SUBSCRIBE');
    srv.broker.send('/topic/prices', { destination: '/topic/prices', 'message-id': 'm-1' }, 'EUR 1.08');
    await waitFor(() => c.received().some((r) => r.startsWith('MESSAGE')), 2000, 'the MESSAGE');
    const message = decode(Buffer.from(c.received().find((r) => r.startsWith('MESSAGE')) as string));
    assert.deepEqual(message?.value, {
      type: 'MESSAGE',
      destination: '/topic/prices',
      id: 'm-1',
      subscription: 'sub-1',
      headers: { destination: '/topic/prices', 'message-id': 'm-1', 'content-length': '8', subscription: 'sub-1' },
      body: 'EUR 1.08',
    });
    assert.equal(message?.summary, 'MESSAGE /topic/prices #m-1 sub sub-1 EUR 1.08');
    assert.deepEqual(message?.columns, { type: 'MESSAGE', subject: '/topic/prices', id: 'm-1' });
    assert.deepEqual(message?.link, { key: 'subscription:sent:sub-1', role: 'reply' });
    const subscribe = decode(Buffer.from(c.sent()[1]), 'sent');
    assert.deepEqual(subscribe?.link, { key: 'subscription:sent:sub-1', role: 'request' });
    assert.equal(c.sent()[1], 'SUBSCRIBE\ndestination:/topic/prices\nid:sub-1\nack:client\nx-n:1\n\n\0');
    assert.equal(await c.s.compose('unsubscribe', {}), 'Unsubscribed sub-1.');
    await waitFor(() => c.sent().length === 3, 2000, 'the UNSUBSCRIBE');
    assert.equal(c.sent()[2], 'UNSUBSCRIBE\nid:sub-1\n\n\0');
    assert.equal(decode(Buffer.from(c.received()[0]))?.handshake, true);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('stomp-broker-js: one client SENDs JSON with headers, another gets the MESSAGE; ACK and NACK as STOMP 1.1 spells them', async () => {
  const srv = await startBroker();
  const a = stompClient(srv.url);
  const b = stompClient(srv.url);
  let subscribed = 0;
  srv.broker.on('subscribe', () => subscribed++);
  try {
    await Promise.all([a.t.connect(), b.t.connect()]);
    await Promise.all([a.s.ready(), b.s.ready()]);
    await a.s.compose('subscribe', { destination: '/queue/orders', id: 'orders', ack: 'client-individual' });
    await waitFor(() => subscribed === 1, 2000, 'the SUBSCRIBE');
    const body = '{"item":"tea","qty":2}';
    const sent = await b.s.compose('send', {
      destination: '/queue/orders',
      headers: '{"content-type":"application/json","priority":9}',
      body,
    });
    assert.equal(sent, `Sent ${body.length} bytes to /queue/orders.`);
    assert.equal(
      b.sent()[1],
      `SEND\ndestination:/queue/orders\ncontent-type:application/json\npriority:9\ncontent-length:${body.length}\n\n${body}\0`,
    );
    await waitFor(() => a.received().some((r) => r.startsWith('MESSAGE')), 2000, 'the MESSAGE at the other client');
    const got = decode(Buffer.from(a.received().find((r) => r.startsWith('MESSAGE')) as string));
    const value = got?.value as { body: unknown; subscription: string; headers: Record<string, string> };
    assert.deepEqual(value.body, { item: 'tea', qty: 2 });
    assert.equal(value.subscription, 'orders');
    assert.equal(value.headers.priority, '9');
    const sendView = decode(Buffer.from(b.sent()[1]), 'sent');
    assert.deepEqual(sendView?.columns, { type: 'SEND', subject: '/queue/orders' });
    // The broker sets no message-id; a server MESSAGE with one lets ACK find its subscription.
    srv.broker.send('/queue/orders', { destination: '/queue/orders', 'message-id': 'm-7' }, 'x');
    await waitFor(() => a.received().filter((r) => r.startsWith('MESSAGE')).length === 2, 2000, 'the second MESSAGE');
    assert.equal(await a.s.compose('ack', { id: 'm-7' }), 'ACK sent for message m-7.');
    assert.equal(
      await a.s.compose('nack', { id: 'm-8', subscription: 'orders', transaction: 'tx1' }),
      'NACK sent for message m-8.',
    );
    await assert.rejects(
      a.s.compose('nack', { id: 'm-9' }),
      (e: Error) =>
        e.message ===
        'NACK in STOMP 1.1 needs the subscription of message m-9: no such MESSAGE was seen; fill Subscription.',
    );
    await waitFor(() => a.sent().length === 4, 2000, 'the ACK and the NACK');
    assert.deepEqual(a.sent().slice(2), [
      'ACK\nmessage-id:m-7\nsubscription:orders\n\n\0',
      'NACK\nmessage-id:m-8\nsubscription:orders\ntransaction:tx1\n\n\0',
    ]);
    assert.deepEqual(decode(Buffer.from(a.sent()[2]), 'sent')?.value, {
      type: 'ACK',
      id: 'm-7',
      subscription: 'orders',
      headers: { 'message-id': 'm-7', subscription: 'orders' },
    });
  } finally {
    a.dispose();
    b.dispose();
    await srv.close();
  }
});

test('stomp-broker-js: an ERROR is a note in STOMP words; a RECEIPT never sent is a bounded wait with a sentence; close() is DISCONNECT, its RECEIPT, then a normal close', async () => {
  const srv = await startBroker();
  const c = stompClient(srv.url, { receiptTimeoutMs: 150 });
  try {
    await c.t.connect();
    await c.s.ready();
    await c.s.compose('unsubscribe', { id: 'nope' });
    await waitFor(() => c.notes.length === 2, 2000, 'the ERROR note');
    assert.equal(c.notes[1], 'error: The STOMP server sent an ERROR: UNSUBSCRIBE ERROR: nope');
    const error = decode(Buffer.from(c.received()[1]));
    assert.equal(error?.label, 'STOMP ERROR');
    assert.equal(error?.summary, 'ERROR UNSUBSCRIBE ERROR nope');
    await assert.rejects(
      c.s.compose('send', { destination: '/topic/x', body: 'hi', receipt: true }),
      (e: Error) => e.message === 'The STOMP server sent no RECEIPT for send-1 within 0.15 s.',
    );
    await assert.rejects(
      c.s.compose('send', { body: 'x' }),
      (e: Error) => e.message === 'Destination is empty: SEND needs one.',
    );
    await assert.rejects(
      c.s.compose('subscribe', { destination: '/t', headers: '[1]' }),
      (e: Error) => e.message === 'More headers must be a JSON object of header names and values.',
    );
    c.s.close();
    await waitFor(() => c.t.state.phase === 'closed', 3000, 'the close');
    assert.equal(c.t.state.phase === 'closed' && c.t.state.byClient && c.t.state.code, 1000);
    const disconnect = c.sent().find((s) => s.startsWith('DISCONNECT')) as string;
    assert.equal(disconnect, 'DISCONNECT\nreceipt:disconnect-2\n\n\0');
    const receipt = c.received().find((s) => s.startsWith('RECEIPT')) as string;
    assert.equal(receipt, 'RECEIPT\nreceipt-id:disconnect-2\n\n\0');
    assert.deepEqual(decode(Buffer.from(disconnect), 'sent')?.link, {
      key: 'receipt:sent:disconnect-2',
      role: 'request',
    });
    assert.deepEqual(decode(Buffer.from(receipt))?.link, { key: 'receipt:sent:disconnect-2', role: 'reply' });
    assert.deepEqual(decode(Buffer.from(receipt))?.columns, { type: 'RECEIPT', id: 'disconnect-2' });
    assert.equal(c.s.phase, 'closed');
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('stomp-broker-js: a CONNECT its middleware refuses is an ERROR, and ready() rejects with it', async () => {
  const srv = await startBroker();
  (srv.broker as unknown as { setMiddleware(c: string, h: () => boolean): void }).setMiddleware('connect', () => false);
  const c = stompClient(srv.url);
  try {
    await c.t.connect();
    await assert.rejects(
      c.s.ready(),
      (e: Error) => e.message === 'The STOMP server refused the connection: CONNECTION ERROR: CONNECTION ERROR',
    );
    assert.equal(c.s.phase, 'closed');
    await assert.rejects(c.s.compose('send', { destination: '/x' }), /not up yet: wait for CONNECTED/);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('stomp-broker-js heart-beats, client to server: a silent client is closed by the broker; ours beats at the negotiated interval and stays', async () => {
  const srv = await startBroker({ heartbeat: [0, 100], heartbeatErrorMargin: 300 });
  const silent = new WebSocket(srv.url);
  const c = stompClient(srv.url, { heartBeat: [100, 0] });
  try {
    // The control: CONNECT offering beats every 100 ms, then none.
    const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
    await new Promise((resolve) => silent.once('open', resolve));
    silent.send('CONNECT\naccept-version:1.1\nheart-beat:100,0\n\n\0');
    const started = Date.now();
    await closed;
    const closedAfter = Date.now() - started;
    await c.t.connect();
    await c.s.ready();
    assert.deepEqual(c.s.heartBeats, { out: 100, in: 0 });
    assert.match(c.notes[0], /; heart-beats sent every 100 ms, not expected\.$/);
    const beats = () => c.sent().filter((s) => s === '\n').length;
    await waitFor(
      () => beats() >= 3 * Math.ceil(closedAfter / 100),
      10_000,
      'heart-beats for three times the silent client lived',
    );
    assert.equal(c.t.state.phase, 'open');
    assert.equal(decode(Buffer.from('\n'), 'sent')?.keepalive, true);
    assert.equal(decode(Buffer.from('\n'), 'sent')?.summary, 'heart-beat');
  } finally {
    silent.terminate();
    c.dispose();
    await srv.close();
  }
});

test('stomp-broker-js heart-beats, server to client: kept healthy while they come; unhealthy in STOMP words when they stop; healthy again on data', async () => {
  const srv = await startBroker({ heartbeat: [100, 0] });
  const c = stompClient(srv.url, { heartBeat: [0, 100] });
  const health: boolean[] = [];
  c.s.onHealth((h) => health.push(h.healthy));
  let subscribed = 0;
  srv.broker.on('subscribe', () => subscribed++);
  try {
    await c.t.connect();
    await c.s.ready();
    assert.deepEqual(c.s.heartBeats, { out: 0, in: 100 });
    await waitFor(() => c.received().filter((r) => r === '\n').length >= 5, 3000, 'five heart-beats from the broker');
    assert.equal(c.s.health.healthy, true);
    assert.deepEqual(health, []);
    await c.s.compose('subscribe', { destination: '/topic/t' });
    await waitFor(() => subscribed === 1, 2000, 'the SUBSCRIBE');
    for (const ws of srv.broker.socket.clients ?? []) srv.broker.heartbeatOff(ws);
    await waitFor(() => !c.s.health.healthy, 3000, 'the session to count the broker unhealthy');
    assert.match(
      String(c.s.health.message),
      /^The STOMP server's heart-beats stopped: nothing from it for \d+ ms \(heart-beat negotiated every 100 ms\)\.$/,
    );
    assert.equal(c.t.state.phase, 'open');
    srv.broker.send('/topic/t', {}, 'still here');
    await waitFor(() => c.s.health.healthy, 2000, 'healthy again');
    assert.deepEqual(health.slice(-1), [true]);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('stomp-broker-js: after the broker drops the connection the transport reconnects, CONNECT is sent again and the subscriptions come back', async () => {
  const srv = await startBroker();
  const c = stompClient(srv.url, {}, { reconnect: { initialDelayMs: 30 } });
  const subscribed: string[] = [];
  srv.broker.on('subscribe', (s) => subscribed.push((s as { id: string }).id));
  try {
    await c.t.connect();
    await c.s.ready();
    await c.s.compose('subscribe', { destination: '/topic/a', id: 'a' });
    await waitFor(() => subscribed.length === 1, 2000, 'the SUBSCRIBE');
    dropClients(srv);
    await waitFor(() => subscribed.length === 2, 5000, 'the SUBSCRIBE after the reconnect');
    assert.equal(c.s.phase, 'ready');
    assert.equal(srv.connects.length, 2);
    assert.equal(c.notes.filter((n) => n.startsWith('open: Connected with STOMP 1.1')).length, 2);
    assert.ok(c.notes.includes('info: Subscribed again after the reconnect: a /topic/a.'));
    srv.broker.send('/topic/a', { destination: '/topic/a' }, 'after');
    await waitFor(
      () => c.received().some((r) => r.endsWith('\n\nafter\0')),
      2000,
      'a MESSAGE on the renewed subscription',
    );
  } finally {
    c.dispose();
    await srv.close();
  }
});
