import type {
  ConnectionState,
  ConnectionStats,
  FromWebview,
  PanelSource,
  RecordingInfo,
  ScriptStatus,
  ToWebview,
} from '../../shared/protocol';
import type { Session } from '../sessions/format';
import type { ConnectionRecipe } from '../protocols';
import type { Transport } from '../transport';
import { parseFromWebview } from '../webviewMessages';
import { NO_ACTIONS, type InspectorActions } from './actions';
import { InspectorFeed } from './feed';
import { InspectorModel, type EditorContent } from './model';

/**
 * The host side of one inspector, without VS Code: a model (connection, store, rows) and the feed
 * that shows it to a view. The panel passes every message from its webview to `receive`.
 */
export class InspectorSession {
  readonly model: InspectorModel;
  readonly feed: InspectorFeed;

  constructor(
    options: ConnectionRecipe,
    post: (message: ToWebview) => void,
    source?: PanelSource,
    actions: InspectorActions = NO_ACTIONS,
  ) {
    this.model = new InspectorModel(options, source);
    this.feed = new InspectorFeed(this.model, post, actions);
  }

  /**
   * Takes an untrusted message from the webview: checks its shape and routes it. False when it
   * was malformed and ignored.
   */
  receive(raw: unknown): boolean {
    const message = parseFromWebview(raw);
    if (!message) return false;
    this.feed.handle(message);
    return true;
  }

  /** Routes a message already checked. */
  handle(message: FromWebview): void {
    this.feed.handle(message);
  }

  get store(): InspectorModel['store'] {
    return this.model.store;
  }

  get stats(): ConnectionStats {
    return this.model.stats;
  }

  get url(): string {
    return this.model.url;
  }

  get source(): PanelSource | undefined {
    return this.model.source;
  }

  get state(): ConnectionState {
    return this.model.state;
  }

  /** The current connection (a new one after each reconnect). */
  get connection(): Transport {
    return this.model.connection;
  }

  get recording(): RecordingInfo | undefined {
    return this.model.recording;
  }

  /** Fires when the connection changes phase. */
  get onState(): InspectorModel['onState'] {
    return this.model.onState;
  }

  /** Fires with a sentence when the view speaks another protocol version. */
  get onStaleView(): InspectorFeed['onStaleView'] {
    return this.feed.onStaleView;
  }

  /** Rows the list shows now. */
  get listLength(): number {
    return this.feed.listLength;
  }

  /** Opens the connection (the host hears of it); rejects with the sentence the view shows when it fails. */
  connect(): Promise<void> {
    return this.feed.connect();
  }

  /** Opens a fresh connection to the same URL (the host hears of it); the rows so far stay. */
  reconnect(): Promise<void> {
    return this.feed.reconnect();
  }

  disconnect(): void {
    this.model.disconnect();
  }

  /** Sends text as the composer does. */
  sendText(text: string): Promise<void> {
    return this.model.connection.sendText(text);
  }

  /** Uses new connection settings (and source) from the next connect on; the rows so far stay. */
  setOptions(options: ConnectionRecipe, source?: PanelSource): void {
    this.model.setOptions(options, source);
    this.feed.postAfterRows({ type: 'source', url: options.url, source: this.model.source });
  }

  /** Shows where a `.ws` script is. */
  setScript(script: ScriptStatus): void {
    this.model.script = script;
    this.feed.postAfterRows({ type: 'script', script });
  }

  /** Tells the view where this panel's messages are recorded (it keeps that across reloads). */
  setRecordedTo(file: string | undefined): void {
    this.model.recordedTo = file;
    this.feed.postAfterRows({ type: 'recordedTo', file });
  }

  /** A panel restored after a reload: see InspectorModel.markEndedByReload. */
  markEndedByReload(recorded?: Session, historyEnabled = true): void {
    this.model.markEndedByReload(recorded, historyEnabled);
    this.feed.refresh();
  }

  /** Shows a recorded session: every event becomes a row; nothing connects until a replay. */
  loadRecording(session: Session, label: string, file?: string): void {
    this.model.loadRecording(session, label, file);
    this.feed.refresh();
  }

  /** Shows another connection's frames and state here (a replay's), in place of this session's own. */
  adopt(connection: Transport, note: string): void {
    this.model.adopt(connection, note);
  }

  /** Adds an event row (a replay's summary, a mismatch). */
  note(kind: 'info' | 'error', text: string): void {
    this.model.note(kind, text);
  }

  clear(): void {
    this.feed.clear();
  }

  /** What "Open in editor" opens for row `index` of the detail pane. */
  editorContent(index: number): EditorContent | undefined {
    return this.model.editorContent(index);
  }

  /** Replies to request `id` whose work starts with a dialog (see Replies.answerAfterDialog). */
  answerAfterDialog<T>(id: number, dialog: () => PromiseLike<T>, work: (picked: T) => Promise<unknown>): void {
    this.feed.replies.answerAfterDialog(id, dialog, work);
  }

  /** The view went away (hidden or reloading): stop posting until it says `ready` again. */
  viewGone(): void {
    this.feed.viewGone();
  }

  dispose(): void {
    this.feed.dispose();
    this.model.dispose();
  }
}
