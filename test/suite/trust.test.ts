/**
 * Restricted Mode: a `.ws` file in an untrusted workspace runs without its scripts and must not
 * read the process environment. These tests run only when the workspace is untrusted (the test runner's
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

  test('Run runs the request without its scripts and says so; expectations still run', async () => {
    // The question before connecting is a modal dialog; a user who does not want it turns it off in
    // their user settings, as this test does (a workspace setting cannot: it is restricted).
    const config = vscode.workspace.getConfiguration('websocketInspector');
    await config.update('untrusted.confirmConnect', false, vscode.ConfigurationTarget.Global);
    const url = await api.startEchoServer();
    try {
      const file = vscode.Uri.file(join(dir, 'run.ws'));
      writeFileSync(
        file.fsPath,
        [
          `WEBSOCKET ${url}/restricted`,
          '',
          'hello',
          '=== expect "hello"',
          '',
          '> {%',
          '  client.log("the script ran");',
          '%}',
          '',
        ].join('\n'),
      );
      const ok = await vscode.commands.executeCommand<boolean>('websocketInspector.runRequest', file, 0);
      assert.equal(ok, true, 'the run (its expectation) passed');
      const panel = api.inspectors().find((h) => h.url.endsWith('/restricted'));
      assert.ok(panel, 'the run has its inspector');
      const rows = panel.rows(0, panel.stats.total + 10);
      const events = rows.filter((r) => r.direction === 'event').map((r) => r.preview);
      assert.ok(
        events.some((e) => /Scripts are not run in Restricted Mode/.test(e)),
        events.join('\n'),
      );
      assert.ok(!events.includes('log: the script ran'), 'the script did not run');
      assert.ok(
        events.some((e) => /^✓ expect "hello"/.test(e)),
        events.join('\n'),
      );
      assert.ok(rows.some((r) => r.direction === 'received' && r.preview === 'hello'));
      panel.dispose();
    } finally {
      await config.update('untrusted.confirmConnect', undefined, vscode.ConfigurationTarget.Global);
      await api.stopEchoServer();
    }
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
