import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli';
import { relayMain } from '../../src/core/relay/cli';
import { recordingPath } from '../../src/core/relay/record';
import { loadSession } from '../../src/core/sessions/load';
import { startWsServer, waitFor } from './helpers';
import { client, opened } from './relay.helpers';

test('wsi relay: one line per connection and per message, a recording per connection, stopped cleanly', async () => {
  const target = await startWsServer();
  target.server.on('connection', (ws) => ws.on('message', (d) => ws.send(`echo:${d.toString()}`)));
  const dir = mkdtempSync(join(tmpdir(), 'wsi-relay-'));
  const lines: string[] = [];
  const errors: string[] = [];
  const stop = new AbortController();
  const record = join(dir, 'app.wslog');
  const running = relayMain(
    ['--listen', '0', '--target', target.url, '--record', record],
    (s) => lines.push(s),
    (s) => errors.push(s),
    stop.signal,
  );
  try {
    await waitFor(() => lines.some((l) => l.startsWith('Relay listening')));
    const port = /:(\d+) →/.exec(lines.find((l) => l.startsWith('Relay listening')) ?? '')?.[1];
    const c = client(`ws://127.0.0.1:${port}/chat?x=1`);
    await opened(c.ws);
    c.ws.send('hi');
    await waitFor(() => c.texts.length === 1);
    c.ws.close(1000);
    await c.closed;
    await waitFor(() => lines.some((l) => l.startsWith('■ #1 ended')));
    stop.abort();
    assert.equal(await running, 0);
    const text = lines.join('\n');
    assert.match(text, new RegExp(`▶ #1 127\\.0\\.0\\.1:\\d+ → ${target.url}/chat\\?x=1`));
    assert.match(text, /#1 → text {3}hi {2}\(\d+\.\d\d ms\)/);
    assert.match(text, /#1 ← text {3}echo:hi/);
    assert.match(text, /■ #1 ended: 1 sent, 1 received, 0 dropped\./);
    assert.match(text, /Relay stopped: 1 connections, 0 refused\./);
    const session = await loadSession(recordingPath(record, 1));
    assert.ok(!('error' in session), 'error' in session ? session.error : '');
    if ('error' in session) return;
    const messages = session.events.filter((e) => e.type === 'message');
    assert.deepEqual(
      messages.map((m) => (m.type === 'message' ? `${m.dir} ${m.text}` : '')),
      ['sent hi', 'received echo:hi'],
    );
  } finally {
    stop.abort();
    await running;
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wsi relay: bad usage exits 2 with a sentence; a taken port exits 1', async () => {
  const errors: string[] = [];
  const err = (s: string) => errors.push(s);
  assert.equal(await relayMain(['--target', 'ws://127.0.0.1:1'], () => undefined, err), 2);
  assert.match(errors.pop() ?? '', /needs --listen PORT/);
  assert.equal(await relayMain(['--listen', '0', '--target', 'http://x'], () => undefined, err), 2);
  assert.match(errors.pop() ?? '', /ws:\/\/ or wss:\/\//);
  const taken = await startWsServer();
  const port = new URL(taken.url).port;
  try {
    assert.equal(await relayMain(['--listen', port, '--target', 'ws://127.0.0.1:1'], () => undefined, err), 1);
    assert.match(errors.pop() ?? '', /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/);
  } finally {
    await taken.close();
  }
  const help: string[] = [];
  assert.equal(await main(['relay', '--help'], (s) => help.push(s)), 0);
  assert.match(help.join(''), /^wsi relay --listen PORT --target URL/);
  assert.equal(recordingPath('/a/b.wslog', 3), '/a/b-3.wslog');
  assert.equal(recordingPath('/a.b/c', 2), '/a.b/c-2');
});
