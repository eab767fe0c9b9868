/**
 * Restricted Mode: a `.ws` file in an untrusted workspace must not run scripts or read the
 * process environment. These tests run only when the workspace is untrusted (the test runner's
 * WSI_TRUST=1 pass); in a trusted run they are skipped.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { WebSocketInspectorApi } from '../../src/host/api';

const EXTENSION_ID = 'websocket-inspector.websocket-inspector';

suite('restricted mode (untrusted workspace)', function () {
  let api: WebSocketInspectorApi;
  let dir: string;

  suiteSetup(async function () {
    if (vscode.workspace.isTrusted) this.skip();
    api = await vscode.extensions.getExtension<WebSocketInspectorApi>(EXTENSION_ID)!.activate();
    dir = mkdtempSync(join(tmpdir(), 'wsi-trust-'));
  });

  suiteTeardown(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('Run refuses without connecting', async () => {
    const url = await api.startEchoServer();
    const file = vscode.Uri.file(join(dir, 'run.ws'));
    writeFileSync(file.fsPath, `WEBSOCKET ${url}\n\nhello\n`);
    const before = api.inspectors().length;
    const ok = await vscode.commands.executeCommand<boolean>('websocketInspector.runRequest', file, 0);
    assert.equal(ok, false);
    assert.equal(api.inspectors().length, before, 'no inspector was opened');
    await api.stopEchoServer();
  });

  test('$processEnv is refused, with a diagnostic that says why', async () => {
    process.env.WSI_TRUST_SECRET = 'do-not-send-this';
    const doc = await vscode.workspace.openTextDocument({
      language: 'ws-request',
      content: 'WEBSOCKET ws://127.0.0.1:1/x\nAuthorization: Bearer {{$processEnv WSI_TRUST_SECRET}}\n\nhi\n',
    });
    const deadline = Date.now() + 10_000;
    let messages: string[] = [];
    while (Date.now() < deadline) {
      messages = vscode.languages.getDiagnostics(doc.uri).map((d) => d.message);
      if (messages.some((m) => /trusted workspace/.test(m))) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(
      messages.some((m) => /WSI_TRUST_SECRET.*only allowed in a trusted workspace|trusted workspace/.test(m)),
      messages.join(' | '),
    );
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      new vscode.Position(1, 3),
    );
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.ok(!text.includes('do-not-send-this'), 'the secret never shows');
  });
});
