import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { WebSocketTransport } from '../../src/core/transport';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest, type RunOptions, type StepProgress } from '../../src/core/wsfile/run';

/** What a test server saw, in order, with server-side times. */
interface Seen {
  at: number;
  event: string;
  data?: Buffer;
  binary?: boolean;
}

interface TestServer {
  url: string;
  seen: Seen[];
  requests: IncomingMessage[];
  closes: Array<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/** A real `ws` server on 127.0.0.1, port 0; `onMessage` decides how it answers. */
function startServer(
  onMessage?: (socket: WebSocket, data: Buffer, isBinary: boolean, seen: Seen[]) => void,
  onOpen?: (socket: WebSocket) => void,
): Promise<TestServer> {
  return new Promise((resolve, reject) => {
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (protocols) => protocols.values().next().value ?? false,
    });
    const seen: Seen[] = [];
    const requests: IncomingMessage[] = [];
    const closes: Array<{ code: number; reason: string }> = [];
    wss.on('connection', (socket, req) => {
      requests.push(req);
      socket.on('message', (data: Buffer, isBinary) => {
        seen.push({
          at: Date.now(),
          event: isBinary ? 'binary' : `recv ${data.toString('utf8')}`,
          data,
          binary: isBinary,
        });
        onMessage?.(socket, data, isBinary, seen);
      });
      socket.on('close', (code, reason) => closes.push({ code, reason: reason.toString('utf8') }));
      onOpen?.(socket);
    });
    wss.once('error', reject);
    wss.once('listening', () => {
      const { port } = wss.address() as AddressInfo;
      resolve({
        url: `ws://127.0.0.1:${port}`,
        seen,
        requests,
        closes,
        close: () =>
          new Promise((r) => {
            for (const c of wss.clients) c.terminate();
            wss.close(() => r());
          }),
      });
    });
  });
}

/** Sends `text` back after `ms`, and notes when it did. */
function replyLater(ms: number, times = 1) {
  return (socket: WebSocket, data: Buffer, _b: boolean, seen: Seen[]) => {
    for (let i = 1; i <= times; i++) {
      setTimeout(() => {
        if (socket.readyState !== socket.OPEN) return;
        seen.push({ at: Date.now(), event: `reply ${data.toString('utf8')} #${i}` });
        socket.send(`re:${data.toString('utf8')}#${i}`);
      }, ms * i);
    }
  };
}

