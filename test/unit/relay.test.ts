import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import type { ConnectionState } from '../../src/shared/protocol';
import type { TransportMessage } from '../../src/core/transport';
import { targetUrl } from '../../src/core/relay';
import { closedPort, startHttpServer, startWsServer, waitFor } from './helpers';
import { client, startRelay, through } from './relay.helpers';

/** A ws server that echoes with a prefix and keeps each upgrade request. */
async function echoTarget(options: ConstructorParameters<typeof WebSocket.Server>[0] = {}) {
  const s = await startWsServer(options);
  const requests: IncomingMessage[] = [];
  s.server.on('connection', (ws, req) => {
    requests.push(req);
    ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo:${data.toString()}`, { binary: isBinary }));
  });
  return { ...s, requests };
}

test('relay: messages go both ways, each reported once as sent/received with the time it spent in the relay', async () => {
  const target = await echoTarget();
  const r = await startRelay(target.url);
  try {
    const events: string[] = [];
    r.relay.onConnection(() => events.push(`open ${r.relay.counts.live}`));
    r.relay.onConnectionEnd(() => events.push(`end ${r.relay.counts.live} ${r.relay.counts.ended}`));
    const c = await through(r.relay, r.url);
    const seen: TransportMessage[] = [];
    c.connection.onMessage((m) => seen.push(m));
    c.ws.send('hello');
    c.ws.send(Buffer.from([1, 2, 3]));
    await waitFor(() => c.texts.length === 2);
    assert.equal(c.texts[0], 'echo:hello');
    assert.deepEqual(
      seen.map((m) => `${m.direction} ${m.kind} ${m.payload.length}`),
      ['sent text 5', 'sent binary 3', 'received text 10', 'received binary 3'],
    );
    for (const m of seen) assert.ok(typeof m.relayMs === 'number' && m.relayMs >= 0 && m.relayMs < 100, `${m.relayMs}`);
    assert.deepEqual(c.connection.counts, { sent: 2, received: 2, dropped: 0, held: 0 });
    assert.equal(c.connection.state.phase, 'open');
    assert.equal(c.connection.handshake.response?.status, 101);
    assert.match(c.connection.clientRequest.requestLine, /^GET \/ HTTP\/1\.1$/);
    c.ws.close(4000, 'bye');
    await c.closed;
    await waitFor(() => c.connection.state.phase === 'closed');
    assert.deepEqual(events, ['open 1', 'end 0 1']);
    const s = c.connection.state as ConnectionState;
    assert.ok(s.phase === 'closed' && s.code === 4000 && s.byClient);
  } finally {
    await r.close();
    await target.close();
  }
});

test('relay: path and query are kept (after the target path) or rewritten by rule; headers pass, Host/Origin as chosen', async () => {
  const target = await echoTarget();
  const port = new URL(target.url).port;
  const kept = await startRelay(`${target.url}/base`);
  const rewritten = await startRelay(target.url, {
    pathRule: { mode: 'rewrite', from: '^/v1/', to: '/v2/' },
    hostHeader: 'example.test',
    origin: 'target',
  });
  try {
    const a = client(`${kept.url}/chat?room=1`, [], {
      headers: { 'x-app': 'yes', cookie: 'a=1' },
      origin: 'http://app.test',
    });
    await waitFor(() => target.requests.length === 1);
    const ra = target.requests[0];
    assert.equal(ra.url, '/base/chat?room=1');
    assert.equal(ra.headers['x-app'], 'yes');
    assert.equal(ra.headers.cookie, 'a=1');
    assert.equal(ra.headers.origin, 'http://app.test');
    assert.equal(ra.headers.host, `127.0.0.1:${port}`);
    const b = client(`${rewritten.url}/v1/feed?x=2`, [], { origin: 'http://app.test' });
    await waitFor(() => target.requests.length === 2);
    const rb = target.requests[1];
    assert.equal(rb.url, '/v2/feed?x=2');
    assert.equal(rb.headers.host, 'example.test');
    assert.equal(rb.headers.origin, `http://127.0.0.1:${port}`);
    a.ws.close();
    b.ws.close();
    await Promise.all([a.closed, b.closed]);
  } finally {
    await kept.close();
    await rewritten.close();
    await target.close();
  }
  assert.equal(targetUrl('ws://h/', '/a?b=1'), 'ws://h/a?b=1');
  assert.equal(targetUrl('ws://h/base?t=1', '/'), 'ws://h/base?t=1');
});

