import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { TransportOptions } from '../../core/transport';
import { hostOf, shortTitle } from '../../core/url';
import { formatDuration } from '../../core/wsfile/duration';
import { parseWsFile } from '../../core/wsfile/parse';
import { hasScripts, type LogLine, type TestResult } from '../../core/scripts/runScripts';
import { connectionOptionsFor, runWsRequest, type RunResult, type StepProgress } from '../../core/wsfile/run';
import type { WsRequest, WsStep } from '../../core/wsfile/types';
import { resolveHandshake, type VariableContext } from '../../core/wsfile/variables';
import type { PanelSource } from '../../shared/protocol';
import { withDefaults } from '../connectionSettings';
import type { InspectorPanel } from '../inspectorPanel';

/** The environment part of a request's variables, as the environment picker gives it. */
export interface EnvironmentSource {
  contextFor(document: vscode.TextDocument): {
    environment?: Record<string, string>;
    environmentName?: string;
    error?: string;
  };
  readonly onDidChange?: vscode.Event<void>;
}

/** What a caller of `runRequest` hears while it runs (the Test Explorer). */
export interface RunHooks {
  onTest?: (result: TestResult) => void;
  onLog?: (line: LogLine) => void;
  signal?: AbortSignal;
}

/**
 * In Restricted Mode, whether the user lets an untrusted file's request connect: a modal question,
 * unless the user setting `untrusted.confirmConnect` is off (a workspace cannot turn it off: it is
 * a restricted configuration). True in a trusted workspace.
 */
export async function untrustedConsent(question: string, detail: string, button: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const ask = vscode.workspace.getConfiguration('websocketInspector').inspect<boolean>('untrusted.confirmConnect');
  if ((ask?.globalValue ?? ask?.defaultValue ?? true) === false) return true;
  return (await vscode.window.showWarningMessage(question, { modal: true, detail }, button)) === button;
}

/** Opens an inspector panel for a request (the composition root owns the panel list). */
export type OpenInspector = (options: TransportOptions, source: PanelSource, secrets: string[]) => InspectorPanel;

/**
 * Connect, Run and Send for requests in `.ws` files, and the CodeLens above them. Each request
 * has at most one panel: Connect again reuses it, so panels do not pile up.
 */
