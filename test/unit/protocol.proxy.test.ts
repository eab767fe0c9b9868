import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { WebSocketTransport } from '../../src/core/transport';
import { bypassesProxy, proxyFor, redactProxy } from '../../src/core/proxy';
import { closedPort, startWsServer, waitFor } from './helpers';
import { hasOpenssl, makePki, startWssServer } from './protocol.servers';

/** An HTTP CONNECT proxy on 127.0.0.1 port 0 that records every tunnel and the bytes it carried. */
async function startConnectProxy(options: { requireAuth?: string } = {}): Promise<{
  url: string;
  tunnels: string[];
  bytes: () => number;
  close(): Promise<void>;
}> {
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();
  let carried = 0;
  const server = createServer((req, res) => {
    res.writeHead(405);
    res.end();
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('error', () => undefined);
    if (
      options.requireAuth &&
      req.headers['proxy-authorization'] !== `Basic ${Buffer.from(options.requireAuth).toString('base64')}`
    ) {
      client.end(
        'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n',
      );
      return;
    }
    tunnels.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      client.on('data', (d: Buffer) => (carried += d.length));
      upstream.on('data', (d: Buffer) => (carried += d.length));
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    bytes: () => carried,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('protocol: proxy', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('a ws:// connection goes through an HTTP CONNECT proxy', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    srv.server.on('connection', (ws) => ws.on('message', (d) => ws.send(`echo ${d.toString()}`)));
    const proxy = await startConnectProxy();
    cleanups.push(() => proxy.close());
    const c = new WebSocketTransport({ url: `${srv.url}/via`, handshakeTimeout: 3000, proxy: proxy.url, noProxy: '' });
    cleanups.push(() => c.dispose());
    let echo = '';
    c.onMessage((f) => f.direction === 'received' && f.kind === 'text' && (echo = f.payload.toString()));
    await c.connect();
    await c.sendText('hello');
    await waitFor(() => echo === 'echo hello', 2000, 'the echo');
    assert.deepEqual(proxy.tunnels, [new URL(srv.url).host]);
    assert.ok(proxy.bytes() > 0, 'the bytes went through the tunnel');
    assert.equal(c.handshake!.proxy, proxy.url);
    assert.equal(c.handshake!.request?.requestLine, 'GET /via HTTP/1.1');
  });

  test('a host in NO_PROXY connects directly', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    const proxy = await startConnectProxy();
    cleanups.push(() => proxy.close());
    const c = new WebSocketTransport({
      url: srv.url,
      handshakeTimeout: 3000,
      proxy: proxy.url,
      noProxy: 'example.test, 127.0.0.1',
    });
    cleanups.push(() => c.dispose());
    await c.connect();
    assert.deepEqual(proxy.tunnels, []);
    assert.equal(c.handshake!.proxy, undefined);
  });

  test('proxy credentials from the URL are sent; a missing one is a 407 sentence', async () => {
    const srv = await startWsServer();
    cleanups.push(() => srv.close());
    const proxy = await startConnectProxy({ requireAuth: 'me:secret' });
    cleanups.push(() => proxy.close());
    const withAuth = proxy.url.replace('http://', 'http://me:secret@');
    const c = new WebSocketTransport({ url: srv.url, handshakeTimeout: 3000, proxy: withAuth, noProxy: '' });
    cleanups.push(() => c.dispose());
    await c.connect();
    assert.equal(proxy.tunnels.length, 1);
    assert.equal(c.handshake!.proxy, proxy.url, 'no credentials in what is shown');

    const d = new WebSocketTransport({ url: srv.url, handshakeTimeout: 3000, proxy: proxy.url, noProxy: '' });
    cleanups.push(() => d.dispose());
    await assert.rejects(d.connect(), /proxy http:\/\/127\.0\.0\.1:\d+ asks for credentials \(407/);
  });

  test('an unreachable proxy is named in the sentence', async () => {
    const port = await closedPort();
    const c = new WebSocketTransport({
      url: 'ws://127.0.0.1:9/',
      handshakeTimeout: 2000,
      proxy: `http://127.0.0.1:${port}`,
      noProxy: '',
    });
    cleanups.push(() => c.dispose());
    await assert.rejects(
      c.connect(),
      new RegExp(`Could not reach the proxy http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
    );
  });

  test(
    'wss:// through the proxy: TLS runs end to end inside the tunnel',
    { skip: hasOpenssl() ? false : 'openssl is not installed' },
    async () => {
      const pki = makePki();
      cleanups.push(() => rmSync(pki.dir, { recursive: true, force: true }));
      const srv = await startWssServer(pki.server);
      cleanups.push(() => srv.close());
      const proxy = await startConnectProxy();
      cleanups.push(() => proxy.close());
      const c = new WebSocketTransport({
        url: srv.url,
        handshakeTimeout: 3000,
        proxy: proxy.url,
        noProxy: '',
        ca: pki.caCert,
      });
      cleanups.push(() => c.dispose());
      await c.connect();
      assert.equal(proxy.tunnels.length, 1);
      assert.equal(c.handshake!.tls?.authorized, true);
      assert.equal(c.handshake!.tls?.certificates[0].subject, 'CN=localhost');
    },
  );

  test('NO_PROXY matching: names, domains, wildcards, ports, and the environment default', () => {
    assert.equal(bypassesProxy('ws://localhost:80/', 'localhost'), true);
    assert.equal(bypassesProxy('ws://api.corp.example/', '.corp.example'), true);
    assert.equal(bypassesProxy('ws://api.corp.example/', '*.corp.example'), true);
    assert.equal(bypassesProxy('ws://corp.example/', '.corp.example'), true);
    assert.equal(bypassesProxy('ws://a.corp.example/', 'corp.example'), true);
    assert.equal(bypassesProxy('ws://notcorp.example/', 'corp.example'), false);
    assert.equal(bypassesProxy('wss://host.test/', 'host.test:443'), true);
    assert.equal(bypassesProxy('ws://host.test/', 'host.test:443'), false);
    assert.equal(bypassesProxy('ws://[::1]:8080/', '::1'), true);
    assert.equal(bypassesProxy('ws://anything/', '*'), true);
    assert.equal(proxyFor('ws://a.test/', { proxy: 'http://p:1' }, { NO_PROXY: 'a.test' }), undefined);
    assert.equal(proxyFor('ws://a.test/', { proxy: 'http://p:1' }, { no_proxy: 'b.test' }), 'http://p:1');
    assert.equal(proxyFor('ws://a.test/', { proxy: '' }, {}), undefined);
    assert.equal(redactProxy('http://user:pw@proxy.test:3128/'), 'http://proxy.test:3128');
  });
});
