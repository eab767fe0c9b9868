/**
 * Integration tests of the `.ws` editor features (src/host/wsfile/): diagnostics as you type,
 * completion, Outline symbols, folding, handshake hovers and the environment picker, inside a
 * real VS Code extension host. The workspace folder is examples/ (its http-client.env.json
 * defines the "local" environment).
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitFor } from './wait';

const EXTENSION_ID = 'websocket-inspector.websocket-inspector';
const SELECT_ENVIRONMENT = 'websocketInspector.selectEnvironment';
const SECRET_TOKEN = 'abc-very-secret-123';
const PROCESS_SECRET = 'process-env-secret-456';

async function openWs(content: string): Promise<vscode.TextDocument> {
  const document = await vscode.workspace.openTextDocument({ language: 'ws-request', content });
  assert.equal(document.languageId, 'ws-request');
  return document;
}

function ours(document: vscode.TextDocument): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === 'WebSocket Inspector');
}

function codeOf(d: vscode.Diagnostic): string {
  return typeof d.code === 'object' && d.code ? String(d.code.value) : String(d.code);
}

/** The position just after the first occurrence of `marker`. */
function after(document: vscode.TextDocument, marker: string): vscode.Position {
  const offset = document.getText().indexOf(marker);
  assert.ok(offset >= 0, `"${marker}" is not in the document`);
  return document.positionAt(offset + marker.length);
}

function lineOf(document: vscode.TextDocument, marker: string): number {
  return after(document, marker).line;
}

async function complete(
  document: vscode.TextDocument,
  position: vscode.Position,
  trigger?: string,
): Promise<vscode.CompletionItem[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>(
    'vscode.executeCompletionItemProvider',
    document.uri,
    position,
    trigger,
  );
  return list?.items ?? [];
}

/** Labels of our items: word-based suggestions (kind Text, taken from any open document) and snippets are left out. */
function labels(items: vscode.CompletionItem[]): string[] {
  return items
    .filter((i) => i.kind !== vscode.CompletionItemKind.Text && i.kind !== vscode.CompletionItemKind.Snippet)
    .map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
}

async function hoverText(document: vscode.TextDocument, position: vscode.Position): Promise<string> {
  const hovers =
    (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position)) ?? [];
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

const SAMPLE = [
  '@host = 127.0.0.1:8765', // 0
  `@token = ${SECRET_TOKEN}`, // 1
  '@fromEnv = {{$processEnv WSI_TEST_PROCESS_SECRET}}', // 2
  '', // 3
  '### Ticker', // 4
  '# @subprotocol chat', // 5
  '# @bogus value', // 6
  'WEBSOCKET ws://{{host}}/ticker', // 7
  'Authorization: Bearer {{token}}', // 8
  'X-Custom: {{fromEnv}}', // 9
  'Origin: https://example.com', // 10
  '', // 11
  '{"op": "{{missing}}"}', // 12
  '=== wait-for-server', // 13
  '{"op": "ping",', // 14
  ' "n": 1}', // 15
  '=== close 1000 bye', // 16
  '', // 17
  '### Second', // 18
  'wss://example.com/b', // 19
  '', // 20
].join('\n');

