import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROTOCOLS, detectProtocol, sockJs, stomp, type Protocol } from '../../src/core/protocols';
import { createTransport, type TransportMessage } from '../../src/core/transport';
import { waitFor } from './helpers';
import { startBroker, startSockJsEcho, stompClient } from './protocol.stomp.servers';

// STOMP over SockJS against stomp-broker-js' sockjs adapter, and raw SockJS framing against the
// `sockjs` server (an echo), decoded by the view-only SockJS decoder.

const view = (url: string, m: Pick<TransportMessage, 'direction' | 'payload'>, protocol: Protocol = stomp) =>
  protocol.decoder({ url }).decode({ index: 0, direction: m.direction, kind: 'text', payload: m.payload });

test('STOMP over SockJS (stomp-broker-js): an http URL opens …/<server>/<session>/websocket; o, CONNECT, CONNECTED, SUBSCRIBE, MESSAGE, DISCONNECT, all inside SockJS framing', async () => {
  const srv = await startBroker({ protocol: 'sockjs' });
  const c = stompClient(srv.url);
  let subscribed = 0;
  srv.broker.on('subscribe', () => subscribed++);
  try {
    assert.match(c.url, /^ws:\/\/127\.0\.0\.1:\d+\/stomp\/\d{3}\/[a-z0-9]+\/websocket$/);
    assert.equal(c.s.settings.sockjs, true);
    await c.t.connect();
    await c.s.ready();
    assert.equal(c.received()[0], 'o');
    assert.match(
      c.sent()[0],
      /^\["CONNECT\\naccept-version:1\.0,1\.1,1\.2\\nhost:127\.0\.0\.1\\nheart-beat:10000,10000\\n\\n\\u0000"\]$/,
    );
    assert.match(c.notes[0], /^open: Connected with STOMP 1\.1 to STOMP-JS/);
    await c.s.compose('subscribe', { destination: '/topic/news' });
    await waitFor(() => subscribed === 1, 2000, 'the SUBSCRIBE');
    srv.broker.send('/topic/news', { destination: '/topic/news', 'message-id': 'n1' }, 'hello');
    await waitFor(() => c.received().some((r) => r.startsWith('a["MESSAGE')), 2000, 'the MESSAGE');
    const views = c.messages.filter((m) => m.kind === 'text').map((m) => view(c.url, m));
    assert.deepEqual(
      views.map((v) => v?.label),
      [
        'SockJS open',
        'STOMP CONNECT over SockJS',
        'STOMP CONNECTED over SockJS',
        'STOMP SUBSCRIBE over SockJS',
        'STOMP MESSAGE over SockJS',
      ],
    );
    assert.equal(views[0]?.handshake, true);
    const message = views[4];
    assert.equal((message?.value as { body: string }).body, 'hello');
    assert.deepEqual(message?.link, { key: 'subscription:sent:sub-1', role: 'reply' });
    assert.deepEqual(views[3]?.link, { key: 'subscription:sent:sub-1', role: 'request' });
    // stomp-broker-js counts content-length in characters: for "héllo" the NUL is one byte later than it says.
    srv.broker.send('/topic/news', { destination: '/topic/news' }, 'héllo');
    await waitFor(() => c.notes.length === 2, 2000, 'the note on the malformed MESSAGE');
    const problem =
      "The MESSAGE frame's body of content-length 5 ends at byte 74, where its NUL terminator should be, but that byte is 0x6f.";
    assert.equal(c.notes[1], `error: The STOMP server sent a malformed frame: ${problem}`);
    const bad = view(c.url, c.messages[c.messages.length - 1]);
    assert.equal(bad?.problem, problem);
    assert.equal(bad?.label, 'STOMP (malformed) over SockJS');
    c.s.close();
    await waitFor(() => c.t.state.phase === 'closed', 3000, 'the close');
    assert.ok(c.received().includes('a["RECEIPT\\nreceipt-id:disconnect-1\\n\\n\\u0000"]'));
    assert.equal(c.t.state.phase === 'closed' && c.t.state.byClient, true);
  } finally {
    c.dispose();
    await srv.close();
  }
});

