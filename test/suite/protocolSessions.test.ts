/**
 * Recorded sessions that speak a protocol, in the real extension host: a Socket.IO connection is
 * recorded with its protocol in the header, and Replay and Compare speaks Socket.IO against a real
 * socket.io server (its own handshake and pongs), comparing the decoded events with an ignore path inside.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import type { WebSocketInspectorApi } from '../../src/host/api';
import { waitFor } from './wait';

const EXTENSION_ID = 'websocket-inspector.websocket-inspector';

suite('Sessions over a protocol: Socket.IO recorded, replayed, compared', () => {
  let api: WebSocketInspectorApi;

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<WebSocketInspectorApi>(EXTENSION_ID)!.activate();
  });

  suiteTeardown(() => {
    for (const h of api.inspectors()) h.dispose();
  });

  test('a Socket.IO recording notes socket.io and replays as Socket.IO; compare ignores $.args[0].time inside the event', async () => {
    const http = await import('node:http');
    const { Server } = await import('socket.io');
    const server = http.createServer();
    const io = new Server(server, { pingInterval: 100, pingTimeout: 2000 });
    const chats: unknown[] = [];
    io.on('connection', (socket) => {
      socket.emit('welcome', { time: Date.now() });
      socket.on('chat', (msg: unknown) => (chats.push(msg), socket.emit('chat', msg)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const config = vscode.workspace.getConfiguration('websocketInspector.replay');
    try {
      const { port } = server.address() as AddressInfo;
      const h = api.connect(`http://127.0.0.1:${port}`);
      await h.whenOpen();
      const rows = () => h.rows(0, 1000);
      await waitFor('the welcome event', () => rows().some((r) => r.preview.includes('"welcome"')));
      await h.sendText('42["chat",{"text":"hi"}]');
      await waitFor('the echo', () => rows().filter((r) => r.preview.includes('"chat"')).length === 2);
      await waitFor('two pongs', () => rows().filter((r) => r.direction === 'sent' && r.preview === '3').length >= 2);
      h.disconnect();
      const entry = await waitFor('the recording in the history', async () =>
        (await api.sessions()).find((s) => s.url.includes(`:${port}/socket.io/`) && s.messages >= 8),
      );
      const header = JSON.parse(readFileSync(entry.file, 'utf8').split('\n')[0]) as { protocol?: string };
      assert.equal(header.protocol, 'socket.io');

      await config.update('ignorePaths', ['$.args[0].time'], vscode.ConfigurationTarget.Global);
      const ok = await vscode.commands.executeCommand<boolean>(
        'websocketInspector.compareSession',
        vscode.Uri.file(entry.file),
        { url: `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, timing: 'fast' },
      );
      const panel = api.inspectors().at(-1)!;
      const replayed = panel.rows(0, 1000);
      const notes = replayed.filter((r) => r.direction === 'event').map((r) => r.preview);
      assert.equal(ok, true, notes.join(' | '));
      assert.ok(
        notes.some((n) => /^Compare: 2 matched, 0 differed, 0 missing, 0 extra/.test(n)),
        notes.join(' | '),
      );
      assert.deepEqual(chats, [{ text: 'hi' }, { text: 'hi' }]);
      // After the recording's rows: the replay's one CONNECT is its session's, the recorded one was not sent again.
      const start = replayed.findIndex((r) => r.direction === 'event' && r.preview.startsWith('Replay against'));
      assert.ok(start > 0, notes.join(' | '));
      const sent = panel
        .rows(0, 1000)
        .slice(start)
        .filter((r) => r.direction === 'sent' && r.kind === 'text' && r.preview !== '3')
        .map((r) => r.preview);
      // The replay's closing DISCONNECT ("41") may or may not have reached the list by now; the rest is exact.
      assert.deepEqual(
        sent.filter((p) => p !== '41'),
        ['40', '42["chat",{"text":"hi"}]'],
      );
      assert.ok(sent.filter((p) => p === '41').length <= 1, sent.join(' '));
    } finally {
      await config.update('ignorePaths', undefined, vscode.ConfigurationTarget.Global);
      server.closeAllConnections();
      await new Promise<void>((resolve) => void io.close(() => resolve()));
    }
  });
});
