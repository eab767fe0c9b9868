import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { WebSocketTransport } from '../../src/core/transport';
import { compareAnswers } from '../../src/core/sessions/compare';
import { exportAsWsFile, exportMessagesJsonl } from '../../src/core/sessions/exportWs';
import { messageEvent, serializeSession, sessionMessages, type Session } from '../../src/core/sessions/format';
import { loadSession } from '../../src/core/sessions/load';
import { serveSession } from '../../src/core/sessions/mockServer';
import { SessionRecorder } from '../../src/core/sessions/recorder';
import { replaySession } from '../../src/core/sessions/replay';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest } from '../../src/core/wsfile/run';
import { startWsServer, waitFor } from './helpers';

const CLI = join(__dirname, '..', '..', 'src', 'cli.js');
const IGNORE = ['$.ts', '$.data[*].id'];

/** A server that greets, then acks each {"n"} with a timestamp and a random id; `changed` alters the answer to n = 2. */
async function ackServer(changed = false) {
  const s = await startWsServer();
  s.server.on('connection', (socket) => {
    socket.send(JSON.stringify({ hello: true, ts: Date.now() }));
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        socket.send(Buffer.concat([Buffer.from([0xaa]), data as Buffer]));
        return;
      }
      const { n } = JSON.parse(String(data)) as { n: number };
      socket.send(
        JSON.stringify({
          ack: n,
          ts: Date.now(),
          data: [{ id: Math.random().toString(36).slice(2), v: changed && n === 2 ? 999 : n }],
        }),
      );
    });
  });
  return s;
}

/** Records a conversation with `url`: three JSON messages and one binary, each after its answer. */
async function recordConversation(url: string, dir: string): Promise<Session> {
  const file = join(dir, `rec-${Date.now()}-${Math.random()}.wslog`);
  const connection = new WebSocketTransport({ url, handshakeTimeout: 5000 });
  const recorder = await SessionRecorder.forConnection(file, connection);
  let received = 0;
  connection.onMessage((f) => {
    if (f.direction === 'received' && (f.kind === 'text' || f.kind === 'binary')) received++;
  });
  await connection.connect();
  await waitFor(() => received === 1, 3000, 'the greeting');
  for (let n = 1; n <= 3; n++) {
    await connection.sendText(JSON.stringify({ n }));
    await waitFor(() => received === n + 1, 3000, `answer ${n}`);
    await new Promise((r) => setTimeout(r, 15));
  }
  await connection.sendBinary(Buffer.from([1, 2, 3]));
  await waitFor(() => received === 5, 3000, 'the binary answer');
  await new Promise<void>((resolve) => {
    connection.onState((s) => s.phase === 'closed' && resolve());
    connection.close(1000, 'done');
  });
  connection.dispose();
  await recorder.close();
  const r = await loadSession(file);
  assert.ok(!('error' in r));
  return r;
}

function wsi(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
    });
  });
}

test('compareAnswers: JSON by structure with ignored paths, text and binary by first differing offset, missing and extra', () => {
  const r = (text: string) => messageEvent(0, 'received', 'text', text);
  const b = (bytes: number[]) => messageEvent(0, 'received', 'binary', Buffer.from(bytes));
  const recorded = [
    r('{"a":1,"ts":5,"list":[{"id":1,"v":2}]}'),
    r('plain text'),
    b([1, 2, 3]),
    r('{"x":1}'),
    r('gone'),
  ];
  const live = [r('{ "ts": 9, "a": 1, "list": [{"id": 7, "v": 2}] }'), r('plain test'), b([1, 2, 4, 5]), b([1])];
  const c = compareAnswers(recorded, live, { ignore: ['$.ts', '$.list[*].id'] });
  assert.deepEqual(c.summary, { matched: 1, mismatched: 3, missing: 1, extra: 0 });
  assert.deepEqual(
    c.differences.map((d) => [d.index, d.status, d.diff?.type]),
    [
      [1, 'mismatched', 'text'],
      [2, 'mismatched', 'binary'],
      [3, 'mismatched', 'kind'],
      [4, 'missing', undefined],
    ],
  );
  const text = c.differences[0].diff;
  assert.ok(text?.type === 'text' && text.offset === 8);
  const bin = c.differences[1].diff;
  assert.ok(bin?.type === 'binary' && bin.offset === 2 && bin.expectedLength === 3 && bin.actualLength === 4);
  const plain = compareAnswers(recorded.slice(0, 1), live.slice(0, 1));
  const diff = plain.differences[0].diff;
  assert.ok(diff?.type === 'json');
  assert.deepEqual(
    diff.differences.map((d) => d.path),
    ['$.ts', '$.list[0].id'],
  );
  assert.deepEqual(compareAnswers([r('[1,2]')], [r('[1,2]'), r('more')]).summary, {
    matched: 1,
    mismatched: 0,
    missing: 0,
    extra: 1,
  });
  assert.deepEqual(
    compareAnswers([r('{"deep":{"k":{"requestId":1}}}')], [r('{"deep":{"k":{"requestId":2}}}')], {
      ignore: ['$..requestId'],
    }).equal,
    true,
  );
  assert.throws(() => compareAnswers([], [], { ignore: ['ts'] }), /must start with \$/);
});

