/**
 * `.ws` requests run in the real extension host: Run plays the script against the extension's
 * own echo server and the inspector records the exchange; Connect reuses the request's panel;
 * Send sends one block on the open connection.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InspectorHandle, WebSocketInspectorApi } from '../../src/host/api';
import { waitFor } from './wait';

const EXTENSION_ID = 'websocket-inspector.websocket-inspector';

function previews(h: InspectorHandle, direction: 'sent' | 'received'): string[] {
  return h
    .rows(0, h.stats.total + 10)
    .filter((r) => r.direction === direction && (r.kind === 'text' || r.kind === 'binary'))
    .map((r) => r.preview);
}

suite('.ws requests: Run, Connect and Send', () => {
  let api: WebSocketInspectorApi;
  let dir: string;
  let file: vscode.Uri;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension<WebSocketInspectorApi>(EXTENSION_ID);
    assert.ok(ext, 'the extension is installed');
    api = await ext.activate();
    const url = await api.startEchoServer();
    dir = mkdtempSync(join(tmpdir(), 'wsi-run-'));
    file = vscode.Uri.file(join(dir, 'run.ws'));
    writeFileSync(
      file.fsPath,
      [
        `@echo = ${url}`,
        '',
        '### Scripted',
        'WEBSOCKET {{echo}}/scripted',
        'X-Test: yes',
        '',
        '{"step": 1, "id": "{{$uuid}}"}',
        '=== wait-for-server',
        '=== wait 100ms',
        '=== binary',
        'de ad be ef',
        '=== wait-for-server',
        'second text',
        '=== wait-for-server',
        '',
        '### Second request',
        'WS {{echo}}/other',
        '',
        'only once',
        '',
      ].join('\n'),
    );
  });

  suiteTeardown(async () => {
    for (const h of api.inspectors()) h.dispose();
    await api.stopEchoServer();
    rmSync(dir, { recursive: true, force: true });
  });

  test('Run plays the script in order; the inspector shows the exchange', async () => {
    const before = api.inspectors().length;
    const ok = await vscode.commands.executeCommand<boolean>('websocketInspector.runRequest', file, 0);
    assert.equal(ok, true, 'the script finished');
    const panel = await waitFor(
      'a new inspector',
      () => api.inspectors().length === before + 1 && api.inspectors().at(-1),
    );
    assert.match(panel.url, /\/scripted$/);
    await waitFor('three echoes', () => previews(panel, 'received').length === 3);
    const sent = previews(panel, 'sent');
    assert.match(sent[0], /^\{"step": 1, "id": "[0-9a-f-]{36}"\}$/, 'the uuid was resolved at send time');
    assert.deepEqual(sent.slice(1), ['de ad be ef', 'second text']);
    assert.deepEqual(previews(panel, 'received'), sent, 'the echo server sent each back');
    const kinds = panel
      .rows(0, 20)
      .filter((r) => r.direction === 'sent')
      .map((r) => r.kind);
    assert.deepEqual(kinds, ['text', 'binary', 'text']);
  });

  test('CodeLens: Connect and Run above each request, Send above blocks while connected', async () => {
    const document = await vscode.workspace.openTextDocument(file);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      document.uri,
    );
    const titles = lenses.map((l) => `${l.range.start.line}:${l.command?.title}`);
    assert.ok(titles.includes('3:$(play) Run'), titles.join(', '));
    assert.ok(titles.includes('16:$(play) Run'), titles.join(', '));
    // The first request's panel is open after the previous test: its blocks can be sent.
    assert.ok(titles.includes('6:$(send) Send'), titles.join(', '));
    assert.ok(
      !titles.some((t) => t.startsWith('18:') && t.endsWith('Send')),
      'no Send for a request that is not connected',
    );
  });

  test('Connect reuses the request panel; Send sends one block', async () => {
    const count = api.inspectors().length;
    await vscode.commands.executeCommand('websocketInspector.connectRequest', file, 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(api.inspectors().length, count, 'no new panel for the same request');
    const panel = api.inspectors().find((h) => h.url.endsWith('/scripted'))!;
    await waitFor('reconnected', () => panel.state.phase === 'open');
    const receivedBefore = previews(panel, 'received').length;
    await vscode.commands.executeCommand('websocketInspector.sendMessage', file, 0, 5);
    await waitFor('the echo of the sent block', () => previews(panel, 'received').length === receivedBefore + 1);
    assert.equal(previews(panel, 'sent').at(-1), 'second text');
  });

  test('an unresolved variable stops Connect with a sentence, nothing is sent', async () => {
    const bad = vscode.Uri.file(join(dir, 'bad.ws'));
    writeFileSync(bad.fsPath, 'WEBSOCKET ws://{{nowhere}}/x\n\nhello\n');
    const count = api.inspectors().length;
    await vscode.commands.executeCommand('websocketInspector.connectRequest', bad, 0);
    assert.equal(api.inspectors().length, count, 'no panel was opened');
  });
});
