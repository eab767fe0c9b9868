// Over 400 lines: one test per rule of the .ws format, each a small file and its expected parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWsFile } from '../../src/core/wsfile/parse';
import { findMissingFiles } from '../../src/core/wsfile/files';
import type { Diagnostic, ParsedWsFile, WsRequest, WsStep } from '../../src/core/wsfile/types';

/** The compiled test lives in out/test/unit; fixtures stay in the source tree. */
const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'wsfile');
const FRAGMENT_PREFIX = 'WEBSOCKET ws://localhost:8080/websocket\n\n';

function fixture(path: string): string {
  const text = readFileSync(join(FIXTURES, path), 'utf8');
  return path.endsWith('.fragment.http') ? FRAGMENT_PREFIX + text : text;
}

/** Steps as short tuples, so expectations read like the file. */
function steps(r: WsRequest): unknown[] {
  return r.steps.map((s: WsStep) => {
    switch (s.type) {
      case 'send': {
        const m = s.message;
        if (m.kind === 'text') return [m.json ? 'json' : 'text', m.text];
        if (m.kind === 'file') return ['file', m.as, m.path];
        return [m.kind, m.source];
      }
      case 'wait-for-server':
        return ['wait-for-server', s.count];
      case 'wait':
        return ['wait', s.ms];
      case 'close':
        return ['close', s.code, s.reason];
    }
  });
}

function summary(parsed: ParsedWsFile) {
  return parsed.requests.map((r) => ({
    name: r.name,
    keyword: r.keyword,
    url: r.url,
    headers: r.headers.map((h) => [h.name, h.value]),
    steps: steps(r),
  }));
}

function codes(parsed: ParsedWsFile): string[] {
  return parsed.diagnostics.map((d) => `${d.severity}:${d.code}`);
}

