import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrderedEmitter } from '../../src/core/emitter';
import { createTransport, WebSocketTransport } from '../../src/core/transport';
import { SessionHistory } from '../../src/core/sessions/history';
import { loadSession } from '../../src/core/sessions/load';
import { startWsServer, waitFor } from './helpers';

test('createTransport: ws, wss, http and https URLs get the WebSocket transport', () => {
  for (const url of ['ws://127.0.0.1:1/', 'WSS://example.test/', 'http://127.0.0.1:1/', 'https://example.test/x']) {
    const t = createTransport({ url, handshakeTimeout: 1000 });
    assert.ok(t instanceof WebSocketTransport, url);
    t.dispose();
  }
});

test('createTransport: a scheme no transport opens fails with a sentence naming it, as a state and a note', async () => {
  const t = createTransport({ url: 'ftp://127.0.0.1:1/', handshakeTimeout: 1000 });
  const notes: string[] = [];
  t.onNote((n) => notes.push(`${n.level}: ${n.text}`));
  await assert.rejects(t.connect(), /ftp/);
  assert.equal(t.state.phase, 'error');
  assert.match(notes.join('\n'), /^error: .*ftp/m);
  t.dispose();
});

test('a transport reports messages and notes on separate events: no UI row kinds in what it carries', async () => {
  const srv = await startWsServer();
  srv.server.on('connection', (s) => s.on('message', (m, binary) => s.send(m, { binary })));
  const t = createTransport({ url: srv.url, handshakeTimeout: 2000 });
  const messages: string[] = [];
  const notes: string[] = [];
  t.onMessage((m) => messages.push(`${m.direction} ${m.kind} ${m.payload.toString()}`));
  t.onNote((n) => notes.push(n.level));
  try {
    await t.connect();
    await t.sendText('hi');
    await waitFor(() => messages.length === 2, 2000, 'the echo');
    assert.deepEqual(messages, ['sent text hi', 'received text hi']);
    assert.deepEqual(notes, ['open']);
  } finally {
    t.dispose();
    await srv.close();
  }
});

test('SessionHistory.record: what happens while the file is being created is recorded first, in order', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-hist-'));
  // The server greets at once, so the open and the greeting happen before the file exists.
  const srv = await startWsServer();
  srv.server.on('connection', (s) => s.send('hello'));
  const t = createTransport({ url: srv.url, handshakeTimeout: 2000 });
  try {
    const history = new SessionHistory(join(dir, 'h'), { maxCount: 5, maxBytes: 1 << 20 });
    const recording = history.record(t, { startedAt: Date.now() });
    const received: string[] = [];
    t.onMessage((m) => m.direction === 'received' && received.push(m.payload.toString()));
    await t.connect();
    await waitFor(() => received.length === 1, 2000, 'the greeting');
    const recorder = await recording;
    await t.sendText('after');
    t.close(1000, 'done');
    await waitFor(() => t.state.phase === 'closed', 2000, 'the close');
    await recorder.close();
    const loaded = await loadSession(recorder.path);
    if ('error' in loaded) assert.fail(loaded.error);
    const types = loaded.events.map((e) =>
      e.type === 'message' ? `${e.dir}:${e.kind === 'text' ? e.text : '(binary)'}` : e.type,
    );
    assert.deepEqual(types, ['open', 'received:hello', 'sent:after', 'close']);
  } finally {
    t.dispose();
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OrderedEmitter: a value fired by a listener reaches every listener after the one being delivered', () => {
  const e = new OrderedEmitter<string>();
  const seen: string[] = [];
  e.event((v) => {
    seen.push(`a:${v}`);
    if (v === 'ping') e.fire('pong'); // answers at once, as a protocol session does
  });
  e.event((v) => seen.push(`b:${v}`));
  e.fire('ping');
  assert.deepEqual(seen, ['a:ping', 'b:ping', 'a:pong', 'b:pong']);
});
