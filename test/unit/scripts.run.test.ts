import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { runWsRequest, type RunOptions, type RunResult } from '../../src/core/wsfile/run';
import { startWsServer } from './helpers';

/** A real `ws` echo server on 127.0.0.1, port 0 (text stays text). */
export async function echoServer(greeting?: string) {
  const s = await startWsServer();
  s.server.on('connection', (socket) => {
    if (greeting) socket.send(greeting);
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  return s;
}

/** Parses `text` (its `URL` replaced by the server's) and runs its first request with scripts on. */
export async function runText(
  text: string,
  url: string,
  options: Partial<RunOptions> = {},
  baseDir = process.cwd(),
): Promise<RunResult> {
  const parsed = parseWsFile(text.replace(/URL/g, url));
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, [], 'the file parses without errors');
  const result = await runWsRequest({
    request: parsed.requests[0],
    variables: { fileVariables: parsed.variables, allowProcessEnv: false },
    baseDir,
    scripts: 'run',
    waitTimeoutMs: 3000,
    settleMs: 300,
    ...options,
  });
  result.connection?.dispose();
  return result;
}

const brief = (r: RunResult) =>
  r.tests.map((t) => `${t.passed ? 'pass' : 'FAIL'} ${t.name} @${t.line + 1}${t.message ? `: ${t.message}` : ''}`);

test('JetBrains response handler: onEachMessage gets each echo, client.test/assert results carry .ws lines, output() sends, unsubscribe() ends it', async () => {
  const server = await echoServer();
  try {
    const r = await runText(
      [
        'WEBSOCKET URL', // line 1
        '',
        '{"n": 1}', // 3
        '',
        '> {%', // 5
        '  let seen = 0;',
        '  response.body.onEachMessage((message, unsubscribe, output) => {',
        '    seen++;',
        '    client.test("echo " + seen, () => {',
        '      client.assert(message.n === seen, "n is " + seen);', // 10
        '    });',
        '    if (seen < 3) output(JSON.stringify({ n: message.n + 1 }));',
        '    else unsubscribe();',
        '  });',
        '  client.log("handler registered");',
        '%}',
      ].join('\n'),
      server.url,
    );
    assert.equal(r.ok, true, r.error);
    assert.deepEqual(brief(r), ['pass echo 1 @9', 'pass echo 2 @9', 'pass echo 3 @9']);
    assert.deepEqual(
      r.logs.map((l) => [l.text, (l.line ?? -1) + 1]),
      [['handler registered', 15]],
    );
    assert.equal(r.tests[2].messageIndex, 3);
  } finally {
    await server.close();
  }
});

test('a failing assertion inside client.test names the assert line; a throw outside a test fails with the error at its line', async () => {
  const server = await echoServer();
  try {
    const r = await runText(
      [
        'WS URL',
        '',
        'hello',
        '',
        '> {%',
        '  response.body.onEachMessage((m, unsubscribe) => {',
        '    client.test("is hi", function () {',
        '      client.assert(m === "hi", "expected hi, got " + m);',
        '    });',
        '    unsubscribe();',
        '    null.boom;',
        '  });',
        '%}',
      ].join('\n'),
      server.url,
    );
    assert.deepEqual(brief(r), [
      'FAIL is hi @8: expected hi, got hello',
      "FAIL onEachMessage handler @11: TypeError: cannot read property 'boom' of null",
    ]);
  } finally {
    await server.close();
  }
});

test('=== expect: JSON subset, condition, regex, not, count and within, each a test result at its line', async () => {
  const server = await echoServer('{"type":"hello","v":2}');
  try {
    const r = await runText(
      [
        'WS URL',
        '',
        '=== expect {"type": "hello"}', // 3
        '{"type":"pong","id":7}',
        '=== expect type == "pong" && id > 3', // 5
        'ok 1',
        '===',
        'ok 2',
        '=== expect /^ok \\d$/ count 2', // 9
        '=== expect not within 300ms', // 10
        'late',
        '=== expect "nope" within 300ms', // 12
      ].join('\n'),
      server.url,
    );
    assert.equal(r.ok, true, r.error);
    assert.deepEqual(brief(r).slice(0, 4), [
      'pass expect {"type": "hello"} @3',
      'pass expect type == "pong" && id > 3 @5',
      'pass expect /^ok \\d$/ count 2 @9',
      'pass expect not within 300ms @10',
    ]);
    const last = r.tests[4];
    assert.equal(last.passed, false);
    assert.equal(last.line + 1, 12);
    assert.match(
      last.message!,
      /Waited 300 ms for the message "nope": nothing more came within 300 ms \(1 other message did\)/,
    );
  } finally {
    await server.close();
  }
});

test('an expectation that never gets its message fails at the wait timeout, saying what it waited for', async () => {
  const server = await startWsServer();
  try {
    const started = Date.now();
    const r = await runText('WS URL\n\n=== expect {"type":"ready"}\n', server.url, { waitTimeoutMs: 400 });
    assert.equal(r.tests.length, 1);
    assert.equal(r.tests[0].passed, false);
    assert.match(
      r.tests[0].message!,
      /Expected a JSON message containing \{"type":"ready"\} as server message 1, but nothing more came within 400 ms/,
    );
    assert.ok(Date.now() - started < 3000);
  } finally {
    await server.close();
  }
});

test("scripts: 'skip' (Restricted Mode) runs the rest and says so once; expectations still run", async () => {
  const server = await echoServer();
  try {
    const r = await runText(
      'WS URL\n\nping\n=== expect "ping"\n\n> {%\n  client.test("never", () => {});\n%}\n{{\n  test("never either", () => {});\n}}\n',
      server.url,
      { scripts: 'skip' },
    );
    assert.equal(r.ok, true);
    assert.deepEqual(
      r.logs.map((l) => l.text),
      ['Scripts are not run in Restricted Mode; the rest of the request runs without them.'],
    );
    assert.deepEqual(brief(r), ['pass expect "ping" @4']);
  } finally {
    await server.close();
  }
});

test('pre-request scripts set variables the request uses; client.global persists across runs and resolves {{name}}', async () => {
  const server = await echoServer();
  try {
    const globals = new Map<string, string>();
    const first = await runText(
      '< {%\n  request.variables.set("greeting", "hi there");\n  client.global.set("token", "t-42");\n%}\nWS URL\n\n{{greeting}}\n=== expect "hi there"\n',
      server.url,
      { globals },
    );
    assert.deepEqual(brief(first), ['pass expect "hi there" @8']);
    assert.equal(globals.get('token'), 't-42');
    const second = await runText('WS URL\n\n{{token}}\n=== expect "t-42"\n', server.url, { globals });
    assert.deepEqual(brief(second), ['pass expect "t-42" @4']);
  } finally {
    await server.close();
  }
});

test("a runaway handler is stopped by the CPU budget with a message naming the handler's .ws line, and the run goes on", async () => {
  const server = await echoServer();
  try {
    const started = Date.now();
    const r = await runText(
      'WS URL\n\nx\n=== expect "x"\n\n> {%\n  response.body.onEachMessage(() => {\n    for (;;) {}\n  });\n%}\n',
      server.url,
      { sandbox: { cpuMs: 50 } },
    );
    assert.equal(r.ok, true);
    const stopped = r.tests.find((t) => !t.passed)!;
    assert.match(stopped.message!, /^The script at line 7 ran longer than 50 ms \(an endless loop\?\) and was stopped/);
    assert.ok(r.tests.some((t) => t.name === 'expect "x"' && t.passed));
    assert.ok(Date.now() - started < 3000);
  } finally {
    await server.close();
  }
});

test('a syntax error fails the run before it connects, at the script line', async () => {
  const server = await startWsServer();
  let connections = 0;
  server.server.on('connection', () => connections++);
  try {
    const r = await runText('WS URL\n\nhi\n\n> {%\n  client.test("x", () => {\n%}\n', server.url);
    assert.equal(r.ok, false);
    assert.equal(r.failedStep, -1);
    assert.match(r.error!, /^The script at line 7 does not compile: SyntaxError/);
    assert.equal(connections, 0);
  } finally {
    await server.close();
  }
});

test('external handler > ./check.js runs from the .ws folder; one outside the workspace folder is refused', async () => {
  const server = await echoServer();
  const dir = mkdtempSync(join(tmpdir(), 'wsi-scripts-'));
  try {
    writeFileSync(
      join(dir, 'check.js'),
      'response.body.onEachMessage((m, unsubscribe) => {\n  client.test("from file", () => client.assert(m === "hey", "got " + m));\n  unsubscribe();\n});\n',
    );
    const r = await runText('WS URL\n\nhey\n\n> ./check.js\n', server.url, { workspaceRoot: dir }, dir);
    assert.deepEqual(brief(r), ['pass from file @5']);
    const outside = await runText(
      'WS URL\n\nhey\n\n> ../check.js\n',
      server.url,
      { workspaceRoot: join(dir, 'sub') },
      join(dir, 'sub'),
    );
    assert.equal(outside.ok, false);
    assert.match(outside.error!, /outside the workspace folder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  }
});

test('httpYac: {{@streaming}} with await sleep and websocketClient.send, {{ }} after the exchange, ?? lines', async () => {
  const server = await echoServer();
  try {
    const r = await runText(
      [
        'WS URL',
        '',
        'first',
        '',
        '{{@streaming',
        '  await sleep(50);',
        '  websocketClient.send("second");',
        '  await sleep(100);',
        '}}',
        '{{',
        '  test("last message", () => { if (response.body !== "second") throw new Error("got " + response.body); });',
        '}}',
        '?? status == 101',
        '?? body == second',
        '?? js response.body.length == 6',
        '?? duration < 1',
      ].join('\n'),
      server.url,
    );
    assert.equal(r.ok, true, r.error);
    const b = brief(r);
    assert.deepEqual(b.slice(0, 4), [
      'pass last message @11',
      'pass status == 101 @13',
      'pass body == second @14',
      'pass js response.body.length == 6 @15',
    ]);
    assert.match(b[4], /^FAIL duration < 1 @16: duration is \d+, expected < 1\.$/);
  } finally {
    await server.close();
  }
});