export class RequestCommands implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly panels = new Map<string, InspectorPanel>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly running = new Map<string, AbortController>();
  /** `client.global` of the JetBrains scripts: one store for the window, as the HTTP Client keeps one per run. */
  private readonly globals = new Map<string, string>();

  constructor(
    private readonly environments: EnvironmentSource,
    /** The settings' connection options for a URL, under the request's own. */
    private readonly defaults: (url: string) => TransportOptions,
    private readonly openInspector: OpenInspector,
    private readonly log: vscode.LogOutputChannel,
    /** The local echo server's URL while it runs (a new request file points at it). */
    private readonly echoUrl: () => string | undefined = () => undefined,
  ) {
    this.disposables.push(
      vscode.languages.registerCodeLensProvider({ language: 'ws-request' }, this),
      vscode.commands.registerCommand('websocketInspector.connectRequest', (uri?: vscode.Uri, index?: number) =>
        this.connect(uri, index),
      ),
      vscode.commands.registerCommand('websocketInspector.runRequest', (uri?: vscode.Uri, index?: number) =>
        this.run(uri, index),
      ),
      vscode.commands.registerCommand(
        'websocketInspector.sendMessage',
        (uri: vscode.Uri, index: number, step: number) => this.send(uri, index, step),
      ),
      vscode.commands.registerCommand('websocketInspector.newRequestFile', () => newRequestFile(this.echoUrl())),
      this.lensesChanged,
    );
    if (environments.onDidChange) this.disposables.push(environments.onDidChange(() => this.lensesChanged.fire()));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const parsed = parseWsFile(document.getText());
    const lenses: vscode.CodeLens[] = [];
    for (const request of parsed.requests) {
      const at = new vscode.Range(request.urlRange.startLine, 0, request.urlRange.startLine, 0);
      const args = [document.uri, request.index];
      const panel = this.livePanel(document.uri, request);
      const open = panel?.state.phase === 'open';
      lenses.push(
        new vscode.CodeLens(at, {
          title: open ? '$(plug) Reconnect' : '$(plug) Connect',
          command: 'websocketInspector.connectRequest',
          arguments: args,
          tooltip: `Open ${request.name} in the inspector and connect`,
        }),
        new vscode.CodeLens(at, {
          title: '$(play) Run',
          command: 'websocketInspector.runRequest',
          arguments: args,
          tooltip: 'Connect and play the messages in order',
        }),
      );
      if (!open) continue;
      request.steps.forEach((step, i) => {
        if (step.type !== 'send') return;
        const line = new vscode.Range(step.lines.startLine, 0, step.lines.startLine, 0);
        lenses.push(
          new vscode.CodeLens(line, {
            title: '$(send) Send',
            command: 'websocketInspector.sendMessage',
            arguments: [document.uri, request.index, i],
            tooltip: 'Send this message on the open connection',
          }),
        );
      });
    }
    return lenses;
  }

  /** Opens (or reuses) the request's inspector and connects, sending nothing. */
  async connect(uri?: vscode.Uri, index?: number): Promise<InspectorPanel | undefined> {
    const target = await this.target(uri, index);
    if (!target) return undefined;
    const { document, request } = target;
    const prepared = this.prepare(document, request);
    if (!prepared) return undefined;
    const host = hostOf(prepared.options.url, shortTitle(prepared.options.url));
    const where = `${request.name} in ${vscode.workspace.asRelativePath(document.uri)} connects to ${prepared.options.url.replace(/\?.*$/, '?…')}.`;
    if (!(await untrustedConsent(`This workspace is not trusted. Connect to ${host}?`, where, 'Connect')))
      return undefined;
    return this.openFor(document, request, prepared.options, prepared.secrets);
  }

  /** Connects and plays the request's steps, showing progress in the inspector. */
  async run(uri?: vscode.Uri, index?: number): Promise<boolean> {
    return (await this.runRequest(uri, index))?.ok === true;
  }

  /**
   * `run` with its result: the tests' results and logs go to `hooks` as they come (the Test
   * Explorer) and, as event rows, to the inspector; undefined when it could not start.
   */
  async runRequest(uri?: vscode.Uri, index?: number, hooks: RunHooks = {}): Promise<RunResult | undefined> {
    const target = await this.target(uri, index);
    if (!target) return undefined;
    const { document, request } = target;
    const prepared = this.prepare(document, request);
    if (!prepared) return undefined;
    // Restricted Mode: the request runs without its scripts (the run says so in a row), once the
    // user lets the untrusted file connect.
    const trusted = vscode.workspace.isTrusted;
    if (!trusted) {
      const host = hostOf(prepared.options.url, shortTitle(prepared.options.url));
      const detail = `${request.name} in ${vscode.workspace.asRelativePath(document.uri)} connects to ${prepared.options.url.replace(/\?.*$/, '?…')} and sends what the file says.${hasScripts(request) ? ' Its scripts do not run until you trust the workspace.' : ''}`;
      if (
        !(await untrustedConsent(`This workspace is not trusted. Run ${request.name} against ${host}?`, detail, 'Run'))
      )
        return undefined;
    }
    const panel = this.openFor(document, request, prepared.options, prepared.secrets);
    const labels = request.steps.map(stepLabel);
    const key = requestKey(document.uri, request);
    this.running.get(key)?.abort();
    const abort = new AbortController();
    this.running.set(key, abort);
    const report = (p: StepProgress) =>
      panel.setScript({ name: request.name, steps: labels, current: p.index, status: p.status, reason: p.reason });
    report({ index: -1, status: 'running' });
    hooks.signal?.addEventListener('abort', () => abort.abort(), { once: true });
    try {
      await panel.whenOpen();
    } catch (err) {
      report({ index: -1, status: 'failed', reason: (err as Error).message });
      return { ok: false, error: (err as Error).message, secrets: prepared.secrets, tests: [], logs: [] };
    }
    const result = await runWsRequest({
      request,
      variables: prepared.variables,
      baseDir: dirname(document.uri.fsPath),
      connection: panel.connection,
      protocol: panel.protocolParts,
      onSentence: (s) => panel.note('info', s),
      onProgress: report,
      signal: abort.signal,
      scripts: trusted ? 'run' : 'skip',
      globals: this.globals,
      workspaceRoot: vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath,
      onTest: (t) => {
        panel.note(
          t.passed ? 'info' : 'error',
          `${t.passed ? '✓' : '✗'} ${t.name}${t.passed ? '' : `: ${t.message ?? 'failed'}`} (line ${t.line + 1}${t.messageIndex ? `, message ${t.messageIndex}` : ''})`,
        );
        hooks.onTest?.(t);
      },
      onLog: (l) => {
        panel.note('info', `log: ${l.text}`);
        hooks.onLog?.(l);
      },
    });
    if (this.running.get(key) === abort) this.running.delete(key);
    if (result.ok) {
      report({ index: request.steps.length - 1, status: 'done' });
      this.log.info(`${request.name}: script finished (${request.steps.length} steps)`);
    } else {
      this.log.warn(`${request.name}: ${result.error ?? 'the script failed'}`);
    }
    return result;
  }

  /** Sends one message block of a connected request. */
  async send(uri: vscode.Uri, index: number, stepIndex: number): Promise<void> {
    const target = await this.target(uri, index);
    if (!target) return;
    const { document, request } = target;
    const panel = this.livePanel(uri, request);
    const step = request.steps[stepIndex];
    if (!panel || panel.state.phase !== 'open' || !step) {
      void vscode.window.showWarningMessage(`${request.name} is not connected. Use Connect above the request first.`);
      return;
    }
    const prepared = this.prepare(document, request);
    if (!prepared) return;
    const result = await runWsRequest({
      request: { ...request, steps: [step] },
      variables: prepared.variables,
      baseDir: dirname(uri.fsPath),
      connection: panel.connection,
      protocol: panel.protocolParts,
      onSentence: (s) => panel.note('info', s),
    });
    if (!result.ok)
      void vscode.window.showErrorMessage(`${request.name}, line ${step.lines.startLine + 1}: ${result.error}`);
    panel.reveal();
  }

  dispose(): void {
    for (const a of this.running.values()) a.abort();
    for (const d of this.disposables.splice(0)) d.dispose();
  }

  /** The request at `index` in `uri`, or the one under the cursor of the active `.ws` editor. */
  private async target(
    uri?: vscode.Uri,
    index?: number,
  ): Promise<{ document: vscode.TextDocument; request: WsRequest } | undefined> {
    const editor = vscode.window.activeTextEditor;
    const document = uri ? await vscode.workspace.openTextDocument(uri) : editor?.document;
    if (!document || document.languageId !== 'ws-request') {
      void vscode.window.showWarningMessage('Open a .ws request file, put the cursor in a request, and try again.');
      return undefined;
    }
    const { requests } = parseWsFile(document.getText());
    const line = editor?.document === document ? editor.selection.active.line : 0;
    const request =
      index !== undefined
        ? requests.find((r) => r.index === index)
        : (requests.find((r) => line >= r.range.startLine && line <= r.range.endLine) ?? requests[0]);
    if (!request) {
      void vscode.window.showWarningMessage(
        `${vscode.workspace.asRelativePath(document.uri)} has no WebSocket request. Start one with a line like "WEBSOCKET ws://localhost:8080".`,
      );
      return undefined;
    }
    return { document, request };
  }

  /** Resolves variables and connection options, or shows the sentence that says why not. */
  private prepare(
    document: vscode.TextDocument,
    request: WsRequest,
  ): { options: TransportOptions; variables: VariableContext; secrets: string[] } | undefined {
    const env = this.environments.contextFor(document);
    const fail = (message: string) => {
      void vscode.window.showErrorMessage(`${vscode.workspace.asRelativePath(document.uri)}: ${message}`);
      return undefined;
    };
    if (env.error) return fail(env.error);
    const parsed = parseWsFile(document.getText());
    const variables: VariableContext = {
      fileVariables: parsed.variables,
      environment: env.environment,
      environmentName: env.environmentName,
      allowProcessEnv: vscode.workspace.isTrusted,
      processEnv: process.env,
    };
    const handshake = resolveHandshake(request, variables);
    if ('error' in handshake) return fail(handshake.error);
    const defaults = this.defaults(handshake.url);
    const options = connectionOptionsFor(request, handshake, defaults.handshakeTimeout);
    if ('error' in options) return fail(options.error);
    return { options: withDefaults(defaults, options), variables, secrets: handshake.secrets };
  }

  /** Opens or reuses the request's panel; `secrets` (resolved secret values) never reach a recording. */
  private openFor(
    document: vscode.TextDocument,
    request: WsRequest,
    options: TransportOptions,
    secrets: string[],
  ): InspectorPanel {
    const source: PanelSource = {
      label: `${vscode.workspace.asRelativePath(document.uri)} › ${request.name}`,
      detail: document.uri.fsPath,
    };
    const key = requestKey(document.uri, request);
    const existing = this.livePanel(document.uri, request);
    if (existing) {
      existing.reveal();
      existing.secrets = secrets;
      void existing.reconnectWith(options, source).catch(() => undefined);
      this.lensesChanged.fire();
      return existing;
    }
    const panel = this.openInspector(options, source, secrets);
    this.panels.set(key, panel);
    panel.onDidDispose(() => {
      if (this.panels.get(key) === panel) this.panels.delete(key);
      this.lensesChanged.fire();
    });
    const refresh = () => this.lensesChanged.fire();
    void panel.whenOpen().then(refresh, refresh);
    panel.onDidChangeState(refresh);
    return panel;
  }

  private livePanel(uri: vscode.Uri, request: WsRequest): InspectorPanel | undefined {
    const panel = this.panels.get(requestKey(uri, request));
    return panel?.alive ? panel : undefined;
  }
}

