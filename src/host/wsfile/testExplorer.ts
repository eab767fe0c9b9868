import { basename } from 'node:path';
import * as vscode from 'vscode';
import { discoverTests } from '../../core/scripts/discover';
import { hasTests, type TestResult } from '../../core/scripts/runScripts';
import { parseWsFile } from '../../core/wsfile/parse';
import type { RequestCommands } from './requestCommands';

/**
 * The `.ws` requests that test something (scripts, `??` lines, `=== expect`) in VS Code's Test
 * Explorer: discovered from the workspace's files and kept up to date as they are typed, run from
 * the tree or the gutter through the same Run as the CodeLens (so the inspector shows the
 * exchange, with each result as an event row), failures shown at their line with expected and
 * actual. A script's `client.test` names appear under its request once it ran.
 */
export class WsTestExplorer implements vscode.Disposable {
  private readonly controller = vscode.tests.createTestController('websocketInspector.wsTests', 'WebSocket .ws tests');
  private readonly disposables: vscode.Disposable[] = [this.controller];
  /** The last outcome of each item by id, for the extension's API (what the Test Explorer shows). */
  readonly outcomes = new Map<string, TestOutcome>();

  constructor(private readonly requests: RequestCommands) {
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discoverAll();
    };
    this.controller.refreshHandler = () => this.discoverAll();
    this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, (r, token) => this.run(r, token), true);
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.ws');
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => void this.fromDisk(uri)),
      watcher.onDidChange((uri) => void this.fromDisk(uri)),
      watcher.onDidDelete((uri) => this.controller.items.delete(uri.toString())),
      vscode.workspace.onDidOpenTextDocument((d) => this.fromDocument(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.fromDocument(e.document)),
    );
    for (const d of vscode.workspace.textDocuments) this.fromDocument(d);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** The tree as the Test Explorer has it: files, their requests, and the tests under them (0-based lines). */
  snapshot(): TestTreeNode[] {
    const node = (item: vscode.TestItem): TestTreeNode => ({
      id: item.id,
      label: item.label,
      ...(item.range ? { line: item.range.start.line } : {}),
      children: [...iterate(item.children)].map(node),
    });
    return [...iterate(this.controller.items)].map(node);
  }

  private async discoverAll(): Promise<void> {
    const files = await vscode.workspace.findFiles('**/*.ws', '**/node_modules/**', 2000);
    await Promise.all(files.map((uri) => this.fromDisk(uri)));
  }

  private async fromDisk(uri: vscode.Uri): Promise<void> {
    // An open document is the truth while it is edited.
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) return;
    try {
      this.update(uri, new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
    } catch {
      this.controller.items.delete(uri.toString());
    }
  }

  private fromDocument(document: vscode.TextDocument): void {
    if (document.languageId === 'ws-request' && document.uri.scheme === 'file')
      this.update(document.uri, document.getText());
  }

  /** The file's items: one per request with tests, its expectations, `??` lines and scripts below it. */
  private update(uri: vscode.Uri, text: string): void {
    const requests = parseWsFile(text).requests.filter(hasTests);
    const id = uri.toString();
    if (!requests.length) {
      this.controller.items.delete(id);
      return;
    }
    const file = this.controller.items.get(id) ?? this.controller.createTestItem(id, basename(uri.fsPath), uri);
    const items: vscode.TestItem[] = [];
    for (const request of requests) {
      const rid = `${id}#${request.index}`;
      const item = file.children.get(rid) ?? this.controller.createTestItem(rid, request.name, uri);
      item.label = request.name;
      item.range = new vscode.Range(request.urlRange.startLine, 0, request.urlRange.startLine, 0);
      const kept = [...iterate(item.children)].filter((c) => c.id.includes('#t:'));
      item.children.replace([
        ...discoverTests(request).map((t) => {
          // The same item while its id stays: a run in progress keeps reporting to it.
          const cid = `${rid}@${t.line}`;
          const child = item.children.get(cid) ?? this.controller.createTestItem(cid, t.name, uri);
          child.label = t.name;
          child.range = new vscode.Range(t.line, 0, t.line, 0);
          return child;
        }),
        // Names a script reported when it last ran stay until the next run says otherwise.
        ...kept,
      ]);
      items.push(item);
    }
    file.children.replace(items);
    this.controller.items.add(file);
  }

  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.controller.createTestRun(request);
    const targets = new Map<string, vscode.TestItem>();
    const add = (item: vscode.TestItem) => {
      if (item.id.includes('#') && !item.id.includes('@') && !item.id.includes('#t:')) targets.set(item.id, item);
      else if (item.parent && item.id.includes('#')) add(item.parent);
      else for (const c of iterate(item.children)) add(c);
    };
    for (const item of request.include ?? [...iterate(this.controller.items)]) add(item);
    const abort = new AbortController();
    const cancel = token.onCancellationRequested(() => abort.abort());
    try {
      for (const item of targets.values()) {
        if (token.isCancellationRequested) break;
        if (request.exclude?.includes(item)) continue;
        await this.runRequest(run, item, abort.signal);
      }
    } finally {
      cancel.dispose();
      run.end();
    }
  }

  private async runRequest(raw: vscode.TestRun, item: vscode.TestItem, signal: AbortSignal): Promise<void> {
    const run = recording(raw, this.outcomes);
    const uri = item.uri!;
    const index = Number(item.id.slice(item.id.lastIndexOf('#') + 1));
    run.started(item);
    for (const c of iterate(item.children)) run.started(c);
    if (!vscode.workspace.isTrusted) {
      const message = new vscode.TestMessage(
        'Running .ws tests needs a trusted workspace: they connect to the server the file names and send what it says. Trust the workspace (Manage Workspace Trust) to run them; `wsi test --no-scripts` runs the expectations from a terminal.',
      );
      run.errored(item, message);
      for (const c of iterate(item.children)) run.skipped(c);
      return;
    }
    const started = Date.now();
    const results: TestResult[] = [];
    const reported = new Set<string>();
    const result = await this.requests.runRequest(uri, index, {
      signal,
      onTest: (t) => {
        results.push(t);
        const child = this.childFor(item, t);
        reported.add(child.id);
        if (t.passed) run.passed(child);
        else run.failed(child, testMessage(uri, t));
      },
      onLog: (l) => run.appendOutput(`${l.text}\r\n`, l.line === undefined ? undefined : location(uri, l.line), item),
    });
    // A script block's own item: as its client.test results went (they have items of their own).
    const scripted = results.filter((t) => t.source === 'script');
    for (const c of iterate(item.children)) {
      if (reported.has(c.id)) continue;
      const failedScript = scripted.find((t) => !t.passed);
      if (!c.label.startsWith('script') || !scripted.length) run.skipped(c);
      else if (failedScript) run.failed(c, testMessage(uri, failedScript));
      else run.passed(c);
    }
    const duration = Date.now() - started;
    const failed = results.filter((t) => !t.passed);
    if (!result) run.errored(item, new vscode.TestMessage('The request could not start: see the message shown.'));
    else if (!result.ok) run.failed(item, new vscode.TestMessage(result.error ?? 'The request failed.'), duration);
    else if (failed.length)
      run.failed(
        item,
        new vscode.TestMessage(`${failed.length} of ${results.length} failed: ${failed.map((t) => t.name).join(', ')}`),
        duration,
      );
    else run.passed(item, duration);
  }

  /** The tree item a result belongs to: the discovered one at its line, or one made for a script's `client.test`. */
  private childFor(item: vscode.TestItem, t: TestResult): vscode.TestItem {
    const uri = item.uri!;
    const atLine = item.children.get(`${item.id}@${t.line}`);
    if (atLine && t.source !== 'script') return atLine;
    const id = `${item.id}#t:${t.name}`;
    const existing = item.children.get(id);
    if (existing) return existing;
    const made = this.controller.createTestItem(id, t.name, uri);
    made.range = new vscode.Range(t.line, 0, t.line, 0);
    item.children.add(made);
    return made;
  }
}

