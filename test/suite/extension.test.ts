/**
 * Integration tests: they run inside a real VS Code extension host (code-server here,
 * Electron on a desktop) against the real extension, real sockets on 127.0.0.1, no mocks.
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { InspectorHandle, WebSocketInspectorApi } from '../../src/host/api';
import type { RowSummary } from '../../src/shared/protocol';
import { waitFor } from './wait';

const EXTENSION_ID = 'websocket-inspector.websocket-inspector';

const COMMANDS = [
  'websocketInspector.connect',
  'websocketInspector.startEchoServer',
  'websocketInspector.stopEchoServer',
  'websocketInspector.copyEchoServerUrl',
  'websocketInspector.showLog',
];

/** Rejects if `p` does not settle within `ms`. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function allRows(h: InspectorHandle): RowSummary[] {
  return h.rows(0, Math.max(h.stats.total, 0) + 50);
}

function findText(h: InspectorHandle, direction: 'sent' | 'received', text: string): RowSummary | undefined {
  return allRows(h).find((r) => r.direction === direction && r.kind === 'text' && r.preview.includes(text));
}

/** A port on 127.0.0.1 that nobody listens on: bound and released just now. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

suite('WebSocket Inspector (extension host)', () => {
  let api: WebSocketInspectorApi;
  const opened: InspectorHandle[] = [];

  /** Opens a panel and remembers it so teardown closes it even when a test fails. */
  const open = (url: string): InspectorHandle => {
    const h = api.connect(url);
    opened.push(h);
    return h;
  };

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<WebSocketInspectorApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    api = await ext.activate();
    assert.ok(api, 'activate() returned no API');
  });

  teardown(() => {
    for (const h of opened.splice(0)) {
      try {
        h.dispose();
      } catch {
        /* already closed */
      }
    }
  });

  suiteTeardown(async () => {
    for (const h of api?.inspectors() ?? []) h.dispose();
    await api?.stopEchoServer();
  });

  test('activates and exposes its API', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.isActive, true);
    for (const key of ['startEchoServer', 'stopEchoServer', 'connect', 'inspectors'] as const) {
      assert.equal(typeof api[key], 'function', `api.${key}`);
    }
  });

  test('contributes its commands', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    for (const id of COMMANDS) assert.ok(all.has(id), `command ${id} is not registered`);
  });

  test('echo server: a sent text comes back as a received row', async () => {
    const url = await within(api.startEchoServer(), 10_000, 'startEchoServer');
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(api.echoServerUrl, url);

    const h = open(url);
    assert.equal(h.url, url);
    await within(h.whenOpen(), 10_000, 'whenOpen');
    assert.equal(h.state.phase, 'open');

    await h.sendText('hello integration');
    const sent = await waitFor('the sent row', () => findText(h, 'sent', 'hello integration'));
    const received = await waitFor('the echoed row', () => findText(h, 'received', 'hello integration'));
    assert.ok(received.index > sent.index, 'the echo comes after what was sent');
    assert.equal(received.size, Buffer.byteLength('hello integration'));
    await waitFor('stats to count both messages', () => h.stats.sentMessages >= 1 && h.stats.receivedMessages >= 1);
    assert.ok(api.inspectors().includes(h), 'inspectors() lists the open panel');
  });

  test('two panels are independent connections', async () => {
    const url = await api.startEchoServer();
    const a = open(url);
    const b = open(url);
    await within(Promise.all([a.whenOpen(), b.whenOpen()]), 10_000, 'both whenOpen');
    assert.notEqual(a, b);

    await a.sendText('only in A');
    await b.sendText('only in B');
    await waitFor('A to get its echo', () => findText(a, 'received', 'only in A'));
    await waitFor('B to get its echo', () => findText(b, 'received', 'only in B'));
    assert.equal(findText(a, 'received', 'only in B'), undefined, 'A saw B’s message');
    assert.equal(findText(b, 'received', 'only in A'), undefined, 'B saw A’s message');
    assert.equal(a.stats.sentMessages, 1);
    assert.equal(b.stats.sentMessages, 1);

    // Closing one leaves the other open and working.
    a.dispose();
    await waitFor('A to leave inspectors()', () => !api.inspectors().includes(a));
    assert.ok(api.inspectors().includes(b));
    assert.equal(b.state.phase, 'open');
    await b.sendText('B still works');
    await waitFor('B to get its second echo', () => findText(b, 'received', 'B still works'));
  });

  test('disconnect closes normally and keeps the rows', async () => {
    const url = await api.startEchoServer();
    const h = open(url);
    await within(h.whenOpen(), 10_000, 'whenOpen');
    await h.sendText('before close');
    await waitFor('the echo', () => findText(h, 'received', 'before close'));
    h.disconnect();
    const state = await waitFor('phase closed', () => (h.state.phase === 'closed' ? h.state : undefined));
    assert.equal(state.byClient, true);
    assert.ok(findText(h, 'received', 'before close'), 'rows survive the close');
  });

  test('a refused connection ends in phase error saying "refused"', async () => {
    const port = await closedPort();
    const h = open(`ws://127.0.0.1:${port}`);
    await assert.rejects(within(h.whenOpen(), 10_000, 'whenOpen'), /refused/i);
    const state = await waitFor('phase error', () => (h.state.phase === 'error' ? h.state : undefined));
    assert.match(state.message, /refused/i);
  });

  test('commands: start the echo server, copy its URL to the clipboard, stop it', async () => {
    const url = await within(
      Promise.resolve(vscode.commands.executeCommand<string | undefined>('websocketInspector.startEchoServer')),
      10_000,
      'startEchoServer command',
    );
    assert.ok(api.echoServerUrl, 'the echo server runs after the command');
    if (url !== undefined) assert.equal(url, api.echoServerUrl);

    await vscode.env.clipboard.writeText('something else');
    await vscode.commands.executeCommand('websocketInspector.copyEchoServerUrl');
    assert.equal(await vscode.env.clipboard.readText(), api.echoServerUrl);

    await vscode.commands.executeCommand('websocketInspector.showLog');

    const running = api.echoServerUrl;
    await vscode.commands.executeCommand('websocketInspector.stopEchoServer');
    await waitFor('echoServerUrl to clear', () => api.echoServerUrl === undefined);
    // Nothing listens there any more.
    const h = open(running);
    await assert.rejects(within(h.whenOpen(), 10_000, 'whenOpen'), /refused/i);
  });

  test('a Socket.IO URL: the panel answers Engine.IO pings past pingTimeout and shows decoded events', async () => {
    const http = await import('node:http');
    const { Server } = await import('socket.io');
    const server = http.createServer();
    // A client that does not answer is dropped 750 ms in; eight pongs take 1.2 s. (100/200 ms made the
    // result depend on how busy the machine was.)
    const io = new Server(server, { pingInterval: 150, pingTimeout: 600 });
    io.on('connection', (socket) => socket.emit('chat', { text: 'hi' }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = server.address() as net.AddressInfo;
      const h = open(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
      await within(h.whenOpen(), 10_000, 'whenOpen');
      const rows = () => h.rows(0, 1000);
      await waitFor(
        'eight pongs sent',
        () => rows().filter((r) => r.direction === 'sent' && r.preview === '3').length >= 8,
      );
      assert.equal(h.state.phase, 'open', 'still open eight ping intervals later, past the ping timeout');
      assert.match(rows()[0].preview, /^Speaking Socket\.IO \(recognised by the URL\)/);
      h.disconnect();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => void io.close(() => resolve()));
    }
  });

  test('Connect to an http:// URL opens Socket.IO (a namespace from the path), as Socket.IO clients are given it', async () => {
    const http = await import('node:http');
    const { Server } = await import('socket.io');
    const server = http.createServer();
    // A client that does not answer is dropped 750 ms in; eight pongs take 1.2 s. (100/200 ms made the
    // result depend on how busy the machine was.)
    const io = new Server(server, { pingInterval: 150, pingTimeout: 600 });
    io.of('/admin').on('connection', (socket) => socket.emit('hello', 'admin'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const { port } = server.address() as net.AddressInfo;
      const h = open(`http://127.0.0.1:${port}/admin`);
      await within(h.whenOpen(), 10_000, 'whenOpen');
      const rows = () => h.rows(0, 1000);
      await waitFor('the admin namespace event', () => rows().some((r) => r.preview.includes('["hello","admin"]')));
      await waitFor(
        'eight pongs sent',
        () => rows().filter((r) => r.direction === 'sent' && r.preview === '3').length >= 8,
      );
      assert.equal(h.state.phase, 'open');
      assert.match(rows()[0].preview, /^Speaking Socket\.IO/);
      h.disconnect();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => void io.close(() => resolve()));
    }
  });
});
