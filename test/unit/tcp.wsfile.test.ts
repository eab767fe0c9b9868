import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { checkConnectUrl } from '../../src/core/url';
import { TcpEchoServer } from '../../src/core/tcpEchoServer';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest } from '../../src/core/wsfile/run';
import { redisLike, startTcpServer, type RawServer } from './tcp.servers';

async function run(text: string) {
  const parsed = parseWsFile(text);
  assert.deepEqual(
    parsed.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const result = await runWsRequest({
    request: parsed.requests[0],
    variables: { fileVariables: parsed.variables, allowProcessEnv: false },
    baseDir: '.',
    waitTimeoutMs: 3000,
  });
  result.connection?.dispose();
  return result;
}

describe('.ws TCP requests', () => {
  const servers: Array<RawServer | TcpEchoServer> = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  test('TCP and TLS request lines, bare tcp:// URLs, @framing; no headers, messages start at once', () => {
    const parsed = parseWsFile(
      [
        '### redis',
        '# @framing crlf',
        'TCP 127.0.0.1:6379',
        'SET a:b',
        '===',
        'PING',
        '',
        '### tls',
        '# @framing prefix=2le+incl@3',
        'TLS tls://example.com:443',
        '',
        '### bare',
        'tcp://localhost:7',
        'x',
      ].join('\n'),
    );
    assert.deepEqual(parsed.diagnostics, []);
    const [redis, tls, bare] = parsed.requests;
    assert.equal(redis.keyword, 'TCP');
    assert.equal(redis.settings.framing, 'crlf');
    assert.deepEqual(redis.headers, []);
    assert.deepEqual(
      redis.steps
        .filter((s) => s.type === 'send')
        .map((s) => (s.type === 'send' && s.message.kind === 'text' ? s.message.text : '')),
      ['SET a:b', 'PING'],
    );
    assert.equal(tls.keyword, 'TLS');
    assert.equal(tls.settings.framing, 'prefix=2le+incl@3');
    assert.equal(bare.url, 'tcp://localhost:7');
  });

  test('a bad framing or TCP address is a diagnostic at the value', () => {
    const parsed = parseWsFile('# @framing prefix=3be\nTCP 127.0.0.1\nhi');
    const [framing, address] = parsed.diagnostics;
    assert.equal(framing.code, 'bad-directive-value');
    assert.deepEqual([framing.range.startLine, framing.range.startCol], [0, 11]);
    assert.match(framing.message, /^@framing: "prefix=3be" is not a length prefix.*Use raw, lf, crlf/);
    assert.equal(address.code, 'bad-url');
    assert.equal(address.range.startCol, 4);
    assert.match(address.message, /is not a TCP address: write tcp:\/\/host:port/);
  });

  test('wsi run: a Redis-like server answers, messages framed with crlf, replies matched', async () => {
    const srv = await startTcpServer(redisLike);
    servers.push(srv);
    const result = await run(
      [
        `@server = 127.0.0.1:${srv.port}`,
        '# @framing crlf',
        'TCP {{server}}',
        'PING',
        '=== expect "+PONG"',
        'ECHO hello',
        '=== expect "$5"',
        '=== expect "hello"',
      ].join('\n'),
    );
    assert.equal(result.ok, true, result.error);
    assert.deepEqual(
      result.tests.map((t) => t.passed),
      [true, true, true],
    );
  });

  test('wsi run over the prefix echo server: a reply that does not match fails its expectation', async () => {
    const echo = await TcpEchoServer.start({ mode: 'prefix' });
    servers.push(echo);
    const result = await run(
      [
        `# @framing prefix=4be`,
        `TCP ${echo.url}`,
        '{"n":1}',
        '=== expect {"n": 1}',
        '{"n":2}',
        '=== expect "nope"',
      ].join('\n'),
    );
    assert.deepEqual(
      result.tests.map((t) => t.passed),
      [true, false],
    );
  });

  test('the wsi CLI runs a TCP request; Connect… accepts tcp:// and tls:// URLs', async () => {
    const srv = await startTcpServer(redisLike);
    servers.push(srv);
    const dir = mkdtempSync(join(tmpdir(), 'wsi-tcp-'));
    try {
      writeFileSync(
        join(dir, 'redis.ws'),
        `### Redis\n# @framing crlf\nTCP 127.0.0.1:${srv.port}\nPING\n=== expect "+PONG"\n`,
      );
      const cli = join(__dirname, '..', '..', 'src', 'cli.js');
      const r = await new Promise<{ code: number; out: string }>((resolve) =>
        execFile(
          process.execPath,
          [cli, 'run', join(dir, 'redis.ws'), '--linger', '0ms'],
          { timeout: 20_000 },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? -1) : 0, out: stdout + stderr }),
        ),
      );
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, /→ text {3}PING/);
      assert.match(r.out, /← text {3}\+PONG/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(checkConnectUrl('tcp://127.0.0.1:6379'), { ok: true, url: 'tcp://127.0.0.1:6379' });
    const bad = checkConnectUrl('tls://host');
    assert.equal(bad.ok, false);
  });
});
