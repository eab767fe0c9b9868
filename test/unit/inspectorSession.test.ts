import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { InspectorSession } from '../../src/core/inspector/session';
import { parseFromWebview } from '../../src/core/webviewMessages';
import { checkConnectUrl, checkWebSocketUrl, shortTitle } from '../../src/core/url';
import { PROTOCOL_VERSION, type ToWebview } from '../../src/shared/protocol';
import { startWsServer, waitFor } from './helpers';

describe('InspectorSession', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('posts nothing before ready, then a snapshot, then batched ticks at most ~60 a second', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    const COUNT = 20000;
    srv.server.on('connection', (ws) => {
      ws.on('message', () => {
        for (let i = 0; i < COUNT; i++) ws.send(`message ${i}`);
      });
    });
    const posted: Array<{ at: number; message: ToWebview }> = [];
    const session = new InspectorSession({ url: srv.url, handshakeTimeout: 2000 }, (message) =>
      posted.push({ at: Date.now(), message }),
    );
    cleanups.push(() => session.dispose());
    await session.connect();
    assert.equal(posted.length, 0, 'nothing posted before ready');
    session.handle({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
    assert.equal(posted[0].message.type, 'snapshot');
    session.handle({ type: 'viewport', start: 0, count: 30, follow: true });
    await session.sendText('go');
    await waitFor(() => session.stats.receivedMessages === COUNT, 10000, 'all messages');
    await new Promise((r) => setTimeout(r, 50));
    const ticks = posted.filter((p) => p.message.type === 'tick');
    const last = ticks[ticks.length - 1].message as Extract<ToWebview, { type: 'tick' }>;
    assert.equal(last.stats.receivedMessages, COUNT);
    assert.equal(last.rows?.at(-1)?.preview, `message ${COUNT - 1}`, 'following: the tail rows travel with the tick');
    assert.equal(last.rows?.length, 30);
    // No two ticks closer than the interval allows (the viewport answer is immediate, skip it).
    const spaced = ticks.slice(1).map((t) => t.at);
    const span = (spaced.at(-1)! - spaced[0]) / 1000;
    assert.ok(spaced.length <= Math.ceil(span * 60) + 2, `${spaced.length} ticks in ${span}s`);
    assert.ok(ticks.length < COUNT / 10, 'batched, not one post per message');
  });

  test('a viewport away from the tail gets rows only when they change', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) => ws.on('message', (d) => ws.send(d.toString())));
    const posted: ToWebview[] = [];
    const session = new InspectorSession({ url: srv.url, handshakeTimeout: 2000 }, (m) => posted.push(m));
    cleanups.push(() => session.dispose());
    await session.connect();
    session.handle({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
    for (let i = 0; i < 10; i++) await session.sendText(`m${i}`);
    await waitFor(() => session.stats.receivedMessages === 10, 2000, 'echoes');
    posted.length = 0;
    session.handle({ type: 'viewport', start: 2, count: 3, follow: false });
    await waitFor(() => posted.some((m) => m.type === 'tick'), 1000, 'the batched answer');
    const answer = posted.find((m) => m.type === 'tick') as Extract<ToWebview, { type: 'tick' }>;
    assert.deepEqual(
      answer.rows?.map((r) => r.index),
      [2, 3, 4],
    );
    posted.length = 0;
    await session.sendText('later');
    await waitFor(() => posted.some((m) => m.type === 'tick'), 2000, 'a tick');
    const tick = posted.find((m) => m.type === 'tick') as Extract<ToWebview, { type: 'tick' }>;
    assert.equal(tick.rows, undefined, 'rows outside the viewport are not sent');
  });

  test('sendText requests get exactly one response, also on failure', async () => {
    const posted: ToWebview[] = [];
    const session = new InspectorSession({ url: 'ws://127.0.0.1:1/', handshakeTimeout: 500 }, (m) => posted.push(m));
    session.handle({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
    session.handle({ type: 'sendText', id: 7, text: 'x' });
    await waitFor(() => posted.some((m) => m.type === 'response'), 1000, 'response');
    const responses = posted.filter((m) => m.type === 'response');
    assert.deepEqual(responses, [
      { type: 'response', id: 7, ok: false, error: 'Not connected. Reconnect, then send again.' },
    ]);
    session.dispose();
  });
});

describe('parseFromWebview', () => {
  test('accepts well-formed messages and clamps viewport size', () => {
    assert.deepEqual(parseFromWebview({ type: 'ready', protocolVersion: 1 }), { type: 'ready', protocolVersion: 1 });
    assert.deepEqual(parseFromWebview({ type: 'viewport', start: 0, count: 1e6, follow: true }), {
      type: 'viewport',
      start: 0,
      count: 500,
      follow: true,
    });
    assert.deepEqual(parseFromWebview({ type: 'sendText', id: 1, text: 'hi', extra: 1 }), {
      type: 'sendText',
      id: 1,
      text: 'hi',
    });
  });
  test('rejects the wrong shape', () => {
    for (const bad of [
      null,
      'ready',
      42,
      {},
      { type: 'nope' },
      { type: 'viewport', start: -1, count: 2, follow: true },
      { type: 'viewport', start: '0', count: 2, follow: true },
      { type: 'sendText', id: 1.5, text: 'x' },
      { type: 'sendText', id: 1, text: 5 },
      { type: 'ready' },
    ]) {
      assert.equal(parseFromWebview(bad), undefined, JSON.stringify(bad));
    }
  });
});

describe('checkWebSocketUrl', () => {
  test('accepts ws and wss', () => {
    assert.deepEqual(checkWebSocketUrl(' ws://127.0.0.1:9000/a?b=1 '), { ok: true, url: 'ws://127.0.0.1:9000/a?b=1' });
    assert.equal(checkWebSocketUrl('wss://example.com').ok, true);
  });
  test('refuses anything else and says why', () => {
    const http = checkWebSocketUrl('http://localhost:8080/x');
    assert.equal(http.ok, false);
    assert.match(
      (http as { message: string }).message,
      /Only ws:\/\/ and wss:\/\/.*Did you mean ws:\/\/localhost:8080\/x\?/,
    );
    assert.match((checkWebSocketUrl('ftp://x') as { message: string }).message, /uses ftp/);
    assert.match((checkWebSocketUrl('not a url') as { message: string }).message, /is not a URL/);
    assert.match((checkWebSocketUrl('') as { message: string }).message, /Type a WebSocket URL/);
  });
  test('Connect… also takes http(s):// URLs, as Socket.IO; anything else as checkWebSocketUrl says', () => {
    assert.deepEqual(checkConnectUrl(' http://127.0.0.1:3000/admin '), {
      ok: true,
      url: 'http://127.0.0.1:3000/admin',
      socketIo: true,
    });
    assert.equal(checkConnectUrl('https://example.com').ok, true);
    assert.deepEqual(checkConnectUrl('ws://x/'), { ok: true, url: 'ws://x/' });
    assert.match((checkConnectUrl('ftp://x') as { message: string }).message, /uses ftp/);
    assert.equal(checkConnectUrl('http://').ok, false);
  });
  test('"Open in editor" on a frame row opens that frame, not the message with the same index', async () => {
    // Pings and a fragmented message between messages: frame and message indexes part ways.
    const srv = await startWsServer({ perMessageDeflate: false });
    const session = new InspectorSession(
      { url: srv.url, handshakeTimeout: 2000, perMessageDeflate: false },
      () => undefined,
    );
    try {
      srv.server.on('connection', (ws) => {
        ws.on('message', () => {
          ws.ping();
          ws.ping();
          ws.send('frag-', { fin: false });
          ws.send('ment', { fin: true });
          ws.send('last');
        });
      });
      await session.connect();
      session.handle({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
      await session.sendText('go');
      await waitFor(() => session.stats.receivedMessages === 2, 2000, 'both messages');
      const frames = session.connection.frames;
      await waitFor(() => frames.length >= 6, 2000, 'every frame header');
      const last = frames
        .slice(0, frames.length)
        .findIndex((f) => f.direction === 'received' && f.opcodeName === 'text' && f.payloadLength === 4 && f.fin);
      assert.ok(last > 0, 'the frame of "last"');
      session.handle({ type: 'setListMode', mode: 'frames' });
      const opened = session.editorContent(last);
      assert.ok(opened, 'the frame is found');
      const shown = JSON.parse(opened.payload.toString('utf8')) as {
        index: number;
        opcodeName: string;
        payloadLength: number;
      };
      assert.equal(shown.index, last);
      assert.equal(shown.opcodeName, 'text');
      assert.equal(shown.payloadLength, 4);
      assert.match(opened.label, new RegExp(`frame ${last + 1}`));
      session.handle({ type: 'setListMode', mode: 'messages' });
      const rows = session.store.summaries(0, session.store.length);
      const lastRow = rows.findIndex((r) => r.preview === 'last');
      assert.equal(
        session.editorContent(lastRow)?.payload.toString('utf8'),
        'last',
        'in the messages list the index is a message index',
      );
    } finally {
      session.dispose();
      await srv.close();
    }
  });

  test('a view of another protocol version gets nothing posted and a sentence to show instead', () => {
    const posted: ToWebview[] = [];
    const session = new InspectorSession({ url: 'ws://127.0.0.1:9/', handshakeTimeout: 2000 }, (m) => posted.push(m));
    try {
      const sentences: string[] = [];
      session.onStaleView((s) => sentences.push(s));
      session.handle({ type: 'ready', protocolVersion: PROTOCOL_VERSION + 1 });
      assert.equal(posted.length, 0, 'no snapshot for a page that may read it wrong');
      assert.equal(sentences.length, 1);
      assert.match(sentences[0], /The inspector page is from another version of the extension .*reload the window/);
      session.handle({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
      assert.equal(posted[0]?.type, 'snapshot', 'a matching page is answered as before');
      assert.equal(sentences.length, 1);
    } finally {
      session.dispose();
    }
  });

  test('a panel restored after a reload with history off says its messages were not kept, and why', () => {
    const posted: ToWebview[] = [];
    const session = new InspectorSession({ url: 'ws://127.0.0.1:9/', handshakeTimeout: 2000 }, (m) => posted.push(m));
    try {
      session.handle({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
      session.markEndedByReload(undefined, false);
      const state = session.state;
      assert.equal(state.phase, 'closed');
      assert.match(
        state.phase === 'closed' ? (state.message ?? '') : '',
        /Messages were not kept across the reload because history is off \(setting websocketInspector\.history\.enabled\)/,
      );
      const last = posted.at(-1);
      assert.ok(
        last?.type === 'snapshot' && JSON.stringify(last.snapshot.state).includes('history is off'),
        'the view is told',
      );
      session.markEndedByReload(undefined, true);
      assert.doesNotMatch(
        session.state.phase === 'closed' ? (session.state.message ?? '') : '',
        /history is off/,
        'with history on nothing is claimed',
      );
    } finally {
      session.dispose();
    }
  });

  test('titles are host and path', () => {
    assert.equal(shortTitle('ws://127.0.0.1:9000/chat/room'), '127.0.0.1:9000/chat/room');
    assert.equal(shortTitle('wss://example.com/'), 'example.com');
  });
});

describe('maskUrl (the one masker)', () => {
  test('masks passwords, secret-looking query values and resolved secrets; keeps the rest', async () => {
    const { maskUrl: logSafeUrl } = await import('../../src/core/mask.js');
    assert.equal(
      logSafeUrl('wss://me:hunter22@api.test/feed?token=abc123&room=7&api_key=zzz', []),
      'wss://me:[redacted]@api.test/feed?token=[redacted]&room=7&api_key=[redacted]',
    );
    assert.equal(logSafeUrl('ws://h/rooms/s3cr3t-room', ['s3cr3t-room']), 'ws://h/rooms/[redacted]');
    assert.equal(logSafeUrl('ws://h/plain?x=1'), 'ws://h/plain?x=1');
  });
});
