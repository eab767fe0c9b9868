import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebSocket } from 'ws';
import { WebSocketTransport, type Transport } from '../../src/core/transport';
import { EchoServer } from '../../src/core/echoServer';
import { eventPayload, sessionMessages, REDACTED, type Session } from '../../src/core/sessions/format';
import { loadSession, type LoadResult } from '../../src/core/sessions/load';
import { SessionRecorder } from '../../src/core/sessions/recorder';
import { SessionHistory } from '../../src/core/sessions/history';
import { startWsServer, waitFor } from './helpers';

/** Set in the child process that records until it is killed. */
const CHILD = process.env.WSI_SESSION_RECORD_CHILD;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'wsi-session-'));
}

function loaded(r: LoadResult): Session & { notices: string[] } {
  if ('error' in r) assert.fail(r.error);
  return r;
}

/** Sends `count` numbered messages (`{"seq":n,…}`), in chunks so the event loop keeps turning. */
function flood(socket: WebSocket, count: number, chunk = 500): void {
  let seq = 0;
  const pad = 'x'.repeat(40);
  const step = () => {
    for (let i = 0; i < chunk && seq < count && socket.readyState === socket.OPEN; i++)
      socket.send(`{"seq":${seq++},"pad":"${pad}"}`);
    if (seq < count && socket.readyState === socket.OPEN) setImmediate(step);
  };
  step();
}

function seqs(session: Session): number[] {
  return sessionMessages(session, 'received').map((m) => (JSON.parse(m.text ?? '') as { seq: number }).seq);
}

function hashFrames(frames: Array<{ dir: string; kind: string; payload: Buffer }>): string {
  const h = createHash('sha256');
  for (const f of frames) {
    h.update(`${f.dir}/${f.kind}/${f.payload.length}/`);
    h.update(f.payload);
  }
  return h.digest('hex');
}

async function closeConnection(c: Transport): Promise<void> {
  if (c.state.phase !== 'open') return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2000);
    c.onState((s) => {
      if (s.phase === 'closed' || s.phase === 'error') {
        clearTimeout(timer);
        resolve();
      }
    });
    c.close(1000, 'done');
  });
}