/** A request is known by its file and name (or position, when unnamed). */
function requestKey(uri: vscode.Uri, request: WsRequest): string {
  return `${uri.toString()}#${request.named ? request.name : request.index}`;
}

/** "send text (line 12)", "wait for 2 server messages", … */
export function stepLabel(step: WsStep): string {
  const line = `line ${step.lines.startLine + 1}`;
  switch (step.type) {
    case 'send':
      switch (step.message.kind) {
        case 'text':
          return `send ${step.message.json ? 'JSON' : 'text'} (${line})`;
        case 'file':
          return `send file ${step.message.path} (${line})`;
        default:
          return `send binary (${line})`;
      }
    case 'wait-for-server':
      return `wait for ${step.count} server message${step.count === 1 ? '' : 's'} (${line})`;
    case 'wait':
      return `wait ${formatDuration(step.ms)} (${line})`;
    case 'close':
      return `close ${step.code}${step.reason ? ` "${step.reason}"` : ''} (${line})`;
    case 'action':
      return `${step.action} (${line})`;
    case 'wait-for':
      return `wait for ${step.condition} (${line})`;
    case 'expect':
      return `expect ${step.expect.text} (${line})`;
  }
}

/** An untitled `.ws` file with one request: to the running echo server, else to `npm start`'s port with a word on it. */
async function newRequestFile(echoUrl: string | undefined): Promise<void> {
  const content = [
    '# A WebSocket request file. Connect, Run and Send appear above the requests.',
    '# The format: see ".ws request files" in the WebSocket Inspector README.',
    ...(echoUrl
      ? ['# The local echo server (it answers every message with the same message):', `@url = ${echoUrl}`]
      : [
          '# Change the URL to your server, or start the local echo server (WebSocket: Start Local Echo Server)',
          '# and put its URL here.',
          '@url = ws://127.0.0.1:8765',
        ]),
    '',
    '### Echo',
    'WEBSOCKET {{url}}',
    '',
    '{"op": "hello", "id": "{{$uuid}}"}',
    '=== wait-for-server',
    '{"op": "bye"}',
    '',
  ].join('\n');
  const document = await vscode.workspace.openTextDocument({ language: 'ws-request', content });
  await vscode.window.showTextDocument(document);
}
