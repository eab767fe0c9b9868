import { copyFile } from 'node:fs/promises';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { Transport, TransportOptions } from '../../core/transport';
import type { Session } from '../../core/sessions/format';
import { SessionHistory, type HistoryEntry, type HistoryLimits } from '../../core/sessions/history';
import { loadSession } from '../../core/sessions/load';
import { InspectorPanel, type InspectorEnv } from '../inspectorPanel';
import { HarCommands } from './harCommands';
import { MockCommands } from './mockCommands';
import { labelFor, loadShown, pickSession, type Target } from './pick';
import { SessionRecording } from './recording';
import { ReplayUi, type ReplayPreset } from './replayUi';
import { SESSION_EDITOR_VIEW_TYPE, SessionEditor } from './sessionEditor';
import { SessionsTree } from './sessionsTree';

export { SESSION_EDITOR_VIEW_TYPE } from './sessionEditor';
export { SessionItem } from './sessionsTree';
export type { ReplayPreset } from './replayUi';

/**
 * Sessions: every connection recorded to a bounded history in the extension's storage, the
 * **WebSocket Sessions** view, opening recordings (and `.wslog` files) in the inspector,
 * replay with comparison, serving a recording as a mock server, and HAR in and out.
 * This wires the pieces (one file each) and registers their commands.
 */
export class SessionsController implements vscode.Disposable {
  private readonly history: SessionHistory;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly recording: SessionRecording;
  private readonly replayUi: ReplayUi;
  private readonly mocks: MockCommands;
  private readonly har: HarCommands;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    storage: vscode.Uri,
    private readonly env: () => InspectorEnv,
    private readonly track: (panel: InspectorPanel) => InspectorPanel,
    private readonly log: vscode.LogOutputChannel,
    /** The connection options the settings give for a URL (TLS, proxy…), for replays and the mock's Connect. */
    connectionOptions: (url: string) => TransportOptions,
  ) {
    const history = new SessionHistory(vscode.Uri.joinPath(storage, 'sessions').fsPath, historyLimits());
    this.history = history;
    this.recording = new SessionRecording(history, log, this.changed);
    this.replayUi = new ReplayUi(history, env, track, log, connectionOptions);
    this.mocks = new MockCommands(history, env, track, log, connectionOptions);
    this.har = new HarCommands(history, env, track, log, this.changed);
    const tree = new SessionsTree(history, () => this.recording.recordingPaths(), this.changed);
    const command = (id: string, run: (target?: Target) => unknown) =>
      vscode.commands.registerCommand(id, async (target?: Target) => {
        try {
          await run(target);
        } catch (err) {
          void vscode.window.showErrorMessage((err as Error).message);
        }
      });
    this.disposables.push(
      vscode.window.registerTreeDataProvider('websocketInspector.sessions', tree),
      vscode.window.registerCustomEditorProvider(SESSION_EDITOR_VIEW_TYPE, new SessionEditor(env, track), {
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
      command('websocketInspector.serveSession', (t) => this.mocks.serve(t)),
      command('websocketInspector.stopMockServers', () => this.mocks.stopMocks()),
      command('websocketInspector.importHar', () => this.har.importHarFile()),
      command('websocketInspector.exportSession', (t) => this.har.export(t)),
      this.changed,
      // The limits apply at once, no reload: a lower one prunes the history now.
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration('websocketInspector.history')) return;
        this.history.setLimits(historyLimits());
        const keep = this.recording.livePaths();
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

  /** Records a connection that is about to open in `panel`; the previous recording of the panel ends. */
  record(panel: InspectorPanel, connection: Transport): void {
    this.recording.record(panel, connection);
  }

  /** The recordings in the history, newest first; `recording` as the Sessions view says it. */
  async list(): Promise<Array<HistoryEntry & { recording: boolean }>> {
    const now = new Set(this.recording.recordingPaths());
    return (await this.history.list()).map((e) => ({ ...e, recording: now.has(e.file) }));
  }

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
    const uri = await pickSession(this.history, target, 'Open');
    if (!uri) return undefined;
    const session = await loadShown(uri);
    if (!session) return undefined;
    return this.track(InspectorPanel.openRecording(this.env(), session, labelFor(uri, session), undefined, uri.fsPath));
  }

  /** Replays the recording in a panel, optionally comparing the answers with the recorded ones. */
  replay(target: Target | InspectorPanel, compare: boolean, preset: ReplayPreset = {}): Promise<boolean> {
    return this.replayUi.replay(target, compare, preset);
  }

  private async save(target?: Target): Promise<void> {
    const uri = await pickSession(this.history, target, 'Save');
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
    const uri = await pickSession(this.history, target, 'Delete');
    if (!uri) return;
    await this.history.remove(uri.fsPath);
    this.changed.fire();
  }

  dispose(): void {
    this.mocks.dispose();
    this.recording.dispose();
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