test('relay: subprotocols offered as the client offered, the server choice answered back; deflate end to end', async () => {
  const offered: string[][] = [];
  const target = await echoTarget({
    perMessageDeflate: true,
    handleProtocols: (set: Set<string>) => {
      offered.push([...set]);
      return set.has('v2') ? 'v2' : false;
    },
  });
  const r = await startRelay(target.url);
  try {
    const c = await through(r.relay, r.url, ['v1', 'v2']);
    assert.deepEqual(offered[0], ['v1', 'v2']);
    assert.equal(c.ws.protocol, 'v2');
    assert.match(c.ws.extensions, /permessage-deflate/);
    assert.match(c.connection.state.phase === 'open' ? c.connection.state.extensions : '', /permessage-deflate/);
    const plain = await through(r.relay, r.url, [], { perMessageDeflate: false });
    assert.equal(plain.ws.protocol, '');
    assert.equal(plain.ws.extensions, '');
    plain.ws.send('x'.repeat(5000));
    await waitFor(() => plain.texts.length === 1);
    assert.equal(plain.texts[0].length, 5005);
    c.ws.close();
    plain.ws.close();
    await Promise.all([c.closed, plain.closed]);
  } finally {
    await r.close();
    await target.close();
  }
});

test("relay: the target's refusal (status, headers and body) reaches the client unchanged", async () => {
  const target = await startHttpServer((_req, res) => {
    res.writeHead(401, 'Unauthorized', { 'content-type': 'application/json', 'x-why': 'token' });
    res.end('{"error":"bad token"}');
  });
  target.server.on('upgrade', (req, socket) => {
    const body = '{"error":"bad token"}';
    socket.end(
      `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nX-Why: token\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
  });
  const r = await startRelay(`ws://127.0.0.1:${target.port}`);
  try {
    const refusals: number[] = [];
    r.relay.onRefused((f) => refusals.push(f.status));
    const ws = new WebSocket(r.url);
    const answer = await new Promise<{ status: number; type: string; why: string; body: string }>((resolve) => {
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            why: String(res.headers['x-why']),
            body,
          }),
        );
      });
      ws.on('error', () => undefined);
    });
    assert.deepEqual(answer, { status: 401, type: 'application/json', why: 'token', body: '{"error":"bad token"}' });
    assert.deepEqual(refusals, [401]);
    assert.equal(r.relay.counts.refused, 1);
    assert.equal(r.relay.counts.live, 0);
  } finally {
    await r.close();
    await target.close();
  }
});

test('relay: a target that is not there gets the client a 502 with the sentence', async () => {
  const r = await startRelay(`ws://127.0.0.1:${await closedPort()}`);
  try {
    const ws = new WebSocket(r.url);
    ws.on('error', () => undefined);
    const [status, body] = await new Promise<[number, string]>((resolve) =>
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve([res.statusCode ?? 0, body]));
      }),
    );
    assert.equal(status, 502);
    assert.match(body, /Connection refused/);
  } finally {
    await r.close();
  }
});

test('relay: inject goes either way, close(code) closes both legs, pings pass end to end', async () => {
  const target = await startWsServer();
  const atServer: string[] = [];
  const serverClosed: number[] = [];
  const pongs: string[] = [];
  target.server.on('connection', (ws) => {
    ws.on('message', (d) => atServer.push(d.toString()));
    ws.on('close', (code) => serverClosed.push(code));
    ws.on('pong', (d) => pongs.push(d.toString()));
    ws.ping('from-server');
  });
  const r = await startRelay(target.url);
  try {
    const c = await through(r.relay, r.url);
    await waitFor(() => pongs.length === 1);
    assert.equal(pongs[0], 'from-server');
    await c.connection.inject('received', 'to the client');
    await c.connection.sendText('to the server');
    await waitFor(() => c.texts.length === 1 && atServer.length === 1);
    assert.deepEqual([c.texts[0], atServer[0]], ['to the client', 'to the server']);
    c.connection.close(4001, 'done');
    const closed = await c.closed;
    assert.equal(closed.code, 4001);
    await waitFor(() => serverClosed.length === 1);
    assert.equal(serverClosed[0], 4001);
    await assert.rejects(c.connection.inject('sent', 'late'), /ended/);
  } finally {
    await r.close();
    await target.close();
  }
});
