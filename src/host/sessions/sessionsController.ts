// Over 400 lines until it is split by job: tree view, custom editor, recording, replay UI, mock servers and HAR still live here.
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Transport, TransportOptions } from '../../core/transport';
import { compareAnswers, readIgnorePaths, type ComparedMessage } from '../../core/sessions/compare';
import { exportAsWsFile, exportMessagesJsonl } from '../../core/sessions/exportWs';
import { serializeSession, type Session, type SessionMessage } from '../../core/sessions/format';
import { exportHar, importHar } from '../../core/sessions/har';
import { SessionHistory, type HistoryEntry, type HistoryLimits } from '../../core/sessions/history';
import { loadSession } from '../../core/sessions/load';
import { serveSession } from '../../core/sessions/mockServer';
import type { SessionRecorder } from '../../core/sessions/recorder';
import { replaySession, type ReplayTiming } from '../../core/sessions/replay';
import { maskUrl } from '../../core/mask';
import { checkWebSocketUrl, shortTitle } from '../../core/url';
import { InspectorPanel, type InspectorEnv } from '../inspectorPanel';

/** The view type of the read-only `.wslog` editor. */
export const SESSION_EDITOR_VIEW_TYPE = 'websocketInspector.sessionFile';

type Target = SessionItem | vscode.Uri | undefined;

/**
 * Sessions: every connection recorded to a bounded history in the extension's storage, the
 * **WebSocket Sessions** view, opening recordings (and `.wslog` files) in the inspector,
 * replay with comparison, serving a recording as a mock server, and HAR in and out.
 */