function only(parsed: ParsedWsFile, code: string): Diagnostic {
  const found = parsed.diagnostics.filter((d) => d.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(parsed.diagnostics)}`);
  return found[0];
}

// ───────────── fixtures: JetBrains ─────────────

test('JetBrains request structure example: header, comment, three messages, one wait', () => {
  const parsed = parseWsFile(fixture('jetbrains/websocket-request-structure.http'));
  assert.deepEqual(summary(parsed), [
    {
      name: 'ws://localhost:8080/websocket',
      keyword: 'WEBSOCKET',
      url: 'ws://localhost:8080/websocket',
      headers: [['Content-Type', 'application-json']],
      steps: [
        ['json', '{\n  "message": "First message sent on connection"\n}'],
        ['text', '{\n  "message": "Second message" // will be sent right after the previous one\n}'],
        ['wait-for-server', 1],
        ['json', '{\n  "message": "Send this after the server response"\n}'],
      ],
    },
  ]);
  assert.deepEqual(parsed.diagnostics, []);
  const r = parsed.requests[0];
  assert.deepEqual(r.range, { startLine: 0, endLine: 14 });
  assert.deepEqual(r.urlRange, { startLine: 0, startCol: 10, endLine: 0, endCol: 39 });
  assert.deepEqual(
    r.steps.map((s) => s.lines),
    [
      { startLine: 4, endLine: 6 },
      { startLine: 8, endLine: 10 },
      { startLine: 11, endLine: 11 },
      { startLine: 12, endLine: 14 },
    ],
  );
  assert.equal(r.headers[0].line, 1);
});

test('JetBrains "send multiple messages" fragment: three messages, no waits', () => {
  const parsed = parseWsFile(fixture('jetbrains/send-multiple-messages.fragment.http'));
  assert.deepEqual(summary(parsed)[0].steps, [
    ['json', '{\n  "message": "First message sent on connection"\n}'],
    ['json', '{\n  "message": "Second message"\n}'],
    ['json', '{\n  "message": "Third message"\n}'],
  ]);
  assert.deepEqual(parsed.diagnostics, []);
});

test('JetBrains repeated wait-for-server lines add up to a count of 3', () => {
  const parsed = parseWsFile(fixture('jetbrains/wait-for-server-three.fragment.http'));
  assert.deepEqual(summary(parsed)[0].steps, [
    ['wait-for-server', 3],
    ['json', '{\n  "message": "This messages is sent after 3 server responses"\n}'],
  ]);
  assert.deepEqual(parsed.requests[0].steps[0].lines, { startLine: 2, endLine: 4 });
  assert.deepEqual(parsed.diagnostics, []);
});

// ───────────── fixtures: httpYac ─────────────

test('httpYac websocket.http: WS keyword, one JSON message, the streaming script is read as a script (no warning)', () => {
  const parsed = parseWsFile(fixture('httpyac/websocket.http'));
  assert.deepEqual(summary(parsed), [
    {
      name: 'wss://socketsbay.com/wss/v2/1/demo/',
      keyword: 'WS',
      url: 'wss://socketsbay.com/wss/v2/1/demo/',
      headers: [],
      steps: [['json', '{\n  "test": "httpyac"\n}']],
    },
  ]);
  const [script] = parsed.requests[0].scripts ?? [];
  assert.deepEqual(
    [script.dialect, script.event, script.lines.startLine, script.lines.endLine],
    ['httpyac', 'streaming', 6, 16],
  );
  assert.match(script.code!, /^ *\n {2}async function writeStream\(\)\{\n/);
  assert.equal(script.code!.split('\n').length, 11, 'the code keeps its lines: script line N is file line 6 + N');
  assert.deepEqual(codes(parsed), []);
});

test('httpYac websocketPublish.http: one JSON message, no diagnostics', () => {
  const parsed = parseWsFile(fixture('httpyac/websocketPublish.http'));
  assert.deepEqual(summary(parsed), [
    {
      name: 'wss://socketsbay.com/wss/v2/1/demo/',
      keyword: 'WS',
      url: 'wss://socketsbay.com/wss/v2/1/demo/',
      headers: [],
      steps: [['json', '{\n  "test": "httpyac"\n}']],
    },
  ]);
  assert.deepEqual(parsed.diagnostics, []);
});

test('httpYac legacy websocket.http: a message right under the request line (no blank line) is a message, not a header', () => {
  const parsed = parseWsFile(fixture('httpyac/websocket-legacy.http'));
  const url =
    'wss://demo.piesocket.com/v3/channel_1?api_key=oCdCMcMPQpbvNjUIzqtvF1d2X2okWpDQj4AwARJuAgtjhzKxVEjQU6IdCjwm&notify_self';
  assert.deepEqual(summary(parsed), [
    { name: url, keyword: 'WS', url, headers: [], steps: [['json', '{"foo": "bar"}']] },
  ]);
  assert.deepEqual(
    parsed.requests[0].scripts?.map((s) => s.event),
    ['streaming'],
  );
  assert.deepEqual(codes(parsed), []);
});

test('httpYac websocketKeepStreaming.http: @keepStreaming is read (handlers keep listening after the steps)', () => {
  const parsed = parseWsFile(fixture('httpyac/websocketKeepStreaming.http'));
  assert.equal(parsed.requests.length, 1);
  assert.deepEqual(parsed.requests[0].directives, [{ name: 'keepStreaming', value: '', line: 0 }]);
  assert.equal(parsed.requests[0].settings.keepStreaming, true);
  assert.deepEqual(parsed.requests[0].steps, []);
  assert.deepEqual(codes(parsed), []);
  assert.deepEqual(parsed.requests[0].range, { startLine: 0, endLine: 1 });
});

test('httpYac requestBodyMulti.http (MQTT) is skipped with a warning, not misread as WebSocket', () => {
  const parsed = parseWsFile(fixture('httpyac/requestBodyMulti.http'));
  assert.deepEqual(parsed.requests, []);
  const d = only(parsed, 'http-request');
  assert.equal(d.severity, 'warning');
  assert.deepEqual(d.range, { startLine: 0, startCol: 0, endLine: 0, endCol: 4 });
  assert.match(d.message, /MQTT request/);
});

test('httpYac changelog example: bare wss:// URLs, ### separators, six STOMP frames', () => {
  const parsed = parseWsFile(fixture('httpyac/changelog-keepStreaming.http'));
  const url = 'wss://scrumpoker.foo';
  assert.deepEqual(summary(parsed), [
    { name: url, keyword: 'none', url, headers: [], steps: [] },
    {
      name: url,
      keyword: 'none',
      url,
      headers: [],
      steps: [
        ['json', '["CONNECT\\naccept-version:1.1,1.0\\nheart-beat:10000,10000\\n\\n\\u0000"]'],
        ['json', '["SUBSCRIBE\\nid:sub-0\\ndestination:/user/topic/username\\n\\n\\u0000"]'],
        ['json', '["SUBSCRIBE\\nid:sub-1\\ndestination:/user/topic/notification\\n\\n\\u0000"]'],
        ['json', '["SUBSCRIBE\\nid:sub-3\\ndestination:/topic/setting/cardset/{{roomId}}\\n\\n\\u0000"]'],
        ['json', '["SEND\\ndestination:/ws/room/register\\n\\n{\\"roomID\\":\\"{{roomId}}\\"}\\u0000"]'],
        ['json', '["SEND\\ndestination:/ws/user/username\\n\\n{\\"username\\":\\"httpyac\\"}\\u0000"]'],
      ],
    },
    {
      name: url,
      keyword: 'none',
      url,
      headers: [],
      steps: [['json', '["SEND\\ndestination:/ws/room/{{roomId}}/estimate\\n\\n{\\"estimation\\":\\"5\\"}\\u0000"]']],
    },
  ]);
  assert.deepEqual(codes(parsed), []);
  assert.equal(parsed.requests[0].settings.keepStreaming, true);
  assert.deepEqual(
    parsed.requests.map((r) => r.range),
    [
      { startLine: 0, endLine: 1 },
      { startLine: 3, endLine: 15 },
      { startLine: 16, endLine: 18 },
    ],
  );
});

// ───────────── the format itself ─────────────

const DESIGN_EXAMPLE = `# A comment. \`//\` also starts one.
@host = localhost:8080
@token = {{$processEnv API_TOKEN}}

### Ticker
# @subprotocol graphql-transport-ws, other
# @timeout 5s
# @ping 30s
# @reconnect
# @insecure
# @deflate off
WEBSOCKET ws://{{host}}/ticker?symbol=BTC
Authorization: Bearer {{token}}
Origin: https://example.com

{"op": "subscribe", "channel": "trades"}
===
{"op": "ping"}
=== wait-for-server
{"op": "unsubscribe"}
=== wait 500ms
plain text
over two lines
=== binary
00 01 fe FF
=== binary base64
AQID
=== wait 2s
< ./file.bin
===
<@ ./file.txt
=== close 4001 bye now
`;

test('the design example: variables, directives, headers and every kind of step', () => {
  const parsed = parseWsFile(DESIGN_EXAMPLE);
  assert.deepEqual(parsed.diagnostics, []);
  assert.deepEqual(
    parsed.variables.map((v) => [v.name, v.value, v.line]),
    [
      ['host', 'localhost:8080', 1],
      ['token', '{{$processEnv API_TOKEN}}', 2],
    ],
  );
  const [r] = parsed.requests;
  assert.equal(r.name, 'Ticker');
  assert.equal(r.named, true);
  assert.equal(r.keyword, 'WEBSOCKET');
  assert.equal(r.url, 'ws://{{host}}/ticker?symbol=BTC');
  assert.deepEqual(r.headers, [
    { name: 'Authorization', value: 'Bearer {{token}}', line: 12 },
    { name: 'Origin', value: 'https://example.com', line: 13 },
  ]);
  assert.deepEqual(r.settings, {
    subprotocols: ['graphql-transport-ws', 'other'],
    timeoutMs: 5000,
    pingMs: 30000,
    reconnect: true,
    insecure: true,
    deflate: false,
  });
  assert.deepEqual(
    r.directives.map((d) => [d.name, d.value]),
    [
      ['subprotocol', 'graphql-transport-ws, other'],
      ['timeout', '5s'],
      ['ping', '30s'],
      ['reconnect', ''],
      ['insecure', ''],
      ['deflate', 'off'],
    ],
  );
  assert.deepEqual(steps(r), [
    ['json', '{"op": "subscribe", "channel": "trades"}'],
    ['json', '{"op": "ping"}'],
    ['wait-for-server', 1],
    ['json', '{"op": "unsubscribe"}'],
    ['wait', 500],
    ['text', 'plain text\nover two lines'],
    ['hex', '00 01 fe FF'],
    ['base64', 'AQID'],
    ['wait', 2000],
    ['file', 'auto', './file.bin'],
    ['file', 'text', './file.txt'],
    ['close', 4001, 'bye now'],
  ]);
  assert.deepEqual(r.range, { startLine: 4, endLine: 31 });
});

test('request names: # @name wins over ###, and unnamed requests take their URL', () => {
  const parsed = parseWsFile('### Title\n# @name chosen\nWS ws://a\n\n###\nwss://b/c\n');
  assert.deepEqual(
    parsed.requests.map((r) => [r.name, r.named]),
    [
      ['chosen', true],
      ['wss://b/c', false],
    ],
  );
});

test('WS/WSS without a scheme, and a trailing HTTP/1.1, are accepted', () => {
  const parsed = parseWsFile('WSS example.com/socket HTTP/1.1\n');
  assert.equal(parsed.requests[0].url, 'example.com/socket');
  assert.equal(parsed.requests[0].keyword, 'WSS');
  assert.deepEqual(parsed.diagnostics, []);
});

test('a URL continued on indented lines (JetBrains style) is joined', () => {
  const parsed = parseWsFile('WEBSOCKET ws://example.com:8080\n    /api\n    ?id=1\n    &v=2\nX-A: 1\n\nhi\n');
  assert.equal(parsed.requests[0].url, 'ws://example.com:8080/api?id=1&v=2');
  assert.deepEqual(
    parsed.requests[0].headers.map((h) => h.name),
    ['X-A'],
  );
  assert.deepEqual(steps(parsed.requests[0]), [['text', 'hi']]);
  assert.deepEqual(parsed.diagnostics, []);
});

test('CRLF line endings parse the same as LF', () => {
  const lf = parseWsFile(DESIGN_EXAMPLE);
  const crlf = parseWsFile(DESIGN_EXAMPLE.replace(/\n/g, '\r\n'));
  assert.deepEqual(summary(crlf), summary(lf));
});

test('a separator directly after the headers starts the messages (JetBrains CLI style)', () => {
  const parsed = parseWsFile(
    'WEBSOCKET wss://x/raw\nContent-Type: application/json\n===\n{ "name": "Hello" }\n=== wait-for-server\n{"m": 1}\n',
  );
  assert.deepEqual(steps(parsed.requests[0]), [
    ['json', '{ "name": "Hello" }'],
    ['wait-for-server', 1],
    ['json', '{"m": 1}'],
  ]);
});

// ───────────── every diagnostic ─────────────

test('unknown directive: a warning on the directive name', () => {
  const parsed = parseWsFile('# @frobnicate 3\nWS ws://a\n');
  const d = only(parsed, 'unknown-directive');
  assert.equal(d.severity, 'warning');
  assert.deepEqual(d.range, { startLine: 0, startCol: 2, endLine: 0, endCol: 13 });
  assert.match(d.message, /Unknown directive @frobnicate\. Known directives: @name, @subprotocol/);
  assert.deepEqual(parsed.requests[0].directives, [{ name: 'frobnicate', value: '3', line: 0 }]);
});

test('bad URL scheme: http suggests ws, https suggests wss, others name the scheme', () => {
  const http = only(parseWsFile('WEBSOCKET http://host:1/p\n'), 'bad-url-scheme');
  assert.equal(http.severity, 'error');
  assert.deepEqual(http.range, { startLine: 0, startCol: 10, endLine: 0, endCol: 14 });
  assert.match(http.message, /Change it to ws:\/\/host:1\/p\./);
  assert.match(only(parseWsFile('https://host/p\n'), 'bad-url-scheme').message, /Change it to wss:\/\/host\/p\./);
  assert.match(only(parseWsFile('WS ftp://host\n'), 'bad-url-scheme').message, /"ftp:\/\/" is not a WebSocket scheme/);
});

test('a request keyword without a URL is an error', () => {
  assert.match(only(parseWsFile('WEBSOCKET\n'), 'bad-url').message, /WEBSOCKET needs a URL after it/);
});

test('malformed header: error on the whole line, and the good headers are kept', () => {
  const parsed = parseWsFile('WS ws://a\nX-Good: 1\nBad Header: x\n\nhello\n');
  const d = only(parsed, 'malformed-header');
  assert.deepEqual(d.range, { startLine: 2, startCol: 0, endLine: 2, endCol: 13 });
  assert.match(d.message, /"Bad Header: x" is not a valid header/);
  assert.deepEqual(
    parsed.requests[0].headers.map((h) => h.name),
    ['X-Good'],
  );
  assert.deepEqual(steps(parsed.requests[0]), [['text', 'hello']]);
});

test('bad hex: the exact character, and an odd digit count', () => {
  const digit = only(parseWsFile('WS ws://a\n\n=== binary\n01 02\nff 0g 10\n'), 'bad-hex');
  assert.deepEqual(digit.range, { startLine: 4, startCol: 4, endLine: 4, endCol: 5 });
  assert.match(digit.message, /"g" is not a hex digit/);
  const odd = only(parseWsFile('WS ws://a\n\n=== binary hex\n0x01 abc\n'), 'bad-hex');
  assert.deepEqual(odd.range, { startLine: 3, startCol: 5, endLine: 3, endCol: 8 });
  assert.match(odd.message, /odd number of hex digits/);
});

test('bad base64: the exact character, padding in the middle, and a truncated end', () => {
  const ch = only(parseWsFile('WS ws://a\n\n=== binary base64\nAQID\nAQ*D\n'), 'bad-base64');
  assert.deepEqual(ch.range, { startLine: 4, startCol: 2, endLine: 4, endCol: 3 });
  assert.match(ch.message, /"\*" is not a base64 character/);
  const pad = only(parseWsFile('WS ws://a\n\n=== binary base64\nAQ==AQ\n'), 'bad-base64');
  assert.deepEqual(pad.range, { startLine: 3, startCol: 4, endLine: 3, endCol: 5 });
  const cut = only(parseWsFile('WS ws://a\n\n=== binary base64\nAQIDB\n'), 'bad-base64');
  assert.match(cut.message, /ends in the middle of a byte/);
});

test('durations that do not parse: in === wait and in @timeout / @ping', () => {
  const wait = only(parseWsFile('WS ws://a\n\nhi\n=== wait soon\n'), 'bad-duration');
  assert.deepEqual(wait.range, { startLine: 3, startCol: 9, endLine: 3, endCol: 13 });
  assert.match(wait.message, /"soon" is not a duration/);
  const bare = parseWsFile('WS ws://a\n\nhi\n=== wait 500\n');
  assert.equal(only(bare, 'bad-duration').severity, 'error');
  const timeout = only(parseWsFile('# @timeout forever\nWS ws://a\n'), 'bad-duration');
  assert.deepEqual(timeout.range, { startLine: 0, startCol: 11, endLine: 0, endCol: 18 });
  assert.equal(
    parseWsFile('# @timeout 600\nWS ws://a\n').requests[0].settings.timeoutMs,
    600_000,
    'a bare @timeout number is seconds, as in JetBrains',
  );
  assert.equal(parseWsFile('# @connection-timeout 2 m\nWS ws://a\n').requests[0].settings.timeoutMs, 120_000);
});

test('close codes: out of range, not a number, reason too long; a bare close is 1000', () => {
  const range = only(parseWsFile('WS ws://a\n\n=== close 1005\n'), 'bad-close-code');
  assert.deepEqual(range.range, { startLine: 2, startCol: 10, endLine: 2, endCol: 14 });
  assert.match(range.message, /Close code 1005 cannot be sent by a client/);
  assert.equal(only(parseWsFile('WS ws://a\n\n=== close 5000\n'), 'bad-close-code').severity, 'error');
  assert.match(
    only(parseWsFile('WS ws://a\n\n=== close bye\n'), 'bad-close-code').message,
    /"bye" is not a close code/,
  );
  assert.match(
    only(parseWsFile(`WS ws://a\n\n=== close 1000 ${'x'.repeat(124)}\n`), 'bad-close-reason').message,
    /124 bytes/,
  );
  assert.deepEqual(steps(parseWsFile('WS ws://a\n\n=== close\n').requests[0]), [['close', 1000, '']]);
});

