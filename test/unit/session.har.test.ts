import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { eventPayload, newHeader, sessionMessages, type Session } from '../../src/core/sessions/format';
import { exportHar, importHar, type HarWebSocketMessage } from '../../src/core/sessions/har';
import { startWsServer } from './helpers';
import { EchoServer } from '../../src/core/echoServer';
import { replaySession } from '../../src/core/sessions/replay';

const FIXTURES = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'har');
const CHROMIUM = '/usr/bin/chromium';

function messagesOf(session: Session) {
  return sessionMessages(session).map((m) => ({
    t: m.t,
    dir: m.dir,
    kind: m.kind,
    bytes: eventPayload(m).toString('hex'),
  }));
}

function imported(text: string) {
  const r = importHar(text);
  if ('error' in r) assert.fail(r.error);
  return r;
}

test('session → HAR → session gives the same messages, times, URL and handshake', () => {
  const session: Session = {
    header: newHeader('ws://127.0.0.1:8080/feed?x=1', {
      options: { headers: { 'X-App': 'a' }, protocols: ['v2.chat'] },
      handshake: {
        request: { headers: { 'X-App': 'a', 'Sec-WebSocket-Protocol': 'v2.chat' } },
        response: {
          status: 101,
          statusText: 'Switching Protocols',
          headers: { Upgrade: 'websocket', 'Sec-WebSocket-Protocol': 'v2.chat' },
        },
        protocol: 'v2.chat',
        extensions: '',
      },
      startedAt: '2024-03-01T10:00:00.000Z',
    }),
    events: [
      { type: 'open', t: 0, protocol: 'v2.chat', extensions: '' },
      { type: 'message', t: 1.5, dir: 'sent', kind: 'text', text: '{"op":"sub"}' },
      { type: 'message', t: 7, dir: 'received', kind: 'text', text: 'ünï 😀' },
      {
        type: 'message',
        t: 12.25,
        dir: 'received',
        kind: 'binary',
        base64: Buffer.from([0, 255, 1, 254]).toString('base64'),
      },
      { type: 'message', t: 1000, dir: 'sent', kind: 'text', text: '' },
    ],
  };
  const har = exportHar(session) as {
    log: { version: string; entries: Array<{ _resourceType: string; _webSocketMessages: HarWebSocketMessage[] }> };
  };
  assert.equal(har.log.version, '1.2');
  assert.equal(har.log.entries[0]._resourceType, 'websocket');
  assert.deepEqual(har.log.entries[0]._webSocketMessages[2], {
    type: 'receive',
    time: 1709287200.01225,
    opcode: 2,
    data: 'AP8B/g==',
  });
  const r = imported(JSON.stringify(har));
  assert.equal(r.entries.length, 1);
  const back = r.entries[0].session;
  assert.equal(back.header.url, session.header.url);
  assert.equal(back.header.startedAt, session.header.startedAt);
  assert.equal(back.header.handshake?.protocol, 'v2.chat');
  assert.deepEqual(back.header.options.protocols, ['v2.chat']);
  assert.deepEqual(messagesOf(back), messagesOf(session));
});