export class SessionsController
  implements vscode.TreeDataProvider<SessionItem>, vscode.CustomReadonlyEditorProvider, vscode.Disposable
{
  private readonly history: SessionHistory;
  private readonly recorders = new Map<InspectorPanel, SessionRecorder>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly mocks = new Set<{ url: string; close(): Promise<void> }>();

  constructor(
    private readonly storage: vscode.Uri,
    private readonly env: () => InspectorEnv,
    private readonly track: (panel: InspectorPanel) => InspectorPanel,
    private readonly log: vscode.LogOutputChannel,
    /** The connection options the settings give for a URL (TLS, proxy…), for replays and the mock's Connect. */
    private readonly connectionOptions: (url: string) => TransportOptions,
  ) {
    this.history = new SessionHistory(vscode.Uri.joinPath(storage, 'sessions').fsPath, historyLimits());
    const command = (id: string, run: (target?: Target) => unknown) =>
      vscode.commands.registerCommand(id, async (target?: Target) => {
        try {
          await run(target);
        } catch (err) {
          void vscode.window.showErrorMessage((err as Error).message);
        }
      });
    this.disposables.push(
      vscode.window.registerTreeDataProvider('websocketInspector.sessions', this),
      vscode.window.registerCustomEditorProvider(SESSION_EDITOR_VIEW_TYPE, this, {
        supportsMultipleEditorsPerDocument: true,
      }),
      command('websocketInspector.refreshSessions', () => this.changed.fire()),
      command('websocketInspector.openSession', (t) => this.open(t)),
      // Wrapped like the others, and still answering the boolean a caller (a test) awaits.
      vscode.commands.registerCommand('websocketInspector.replaySession', (t?: Target, preset?: ReplayPreset) =>
        this.guarded(() => this.replay(t, false, preset)),
      ),
      vscode.commands.registerCommand('websocketInspector.compareSession', (t?: Target, preset?: ReplayPreset) =>
        this.guarded(() => this.replay(t, true, preset)),
      ),
      command('websocketInspector.saveSession', (t) => this.save(t)),
      command('websocketInspector.deleteSession', (t) => this.remove(t)),
      command('websocketInspector.serveSession', (t) => this.serve(t)),
      command('websocketInspector.stopMockServers', () => this.stopMocks()),
      command('websocketInspector.importHar', () => this.importHarFile()),
      command('websocketInspector.exportSession', (t) => this.export(t)),
      this.changed,
      // The limits apply at once, no reload: a lower one prunes the history now.
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('websocketInspector.history')) return;
        this.history.setLimits(historyLimits());
        const keep = [...this.recorders.values()].map((r) => r.path);
        void this.history.prune(keep).then(
          (removed) => removed.length && this.changed.fire(),
          () => undefined,
        );
      }),
    );
  }

  /** Runs a command; a failure is shown as its sentence (and logged) instead of vanishing. */
  private async guarded(run: () => Promise<boolean>): Promise<boolean> {
    try {
      return await run();
    } catch (err) {
      this.log.warn((err as Error).message);
      void vscode.window.showErrorMessage((err as Error).message);
      return false;
    }
  }

  // ───────────── recording ─────────────

  /** Records a connection that is about to open in `panel`; the previous recording of the panel ends. */
  record(panel: InspectorPanel, connection: Transport): void {
    const config = vscode.workspace.getConfiguration('websocketInspector.history');
    if (!config.get<boolean>('enabled', true)) return;
    void this.stopRecording(panel);
    const keep = [...this.recorders.values()].map((r) => r.path);
    const options = {
      redact: config.get<boolean>('redactSecrets', true),
      source: 'websocket-inspector',
      startedAt: Date.now(),
      secrets: panel.secrets,
    };
    // Listening starts now; what happens while the file is created is written first (core's SessionHistory.record).
    this.history
      .record(connection, options, keep)
      .then((created) => {
        created.onError((err: Error) =>
          this.log.warn(`Recording ${maskUrl(connection.options.url, panel.secrets)} stopped: ${err.message}`),
        );
        if (!panel.alive) return void created.close();
        this.recorders.set(panel, created);
        panel.setRecordedTo(created.path);
        panel.onDidDispose(() => void this.stopRecording(panel));
        this.changed.fire();
      })
      .catch((err: Error) => {
        this.log.warn(`Could not record ${maskUrl(connection.options.url, panel.secrets)}: ${err.message}`);
      });
  }

  private async stopRecording(panel: InspectorPanel): Promise<void> {
    const recorder = this.recorders.get(panel);
    if (!recorder) return;
    this.recorders.delete(panel);
    await recorder.close().catch(() => undefined);
    this.changed.fire();
  }

  /** The recordings in the history, newest first. */
  list(): Promise<HistoryEntry[]> {
    return this.history.list();
  }

  // ───────────── the Sessions view ─────────────

  getTreeItem(item: SessionItem): vscode.TreeItem {
    return item;
  }

  async getChildren(): Promise<SessionItem[]> {
    const entries = await this.history.list().catch(() => [] as HistoryEntry[]);
    const live = new Set([...this.recorders.values()].map((r) => r.path));
    return entries.map((e) => new SessionItem(e, live.has(e.file)));
  }

  // ───────────── the .wslog editor ─────────────

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    const session = await this.load(document.uri);
    if (!session) {
      panel.webview.html = `<!DOCTYPE html><html><body><p>${escapeHtml(`${basename(document.uri.fsPath)} could not be opened. See the notification for why.`)}</p></body></html>`;
      return;
    }
    this.track(
      InspectorPanel.openRecording(this.env(), session, basename(document.uri.fsPath), panel, document.uri.fsPath),
    );
  }

  // ───────────── commands ─────────────

  /** A recording, read quietly (for restoring panels); undefined when it cannot be read. */
  async read(file: string): Promise<Session | undefined> {
    const result = await loadSession(file);
    return 'error' in result ? undefined : result;
  }

  /** Shows the recording `file` in a restored panel; false when it is gone. */
  async openInto(panel: vscode.WebviewPanel, file: string): Promise<boolean> {
    const session = await this.read(file);
    if (!session) return false;
    this.track(
      InspectorPanel.openRecording(this.env(), session, labelFor(vscode.Uri.file(file), session), panel, file),
    );
    return true;
  }

  /** Opens a recording read-only in the inspector. */
  async open(target?: Target): Promise<InspectorPanel | undefined> {
    const uri = await this.pick(target, 'Open');
    if (!uri) return undefined;
    const session = await this.load(uri);
    if (!session) return undefined;
    return this.track(InspectorPanel.openRecording(this.env(), session, labelFor(uri, session), undefined, uri.fsPath));
  }

  /** Replays the recording in a panel, optionally comparing the answers with the recorded ones. */
  async replay(target: Target | InspectorPanel, compare: boolean, preset: ReplayPreset = {}): Promise<boolean> {
    let panel = target instanceof InspectorPanel ? target : undefined;
    let session = panel?.recorded;
    if (!panel) {
      const uri = await this.pick(target as Target, compare ? 'Replay and Compare' : 'Replay');
      if (!uri) return false;
      session = await this.load(uri);
      if (!session) return false;
      panel = this.track(InspectorPanel.openRecording(this.env(), session, labelFor(uri, session)));
    }
    if (!session) return false;
    // A bad setting is said before anything is sent, naming the setting and its value.
    const ignoreSetting = compare
      ? readIgnorePaths(
          vscode.workspace.getConfiguration('websocketInspector.replay').get('ignorePaths'),
          'websocketInspector.replay.ignorePaths',
        )
      : { paths: [] };
    if ('error' in ignoreSetting) throw new Error(ignoreSetting.error);
    const ignore = ignoreSetting.paths;
    const url =
      preset.url ??
      (await vscode.window.showInputBox({
        title: 'Replay against',
        prompt: 'The recorded URL, or another one (e.g. staging instead of production)',
        value: session.header.url,
        validateInput: (v) => {
          const check = checkWebSocketUrl(v);
          return check.ok ? undefined : check.message;
        },
      }));
    if (!url) return false;
    const timing = preset.timing ? presetTiming(preset.timing) : await pickTiming();
    if (!timing) return false;
    // The recording keeps no TLS or proxy settings: the replay reaches the server as a connection would.
    const replay = replaySession(session, {
      url,
      timing: timing.timing,
      waitForAnswers: timing.waitForAnswers,
      transport: this.connectionOptions(url),
    });
    panel.adopt(replay.connection, `Replay against ${url} (${timing.label})`);
    panel.reveal();
    if (timing.timing === 'step') void this.stepThrough(replay);
    const result = await replay.result;
    for (const notice of result.notices) panel.note('info', notice);
    if (!result.ok) {
      panel.note('error', `Replay stopped: ${result.error ?? 'the connection ended'}`);
      void vscode.window.showErrorMessage(
        `Replay of ${shortTitle(session.header.url)} failed: ${result.error ?? 'the connection ended'}`,
      );
      return false;
    }
    if (!compare) {
      panel.note('info', `Replay finished: ${result.sent} messages sent, ${result.live.length} received.`);
      return true;
    }
    const comparison = compareAnswers(result.recorded, result.live, { ignore });
    const { matched, mismatched, missing, extra } = comparison.summary;
    const summary = `Compare: ${matched} matched, ${mismatched} differed, ${missing} missing, ${extra} extra${ignore.length ? ` (ignoring ${ignore.join(', ')})` : ''}.`;
    panel.note(comparison.equal ? 'info' : 'error', summary);
    for (const m of comparison.differences) panel.note('error', describeDifference(m));
    this.log.info(summary);
    if (comparison.equal) void vscode.window.showInformationMessage(`✓ ${summary}`);
    else void vscode.window.showWarningMessage(`✗ ${summary} The differences are listed in the inspector.`);
    return comparison.equal;
  }

  private async stepThrough(replay: { next(): boolean; stop(): void; result: Promise<unknown> }): Promise<void> {
    let done = false;
    void replay.result.then(() => (done = true));
    let sent = 0;
    while (!done) {
      const choice = await vscode.window.showInformationMessage(
        `Replay step by step: ${sent} sent.`,
        'Send Next',
        'Stop',
      );
      if (choice !== 'Send Next') {
        replay.stop();
        return;
      }
      if (!replay.next()) return;
      sent++;
    }
  }

  private async save(target?: Target): Promise<void> {
    const uri = await this.pick(target, 'Save');
    if (!uri) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const dest = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, basename(uri.fsPath)) : undefined,
      filters: { 'WebSocket sessions': ['wslog'] },
      saveLabel: 'Save Session',
    });
    if (!dest) return;
    await copyFile(uri.fsPath, dest.fsPath);
    void vscode.window.showInformationMessage(`Saved ${vscode.workspace.asRelativePath(dest)}.`);
  }

  private async remove(target?: Target): Promise<void> {
    const uri = await this.pick(target, 'Delete');
    if (!uri) return;
    await this.history.remove(uri.fsPath);
    this.changed.fire();
  }

  private async serve(target?: Target): Promise<void> {
    const uri = await this.pick(target, 'Serve as Mock Server');
    if (!uri) return;
    const session = await this.load(uri);
    if (!session) return;
    const mock = await serveSession(session, { host: '127.0.0.1', port: 0 });
    this.mocks.add(mock);
    this.log.info(`Mock server for ${maskUrl(session.header.url)} on ${mock.url}`);
    const choice = await vscode.window.showInformationMessage(
      `Mock server playing ${shortTitle(session.header.url)} on ${mock.url}.`,
      'Copy URL',
      'Connect',
      'Stop',
    );
    if (choice === 'Copy URL') await vscode.env.clipboard.writeText(mock.url);
    // The mock is on this machine: straight there, never through the configured proxy.
    if (choice === 'Connect')
      this.track(InspectorPanel.open(this.env(), { ...this.connectionOptions(mock.url), proxy: undefined }));
    if (choice === 'Stop') {
      this.mocks.delete(mock);
      await mock.close();
    }
  }

  private async stopMocks(): Promise<void> {
    const all = [...this.mocks];
    this.mocks.clear();
    await Promise.all(all.map((m) => m.close()));
  }

  private async importHarFile(): Promise<void> {
    const picked = await vscode.window.showOpenDialog({
      filters: { HAR: ['har', 'json'] },
      openLabel: 'Import',
      title: 'Import WebSocket messages from a HAR file',
    });
    if (!picked?.[0]) return;
    const result = importHar(await readFile(picked[0].fsPath, 'utf8'));
    if ('error' in result) throw new Error(`${basename(picked[0].fsPath)}: ${result.error}`);
    if (result.entries.length === 0) throw new Error(`${basename(picked[0].fsPath)} holds no WebSocket connection.`);
    let entry = result.entries[0];
    if (result.entries.length > 1) {
      const choice = await vscode.window.showQuickPick(
        result.entries.map((e) => ({
          label: e.url,
          description: `${e.messageCount} messages`,
          detail: e.startedAt,
          entry: e,
        })),
        { title: 'This HAR holds several WebSocket connections: pick one' },
      );
      if (!choice) return;
      entry = choice.entry;
    }
    const path = this.history.newPath(entry.url);
    await writeFile(path, serializeSession(entry.session));
    this.changed.fire();
    for (const notice of result.notices) this.log.info(notice);
    this.track(InspectorPanel.openRecording(this.env(), entry.session, `${basename(picked[0].fsPath)} (HAR)`));
  }

  private async export(target?: Target): Promise<void> {
    const uri = await this.pick(target, 'Export');
    if (!uri) return;
    const session = await this.load(uri);
    if (!session) return;
    const format = await vscode.window.showQuickPick(
      [
        {
          label: 'HAR',
          description: 'loads in Chrome devtools Network panel',
          ext: 'har',
          make: () => JSON.stringify(exportHar(session), null, 2),
        },
        {
          label: '.ws request file',
          description: 'the request and its sent messages as a script',
          ext: 'ws',
          make: () => exportAsWsFile(session),
        },
        { label: 'JSON Lines', description: 'messages only', ext: 'jsonl', make: () => exportMessagesJsonl(session) },
      ],
      { title: 'Export the session as' },
    );
    if (!format) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = basename(uri.fsPath).replace(/\.wslog$/, `.${format.ext}`);
    const dest = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      saveLabel: 'Export',
    });
    if (!dest) return;
    await writeFile(dest.fsPath, format.make());
    void vscode.window.showInformationMessage(`Exported ${vscode.workspace.asRelativePath(dest)}.`);
  }

  /** The recording a command is about: the clicked item, a file, or one the user picks. */
  private async pick(target: Target, verb: string): Promise<vscode.Uri | undefined> {
    if (target instanceof SessionItem) return vscode.Uri.file(target.entry.file);
    if (target instanceof vscode.Uri) return target;
    const entries = await this.history.list();
    const items: Array<vscode.QuickPickItem & { uri?: vscode.Uri }> = entries.map((e) => ({
      label: shortTitle(e.url),
      description: `${new Date(e.startedAt).toLocaleString()} · ${e.messages} messages`,
      uri: vscode.Uri.file(e.file),
    }));
    items.push({ label: '$(folder-opened) Open a .wslog file…' });
    const choice = await vscode.window.showQuickPick(items, { title: `${verb}: which session?` });
    if (!choice) return undefined;
    if (choice.uri) return choice.uri;
    const picked = await vscode.window.showOpenDialog({
      filters: { 'WebSocket sessions': ['wslog'] },
      openLabel: verb,
    });
    return picked?.[0];
  }

  private async load(uri: vscode.Uri): Promise<Session | undefined> {
    const result = await loadSession(uri.fsPath);
    if ('error' in result) {
      void vscode.window.showErrorMessage(`${basename(uri.fsPath)}: ${result.error}`);
      return undefined;
    }
    for (const notice of result.notices) void vscode.window.showWarningMessage(`${basename(uri.fsPath)}: ${notice}`);
    return result;
  }

  dispose(): void {
    void this.stopMocks();
    for (const panel of [...this.recorders.keys()]) void this.stopRecording(panel);
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The history limits the settings give now. */
function historyLimits(): HistoryLimits {
  const config = vscode.workspace.getConfiguration('websocketInspector.history');
  return {
    maxCount: config.get<number>('maxSessions', 50),
    maxBytes: config.get<number>('maxSizeMB', 200) * 1024 * 1024,
  };
}

/** One recording in the Sessions view. */
export class SessionItem extends vscode.TreeItem {
  constructor(
    readonly entry: HistoryEntry,
    recording: boolean,
  ) {
    super(shortTitle(entry.url), vscode.TreeItemCollapsibleState.None);
    this.description = `${new Date(entry.startedAt).toLocaleString()} · ${entry.messages} messages${recording ? ' · recording' : ''}`;
    this.tooltip = `${maskUrl(entry.url)}\n${entry.file}\n${(entry.size / 1024).toFixed(1)} KB`;
    this.iconPath = new vscode.ThemeIcon(recording ? 'record' : 'history');
    this.contextValue = 'websocketSession';
    this.command = { command: 'websocketInspector.openSession', title: 'Open', arguments: [this] };
  }
}

/** What a caller (a test, another extension) may fix in advance instead of being asked. */
export interface ReplayPreset {
  url?: string;
  timing?: 'original' | 'fast' | 'step';
}

function presetTiming(timing: NonNullable<ReplayPreset['timing']>): {
  timing: ReplayTiming;
  waitForAnswers: boolean;
  label: string;
} {
  if (timing === 'fast')
    return { timing: { speed: 1e6 }, waitForAnswers: true, label: 'as fast as possible, waiting for answers' };
  if (timing === 'step') return { timing: 'step', waitForAnswers: false, label: 'step by step' };
  return { timing: 'original', waitForAnswers: true, label: 'original timing, waiting for answers' };
}

async function pickTiming(): Promise<{ timing: ReplayTiming; waitForAnswers: boolean; label: string } | undefined> {
  const choice = await vscode.window.showQuickPick(
    [
      { label: 'Original timing, waiting for answers', timing: 'original' as ReplayTiming, waitForAnswers: true },
      { label: 'Original timing', timing: 'original' as ReplayTiming, waitForAnswers: false },
      { label: '10× faster, waiting for answers', timing: { speed: 10 } as ReplayTiming, waitForAnswers: true },
      {
        label: 'As fast as possible, waiting for answers',
        timing: { speed: 1e6 } as ReplayTiming,
        waitForAnswers: true,
      },
      { label: 'Speed factor…', timing: 'ask' as const, waitForAnswers: true },
      { label: 'Step by step', timing: 'step' as ReplayTiming, waitForAnswers: false },
    ],
    { title: 'How should the messages be sent?' },
  );
  if (!choice) return undefined;
  if (choice.timing === 'ask') {
    const text = await vscode.window.showInputBox({
      title: 'Replay speed',
      prompt: 'How many times faster than recorded (0.5 is half speed)',
      value: '2',
      validateInput: (v) =>
        Number(v) > 0 && Number.isFinite(Number(v)) ? undefined : 'A number above 0, e.g. 2 or 0.5',
    });
    if (!text) return undefined;
    return { timing: { speed: Number(text) }, waitForAnswers: true, label: `${text}× speed, waiting for answers` };
  }
  return { timing: choice.timing, waitForAnswers: choice.waitForAnswers, label: choice.label.toLowerCase() };
}

function labelFor(uri: vscode.Uri, session: Session): string {
  return `${shortTitle(session.header.url)} · ${basename(uri.fsPath)}`;
}

/** "#3 $.data[0].v: 2 → 999", "#4 missing: …": one line per differing server message. */
function describeDifference(m: ComparedMessage): string {
  const at = `#${m.index + 1}`;
  const show = (e?: SessionMessage) =>
    e
      ? e.kind === 'text'
        ? JSON.stringify((e.text ?? '').slice(0, 80))
        : `${e.base64?.length ?? 0} base64 chars`
      : '';
  if (m.status === 'missing') return `${at} missing: the server did not send ${show(m.expected)}`;
  if (m.status === 'extra') return `${at} extra: the server also sent ${show(m.actual)}`;
  const d = m.diff;
  if (!d) return `${at} differs`;
  if (d.type === 'kind') return `${at} was ${d.expected}, now ${d.actual}`;
  if (d.type === 'json') {
    const parts = d.differences.map((x) =>
      x.change === 'changed'
        ? `${x.path}: ${JSON.stringify(x.expected)} → ${JSON.stringify(x.actual)}`
        : `${x.path} ${x.change}`,
    );
    return `${at} ${parts.join('; ')}${d.more ? ` (and ${d.more} more)` : ''}`;
  }
  return `${at} ${d.type} differs at offset ${d.offset}: expected ${JSON.stringify(d.expected)}, got ${JSON.stringify(d.actual)}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