suite('.ws editor features (extension host)', () => {
  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    // The tests run in the extension host's process, so the extension sees this variable.
    process.env.WSI_TEST_PROCESS_SECRET = PROCESS_SECRET;
    await vscode.commands.executeCommand(SELECT_ENVIRONMENT, '');
  });

  suiteTeardown(async () => {
    delete process.env.WSI_TEST_PROCESS_SECRET;
    await vscode.commands.executeCommand(SELECT_ENVIRONMENT, '');
  });

  test('registers the environment command', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    assert.ok(all.has(SELECT_ENVIRONMENT), `command ${SELECT_ENVIRONMENT} is not registered`);
  });

  test('diagnostics: an unknown directive and an unresolved variable, with source, code and range', async () => {
    const document = await openWs(SAMPLE);
    const found = await waitFor('both diagnostics', () => {
      const list = ours(document);
      const directive = list.find((d) => codeOf(d) === 'unknown-directive');
      const variable = list.find((d) => codeOf(d) === 'unresolved-variable' && d.message.includes('{{missing}}'));
      return directive && variable ? { directive, variable } : undefined;
    });
    assert.equal(found.directive.severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(
      found.directive.range.isEqual(new vscode.Range(6, 2, 6, 8)),
      `directive range ${JSON.stringify(found.directive.range)}`,
    );
    assert.match(found.directive.message, /@bogus/);
    assert.equal(found.variable.severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(
      found.variable.range.isEqual(new vscode.Range(12, 8, 12, 19)),
      `variable range ${JSON.stringify(found.variable.range)}`,
    );
    // Defined variables raise nothing.
    assert.equal(ours(document).filter((d) => /\{\{(host|token)\}\}/.test(d.message)).length, 0);
  });

  test('diagnostics follow edits (debounced) and the selected environment', async () => {
    const document = await openWs('### Env\n# @bogus\nWEBSOCKET {{echo}}\n');
    await waitFor('the unresolved {{echo}}', () => ours(document).some((d) => d.message.includes('{{echo}}')));
    await waitFor('the unknown directive', () => ours(document).some((d) => codeOf(d) === 'unknown-directive'));

    // Fix the directive by editing: the warning goes away after the debounce.
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(1, 0, 1, 8), '# a comment');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor(
      'the unknown-directive warning to go',
      () => !ours(document).some((d) => codeOf(d) === 'unknown-directive'),
    );

    // examples/http-client.env.json defines "echo" in "local".
    await vscode.commands.executeCommand(SELECT_ENVIRONMENT, 'local');
    await waitFor(
      '{{echo}} to resolve with "local"',
      () => !ours(document).some((d) => d.message.includes('{{echo}}')),
    );

    await vscode.commands.executeCommand(SELECT_ENVIRONMENT, 'no-such-env');
    const missing = await waitFor('{{echo}} unresolved again', () =>
      ours(document).find((d) => d.message.includes('{{echo}}')),
    );
    assert.match(missing.message, /no-such-env/);

    await vscode.commands.executeCommand(SELECT_ENVIRONMENT, '');
    await waitFor('{{echo}} unresolved without an environment', () =>
      ours(document).some((d) => /none is selected/.test(d.message)),
    );
  });

  test('environment files next to a .ws file on disk: their JSON errors are shown on them, their variables resolve', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsi-envtest-'));
    try {
      const envFile = path.join(dir, 'http-client.env.json');
      fs.writeFileSync(envFile, '{"dev": {"host": "127.0.0.1:1",}}');
      const wsFile = path.join(dir, 'a.ws');
      fs.writeFileSync(wsFile, '### A\nWEBSOCKET ws://{{host}}/x\n');
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(wsFile));
      assert.equal(document.languageId, 'ws-request', 'a .ws file opens as ws-request');
      await vscode.commands.executeCommand(SELECT_ENVIRONMENT, 'dev');

      const envUri = vscode.Uri.file(envFile);
      const bad = await waitFor('a JSON diagnostic on the env file', () =>
        vscode.languages
          .getDiagnostics(envUri)
          .find((d) => d.source === 'WebSocket Inspector' && codeOf(d) === 'env-json'),
      );
      assert.equal(bad.severity, vscode.DiagnosticSeverity.Error);
      assert.equal(bad.range.start.line, 0);
      await waitFor('{{host}} unresolved while the file is broken', () =>
        ours(document).some((d) => d.message.includes('{{host}}')),
      );

      // Fixed on disk (outside the workspace, so no watcher event): the next check re-reads it.
      fs.writeFileSync(envFile, '{"dev": {"host": "127.0.0.1:1"}}\n');
      const bump = new Date(Date.now() + 5000);
      fs.utimesSync(envFile, bump, bump);
      await vscode.commands.executeCommand(SELECT_ENVIRONMENT, '');
      await vscode.commands.executeCommand(SELECT_ENVIRONMENT, 'dev');
      await waitFor(
        '{{host}} to resolve from "dev"',
        () => !ours(document).some((d) => d.message.includes('{{host}}')),
      );
      await waitFor('the env-file diagnostic to go', () => vscode.languages.getDiagnostics(envUri).length === 0);
    } finally {
      await vscode.commands.executeCommand(SELECT_ENVIRONMENT, '');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('completion: directives after "# @"', async () => {
    const document = await openWs('# @\n### A\n// @ti\nWEBSOCKET ws://127.0.0.1:1\n');
    const items = await complete(document, new vscode.Position(0, 3), '@');
    const names = labels(items);
    for (const d of ['subprotocol', 'timeout', 'ping', 'reconnect', 'insecure', 'deflate', 'name'])
      assert.ok(names.includes(d), `directive ${d} in ${names.join(', ')}`);
    const timeout = items.find((i) => i.label === 'timeout')!;
    assert.ok(String(timeout.documentation ?? '').length > 0, 'directives carry their description');

    const slashed = labels(await complete(document, new vscode.Position(2, 6)));
    assert.ok(slashed.includes('timeout'), 'after // @ too');
  });

  test('completion: dynamic values after "{{$", variables after "{{"', async () => {
    const document = await openWs(
      '@host = 127.0.0.1\n### A\nWEBSOCKET ws://{{host}}/x\n\n{"id": "{{$"}\n===\n{"to": "{{"}\n\n### B\n@late = 1\nWEBSOCKET ws://{{late}}/y\n',
    );
    const dynamic = labels(await complete(document, after(document, '"{{$'), '$'));
    for (const d of ['$uuid', '$timestamp', '$isoTimestamp', '$randomInt', '$random.uuid', '$processEnv'])
      assert.ok(dynamic.includes(d), `${d} in ${dynamic.join(', ')}`);

    const vars = labels(await complete(document, after(document, '"to": "{{'), '{'));
    assert.ok(vars.includes('host'), `file variable host in ${vars.join(', ')}`);
    assert.ok(!vars.includes('late'), 'variables defined below the line are not offered');
    assert.ok(vars.includes('$uuid'), 'dynamic values after {{ too');
  });

  test('completion: header names in the header block, step keywords after "=== "', async () => {
    const document = await openWs('### A\nWEBSOCKET ws://127.0.0.1:1\nOrigin: https://x\nSec\n\nhello\n=== \n');
    const headers = labels(await complete(document, new vscode.Position(3, 3)));
    assert.ok(headers.includes('Sec-WebSocket-Protocol'), `headers: ${headers.join(', ')}`);
    assert.ok(headers.includes('Authorization'));
    assert.ok(!headers.includes('Origin'), 'a header already present is not offered again');

    const steps = labels(await complete(document, new vscode.Position(6, 4)));
    for (const s of ['wait-for-server', 'wait 500ms', 'binary hex', 'binary base64', 'close 1000 bye'])
      assert.ok(steps.includes(s), `${s} in ${steps.join(', ')}`);

    const inMessage = labels(await complete(document, new vscode.Position(5, 5)));
    assert.ok(!inMessage.includes('Authorization'), 'no header names inside a message');
  });

  test('document symbols list the requests with their steps; folding covers requests and long messages', async () => {
    const document = await openWs(SAMPLE);
    const symbols = await waitFor('document symbols', async () => {
      const result = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>(
        'vscode.executeDocumentSymbolProvider',
        document.uri,
      );
      return result && result.length > 0 ? result : undefined;
    });
    assert.deepEqual(
      symbols.map((s) => s.name),
      ['Ticker', 'Second'],
    );
    const [ticker, second] = symbols;
    assert.equal(ticker.kind, vscode.SymbolKind.Event);
    assert.equal(ticker.range.start.line, 4);
    assert.equal(ticker.range.end.line, 16);
    assert.equal(ticker.selectionRange.start.line, 7);
    assert.deepEqual(
      ticker.children.map((c) => c.detail),
      ['json', 'wait-for-server', 'json', 'close'],
    );
    assert.equal(second.selectionRange.start.line, 19);

    const folds = await vscode.commands
      .executeCommand<vscode.FoldingRange[] | undefined>('vscode.executeFoldingRangeProvider', document.uri)
      .then(
        (r) => r,
        () => undefined, // Not every VS Code version has this command.
      );
    if (folds) {
      assert.ok(
        folds.some((f) => f.start === 4 && f.end === 16),
        `a fold for the first request in ${JSON.stringify(folds)}`,
      );
      assert.ok(
        folds.some((f) => f.start === 14 && f.end === 15),
        'a fold for the two-line message',
      );
    }
  });

  test('hover on the request line and headers shows the resolved handshake with secrets masked', async () => {
    const document = await openWs(SAMPLE);
    const text = await hoverText(document, new vscode.Position(lineOf(document, 'Authorization'), 3));
    assert.ok(text.length > 0, 'a hover on the Authorization line');
    assert.ok(!text.includes(SECRET_TOKEN), `the token is shown in clear: ${text}`);
    assert.ok(!text.includes(PROCESS_SECRET), `a $processEnv value is shown in clear: ${text}`);
    if (vscode.workspace.isTrusted) {
      assert.match(text, /ws:\/\/127\.0\.0\.1:8765\/ticker/);
      assert.match(text, /Authorization: \[redacted\]/);
      assert.match(text, /X-Custom: \[redacted\]/);
      assert.match(text, /Origin: https:\/\/example\.com/);
    } else {
      assert.match(text, /trusted workspace/);
    }

    const urlHover = await hoverText(document, new vscode.Position(7, 12));
    assert.ok(urlHover.length > 0 && !urlHover.includes(SECRET_TOKEN), 'the URL line hovers too, masked');

    const failing = await openWs('### F\nWEBSOCKET ws://{{nowhere}}/x\n');
    const error = await hoverText(failing, new vscode.Position(1, 3));
    assert.match(error, /nowhere/);
    assert.match(error, /not defined/);
  });
});