test('missing request line: content with nothing to send it to', () => {
  const parsed = parseWsFile('@x = 1\n### Orphan\n{"a": 1}\n===\n{"b": 2}\n');
  const d = only(parsed, 'missing-request-line');
  assert.equal(d.severity, 'error');
  assert.deepEqual(d.range, { startLine: 2, startCol: 0, endLine: 2, endCol: 8 });
  assert.match(d.message, /no request line above it.*"Orphan"/);
  assert.deepEqual(parsed.requests, []);
});

test('unknown === command, empty binary block, messages after close, unclosed script', () => {
  assert.match(
    only(parseWsFile('WS ws://a\n\n=== frobnicate\n'), 'unknown-separator').message,
    /"=== frobnicate" is not something/,
  );
  assert.match(
    only(parseWsFile('WS ws://a\n\n=== binary yaml\nzz\n'), 'unknown-separator').message,
    /not a binary format/,
  );
  assert.equal(only(parseWsFile('WS ws://a\n\n=== binary\n===\nhi\n'), 'empty-binary-block').range.startLine, 2);
  const after = only(parseWsFile('WS ws://a\n\n=== close\nlate\n'), 'after-close');
  assert.equal(after.range.startLine, 3);
  const script = only(parseWsFile('WS ws://a\n\nhi\n{{\n  never closed\n'), 'ignored-script');
  assert.match(script.message, /never closed/);
});

test('a hex block with variables is checked at send time, not while typing', () => {
  const parsed = parseWsFile('WS ws://a\n\n=== binary\n01 {{byte}}\n');
  assert.deepEqual(parsed.diagnostics, []);
  assert.deepEqual(steps(parsed.requests[0]), [['hex', '01 {{byte}}']]);
});

test('a missing < file is a diagnostic on its path; existing files and variable paths are not', () => {
  const text = 'WEBSOCKET ws://h/x\n\n< ./here.bin\n===\n< ./gone.bin\n===\n<@ {{dir}}/x.txt\n';
  const parsed = parseWsFile(text);
  const found = findMissingFiles(parsed, text.split('\n'), '/base', (p) => p === '/base/here.bin');
  assert.equal(found.length, 1);
  assert.equal(found[0].code, 'missing-file');
  assert.deepEqual(found[0].range, { startLine: 4, startCol: 2, endLine: 4, endCol: 12 });
  assert.match(found[0].message, /\.\/gone\.bin does not exist/);
});
