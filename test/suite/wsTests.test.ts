/**
 * `.ws` tests in VS Code's Test Explorer, in the real extension host: a file's requests with
 * expectations and scripts are listed (updated as the document is edited), Test: Run All runs them
 * against the extension's echo server, and each result lands on its item: passed, or failed at its
 * line with expected and actual; a script's client.test names appear under their request.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { WebSocketInspectorApi } from '../../src/host/api';
import { waitFor } from './wait';

const EXTENSION_ID = 'websocket-inspector.websocket-inspector';

suite('.ws tests in the Test Explorer', () => {
  let api: WebSocketInspectorApi;
  let dir: string;

  suiteSetup(async function () {
    if (!vscode.workspace.isTrusted) this.skip();
    api = await vscode.extensions.getExtension<WebSocketInspectorApi>(EXTENSION_ID)!.activate();
    dir = mkdtempSync(join(tmpdir(), 'wsi-tests-'));
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const h of api?.inspectors() ?? []) h.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('listed from the file, run from Test: Run All, failures at their line with expected and actual', async () => {
    const url = await api.startEchoServer();
    const file = vscode.Uri.file(join(dir, 'echo-tests.ws'));
    writeFileSync(
      file.fsPath,
      [
        `@echo = ${url}`,
        '',
        '### Echo answers',
        'WEBSOCKET {{echo}}/tests',
        '',
        '{"type": "ping", "id": 1}',
        '=== expect {"type": "ping"}',
        'hello',
        '=== expect "goodbye" within 1s',
        '',
        '> {%',
        '  response.body.onEachMessage((message, unsubscribe) => {',
        '    client.test("echo keeps the id", () => client.assert(message.id === 1, "id is " + message.id));',
        '    client.log("first answer seen");',
        '    unsubscribe();',
        '  });',
        '%}',
        '',
        '### No tests here',
        'WEBSOCKET {{echo}}/plain',
        '',
        'just a message',
        '',
      ].join('\n'),
    );
    const document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
    const request = await waitFor('the request in the test tree', () =>
      api
        .wsTests()
        .tree.find((f) => f.id === file.toString())
        ?.children.find((r) => r.label === 'Echo answers'),
    );
    assert.equal(
      api.wsTests().tree.find((f) => f.id === file.toString())?.children.length,
      1,
      'only the request with tests',
    );
    assert.deepEqual(
      request.children.map((c) => [c.label, c.line]),
      [
        ['expect {"type": "ping"}', 6],
        ['expect "goodbye" within 1s', 8],
        ['script', 10],
      ],
    );

    // Updated as you type: a new expectation is a new item.
    const edit = new vscode.WorkspaceEdit();
    edit.insert(file, new vscode.Position(9, 0), '=== expect not within 200ms\n');
    await vscode.workspace.applyEdit(edit);
    await waitFor('the typed expectation in the tree', () =>
      api
        .wsTests()
        .tree.find((f) => f.id === file.toString())
        ?.children[0]?.children.some((c) => c.label === 'expect not within 200ms' && c.line === 9),
    );

    // And gone again when deleted.
    const undo = new vscode.WorkspaceEdit();
    undo.delete(file, new vscode.Range(9, 0, 10, 0));
    await vscode.workspace.applyEdit(undo);
    await waitFor('the deleted expectation gone', () => {
      const r = api.wsTests().tree.find((f) => f.id === file.toString())?.children[0];
      return r && r.children.length === 3 && !r.children.some((c) => c.label === 'expect not within 200ms');
    });

    await vscode.commands.executeCommand('testing.runAll');
    const outcomes = await waitFor(
      'the run’s outcomes',
      () => {
        const o = api.wsTests().outcomes;
        return o[request.id] && o[`${request.id}#t:echo keeps the id`] ? o : undefined;
      },
      30_000,
    );
    assert.equal(outcomes[`${request.id}@6`]?.state, 'passed');
    assert.equal(outcomes[`${request.id}#t:echo keeps the id`]?.state, 'passed');
    const goodbye = outcomes[`${request.id}@8`];
    assert.equal(goodbye?.state, 'failed');
    assert.equal(goodbye?.line, 8, 'the failure is shown at the expectation’s line');
    assert.match(goodbye?.message ?? '', /goodbye/);
    assert.equal(outcomes[request.id]?.state, 'failed');
    assert.match(outcomes[request.id]?.message ?? '', /^1 of 3 failed: expect "goodbye" within 1s$/);
    // The exchange is in the request's inspector, each result an event row.
    const panel = api.inspectors().find((h) => h.url.endsWith('/tests'));
    assert.ok(panel, 'the run’s inspector is open');
    const events = panel
      .rows(0, panel.stats.total + 10)
      .filter((r) => r.direction === 'event')
      .map((r) => r.preview);
    assert.ok(
      events.some((e) => /^✓ echo keeps the id/.test(e)),
      events.join('\n'),
    );
    assert.ok(
      events.some((e) => /^✗ expect "goodbye" within 1s: /.test(e)),
      events.join('\n'),
    );
    assert.ok(events.includes('log: first answer seen'), events.join('\n'));
  });
  test('a syntax error in a script is a diagnostic at its line before anything connects', async () => {
    const file = vscode.Uri.file(join(dir, 'broken-script.ws'));
    writeFileSync(
      file.fsPath,
      [
        '### Broken',
        'WEBSOCKET ws://127.0.0.1:1/never',
        '',
        'hi',
        '',
        '> {%',
        '  client.test("x", () => {',
        '  client.log(;',
        '%}',
        '',
      ].join('\n'),
    );
    const before = api.inspectors().length;
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    const found = await waitFor('the script-syntax diagnostic', () =>
      vscode.languages.getDiagnostics(file).find((d) => d.code === 'script-syntax'),
    );
    assert.ok(found.range.start.line >= 6 && found.range.start.line <= 7, `at line ${found.range.start.line + 1}`);
    assert.equal(found.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(api.inspectors().length, before, 'nothing connected');
  });
});
