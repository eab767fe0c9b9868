/**
 * Settings reach the connection: default headers, origin and subprotocols from
 * `websocketInspector.connection.*` go on the wire, and a `.ws` request's own headers win.
 */
import * as assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { WebSocketServer } from 'ws';
import type { WebSocketInspectorApi } from '../../src/host/api';

suite('connection settings', () => {
  let api: WebSocketInspectorApi;
  let server: WebSocketServer;
  let url: string;
  const seen: IncomingMessage[] = [];
  const config = () => vscode.workspace.getConfiguration('websocketInspector.connection');

  suiteSetup(async () => {
    api = await vscode.extensions
      .getExtension<WebSocketInspectorApi>('websocket-inspector.websocket-inspector')!
      .activate();
    server = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (protocols) => [...protocols][0] ?? false,
    });
    await new Promise((r) => server.once('listening', r));
    server.on('connection', (_ws, req) => seen.push(req));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  suiteTeardown(async () => {
    for (const key of ['headers', 'origin', 'subprotocols'])
      await config().update(key, undefined, vscode.ConfigurationTarget.Global);
    for (const h of api.inspectors()) h.dispose();
    for (const c of server.clients) c.terminate();
    await new Promise<void>((r) => server.close(() => r()));
  });

  test('headers, origin and subprotocols from the settings go on the wire', async () => {
    await config().update('headers', { 'X-From-Settings': 'yes' }, vscode.ConfigurationTarget.Global);
    await config().update('origin', 'https://inspector.test', vscode.ConfigurationTarget.Global);
    await config().update('subprotocols', ['chat.v2'], vscode.ConfigurationTarget.Global);
    const h = api.connect(`${url}/settings`);
    await h.whenOpen();
    const req = seen.at(-1)!;
    assert.equal(req.headers['x-from-settings'], 'yes');
    assert.equal(req.headers.origin, 'https://inspector.test');
    assert.equal(req.headers['sec-websocket-protocol'], 'chat.v2');
    assert.equal(h.state.phase === 'open' && h.state.protocol, 'chat.v2');
    h.dispose();
  });

  test('http.noProxy: a listed host skips the proxy set in http.proxy', async () => {
    const http = vscode.workspace.getConfiguration('http');
    // Nothing listens on port 9 of 127.0.0.1: through the proxy the connection would fail.
    await http.update('proxy', 'http://127.0.0.1:9', vscode.ConfigurationTarget.Global);
    await http.update('noProxy', ['127.0.0.1'], vscode.ConfigurationTarget.Global);
    try {
      const h = api.connect(`${url}/no-proxy`);
      await h.whenOpen();
      assert.equal(seen.at(-1)!.url, '/no-proxy');
      h.dispose();
    } finally {
      await http.update('proxy', undefined, vscode.ConfigurationTarget.Global);
      await http.update('noProxy', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('connection.sendTimeout: a send to a server that stopped reading fails after that many seconds', async function () {
    this.timeout(30_000);
    // A raw server that completes the upgrade, then never reads: its TCP window closes.
    const { createHash } = await import('node:crypto');
    const { createServer } = await import('node:net');
    const sockets = new Set<Socket>();
    const deaf = createServer((socket) => {
      sockets.add(socket);
      socket.once('data', (head) => {
        const key = /sec-websocket-key: *(\S+)/i.exec(head.toString('latin1'))?.[1] ?? '';
        const accept = createHash('sha1')
          .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
          .digest('base64');
        socket.write(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        socket.pause();
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => deaf.listen(0, '127.0.0.1', r));
    // The raw server answers no subprotocol; an earlier test leaves one in the settings.
    await config().update('subprotocols', undefined, vscode.ConfigurationTarget.Global);
    await config().update('sendTimeout', 1, vscode.ConfigurationTarget.Global);
    await config().update('perMessageDeflate', false, vscode.ConfigurationTarget.Global);
    try {
      const h = api.connect(`ws://127.0.0.1:${(deaf.address() as AddressInfo).port}/deaf`);
      await h.whenOpen();
      const started = Date.now();
      await assert.rejects(h.sendText('x'.repeat(32 * 1024 * 1024)), /The server stopped reading: .* after 1 s/);
      assert.ok(Date.now() - started < 10_000, `failed after ${Date.now() - started} ms`);
      h.dispose();
    } finally {
      await config().update('sendTimeout', undefined, vscode.ConfigurationTarget.Global);
      await config().update('perMessageDeflate', undefined, vscode.ConfigurationTarget.Global);
      // A paused socket never reads the client's FIN: end it here, or close() would wait for good.
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => deaf.close(() => r()));
    }
  });

  test('a .ws request adds to the settings and its own headers win', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsi-settings-'));
    try {
      const file = vscode.Uri.file(join(dir, 'h.ws'));
      writeFileSync(file.fsPath, `WEBSOCKET ${url}/ws-file\nX-From-Settings: overridden\nX-Own: mine\n\n`);
      const before = seen.length;
      await vscode.commands.executeCommand('websocketInspector.connectRequest', file, 0);
      const deadline = Date.now() + 10_000;
      while (seen.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      const req = seen.at(-1)!;
      assert.equal(req.url, '/ws-file');
      assert.equal(req.headers['x-from-settings'], 'overridden');
      assert.equal(req.headers['x-own'], 'mine');
      assert.equal(req.headers.origin, 'https://inspector.test');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