test('importHar: not JSON, not HAR, no WebSocket entries', () => {
  assert.match((importHar('nope') as { error: string }).error, /not JSON/);
  assert.match((importHar('{"x":1}') as { error: string }).error, /log\.entries/);
  const none = imported(
    JSON.stringify({ log: { entries: [{ request: { url: 'https://x' }, response: { status: 200 } }] } }),
  );
  assert.equal(none.entries.length, 0);
  assert.match(none.notices[0], /no WebSocket connections/);
  // An entry without _webSocketMessages or _resourceType (Firefox's export has no WebSocket messages): nothing to import, and the notice says why.
  const firefox = imported(
    JSON.stringify({
      log: {
        creator: { name: 'Firefox' },
        entries: [{ request: { method: 'GET', url: 'wss://x.test/feed' }, response: { status: 101 } }],
      },
    }),
  );
  assert.equal(firefox.entries.length, 0);
  assert.match(firefox.notices[0], /Firefox's HAR export has no WebSocket messages; use Chrome, Edge or mitmproxy\./);
});

test('the Chromium HAR fixture imports with every message', () => {
  const text = readFileSync(join(FIXTURES, 'chromium-websocket.har'), 'utf8');
  const r = imported(text);
  assert.equal(r.entries.length, 1);
  const [entry] = r.entries;
  const raw = (JSON.parse(text) as { log: { entries: Array<{ _webSocketMessages: HarWebSocketMessage[] }> } }).log
    .entries[0]._webSocketMessages;
  assert.equal(entry.messageCount, raw.length);
  assert.deepEqual(
    sessionMessages(entry.session).map((m) => [
      m.dir,
      m.kind,
      eventPayload(m).toString(m.kind === 'text' ? 'utf8' : 'hex'),
    ]),
    raw.map((m) => [
      m.type === 'send' ? 'sent' : 'received',
      m.opcode === 1 ? 'text' : 'binary',
      m.opcode === 1 ? m.data : Buffer.from(m.data, 'base64').toString('hex'),
    ]),
  );
  assert.equal(entry.status, 101);
});

/**
 * How Chrome's devtools build a HAR WebSocket entry (front_end/models/har/Log.ts and
 * SDK NetworkRequest), from the CDP Network events:
 *   request.url          ← Network.webSocketCreated.url
 *   request.headers      ← Network.webSocketWillSendHandshakeRequest.request.headers
 *   startedDateTime      ← webSocketWillSendHandshakeRequest.wallTime (seconds → ISO)
 *   response.status/statusText/headers ← Network.webSocketHandshakeResponseReceived.response
 *   _resourceType        = "websocket"
 *   _webSocketMessages[] ← webSocketFrameSent ("send") / webSocketFrameReceived ("receive"):
 *       time   = wallTime + (frame.timestamp − handshake.timestamp)   (devtools' pseudoWallTime, seconds)
 *       opcode = response.opcode (1 text, 2 binary)
 *       data   = response.payloadData (text as is; binary already base64)
 */
async function chromiumHar(serverUrl: string): Promise<object> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  });
  try {
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    type Frame = { requestId: string; timestamp: number; response: { opcode: number; payloadData: string } };
    const created: Record<string, string> = {};
    const handshake: Record<string, { timestamp: number; wallTime: number; headers: Record<string, string> }> = {};
    const responses: Record<string, { status: number; statusText: string; headers: Record<string, string> }> = {};
    const frames: Array<Frame & { type: 'send' | 'receive' }> = [];
    cdp.on('Network.webSocketCreated', (e) => (created[e.requestId] = e.url));
    cdp.on(
      'Network.webSocketWillSendHandshakeRequest',
      (e) => (handshake[e.requestId] = { timestamp: e.timestamp, wallTime: e.wallTime, headers: e.request.headers }),
    );
    cdp.on('Network.webSocketHandshakeResponseReceived', (e) => (responses[e.requestId] = e.response));
    cdp.on('Network.webSocketFrameSent', (e) => frames.push({ ...e, type: 'send' }));
    cdp.on('Network.webSocketFrameReceived', (e) => frames.push({ ...e, type: 'receive' }));
    await cdp.send('Network.enable');
    await page.evaluate(async (url) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      let got = 0;
      await new Promise<void>((resolve, reject) => {
        ws.onerror = () => reject(new Error('ws error'));
        ws.onmessage = () => {
          got++;
          if (got === 1) {
            ws.send('{"op":"subscribe","channel":"trades"}');
            ws.send('ünïcødé ✓');
            ws.send(new Uint8Array([0, 1, 2, 253, 254, 255]));
          }
          if (got === 4) resolve();
        };
      });
      ws.close(1000, 'bye');
      await new Promise((r) => setTimeout(r, 100));
    }, `${serverUrl}/chromium?x=1`);
    await new Promise((r) => setTimeout(r, 100));
    const id = Object.keys(created)[0];
    const hs = handshake[id];
    const res = responses[id];
    const entry = {
      startedDateTime: new Date(hs.wallTime * 1000).toISOString(),
      time: 0,
      request: {
        method: 'GET',
        url: created[id],
        httpVersion: 'HTTP/1.1',
        headers: Object.entries(hs.headers).map(([name, value]) => ({ name, value })),
        queryString: [{ name: 'x', value: '1' }],
        cookies: [],
        headersSize: -1,
        bodySize: 0,
      },
      response: {
        status: res.status,
        statusText: res.statusText,
        httpVersion: 'HTTP/1.1',
        headers: Object.entries(res.headers).map(([name, value]) => ({ name, value })),
        cookies: [],
        content: { size: 0, mimeType: 'x-unknown' },
        redirectURL: '',
        headersSize: -1,
        bodySize: 0,
        _transferSize: 0,
        _error: null,
      },
      cache: {},
      timings: { blocked: -1, dns: -1, ssl: -1, connect: -1, send: 0, wait: 0, receive: 0 },
      serverIPAddress: '127.0.0.1',
      _initiator: { type: 'script' },
      _priority: null,
      _resourceType: 'websocket',
      _webSocketMessages: frames
        .filter((f) => f.requestId === id)
        .map((f) => ({
          type: f.type,
          time: hs.wallTime + (f.timestamp - hs.timestamp),
          opcode: f.response.opcode,
          data: f.response.payloadData,
        })),
    };
    const har = {
      log: { version: '1.2', creator: { name: 'WebInspector', version: '537.36' }, pages: [], entries: [entry] },
    };
    return har;
  } finally {
    await browser.close();
  }
}

