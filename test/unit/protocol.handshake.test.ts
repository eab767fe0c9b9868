import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { WebSocketTransport } from '../../src/core/transport';
import { expectedAccept, parseExtensions } from '../../src/core/handshake';
import type { HandshakeInfo } from '../../src/shared/protocol';
import { startHttpServer, startWsServer } from './helpers';
import { startRawServer } from './protocol.servers';

describe('protocol: handshake', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('records the request line, every header sent, the 101 answer, subprotocol, extensions and timings', async () => {
    const srv = await startWsServer({
      perMessageDeflate: { serverNoContextTakeover: true },
      handleProtocols: (offered) => (offered.has('chat.v2') ? 'chat.v2' : false),
    });
    cleanups.push(() => srv.close());
    const c = new WebSocketTransport({
      url: `${srv.url}/room?id=7`,
      handshakeTimeout: 2000,
      protocols: ['chat.v1', 'chat.v2'],
      headers: { 'X-Trace': 'abc' },
      origin: 'http://example.test',
    });
    cleanups.push(() => c.dispose());
    const seen: HandshakeInfo[] = [];
    c.onHandshake((h) => seen.push(h));
    await c.connect();
    const h = c.handshake!;
    assert.equal(seen.length, 1);
    assert.equal(h.ok, true);
    assert.equal(h.request?.requestLine, 'GET /room?id=7 HTTP/1.1');
    const sent = new Map(h.request.headers.map((x) => [x.name.toLowerCase(), x.value]));
    assert.equal(sent.get('sec-websocket-version'), '13');
    assert.equal(sent.get('sec-websocket-key'), h.key);
    assert.match(sent.get('sec-websocket-extensions') ?? '', /^permessage-deflate/);
    assert.equal(sent.get('sec-websocket-protocol'), 'chat.v1,chat.v2');
    assert.equal(sent.get('origin'), 'http://example.test');
    assert.equal(sent.get('x-trace'), 'abc');
    assert.equal(sent.get('upgrade'), 'websocket');
    assert.match(sent.get('host') ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(h.response?.statusLine, 'HTTP/1.1 101 Switching Protocols');
    const got = new Map(h.response.headers.map((x) => [x.name.toLowerCase(), x.value]));
    assert.equal(got.get('sec-websocket-accept'), h.expectedAccept);
    assert.equal(
      h.expectedAccept,
      createHash('sha1').update(`${h.key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'),
    );
    assert.equal(h.acceptValid, true);
    assert.equal(h.protocol, 'chat.v2');
    assert.equal(h.extensions[0].name, 'permessage-deflate');
    assert.equal(h.extensions[0].params.server_no_context_takeover, true);
    assert.match(h.remoteAddress ?? '', /^127\.0\.0\.1:\d+$/);
    assert.ok(h.timings.tcpMs !== undefined && h.timings.tcpMs >= 0, 'tcp time');
    assert.ok(h.timings.upgradeMs !== undefined && h.timings.upgradeMs >= 0, 'upgrade time');
    assert.ok(h.timings.totalMs! >= h.timings.upgradeMs);
    assert.equal(h.tls, undefined);
    assert.deepEqual(h.redirects, []);
    // The host is always a plain object: it crosses postMessage as is.
    assert.deepEqual(structuredClone(h), h);
  });

  test('a 401 with a JSON body keeps status, headers and body in the handshake', async () => {
    const http = await startHttpServer((req, res) => {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
      res.end('{"error":"token expired"}');
    });
    cleanups.push(() => http.close());
    const c = new WebSocketTransport({ url: `ws://127.0.0.1:${http.port}/`, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    await assert.rejects(c.connect(), /refused the upgrade: 401 Unauthorized\. Check the Authorization.*token expired/);
    const h = c.handshake!;
    assert.equal(h.ok, false);
    assert.equal(h.response?.status, 401);
    assert.equal(h.response?.statusLine, 'HTTP/1.1 401 Unauthorized');
    assert.equal(h.response?.body, '{"error":"token expired"}');
    assert.ok(h.response?.headers.some((x) => x.name.toLowerCase() === 'www-authenticate' && x.value === 'Bearer'));
    assert.match(h.error ?? '', /401/);
    assert.equal(h.request?.requestLine, 'GET / HTTP/1.1');
  });

  test('a 302 is reported with its location when redirects are not followed', async () => {
    const http = await startHttpServer((req, res) => {
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    });
    cleanups.push(() => http.close());
    const c = new WebSocketTransport({ url: `ws://127.0.0.1:${http.port}/start`, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    await assert.rejects(
      c.connect(),
      new RegExp(`302 Found: a redirect to ws://127\\.0\\.0\\.1:${http.port}/elsewhere\\. .*followRedirects`),
    );
    assert.deepEqual(c.handshake!.redirects, [
      {
        url: `ws://127.0.0.1:${http.port}/start`,
        status: 302,
        statusText: 'Found',
        location: `ws://127.0.0.1:${http.port}/elsewhere`,
        followed: false,
      },
    ]);
  });

  test('a 302 is followed with followRedirects, each hop recorded', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    const paths: string[] = [];
    srv.server.on('connection', (_ws, req) => paths.push(req.url ?? ''));
    const hop = await startHttpServer((req, res) => {
      res.writeHead(req.url === '/a' ? 301 : 302, { location: req.url === '/a' ? '/b' : `${srv.url}/final` });
      res.end();
    });
    cleanups.push(() => hop.close());
    const c = new WebSocketTransport({
      url: `ws://127.0.0.1:${hop.port}/a`,
      handshakeTimeout: 2000,
      followRedirects: true,
    });
    cleanups.push(() => c.dispose());
    await c.connect();
    const h = c.handshake!;
    assert.equal(h.ok, true);
    assert.equal(h.finalUrl, `${srv.url}/final`);
    assert.deepEqual(
      h.redirects.map((r) => [r.status, r.location, r.followed]),
      [
        [301, `ws://127.0.0.1:${hop.port}/b`, true],
        [302, `${srv.url}/final`, true],
      ],
    );
    assert.equal(h.request?.requestLine, 'GET /final HTTP/1.1');
    assert.deepEqual(paths, ['/final']);
  });

  test('a server that never answers times out; the handshake says so', async () => {
    const silent = await startRawServer(() => undefined);
    cleanups.push(() => silent.close());
    const c = new WebSocketTransport({ url: `ws://127.0.0.1:${silent.port}/`, handshakeTimeout: 300 });
    cleanups.push(() => c.dispose());
    const t0 = Date.now();
    await assert.rejects(c.connect(), /did not complete the WebSocket handshake in time/);
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(c.handshake!.ok, false);
    assert.match(c.handshake!.error ?? '', /in time/);
    assert.equal(c.handshake!.response, undefined);
  });

  test('a wrong Sec-WebSocket-Accept is caught and shown against the expected value', async () => {
    const raw = await startRawServer((socket) => {
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSByaWdodCBvbmU=\r\n\r\n',
      );
    });
    cleanups.push(() => raw.close());
    const c = new WebSocketTransport({ url: `ws://127.0.0.1:${raw.port}/`, handshakeTimeout: 2000 });
    cleanups.push(() => c.dispose());
    await assert.rejects(c.connect(), /wrong Sec-WebSocket-Accept/);
    const h = c.handshake!;
    assert.equal(h.acceptValid, false);
    assert.equal(h.expectedAccept, expectedAccept(h.key!));
    assert.equal(h.response?.status, 101);
  });

  test('an unknown host is a sentence about DNS', async () => {
    const c = new WebSocketTransport({ url: 'ws://no-such-host.invalid/', handshakeTimeout: 5000 });
    cleanups.push(() => c.dispose());
    await assert.rejects(c.connect(), /Could not resolve the host "no-such-host\.invalid"|did not complete/);
  });

  test('extension headers parse into names and parameters', () => {
    assert.deepEqual(
      parseExtensions('permessage-deflate; client_max_window_bits=10; server_no_context_takeover, x-webkit; a="b;c"'),
      [
        { name: 'permessage-deflate', params: { client_max_window_bits: '10', server_no_context_takeover: true } },
        { name: 'x-webkit', params: { a: 'b;c' } },
      ],
    );
    assert.deepEqual(parseExtensions(''), []);
    // RFC 6455 §1.3's example.
    assert.equal(expectedAccept('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});