async function run(server: TestServer, body: string, extra: Partial<RunOptions> = {}, prelude = '') {
  const parsed = parseWsFile(`${prelude}@u = ${server.url}\nWS {{u}}\n${body}`);
  assert.deepEqual(
    parsed.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const progress: StepProgress[] = [];
  const result = await runWsRequest({
    request: parsed.requests[0],
    variables: { fileVariables: parsed.variables, allowProcessEnv: false },
    baseDir: extra.baseDir ?? __dirname,
    waitTimeoutMs: 3000,
    onProgress: (p) => progress.push(p),
    ...extra,
  });
  return { result, progress };
}

function order(seen: Seen[]): string[] {
  return seen.map((s) => s.event);
}

test('wait-for-server holds the next message until the server has answered (and without it, it does not)', async () => {
  const server = await startServer(replyLater(150, 2));
  try {
    const waited = await run(server, '\na\n=== wait-for-server\n=== wait-for-server\nb\n');
    assert.equal(waited.result.ok, true, waited.result.error);
    await until(() => server.seen.some((s) => s.event === 'recv b'));
    assert.deepEqual(order(server.seen).slice(0, 4), ['recv a', 'reply a #1', 'reply a #2', 'recv b']);
    waited.result.connection?.dispose();

    server.seen.length = 0;
    const eager = await run(server, '\na\n===\nb\n');
    assert.equal(eager.result.ok, true);
    await until(() => server.seen.filter((s) => s.event.startsWith('reply')).length >= 2);
    assert.deepEqual(
      order(server.seen).slice(0, 2),
      ['recv a', 'recv b'],
      'without a wait, b goes out before any reply',
    );
    eager.result.connection?.dispose();
  } finally {
    await server.close();
  }
});

test('wait-for-server counts a message that arrived before the step started (a greeting on open)', async () => {
  const server = await startServer(undefined, (socket) => socket.send('welcome'));
  try {
    const { result } = await run(server, '\n=== wait-for-server\nhello\n', { waitTimeoutMs: 1000 });
    assert.equal(result.ok, true, result.error);
    await until(() => server.seen.length > 0);
    assert.deepEqual(order(server.seen), ['recv hello']);
    result.connection?.dispose();
  } finally {
    await server.close();
  }
});

test('wait-for-server fails the step with a sentence on timeout, stops the script and leaves the connection open', async () => {
  const server = await startServer();
  try {
    const { result, progress } = await run(server, '\nping\n=== wait-for-server\nnever sent\n', { waitTimeoutMs: 200 });
    assert.equal(result.ok, false);
    assert.equal(result.failedStep, 1);
    assert.match(result.error ?? '', /^Step 2 \(line 5\): waited 200 ms for 1 server message, but 0 arrived\./);
    assert.equal(result.connection?.state.phase, 'open');
    assert.deepEqual(
      progress.map((p) => `${p.index}:${p.status}`),
      ['-1:running', '-1:done', '0:running', '0:done', '1:waiting', '1:failed'],
    );
    assert.equal(progress[5].reason, result.error);
    await sleep(50);
    assert.deepEqual(order(server.seen), ['recv ping']);
    result.connection?.dispose();
  } finally {
    await server.close();
  }
});

test('=== wait delays the next message by about that long', async () => {
  const server = await startServer();
  try {
    const { result } = await run(server, '\none\n=== wait 300ms\ntwo\n');
    assert.equal(result.ok, true, result.error);
    await until(() => server.seen.length === 2);
    const gap = server.seen[1].at - server.seen[0].at;
    assert.ok(gap >= 280 && gap < 1500, `gap was ${gap} ms`);
    result.connection?.dispose();
  } finally {
    await server.close();
  }
});

test('binary blocks and files arrive as binary frames with exact bytes; <@ files as text with variables', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-run-'));
  const server = await startServer();
  try {
    const fileBytes = Buffer.from([0, 255, 1, 254, 10, 13, 0x80]);
    writeFileSync(join(dir, 'blob.bin'), fileBytes);
    writeFileSync(join(dir, 'note.txt'), 'note for {{who}}');
    const { result } = await run(
      server,
      [
        '',
        '=== binary',
        '00 01 fe FF',
        '0x10 0x20',
        '=== binary base64',
        'SGVs',
        'bG8=',
        '===',
        '< ./blob.bin',
        '===',
        '<@ ./note.txt',
        '===',
        'plain {{who}}',
      ].join('\n'),
      { baseDir: dir },
      '@who = you\n',
    );
    assert.equal(result.ok, true, result.error);
    await until(() => server.seen.length === 5);
    assert.deepEqual(
      server.seen.map((s) => [s.binary, s.data?.toString('hex')]),
      [
        [true, '0001feff1020'],
        [true, Buffer.from('Hello').toString('hex')],
        [true, fileBytes.toString('hex')],
        [false, Buffer.from('note for you').toString('hex')],
        [false, Buffer.from('plain you').toString('hex')],
      ],
    );
    result.connection?.dispose();
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing file fails its step with the full path and leaves the connection open', async () => {
  const server = await startServer();
  try {
    const { result } = await run(server, '\n< ./does-not-exist.bin\n');
    assert.equal(result.ok, false);
    assert.match(result.error ?? '', /Step 1 \(line 4\): the file .*does-not-exist\.bin does not exist/);
    assert.equal(result.connection?.state.phase, 'open');
    result.connection?.dispose();
  } finally {
    await server.close();
  }
});

test('=== close sends the code and reason', async () => {
  const server = await startServer();
  try {
    const { result, progress } = await run(server, '\nbye soon\n=== close 4001 see you later\n');
    assert.equal(result.ok, true, result.error);
    await until(() => server.closes.length === 1);
    assert.deepEqual(server.closes, [{ code: 4001, reason: 'see you later' }]);
    assert.equal(result.connection?.state.phase, 'closed');
    assert.deepEqual(
      progress.slice(-2).map((p) => `${p.index}:${p.status}`),
      ['1:running', '1:done'],
    );
    result.connection?.dispose();
  } finally {
    await server.close();
  }
});

test('handshake: headers, subprotocols from @subprotocol and Sec-WebSocket-Protocol, deflate off', async () => {
  const server = await startServer();
  try {
    const parsed = parseWsFile(
      `# @subprotocol first.v1\n# @deflate off\nWEBSOCKET ${server.url}/path?q=1\nX-Token: t-1\nSec-WebSocket-Protocol: second.v1, first.v1\n`,
    );
    const result = await runWsRequest({
      request: parsed.requests[0],
      variables: { fileVariables: [], allowProcessEnv: false },
      baseDir: __dirname,
    });
    assert.equal(result.ok, true, result.error);
    const req = server.requests[0];
    assert.equal(req.url, '/path?q=1');
    assert.equal(req.headers['x-token'], 't-1');
    assert.equal(req.headers['sec-websocket-protocol'], 'first.v1,second.v1');
    assert.equal(req.headers['sec-websocket-extensions'], undefined);
    const state = result.connection?.state;
    assert.equal(state?.phase === 'open' && state.protocol, 'first.v1');
    assert.ok(result.secrets.includes('t-1'), 'X-Token is secret-looking');
    result.connection?.dispose();
  } finally {
    await server.close();
  }
});

test('runs on an existing Transport passed in, without reconnecting', async () => {
  const server = await startServer(replyLater(10));
  try {
    const connection = new WebSocketTransport({ url: server.url, handshakeTimeout: 2000 });
    await connection.connect();
    const { result } = await run(server, '\nhi\n=== wait-for-server\n', { connection });
    assert.equal(result.ok, true, result.error);
    assert.equal(result.connection, connection);
    assert.equal(server.requests.length, 1);
    connection.dispose();
  } finally {
    await server.close();
  }
});

test('a refused connection fails the handshake step (-1) with the connection error', async () => {
  const server = await startServer();
  const url = server.url;
  await server.close();
  const parsed = parseWsFile(`WS ${url}\n\nhello\n`);
  const progress: StepProgress[] = [];
  const result = await runWsRequest({
    request: parsed.requests[0],
    variables: { fileVariables: [], allowProcessEnv: false },
    baseDir: __dirname,
    onProgress: (p) => progress.push(p),
    handshakeTimeoutMs: 2000,
  });
  assert.equal(result.ok, false);
  assert.equal(result.failedStep, -1);
  assert.ok(result.error && result.error.length > 10);
  assert.deepEqual(
    progress.map((p) => `${p.index}:${p.status}`),
    ['-1:running', '-1:failed'],
  );
  result.connection?.dispose();
});

test('an unresolved variable fails before connecting, and an http URL is refused with a ws suggestion', async () => {
  const parsed = parseWsFile('WS ws://{{nowhere}}\n\nhi\n');
  const r1 = await runWsRequest({
    request: parsed.requests[0],
    variables: { fileVariables: [], allowProcessEnv: false },
    baseDir: __dirname,
  });
  assert.equal(r1.failedStep, -1);
  assert.match(r1.error ?? '', /\{\{nowhere\}\} on line 1 is not defined/);
  const http = parseWsFile('@u = http://127.0.0.1:1/x\nWS {{u}}\n');
  const r2 = await runWsRequest({
    request: http.requests[0],
    variables: { fileVariables: http.variables, allowProcessEnv: false },
    baseDir: __dirname,
  });
  assert.match(r2.error ?? '', /Did you mean ws:\/\/127\.0\.0\.1:1\/x\?/);
});

test('the connection closing during a wait fails the step with the close sentence', async () => {
  const server = await startServer((socket) => socket.close(4002, 'go away'));
  try {
    const { result } = await run(server, '\nhi\n=== wait-for-server\nafter\n');
    assert.equal(result.ok, false);
    assert.match(
      result.error ?? '',
      /Step 2 \(line 5\): the connection ended while waiting for 1 server message \(0 arrived\): The server closed the connection: 4002/,
    );
    result.connection?.dispose();
  } finally {
    await server.close();
  }
});

test('an abort signal stops a long wait promptly', async () => {
  const server = await startServer();
  try {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const { result } = await run(server, '\nhi\n=== wait 10s\nlate\n', { signal: controller.signal });
    assert.equal(result.ok, false);
    assert.match(result.error ?? '', /stopped during the wait/);
    assert.ok(Date.now() - started < 2000);
    result.connection?.dispose();
  } finally {
    await server.close();
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls until `check` holds; fails after 3 s so no test can hang. */
async function until(check: () => boolean, limitMs = 3000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!check()) {
    if (Date.now() > end) assert.fail('condition not reached within 3 s');
    await sleep(5);
  }
}