test('STOMP over SockJS (stomp-broker-js): heart-beats go as ["\\n"] and keep the connection past the broker\'s timeout', async () => {
  const srv = await startBroker({ protocol: 'sockjs', heartbeat: [0, 100], heartbeatErrorMargin: 300 });
  const c = stompClient(srv.url, { heartBeat: [100, 0] });
  try {
    await c.t.connect();
    await c.s.ready();
    assert.deepEqual(c.s.heartBeats, { out: 100, in: 0 });
    await waitFor(() => c.sent().filter((s) => s === '["\\n"]').length >= 12, 5000, 'twelve heart-beats');
    assert.equal(c.t.state.phase, 'open');
    const beat = view(c.url, { direction: 'sent', payload: Buffer.from('["\\n"]') });
    assert.equal(beat?.keepalive, true);
    assert.equal(beat?.label, 'STOMP heart-beat over SockJS');
  } finally {
    c.dispose();
    await srv.close();
  }
});

// sockjs-node beats with WebSocket pings on its WebSocket transport (its `h` frames are for the others).
test('SockJS (the sockjs server, view only): o, a[…] echoes, its pings answered, c[3001,"bye"]; STOMP inside is read as STOMP', async () => {
  const srv = await startSockJsEcho(100);
  const e = sockJs.endpoint(srv.url);
  assert.ok(!('error' in e));
  const t = createTransport({ url: e.url, handshakeTimeout: 2000 });
  const s = sockJs.attach(t, {});
  const got: TransportMessage[] = [];
  t.onMessage((m) => got.push(m));
  try {
    assert.equal(detectProtocol(PROTOCOLS, { url: e.url })?.protocol.id, 'sockjs');
    await t.connect();
    await s.ready();
    assert.equal(s.phase, 'ready');
    await t.sendText('["hello","world"]');
    await t.sendText('["SEND\\ndestination:/x\\n\\nhi\\u0000"]');
    await waitFor(
      () => got.some((m) => m.kind === 'ping' && m.direction === 'received'),
      3000,
      "sockjs' heartbeat ping",
    );
    await t.sendText('["close"]');
    await waitFor(() => t.state.phase === 'closed', 3000, 'the server to close');
    const received = got.filter((m) => m.direction === 'received' && m.kind === 'text');
    const views = received.map((m) => view(e.url, m, sockJs));
    const labels = views.map((v) => v?.label);
    // sockjs-node writes each message of an array in its own a frame.
    assert.deepEqual(labels.slice(0, 4), ['SockJS open', 'SockJS message', 'SockJS message', 'STOMP SEND over SockJS']);
    assert.equal(labels[labels.length - 1], 'SockJS close');
    assert.deepEqual(views[1]?.value, { type: 'message', messages: ['hello'] });
    assert.equal(views[2]?.summary, 'SockJS a["world"]');
    assert.deepEqual((views[3]?.value as { type: string; body: string }).body, 'hi');
    assert.deepEqual(views[views.length - 1]?.value, { type: 'close', code: 3001, reason: 'bye' });
    const sentView = view(e.url, { direction: 'sent', payload: Buffer.from('["hello","world"]') }, sockJs);
    assert.deepEqual(sentView?.value, { type: 'message', messages: ['hello', 'world'] });
    assert.equal(s.phase, 'closed');
  } finally {
    s.dispose();
    t.dispose();
    await srv.close();
  }
});

test('STOMP over SockJS: a c frame from the server is a note with its code and reason; a session that never opens times out with a sentence', async () => {
  const srv = await startSockJsEcho();
  const c = stompClient(srv.url, { connectTimeoutMs: 300 });
  try {
    await c.t.connect();
    // The echo server sends CONNECT back, never CONNECTED.
    await assert.rejects(
      c.s.ready(),
      (e: Error) => e.message === 'The STOMP server did not answer CONNECT with CONNECTED within 0.3 s.',
    );
    await c.t.sendText('["close"]');
    await waitFor(() => c.t.state.phase === 'closed', 3000, 'the server to close');
    assert.ok(c.notes.includes('error: The SockJS server closed the session: 3001 bye.'), c.notes.join('\n'));
  } finally {
    c.dispose();
    await srv.close();
  }
});
