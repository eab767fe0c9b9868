import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest } from '../../src/core/wsfile/run';
import { startWsServer } from './helpers';

/** The documentation examples of test/fixtures/scripts/SOURCES.md, run against a real echo server with only the URL changed. */
const root = join(__dirname, '..', '..', '..', 'test', 'fixtures');
const fixture = (p: string) => readFileSync(join(root, p), 'utf8');

async function runFixture(text: string, waitTimeoutMs = 3000) {
  const received: string[] = [];
  const server = await startWsServer();
  server.server.on('connection', (socket) =>
    socket.on('message', (data) => {
      received.push(data.toString('utf8'));
      socket.send(data.toString('utf8'));
    }),
  );
  try {
    // Only the request line's URL changes: the scripts run as written.
    const parsed = parseWsFile(text.replace(/^(WEBSOCKET |WS )\S+/m, `$1${server.url}`));
    assert.deepEqual(
      parsed.diagnostics.filter((d) => d.severity !== 'info'),
      [],
    );
    const result = await runWsRequest({
      request: parsed.requests[0],
      variables: { fileVariables: parsed.variables, allowProcessEnv: false },
      baseDir: root,
      scripts: 'run',
      waitTimeoutMs,
      settleMs: 500,
    });
    result.connection?.dispose();
    return { result, received };
  } finally {
    await server.close();
  }
}

test('JetBrains onEachMessage example: three echoes tested, output() answers twice, unsubscribe() ends it, onFinish logs', async () => {
  const { result, received } = await runFixture(fixture('scripts/jetbrains/onEachMessage.http'));
  assert.equal(result.ok, true, result.error);
  assert.deepEqual(
    result.tests.map((t) => [t.name, t.passed, t.line + 1]),
    [
      ['Server answered message 1', true, 17],
      ['Server answered message 2', true, 17],
      ['Server answered message 3', true, 17],
    ],
  );
  assert.deepEqual(
    received.map((m) => JSON.parse(m)),
    [{ message: 'Hello, server!', repeat: 3 }, { message: 'Message 1' }, { message: 'Message 2' }],
  );
  assert.deepEqual(
    result.logs.map((l) => l.text),
    ['We stopped listening for WebSocket from the current handler script!'],
  );
});

test('JetBrains pre-request example: request.variables and client.global fill {{…}}; crypto.hmac gives the digest', async () => {
  const { result, received } = await runFixture(fixture('scripts/jetbrains/pre-request.http'));
  assert.equal(result.ok, true, result.error);
  assert.deepEqual(
    result.tests.map((t) => [t.name, t.passed]),
    [
      ['The server saw the first name', true],
      ['The signature is a SHA-256 HMAC in hex', true],
    ],
  );
  const sent = JSON.parse(received[0]) as { firstname: string; signature: string };
  assert.equal(sent.firstname, 'John');
  // HMAC-SHA256("secret", "John"), as Node computes it.
  assert.equal(sent.signature, createHmac('sha256', 'secret').update('John').digest('hex'));
});

test(
  'httpYac guide example (verbatim): {{@streaming}} sleeps 10 s, then $requestClient.send() sends the ping as JSON',
  { timeout: 30_000 },
  async () => {
    const started = Date.now();
    const { result, received } = await runFixture(fixture('wsfile/httpyac/websocket.http'), 15_000);
    assert.equal(result.ok, true, result.error);
    assert.deepEqual(
      received.map((m) => JSON.parse(m)),
      [{ test: 'httpyac' }, { event: 'ping', reqid: 45 }],
    );
    assert.ok(Date.now() - started >= 11_000, 'both sleeps ran');
    assert.deepEqual(result.tests, []);
  },
);

test('httpYac legacy example parses its streaming block as a script, with the lines it has in the file', () => {
  const parsed = parseWsFile(fixture('wsfile/httpyac/websocket-legacy.http'));
  const [script] = parsed.requests[0].scripts!;
  assert.equal(script.event, 'streaming');
  assert.equal(script.code!.split('\n')[2].trim(), 'await sleep(100000);');
  assert.equal(script.codeLine + 2, 5, 'script line 3 is file line 6 (0-based 5)');
});

test('JetBrains onEachLine example (script verbatim, over WebSocket): ten prices tested, the 45 floor fails one, unsubscribe() after ten', async () => {
  // The docs' example reads an HTTP event stream; over WebSocket each message is a line. The request
  // line becomes a WEBSOCKET one; the script is as the docs print it.
  const prices = [50, 47.5, 44, 46, 48, 49, 45, 51, 52, 53, 54, 55];
  const server = await startWsServer();
  server.server.on('connection', (socket) => {
    for (const p of prices) socket.send(JSON.stringify({ lastPrice: p, pricePresentation: `GOLD ${p.toFixed(2)}` }));
  });
  try {
    const text = fixture('scripts/jetbrains/onEachLine-gold.http').replace(
      /^GET localhost(\S+)/m,
      `WEBSOCKET ${server.url}$1`,
    );
    const parsed = parseWsFile(text);
    const result = await runWsRequest({
      request: parsed.requests[0],
      variables: { fileVariables: parsed.variables, allowProcessEnv: false },
      baseDir: root,
      scripts: 'run',
      waitTimeoutMs: 3000,
      settleMs: 500,
    });
    result.connection?.dispose();
    assert.deepEqual(
      result.tests.map((t) => [t.name, t.passed]),
      prices.slice(0, 10).map((p, i) => [`Price test ${i + 1}`, p >= 45]),
    );
    assert.match(result.tests[2].message ?? '', /Price must be >= 45/);
    // Each tested update is logged twice (before and inside the test); the eleventh once, then it stops.
    const logs = result.logs.map((l) => l.text);
    assert.equal(logs.filter((l) => l === 'GOLD 50.00').length, 2);
    assert.equal(logs.filter((l) => l === 'GOLD 54.00').length, 1, 'the eleventh update, logged before unsubscribe()');
    assert.ok(!logs.includes('GOLD 55.00'), 'nothing after unsubscribe()');
  } finally {
    await server.close();
  }
});