if (CHILD) {
  // The child: connect, record everything, never stop on its own (the parent kills it).
  const { url, file } = JSON.parse(CHILD) as { url: string; file: string };
  const connection = new WebSocketTransport({ url, handshakeTimeout: 5000 });
  void SessionRecorder.forConnection(file, connection).then(() => connection.connect());
  setTimeout(() => process.exit(3), 20_000);
} else {
  test('records a flood of 25,000 messages in order, then loads them all', async () => {
    const count = 25_000;
    const server = await startWsServer();
    server.server.on('connection', (s) => flood(s, count));
    const dir = tempDir();
    const connection = new WebSocketTransport({ url: server.url, handshakeTimeout: 5000 });
    try {
      const file = join(dir, 'flood.wslog');
      const recorder = await SessionRecorder.forConnection(file, connection);
      let received = 0;
      connection.onMessage((f) => {
        if (f.direction === 'received' && f.kind === 'text') received++;
      });
      await connection.connect();
      await waitFor(() => received >= count, 20_000, 'the flood');
      await closeConnection(connection);
      await recorder.close();
      const session = loaded(await loadSession(file));
      assert.deepEqual(session.notices, []);
      const got = seqs(session);
      assert.equal(got.length, count);
      assert.ok(
        got.every((s, i) => s === i),
        'every message, in order',
      );
      assert.deepEqual(
        session.events.filter((e) => e.type !== 'message').map((e) => e.type),
        ['open', 'close'],
      );
      assert.equal(session.header.url, server.url);
    } finally {
      connection.dispose();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a recorder killed with SIGKILL mid-flood leaves a file that loads every flushed message in order', async () => {
    const server = await startWsServer();
    server.server.on('connection', (s) => flood(s, 2_000_000, 200));
    const dir = tempDir();
    const file = join(dir, 'killed.wslog');
    const child = spawn(process.execPath, [__filename], {
      env: { ...process.env, WSI_SESSION_RECORD_CHILD: JSON.stringify({ url: server.url, file }) },
      stdio: 'ignore',
    });
    try {
      const size = () => {
        try {
          return statSync(file).size;
        } catch {
          return 0;
        }
      };
      await waitFor(() => size() > 2 * 1024 * 1024, 20_000, 'the child to write 2 MB');
      child.kill('SIGKILL');
      await new Promise<void>((resolve) =>
        child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
      );
      assert.equal(child.signalCode, 'SIGKILL');
      const text = readFileSync(file, 'utf8');
      const completeMessageLines = text
        .split('\n')
        .slice(0, -1)
        .filter((l) => l.startsWith('{"type":"message"')).length;
      const session = loaded(await loadSession(file));
      const got = seqs(session);
      assert.ok(got.length > 10_000, `loaded ${got.length} messages`);
      assert.equal(got.length, completeMessageLines, 'every complete line is loaded');
      assert.ok(
        got.every((s, i) => s === i),
        'in order, none missing',
      );
      if (!text.endsWith('\n'))
        assert.match(
          session.notices.join(' '),
          /The last line was incomplete \(the recording was cut off\); \d+ events loaded\./,
        );
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('record → load gives back the same messages, bytes and order (sha256)', async () => {
    const echo = await EchoServer.start({ port: 0 });
    const dir = tempDir();
    const connection = new WebSocketTransport({ url: echo.url, handshakeTimeout: 5000 });
    const seen: Array<{ dir: string; kind: string; payload: Buffer }> = [];
    try {
      const file = join(dir, 'echo.wslog');
      const recorder = await SessionRecorder.forConnection(file, connection, { redact: false });
      connection.onMessage((f) => {
        if (f.kind === 'text' || f.kind === 'binary')
          seen.push({ dir: f.direction, kind: f.kind, payload: Buffer.from(f.payload) });
      });
      await connection.connect();
      const texts = ['hello', 'ünïcødé ✓ 😀', '', '{"a":[1,2,{"b":null}]}', 'line1\nline2\r\n', 'x'.repeat(100_000)];
      const binaries = [
        Buffer.from([0, 1, 2, 255]),
        Buffer.alloc(0),
        Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 256)),
      ];
      for (let i = 0; i < 200; i++) {
        if (i % 3 === 2) await connection.sendBinary(binaries[i % binaries.length]);
        else await connection.sendText(`${texts[i % texts.length]}#${i}`);
      }
      await waitFor(() => seen.filter((f) => f.dir === 'received').length === 200, 5000, 'the echoes');
      await closeConnection(connection);
      await recorder.close();
      const session = loaded(await loadSession(file));
      const back = sessionMessages(session).map((m) => ({ dir: m.dir, kind: m.kind, payload: eventPayload(m) }));
      assert.equal(back.length, 400);
      assert.equal(hashFrames(back), hashFrames(seen));
    } finally {
      connection.dispose();
      await echo.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('redacts credential headers and secret values in headers, URL and message text unless redact is false', async () => {
    const dir = tempDir();
    try {
      const options = {
        url: 'ws://127.0.0.1:1/?token=tok-12345',
        options: {
          headers: { Authorization: 'Bearer tok-12345', Cookie: 'sid=1', 'X-Trace': 'keep-me', 'X-Api': 'tok-12345' },
        },
        secrets: ['tok-12345'],
      };
      const redacted = await SessionRecorder.create(join(dir, 'a.wslog'), options);
      const plain = await SessionRecorder.create(join(dir, 'b.wslog'), { ...options, redact: false });
      for (const r of [redacted, plain]) {
        r.recordMessage({
          time: Date.now(),
          direction: 'sent',
          kind: 'text',
          payload: Buffer.from('{"auth":"tok-12345"}'),
        });
        r.setResponse({ status: 101, headers: { 'Set-Cookie': 'sid=2', Upgrade: 'websocket' } });
        r.recordState({ phase: 'open', url: options.url, protocol: '', extensions: '', since: Date.now() });
        await r.close();
      }
      const a = readFileSync(join(dir, 'a.wslog'), 'utf8');
      assert.ok(!a.includes('tok-12345') && !a.includes('sid=1') && !a.includes('sid=2'), a);
      const s = loaded(await loadSession(join(dir, 'a.wslog')));
      assert.equal(s.header.options.headers?.Authorization, REDACTED);
      assert.equal(s.header.options.headers?.['X-Trace'], 'keep-me');
      assert.equal(s.header.options.headers?.['X-Api'], REDACTED);
      assert.equal(s.header.url, `ws://127.0.0.1:1/?token=${REDACTED}`);
      assert.equal(sessionMessages(s)[0].text, `{"auth":"${REDACTED}"}`);
      assert.equal(s.header.handshake?.response?.headers['Set-Cookie'], REDACTED);
      assert.equal(s.header.redacted, true);
      const b = readFileSync(join(dir, 'b.wslog'), 'utf8');
      assert.ok(b.includes('Bearer tok-12345') && b.includes('sid=2'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('measures: record and load 100,000 messages', async (t) => {
    const dir = tempDir();
    try {
      const file = join(dir, 'big.wslog');
      const n = 100_000;
      const payloads = Array.from({ length: 64 }, (_, i) =>
        Buffer.from(`{"seq":${i},"price":${100 + i / 7},"side":"buy","pad":"${'y'.repeat(i)}"}`),
      );
      const started = performance.now();
      const recorder = await SessionRecorder.create(file, { url: 'ws://127.0.0.1:1', secrets: ['not-there-secret'] });
      const t0 = Date.now();
      for (let i = 0; i < n; i++)
        recorder.recordMessage({
          time: t0 + (i >> 6),
          direction: i % 10 ? 'received' : 'sent',
          kind: 'text',
          payload: payloads[i & 63],
        });
      await recorder.close();
      const recordMs = performance.now() - started;
      const size = statSync(file).size;
      const loadStarted = performance.now();
      const session = loaded(await loadSession(file));
      const loadMs = performance.now() - loadStarted;
      assert.equal(sessionMessages(session).length, n);
      t.diagnostic(
        `record 100k messages: ${recordMs.toFixed(0)} ms; load: ${loadMs.toFixed(0)} ms; file ${(size / 1024 / 1024).toFixed(1)} MiB`,
      );
      assert.ok(recordMs < 10_000 && loadMs < 10_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('history: lists recordings newest first with URL, start, message count and size; prunes the oldest past the limits', async () => {
    const dir = tempDir();
    try {
      const history = new SessionHistory(join(dir, 'history'), { maxCount: 3, maxBytes: 1024 * 1024 });
      const files: string[] = [];
      for (let i = 0; i < 5; i++) {
        const connection = new WebSocketTransport({ url: `ws://127.0.0.1:${1000 + i}/`, handshakeTimeout: 1000 });
        const recorder = await history.record(connection, { startedAt: Date.UTC(2024, 0, 1, 0, 0, i) });
        for (let k = 0; k <= i; k++)
          recorder.recordMessage({
            time: Date.UTC(2024, 0, 1, 0, 0, i),
            direction: 'received',
            kind: 'text',
            payload: Buffer.from(`m${k}`),
          });
        await recorder.close();
        files.push(recorder.path);
        connection.dispose();
      }
      const list = await history.list();
      // Room was made before each new recording: the 3 newest remain.
      assert.deepEqual(
        list.map((e) => [e.url, e.messages]),
        [
          ['ws://127.0.0.1:1004/', 5],
          ['ws://127.0.0.1:1003/', 4],
          ['ws://127.0.0.1:1002/', 3],
        ],
      );
      assert.ok(list.every((e) => e.size > 0 && e.startedAt.startsWith('2024-01-01')));
      const small = new SessionHistory(join(dir, 'history'), { maxCount: 10, maxBytes: list[0].size + list[1].size });
      const removed = await small.prune();
      assert.deepEqual(removed, [list[2].file]);
      assert.equal((await small.list()).length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