test('replay against a server that answers differently: compare reports exactly the changed message; ignore rules work', async () => {
  const original = await ackServer();
  const changed = await ackServer(true);
  const dir = mkdtempSync(join(tmpdir(), 'wsi-replay-'));
  try {
    const session = await recordConversation(original.url, dir);
    assert.equal(sessionMessages(session, 'sent').length, 4);
    assert.equal(sessionMessages(session, 'received').length, 5);

    const same = await replaySession(session, { timing: { speed: 4 }, waitForAnswers: true }).result;
    assert.ok(same.ok, same.error);
    assert.equal(same.sent, 4);
    assert.deepEqual(compareAnswers(same.recorded, same.live, { ignore: IGNORE }).summary, {
      matched: 5,
      mismatched: 0,
      missing: 0,
      extra: 0,
    });

    const frames: string[] = [];
    const other = await replaySession(session, {
      url: changed.url,
      timing: 'original',
      waitForAnswers: true,
      onEvent: (e) => e.type === 'message' && frames.push(e.message.direction),
    }).result;
    assert.ok(other.ok, other.error);
    const c = compareAnswers(other.recorded, other.live, { ignore: IGNORE });
    assert.deepEqual(c.summary, { matched: 4, mismatched: 1, missing: 0, extra: 0 });
    assert.equal(c.differences[0].index, 2);
    const diff = c.differences[0].diff;
    assert.ok(diff?.type === 'json');
    assert.deepEqual(diff.differences, [{ path: '$.data[0].v', change: 'changed', expected: 2, actual: 999 }]);
    assert.ok(frames.includes('sent') && frames.includes('received'));

    // Without the ignore rules, every JSON answer differs (timestamps and ids).
    assert.equal(compareAnswers(other.recorded, other.live).summary.mismatched, 4);
  } finally {
    await original.close();
    await changed.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay step by step sends one message per next(); a refused connection is a failed result', async () => {
  const server = await ackServer();
  const dir = mkdtempSync(join(tmpdir(), 'wsi-replay-'));
  try {
    const session = await recordConversation(server.url, dir);
    const replay = replaySession(session, { timing: 'step', lingerMs: 50 });
    const waiting: number[] = [];
    let sent = 0;
    const r2 = replaySession(session, {
      timing: 'step',
      lingerMs: 50,
      onEvent: (e) => {
        if (e.type === 'step' && e.status === 'waiting-step') waiting.push(e.index);
        if (e.type === 'step' && e.status === 'sent') sent++;
      },
    });
    await waitFor(() => waiting.length === 1, 3000, 'the first step');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(sent, 0, 'nothing is sent before next()');
    for (let i = 0; i < 4; i++) {
      assert.equal(r2.next(), true);
      await waitFor(() => sent === i + 1, 3000, `step ${i + 1}`);
    }
    const result = await r2.result;
    assert.ok(result.ok);
    assert.equal(r2.next(), false);
    replay.stop();
    const stopped = await replay.result;
    assert.equal(stopped.ok, false);
    assert.match(stopped.error ?? '', /stopped/);

    const refused = await replaySession(session, { url: 'ws://127.0.0.1:1/' }).result;
    assert.equal(refused.ok, false);
    assert.ok(refused.error && refused.error.length > 10);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mock server: a ws client replaying the client side gets the recorded server side, in order', async () => {
  const server = await ackServer();
  const dir = mkdtempSync(join(tmpdir(), 'wsi-mock-'));
  const session = await recordConversation(server.url, dir).finally(() => server.close());
  const mock = await serveSession(session, { speed: 10 });
  const client = new WebSocket(mock.url);
  try {
    const got: Array<{ binary: boolean; data: Buffer }> = [];
    client.on('message', (data, isBinary) => got.push({ binary: isBinary, data: data as Buffer }));
    await new Promise<void>((resolve, reject) => {
      client.once('open', () => resolve());
      client.once('error', reject);
    });
    const recordedServer = sessionMessages(session, 'received');
    for (const m of sessionMessages(session, 'sent')) {
      if (m.kind === 'text') client.send(m.text ?? '');
      else client.send(Buffer.from(m.base64 ?? '', 'base64'));
    }
    await waitFor(() => got.length === recordedServer.length, 5000, 'the recorded answers');
    const live = got.map((g) => messageEvent(0, 'received', g.binary ? 'binary' : 'text', g.data));
    assert.ok(compareAnswers(recordedServer, live).equal, 'byte for byte the recording');
    // A message that was never recorded gets no answer.
    client.send('{"n": 42}');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(got.length, recordedServer.length);
    // JSON-equal (other spacing) still matches.
    client.send('{ "n" : 1 }');
    await waitFor(() => got.length === recordedServer.length + 1, 3000, 'the answer to a JSON-equal message');
    assert.equal(mock.clientCount, 1);
  } finally {
    client.terminate();
    await mock.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wsi replay --compare: exit 0 against the matching server, 1 against a differing one', async () => {
  const original = await ackServer();
  const changed = await ackServer(true);
  const dir = mkdtempSync(join(tmpdir(), 'wsi-replay-cli-'));
  try {
    const session = await recordConversation(original.url, dir);
    const file = join(dir, 'session.wslog');
    writeFileSync(file, serializeSession(session));
    const ignore = IGNORE.flatMap((p) => ['--ignore', p]);
    const ok = await wsi(['replay', file, '--compare', ...ignore, '--speed', '5']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /→ text {3}\{"n":1\}/);
    assert.match(ok.stdout, /✔ compare: 5 matched, 0 mismatched, 0 missing, 0 extra\./);
    const bad = await wsi(['replay', file, '--url', changed.url, '--compare', ...ignore]);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /✘ compare: 4 matched, 1 mismatched, 0 missing, 0 extra\./);
    assert.match(bad.stdout, /\n {2}#3 \$\.data\[0\]\.v: 2 → 999\n/);
    const noCompare = await wsi(['replay', file, '--url', changed.url, '--speed', '10']);
    assert.equal(noCompare.code, 0, noCompare.stdout + noCompare.stderr);
    const usage = await wsi(['replay', file, '--ignore', 'ts']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /must start with \$/);
    await original.close();
    const down = await wsi(['replay', file, '--compare']);
    assert.equal(down.code, 1, down.stdout);
  } finally {
    await original.close();
    await changed.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exportAsWsFile as a test: each answer an === expect line without the ignore paths; it passes against the server and fails on a changed answer', async () => {
  const server = await ackServer();
  const changed = await ackServer(true);
  const dir = mkdtempSync(join(tmpdir(), 'wsi-export-test-'));
  try {
    const session = await recordConversation(server.url, dir);
    const text = exportAsWsFile(session, 'As a test', { asTest: { ignore: ['$.ts', 'data[0].id'] } });
    assert.match(text, /^=== expect \{"hello":true\}$/m);
    assert.match(text, /^=== expect \{"ack":2,"data":\[\{"v":2\}\]\}$/m);
    assert.doesNotMatch(text, /"ts"/);
    const parsed = parseWsFile(text);
    assert.deepEqual(parsed.diagnostics, []);
    const run = async (url: string) => {
      const r = await runWsRequest({
        request: { ...parsed.requests[0], url },
        variables: { fileVariables: parsed.variables, allowProcessEnv: false },
        baseDir: dir,
        waitTimeoutMs: 3000,
        settleMs: 50,
      });
      r.connection?.dispose();
      return r;
    };
    const same = await run(server.url);
    assert.equal(same.ok, true, same.error);
    assert.equal(same.tests.length, 4);
    assert.deepEqual(
      same.tests.filter((t) => !t.passed),
      [],
    );
    const other = await run(changed.url);
    assert.deepEqual(
      other.tests.filter((t) => !t.passed).map((t) => t.name),
      ['expect {"ack":2,"data":[{"v":2}]}'],
    );
  } finally {
    await server.close();
    await changed.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exportAsWsFile writes a .ws request that parses back to the sent messages with wait-for-server; exportMessagesJsonl', async () => {
  const server = await ackServer();
  const dir = mkdtempSync(join(tmpdir(), 'wsi-export-'));
  try {
    const session = await recordConversation(server.url, dir);
    session.header.options.headers = { Authorization: '[redacted]', 'X-Client': 'tests', Host: 'h' };
    const text = exportAsWsFile(session, 'Recorded');
    const parsed = parseWsFile(text);
    assert.deepEqual(parsed.diagnostics, []);
    const [request] = parsed.requests;
    assert.equal(request.url, server.url);
    assert.deepEqual(
      request.headers.map((h) => h.name),
      ['X-Client'],
    );
    assert.match(text, /# Redacted in the recording, add them again: Authorization/);
    assert.deepEqual(
      request.steps.map((s) =>
        s.type === 'send'
          ? s.message.kind === 'text'
            ? s.message.text
            : `${s.message.kind}`
          : s.type === 'wait-for-server'
            ? `wait ${s.count}`
            : s.type,
      ),
      ['wait 1', '{"n":1}', 'wait 1', '{"n":2}', 'wait 1', '{"n":3}', 'wait 1', 'base64', 'wait 1', 'close'],
    );
    const lines = exportMessagesJsonl(session)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { dir: string; kind: string });
    assert.equal(lines.length, 9);
    assert.deepEqual(lines[lines.length - 1], { ...lines[lines.length - 1], dir: 'received', kind: 'binary' });
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
