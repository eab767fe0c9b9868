/**
 * Sessions in the real extension host: every connection is recorded to the history; a
 * recording opens read-only in the inspector (also as a `.wslog` file) and replays against the
 * local echo server, and comparing with a server that answers differently reports the change.
 */
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import type { WebSocketInspectorApi } from '../../src/host/api';
import { waitFor } from './wait';

const EXTENSION_ID = 'websocket-inspector.websocket-inspector';

suite('Sessions: record, open, replay, compare', () => {
  let api: WebSocketInspectorApi;
  let echoUrl: string;
  let file: string;
  let dir: string;
  let shouting: WebSocketServer | undefined;

  suiteSetup(async () => {
    api = await vscode.extensions.getExtension<WebSocketInspectorApi>(EXTENSION_ID)!.activate();
    echoUrl = await api.startEchoServer();
    dir = mkdtempSync(join(tmpdir(), 'wsi-sessions-'));
  });

  suiteTeardown(async () => {
    for (const h of api.inspectors()) h.dispose();
    await api.stopEchoServer();
    await new Promise<void>((r) => (shouting ? shouting.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('a connection is recorded to the history while it runs', async () => {
    const h = api.connect(`${echoUrl}/recorded`);
    await h.whenOpen();
    for (const text of ['{"n":1,"ts":100}', '{"n":2,"ts":200}', 'plain three']) await h.sendText(text);
    await waitFor('three echoes', () => h.stats.receivedMessages === 3);
    h.disconnect();
    const entry = await waitFor('the recording in the history', async () =>
      (await api.sessions()).find((s) => s.url.endsWith('/recorded') && s.messages === 6),
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; the history holds ${JSON.stringify(await api.sessions())}`);
    });
    file = join(dir, 'recorded.wslog');
    copyFileSync(entry.file, file);
  });

  test('a .wslog opens read-only in the inspector with every message', async () => {
    const before = api.inspectors().length;
    await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), 'websocketInspector.sessionFile');
    const panel = await waitFor(
      'the recording panel',
      () => api.inspectors().length === before + 1 && api.inspectors().at(-1),
    );
    const rows = panel.rows(0, 50).filter((r) => r.kind === 'text');
    const expected = ['{"n":1,"ts":100}', '{"n":2,"ts":200}', 'plain three'];
    assert.deepEqual(
      rows.filter((r) => r.direction === 'sent').map((r) => r.preview),
      expected,
    );
    assert.deepEqual(
      rows.filter((r) => r.direction === 'received').map((r) => r.preview),
      expected,
    );
    assert.equal(panel.state.phase, 'closed');
  });

  test('replay against the echo server, compared: every answer matches', async () => {
    const ok = await vscode.commands.executeCommand<boolean>(
      'websocketInspector.compareSession',
      vscode.Uri.file(file),
      { url: `${echoUrl}/replayed`, timing: 'fast' },
    );
    assert.equal(ok, true);
    const panel = api.inspectors().at(-1)!;
    const notes = panel
      .rows(0, 100)
      .filter((r) => r.direction === 'event')
      .map((r) => r.preview);
    assert.ok(
      notes.some((n) => /^Compare: 3 matched, 0 differed, 0 missing, 0 extra/.test(n)),
      notes.join(' | '),
    );
  });

  test('replay against a server that answers differently reports exactly the changes; ignore paths work', async () => {
    shouting = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => shouting!.once('listening', r));
    shouting.on('connection', (ws) =>
      ws.on('message', (data) => {
        const text = data.toString();
        ws.send(text.startsWith('{') ? text.replace(/"ts":\d+/, '"ts":999') : text.toUpperCase());
      }),
    );
    const url = `ws://127.0.0.1:${(shouting.address() as AddressInfo).port}/other`;
    const ok = await vscode.commands.executeCommand<boolean>(
      'websocketInspector.compareSession',
      vscode.Uri.file(file),
      { url, timing: 'fast' },
    );
    assert.equal(ok, false);
    const notes = api
      .inspectors()
      .at(-1)!
      .rows(0, 100)
      .filter((r) => r.direction === 'event')
      .map((r) => r.preview);
    assert.ok(notes.includes('#1 $.ts: 100 → 999'), notes.join(' | '));
    assert.ok(notes.includes('#2 $.ts: 200 → 999'), notes.join(' | '));
    assert.ok(
      notes.some((n) => n.startsWith('#3 text differs at offset 0')),
      notes.join(' | '),
    );
    await vscode.workspace
      .getConfiguration('websocketInspector.replay')
      .update('ignorePaths', ['$.ts'], vscode.ConfigurationTarget.Global);
    try {
      await vscode.commands.executeCommand<boolean>('websocketInspector.compareSession', vscode.Uri.file(file), {
        url,
        timing: 'fast',
      });
      const later = api
        .inspectors()
        .at(-1)!
        .rows(0, 100)
        .filter((r) => r.direction === 'event')
        .map((r) => r.preview);
      assert.ok(
        later.some((n) => /^Compare: 2 matched, 1 differed/.test(n)),
        later.join(' | '),
      );
    } finally {
      await vscode.workspace
        .getConfiguration('websocketInspector.replay')
        .update('ignorePaths', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('a bad replay.ignorePaths is a sentence, and the command resolves instead of throwing', async () => {
    await vscode.workspace
      .getConfiguration('websocketInspector.replay')
      .update('ignorePaths', ['timestamp'], vscode.ConfigurationTarget.Global);
    try {
      const ok = await vscode.commands.executeCommand<boolean>(
        'websocketInspector.compareSession',
        vscode.Uri.file(file),
        { url: `${echoUrl}/bad-setting`, timing: 'fast' },
      );
      assert.equal(ok, false);
    } finally {
      await vscode.workspace
        .getConfiguration('websocketInspector.replay')
        .update('ignorePaths', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('the Sessions view marks a recording "recording" only while its connection is open', async () => {
    const entry = (suffix: string) => async () => (await api.sessions()).find((s) => s.url.endsWith(suffix));
    const h = api.connect(`${echoUrl}/live-label`);
    const refused = api.connect('ws://127.0.0.1:9/refused-label');
    try {
      await h.whenOpen();
      await waitFor('the open connection marked recording', async () => (await entry('/live-label')())?.recording);
      h.disconnect();
      await waitFor(
        'the ended connection no longer marked',
        async () => (await entry('/live-label')())?.recording === false,
      );
      // A connection that failed was never recording.
      await refused.whenOpen().catch(() => undefined);
      await waitFor(
        'the failed connection not marked',
        async () => (await entry('/refused-label')())?.recording === false,
      );
    } finally {
      h.dispose();
      refused.dispose();
    }
  });

  test('a recording opened from the history has a short tab title', async () => {
    const entry = await waitFor('a recording in the history', async () =>
      (await api.sessions()).find((s) => s.url.endsWith('/recorded')),
    );
    const before = api.inspectors().length;
    await vscode.commands.executeCommand('websocketInspector.openSession', vscode.Uri.file(entry.file));
    try {
      await waitFor('the recording panel', () => api.inspectors().length === before + 1);
      const tab = await waitFor('the recording tab', () =>
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .find((t) => t.isActive && t.input instanceof vscode.TabInputWebview && t.label.includes('/recorded')),
      );
      assert.ok(tab.label.length <= 48, `"${tab.label}" is ${tab.label.length} characters`);
      assert.match(tab.label, /^127\.0\.0\.1:\d+\/recorded \d\d:\d\d \(recording\)$/, `the tab says "${tab.label}"`);
    } finally {
      api.inspectors().at(-1)?.dispose();
    }
  });

  test('a lower history.maxSessions applies without a reload', async () => {
    for (let i = 0; i < 2; i++) {
      const h = api.connect(`${echoUrl}/limit-${i}`);
      await h.whenOpen();
      h.dispose();
    }
    await waitFor('two or more recordings', async () => (await api.sessions()).length >= 2);
    const history = vscode.workspace.getConfiguration('websocketInspector.history');
    await history.update('maxSessions', 1, vscode.ConfigurationTarget.Global);
    try {
      await waitFor('the history pruned to one', async () => (await api.sessions()).length === 1);
    } finally {
      await history.update('maxSessions', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