/** What became of a test item in its last run. */
export interface TestOutcome {
  state: 'passed' | 'failed' | 'errored' | 'skipped';
  message?: string;
  line?: number;
}

export interface TestTreeNode {
  id: string;
  label: string;
  line?: number;
  children: TestTreeNode[];
}

/** `run`, with each outcome also kept in `outcomes`. */
function recording(run: vscode.TestRun, outcomes: Map<string, TestOutcome>) {
  const keep = (item: vscode.TestItem, state: TestOutcome['state'], m?: vscode.TestMessage) =>
    outcomes.set(item.id, {
      state,
      ...(m ? { message: typeof m.message === 'string' ? m.message : m.message.value } : {}),
      ...(m?.location ? { line: m.location.range.start.line } : {}),
    });
  return {
    started: (item: vscode.TestItem) => run.started(item),
    passed: (item: vscode.TestItem, duration?: number) => (keep(item, 'passed'), run.passed(item, duration)),
    failed: (item: vscode.TestItem, m: vscode.TestMessage, duration?: number) => (
      keep(item, 'failed', m),
      run.failed(item, m, duration)
    ),
    errored: (item: vscode.TestItem, m: vscode.TestMessage) => (keep(item, 'errored', m), run.errored(item, m)),
    skipped: (item: vscode.TestItem) => (keep(item, 'skipped'), run.skipped(item)),
    appendOutput: (text: string, at?: vscode.Location, item?: vscode.TestItem) => run.appendOutput(text, at, item),
  };
}

function testMessage(uri: vscode.Uri, t: TestResult): vscode.TestMessage {
  const text = t.message ?? `${t.name} failed`;
  const message =
    t.expected !== undefined || t.actual !== undefined
      ? vscode.TestMessage.diff(text, t.expected ?? '', t.actual ?? '')
      : new vscode.TestMessage(text);
  message.location = location(uri, t.line);
  return message;
}

function location(uri: vscode.Uri, line: number): vscode.Location {
  return new vscode.Location(uri, new vscode.Position(line, 0));
}

function* iterate(collection: vscode.TestItemCollection): Generator<vscode.TestItem> {
  for (const [, item] of collection) yield item;
}
