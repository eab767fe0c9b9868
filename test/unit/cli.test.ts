// Over 400 lines: one test per wsi command and flag, all driving the built CLI the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { createServer } from 'node:http';
import { EchoServer } from '../../src/core/echoServer';
import { WebSocketTransport } from '../../src/core/transport';
import { SessionRecorder } from '../../src/core/sessions/recorder';
import { waitFor } from './helpers';

const ROOT = join(__dirname, '..', '..', '..');
/** The CLI as tsc compiled it next to this test (out/src/cli.js); the bundle in dist/ is the same source. */
const CLI = join(__dirname, '..', '..', 'src', 'cli.js');

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

function wsi(args: string[], env: NodeJS.ProcessEnv = {}, script = CLI): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { timeout: 20_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsi-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test('wsi run against a local echo server: prints → and ← lines with times, exits 0, masks secrets', async () => {
  const server = await EchoServer.start({ port: 0 });
  const dir = tempDir({
    'http-client.env.json': JSON.stringify({ local: { echo: server.url } }),
    'http-client.private.env.json': JSON.stringify({ local: { token: 'sekrit-token-42' } }),
    'chat.ws':
      '### Echo twice\nWEBSOCKET {{echo}}/x\nAuthorization: Bearer {{token}}\n\nhello {{token}}\n=== wait-for-server\n=== binary\n01 02 ff\n=== wait-for-server\n=== close 1000 done\n',
  });
  try {
    const r = await wsi(['run', join(dir, 'chat.ws'), '--env', 'local']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /▶ Echo twice/);
    assert.match(r.stdout, /\[\s*\d+ ms\] → text {3}hello \[redacted\]/);
    assert.match(r.stdout, /\[\s*\d+ ms\] ← text {3}hello \[redacted\]/);
    assert.match(r.stdout, /→ binary 3 bytes: 01 02 ff/);
    assert.match(r.stdout, /← binary 3 bytes: 01 02 ff/);
    assert.match(r.stdout, /→ close {2}1000 "done"/);
    assert.match(r.stdout, /✔ Echo twice: 5 steps done/);
    assert.ok(
      !r.stdout.includes('sekrit-token-42') && !r.stderr.includes('sekrit-token-42'),
      'the token never appears in the output',
    );
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wsi run exits 1 when a wait-for-server times out, naming the step', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const { port } = wss.address() as AddressInfo;
  const dir = tempDir({ 'silent.ws': `WS ws://127.0.0.1:${port}\n\nanyone?\n=== wait-for-server\nnever\n` });
  try {
    const r = await wsi(['run', join(dir, 'silent.ws'), '--wait-timeout', '200ms']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      /✘ ws:\/\/127\.0\.0\.1:\d+: Step 2 \(line 4\): waited 200 ms for 1 server message, but 0 arrived\./,
    );
    assert.doesNotMatch(r.stdout, /→ text {3}never/);
  } finally {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wsi run exits 1 when the connection is refused', async () => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const { port } = wss.address() as AddressInfo;
  await new Promise((r) => wss.close(r));
  const dir = tempDir({ 'down.ws': `WS ws://127.0.0.1:${port}\n\nhello\n` });
  try {
    const r = await wsi(['run', join(dir, 'down.ws')]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /✘ ws:\/\/127\.0\.0\.1:\d+: .{10,}/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wsi run --request picks one request by name or number; unknown names exit 2 with the list', async () => {
  const server = await EchoServer.start({ port: 0 });
  const dir = tempDir({
    'two.ws': `### First\nWS ${server.url}\n\none\n=== wait-for-server\n\n### Second\nWS ${server.url}\n\ntwo\n=== wait-for-server\n`,
  });
  try {
    const byName = await wsi(['run', join(dir, 'two.ws'), '--request', 'Second', '--linger', '0ms']);
    assert.equal(byName.code, 0, byName.stdout + byName.stderr);
    assert.match(byName.stdout, /→ text {3}two/);
    assert.doesNotMatch(byName.stdout, /→ text {3}one/);
    const byNumber = await wsi(['run', join(dir, 'two.ws'), '--request', '1', '--linger', '0ms']);
    assert.match(byNumber.stdout, /→ text {3}one/);
    assert.doesNotMatch(byNumber.stdout, /→ text {3}two/);
    const all = await wsi(['run', join(dir, 'two.ws'), '--linger', '0ms']);
    assert.equal(all.code, 0);
    assert.match(all.stdout, /✔ First[\s\S]*✔ Second/);
    const missing = await wsi(['run', join(dir, 'two.ws'), '--request', 'Third']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /No request named "Third".*1\. First; 2\. Second/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wsi run refuses a request with errors in it, printing file:line:col', async () => {
  const dir = tempDir({ 'bad.ws': 'WS http://127.0.0.1:1\n\nhi\n' });
  try {
    const r = await wsi(['run', join(dir, 'bad.ws')]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /bad\.ws:1:4: error: WebSocket URLs start with ws:\/\/ or wss:\/\/, and this one is http:\/\/\. Change it to ws:\/\/127\.0\.0\.1:1\./,
    );
    assert.match(r.stderr, /not run, because of the errors above/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wsi parse prints the documented JSON: messages in order with the waits before each', async () => {
  const dir = tempDir({
    'p.ws':
      '@h = x\n### Named\n# @timeout 2s\nWEBSOCKET ws://{{h}}/a\nX-A: 1\n\nfirst\n=== wait-for-server\n=== wait-for-server\n=== wait 100ms\n{"second": true}\n=== close 4000 end\n',
  });
  try {
    const r = await wsi(['parse', join(dir, 'p.ws')]);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout);
    assert.deepEqual(json.variables, [{ name: 'h', value: 'x', line: 0 }]);
    const [req] = json.requests;
    assert.equal(req.name, 'Named');
    assert.equal(req.keyword, 'WEBSOCKET');
    assert.equal(req.url, 'ws://{{h}}/a');
    assert.deepEqual(req.headers, [{ name: 'X-A', value: '1', line: 4 }]);
    assert.equal(req.settings.timeoutMs, 2000);
    assert.deepEqual(req.messages, [
      { kind: 'text', text: 'first', json: false, lines: { startLine: 6, endLine: 6 }, before: [] },
      {
        kind: 'text',
        text: '{"second": true}',
        json: true,
        lines: { startLine: 10, endLine: 10 },
        before: [
          { type: 'wait-for-server', count: 2, line: 7 },
          { type: 'wait', ms: 100, line: 9 },
        ],
      },
    ]);
    assert.deepEqual(req.after, [{ type: 'close', code: 4000, reason: 'end', line: 11 }]);
    assert.deepEqual(json.diagnostics, []);
    const bad = await wsi(['parse', join(ROOT, 'test', 'fixtures', 'wsfile', 'httpyac', 'requestBodyMulti.http')]);
    assert.equal(bad.code, 0, 'warnings alone do not fail parse');
    assert.equal(JSON.parse(bad.stdout).diagnostics[0].code, 'http-request');
    writeFileSync(join(dir, 'e.ws'), 'WS ws://a\n\n=== binary\nzz\n');
    const err = await wsi(['parse', join(dir, 'e.ws')]);
    assert.equal(err.code, 1);
    assert.equal(JSON.parse(err.stdout).diagnostics[0].code, 'bad-hex');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wsi help, bad usage and a missing file', async () => {
  const help = await wsi(['help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /wsi parse FILE[\s\S]*wsi run FILE \[options\][\s\S]*--request NAME[\s\S]*--env NAME/);
  assert.equal((await wsi([])).code, 2);
  const unknown = await wsi(['frob']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown command "frob"\. Run "wsi help"/);
  const noFile = await wsi(['run']);
  assert.equal(noFile.code, 2);
  assert.match(noFile.stderr, /needs a \.ws file/);
  const missing = await wsi(['parse', join(tmpdir(), 'no-such-file-wsi.ws')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Cannot read .*no-such-file-wsi\.ws/);
  const badFlag = await wsi(['run', 'x.ws', '--wait-timeout', 'soon']);
  assert.equal(badFlag.code, 2);
  assert.match(badFlag.stderr, /"soon" is not a duration for --wait-timeout/);
  const badEnv = await wsi(['run', join(ROOT, 'examples', 'echo.ws'), '--env', 'nope']);
  assert.equal(badEnv.code, 2);
  assert.match(badEnv.stderr, /There is no environment "nope"\. Known environments: local\./);
});

test('bin/wsi.js runs the bundle when it is built, or says to build it', async () => {
  const r = await wsi(['help'], {}, join(ROOT, 'bin', 'wsi.js'));
  if (existsSync(join(ROOT, 'dist', 'cli.js'))) {
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wsi parse FILE/);
  } else {
    assert.equal(r.code, 2);
    assert.match(r.stderr, /run `npm run build` first/);
  }
});

test('the examples parse without errors and run against the echo server', async () => {
  const server = await EchoServer.start({ port: 0 });
  const dir = tempDir({ 'http-client.env.json': JSON.stringify({ local: { echo: server.url } }) });
  try {
    for (const name of ['echo.ws', 'scripted.ws', 'binary.ws']) {
      const source = join(ROOT, 'examples', name);
      const parsed = await wsi(['parse', source]);
      assert.equal(parsed.code, 0, `${name}: ${parsed.stdout}`);
      // Same file, run from a folder whose environment points at this test's echo server.
      writeFileSync(join(dir, name), readFileSync(source, 'utf8'));
      const r = await wsi(['run', join(dir, name), '--env', 'local', '--linger', '0ms']);
      assert.equal(r.code, 0, `${name}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /✔ /);
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A plain HTTP server that answers every request (the upgrade too) with a 302 to `location`. */
async function redirectServer(location: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(302, { Location: location });
    res.end();
  });
  server.on('upgrade', (_req, socket) => {
    socket.end(`HTTP/1.1 302 Found\r\nLocation: ${location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/old`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test("wsi COMMAND --help prints that command's help and exits 0; wsi --help the overview", async () => {
  for (const command of ['run', 'parse', 'replay']) {
    const r = await wsi([command, '--help']);
    assert.equal(r.code, 0, `${command}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^wsi ${command} `), command);
    assert.equal(r.stderr, '');
  }
  assert.match((await wsi(['replay', '--help'])).stdout, /--answer-timeout D/);
  assert.match((await wsi(['run', '-h'])).stdout, /--send-timeout D[\s\S]*--follow-redirects/);
  const overview = await wsi(['--help']);
  assert.equal(overview.code, 0);
  assert.match(overview.stdout, /wsi parse FILE[\s\S]*wsi replay SESSION[\s\S]*Options for replay/);
});

test('unknown options name the option and point to wsi COMMAND --help, exit 2; a value-less option says what it needs', async () => {
  const run = await wsi(['run', 'x.ws', '--frobnicate']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /"wsi run" has no option --frobnicate\. Run "wsi run --help" to see its options\./);
  const replay = await wsi(['replay', 'x.wslog', '--wait-timeout', '2s']);
  assert.equal(replay.code, 2);
  assert.match(replay.stderr, /"wsi replay" has no option --wait-timeout\. Run "wsi replay --help"/);
  const missing = await wsi(['run', 'x.ws', '--env']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--env needs a value, e.g\. --env local\./);
  const badReplayDuration = await wsi(['replay', 'x.wslog', '--answer-timeout', 'soon']);
  assert.equal(badReplayDuration.code, 2);
  assert.match(badReplayDuration.stderr, /"soon" is not a duration for --answer-timeout/);
});

test('wsi replay --answer-timeout 1m (and 1h, plain ms) is accepted, like every other duration option', async () => {
  const server = await EchoServer.start({ port: 0 });
  const dir = mkdtempSync(join(tmpdir(), 'wsi-cli-replay-'));
  try {
    const connection = new WebSocketTransport({ url: server.url, handshakeTimeout: 5000 });
    const recorder = await SessionRecorder.forConnection(join(dir, 'rec.wslog'), connection);
    let received = 0;
    connection.onMessage((f) => {
      if (f.direction === 'received' && f.kind === 'text') received++;
    });
    await connection.connect();
    await connection.sendText('hi');
    await waitFor(() => received === 1, 3000, 'the echo');
    await new Promise<void>((resolve) => {
      connection.onState((s) => s.phase === 'closed' && resolve());
      connection.close(1000, 'done');
    });
    connection.dispose();
    await recorder.close();
    const file = join(dir, 'rec.wslog');
    for (const d of ['1m', '1h', '1500']) {
      const r = await wsi(['replay', file, '--answer-timeout', d, '--send-timeout', '1m', '--speed', '10']);
      assert.equal(r.code, 0, `${d}: ${r.stdout}${r.stderr}`);
      assert.match(r.stdout, /✔ 1 message sent/);
    }
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('wsi run --follow-redirects follows a 302 on the upgrade; without it the error names the option', async () => {
  const server = await EchoServer.start({ port: 0 });
  const redirect = await redirectServer(`${server.url}/new`);
  const dir = tempDir({ 'moved.ws': `WEBSOCKET ${redirect.url}\n\nhello\n=== wait-for-server\n` });
  try {
    const refused = await wsi(['run', join(dir, 'moved.ws')]);
    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /302[\s\S]*--follow-redirects/);
    const followed = await wsi(['run', join(dir, 'moved.ws'), '--follow-redirects', '--send-timeout', '5s']);
    assert.equal(followed.code, 0, followed.stdout + followed.stderr);
    assert.match(followed.stdout, /← text {3}hello/);
    const capped = await wsi(['run', join(dir, 'moved.ws'), '--max-redirects', '0']);
    assert.equal(capped.code, 1, capped.stdout + capped.stderr);
  } finally {
    await redirect.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A real `ws` server that records every message it gets (text or binary) and answers "ok". */
async function recordingServer(): Promise<{
  url: string;
  got: Array<{ binary: boolean; data: Buffer }>;
  close: () => Promise<void>;
}> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const got: Array<{ binary: boolean; data: Buffer }> = [];
  wss.on('connection', (socket) =>
    socket.on('message', (data: Buffer, binary) => {
      got.push({ binary, data });
      socket.send('ok');
    }),
  );
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    got,
    close: () =>
      new Promise<void>((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}

test('JetBrains paste: whole-line # and // comments between and inside messages never reach the server', async () => {
  const server = await recordingServer();
  const dir = tempDir({
    'answers.ws': [
      `WEBSOCKET ${server.url}`,
      '',
      '{"type":"question","n":1}',
      '=== wait-for-server',
      '# Test answer message',
      '{',
      '  // the answer',
      '  "type": "answer",',
      '    # indented comment',
      '  "n": 2',
      '}',
      '=== wait-for-server',
      '< ./hash.txt',
      '=== wait-for-server',
      '',
    ].join('\n'),
    'hash.txt': '# a message that begins with a hash comes from a file',
  });
  try {
    const r = await wsi(['run', join(dir, 'answers.ws')]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(
      server.got.map((m) => [m.binary, m.data.toString('utf8')]),
      [
        [false, '{"type":"question","n":1}'],
        [false, '{\n  "type": "answer",\n  "n": 2\n}'],
        [false, '# a message that begins with a hash comes from a file'],
      ],
    );
    const parsed = await wsi(['parse', join(dir, 'answers.ws')]);
    assert.equal(parsed.code, 0, parsed.stderr);
    const json = JSON.parse(parsed.stdout) as { requests: Array<{ messages: Array<{ json?: boolean }> }> };
    assert.equal(json.requests[0].messages[1].json, true, 'the second message is JSON once the comments are out');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('< ./file sends text when the file is valid UTF-8 and binary otherwise; === binary then < ./file forces binary', async () => {
  const server = await recordingServer();
  const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x80]);
  const dir = tempDir({
    'files.ws': [
      `WEBSOCKET ${server.url}`,
      '',
      '< ./body.json',
      '=== wait-for-server',
      '< ./blob.bin',
      '=== wait-for-server',
      '=== binary',
      '< ./body.json',
      '=== wait-for-server',
      '',
    ].join('\n'),
    'body.json': '{"name":"ünï 😀"}',
  });
  writeFileSync(join(dir, 'blob.bin'), bytes);
  try {
    const r = await wsi(['run', join(dir, 'files.ws')]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(
      server.got.map((m) => [m.binary, m.data.toString('hex')]),
      [
        [false, Buffer.from('{"name":"ünï 😀"}').toString('hex')],
        [true, bytes.toString('hex')],
        [true, Buffer.from('{"name":"ünï 😀"}').toString('hex')],
      ],
    );
    assert.match(r.stdout, /→ text {3}\{"name":"ünï 😀"\}/);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'wsi run --send-timeout 1s: a server that stopped reading fails the step in about a second, exit 1',
  { timeout: 30_000 },
  async (t) => {
    const { answerUpgrade, startRawServer } = await import('./protocol.servers.js');
    const raw = await startRawServer((socket, request) => {
      answerUpgrade(socket, request);
      socket.pause();
    });
    const dir = tempDir({
      'big.txt': 'x'.repeat(32 * 1024 * 1024),
      'deaf.ws': `### deaf\n# @deflate off\nWS ws://127.0.0.1:${raw.port}/\n\n< ./big.txt\n`,
    });
    t.after(async () => {
      rmSync(dir, { recursive: true, force: true });
      await raw.close();
    });
    const started = Date.now();
    const r = await wsi(['run', join(dir, 'deaf.ws'), '--send-timeout', '1s']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /The server stopped reading: .* after 1 s/);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  },
);
