import * as vscode from 'vscode';
import type { Subscription } from '../../core/emitter';
import type { Transport } from '../../core/transport';
import type { SessionHistory } from '../../core/sessions/history';
import type { SessionRecorder } from '../../core/sessions/recorder';
import { maskUrl } from '../../core/mask';
import type { InspectorPanel } from '../inspectorPanel';

/** Records every connection a panel opens into the history, one recorder per panel. */
export class SessionRecording {
  private readonly recorders = new Map<InspectorPanel, SessionRecorder>();
  /** The connection each panel's recorder records, and the watch on its state. */
  private readonly connections = new Map<InspectorPanel, Transport>();
  private readonly watches = new Map<InspectorPanel, Subscription>();

  constructor(
    private readonly history: SessionHistory,
    private readonly log: vscode.LogOutputChannel,
    /** Fired when a recording starts or ends (the Sessions view shows which are live). */
    private readonly changed: vscode.EventEmitter<void>,
  ) {}

  /** The files being written to now (kept when the history is pruned). */
  livePaths(): string[] {
    return [...this.recorders.values()].map((r) => r.path);
  }

  /** The files whose connection is connecting or open: the Sessions view marks these "recording". */
  recordingPaths(): string[] {
    return [...this.recorders]
      .filter(([panel]) => {
        const phase = this.connections.get(panel)?.state.phase;
        return phase === 'open' || phase === 'connecting';
      })
      .map(([, r]) => r.path);
  }

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
      // The protocol spoken (its id), so the recording decodes, replays and mocks with it.
      protocol: panel.protocolId,
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
        this.connections.set(panel, connection);
        // A connection that ends or fails is no longer "recording" in the Sessions view.
        this.watches.set(
          panel,
          connection.onState(() => this.changed.fire()),
        );
        panel.setRecordedTo(created.path);
        panel.onDidDispose(() => void this.stopRecording(panel));
        this.changed.fire();
      })
      .catch((err: Error) => {
        this.log.warn(`Could not record ${maskUrl(connection.options.url, panel.secrets)}: ${err.message}`);
      });
  }

  async stopRecording(panel: InspectorPanel): Promise<void> {
    const recorder = this.recorders.get(panel);
    if (!recorder) return;
    this.recorders.delete(panel);
    this.connections.delete(panel);
    this.watches.get(panel)?.dispose();
    this.watches.delete(panel);
    await recorder.close().catch(() => undefined);
    this.changed.fire();
  }

  /** Ends every recording. */
  dispose(): void {
    for (const panel of [...this.recorders.keys()]) void this.stopRecording(panel);
  }
}