test(
  'a HAR built from real Chromium (CDP, the way devtools export it) imports with every message',
  { skip: existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`, timeout: 60_000 },
  async () => {
    const server = await startWsServer();
    const fromClient: Array<{ binary: boolean; data: Buffer }> = [];
    server.server.on('connection', (socket) => {
      socket.send('{"hello":"from the server"}');
      socket.on('message', (data, isBinary) => {
        fromClient.push({ binary: isBinary, data: data as Buffer });
        socket.send(data as Buffer, { binary: isBinary });
      });
    });
    try {
      const har = await chromiumHar(server.url);
      if (process.env.WSI_WRITE_HAR_FIXTURE)
        writeFileSync(join(FIXTURES, 'chromium-websocket.har'), `${JSON.stringify(har, null, 2)}\n`);
      const r = imported(JSON.stringify(har));
      assert.equal(r.entries.length, 1);
      const session = r.entries[0].session;
      assert.equal(session.header.url, `${server.url}/chromium?x=1`);
      assert.equal(r.entries[0].status, 101);
      const got = sessionMessages(session).map((m) => [m.dir, m.kind, eventPayload(m).toString('hex')]);
      const hex = (s: string) => Buffer.from(s).toString('hex');
      const sentExpected = fromClient.map((f) => ['sent', f.binary ? 'binary' : 'text', f.data.toString('hex')]);
      assert.equal(sentExpected.length, 3);
      assert.deepEqual(
        got.filter((g) => g[0] === 'sent'),
        sentExpected,
      );
      assert.deepEqual(
        got.filter((g) => g[0] === 'received'),
        [
          ['received', 'text', hex('{"hello":"from the server"}')],
          ...sentExpected.map(([, kind, data]) => ['received', kind, data]),
        ],
      );
      const times = sessionMessages(session).map((m) => m.t);
      assert.ok(
        times.every((t, i) => t >= 0 && (i === 0 || t >= times[i - 1] - 1)),
        `times in order: ${times.join(', ')}`,
      );
    } finally {
      await server.close();
    }
  },
);

test('importHar never throws on random or truncated input (fast-check)', async () => {
  const fc = await import('fast-check');
  const fixture = readFileSync(
    join(__dirname, '..', '..', '..', 'test', 'fixtures', 'har', 'chromium-websocket.har'),
    'utf8',
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.json(),
        fc.nat(fixture.length).map((n) => fixture.slice(0, n)),
      ),
      (text) => {
        const result = importHar(text);
        assert.ok('error' in result ? typeof result.error === 'string' : Array.isArray(result.entries));
      },
    ),
    { numRuns: 500 },
  );
  // A structurally odd but valid JSON HAR: wrong types where objects are expected.
  for (const odd of [
    '{"log":{"entries":[{"_webSocketMessages":"x"}]}}',
    '{"log":{"entries":[null,1,{"request":{"url":5},"_webSocketMessages":[{"type":"send","time":"x","opcode":1,"data":7}]}]}}',
  ]) {
    const result = importHar(odd);
    assert.ok('error' in result || Array.isArray(result.entries));
  }
});

test('mitmproxy HAR: http:// and https:// WebSocket entries import as ws:// and wss:// and replay against a live server', async () => {
  const server = await EchoServer.start({ port: 0 });
  try {
    const host = new URL(server.url).host;
    const text = readFileSync(join(FIXTURES, 'mitmproxy-websocket.har'), 'utf8').replaceAll('127.0.0.1:1', host);
    const r = imported(text);
    assert.deepEqual(
      r.entries.map((e) => e.url),
      [`ws://${host}/chat?room=7`, 'wss://example.test/live'],
    );
    assert.deepEqual(r.notices, []);
    const session = r.entries[0].session;
    assert.deepEqual(
      messagesOf(session).map((m) => [m.dir, m.kind, m.bytes]),
      [
        ['sent', 'text', Buffer.from('{"op":"hello"}').toString('hex')],
        ['received', 'text', Buffer.from('{"op":"hello"}').toString('hex')],
        ['sent', 'binary', '010203ff'],
        ['received', 'binary', '010203ff'],
      ],
    );
    const replay = replaySession(session, { timing: { speed: 10 }, answerTimeoutMs: 2000 });
    const result = await replay.result;
    replay.connection.dispose();
    assert.equal(result.ok, true, result.error);
    assert.equal(result.sent, 2);
    assert.deepEqual(
      result.live.map((e) => eventPayload(e).toString('hex')),
      [Buffer.from('{"op":"hello"}').toString('hex'), '010203ff'],
    );
  } finally {
    await server.close();
  }
});
