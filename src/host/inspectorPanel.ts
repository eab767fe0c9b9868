import * as vscode from 'vscode';
import type { ConnectionRecipe } from '../core/protocols';
import type { MessageDecoder } from '../core/decode';
import type { ProtocolSession } from '../core/protocols';
import type { Transport } from '../core/transport';
import type { InspectorActions, PickedFile } from '../core/inspector/actions';
import type { EditorContent } from '../core/inspector/model';
import { InspectorSession } from '../core/inspector/session';
import { maskUrl } from '../core/mask';
import { shortTitle } from '../core/url';
import type { ComposeValues } from '../shared/compose';
import type {
  ConnectionState,
  ConnectionStats,
  PanelSource,
  ProtocolInfo,
  RowSummary,
  ScriptStatus,
} from '../shared/protocol';
import type { InspectorHandle } from './api';
import type { MessageDocuments } from './messageDocuments';
import type { Session } from '../core/sessions/format';
import type { PayloadHost } from './protobufWorkspace';
import { inspectorHtml, webviewRoot } from './webviewHtml';
import { recordingTitle } from './sessions/pick';

/** The view type VS Code uses to restore inspector panels after a reload. */
export const INSPECTOR_VIEW_TYPE = 'websocketInspector.inspector';

/** What every panel needs from the extension, passed as one. */
export interface InspectorEnv {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  documents: MessageDocuments;
  /** A connection is about to open in `panel` (first connect, reconnect): the recorder hooks in here. */
  onConnecting?(panel: InspectorPanel, connection: Transport): void;
  /** The user asked to replay the recording `panel` shows. */
  onReplay?(panel: InspectorPanel): void;
  /** The workspace's Protobuf schema and the payload choice per URL. */
  payloads?: PayloadHost;
}

/** What a restored panel finds of its past: the state its webview kept with `setState`, checked. */
export interface RestoredState {
  url?: string;
  /** The history recording of its last connection. */
  recordedTo?: string;
  /** The recording file it showed, when it showed one. */
  recordingFile?: string;
}

/** Reads the untrusted state a webview saved. */
export function restoredState(state: unknown): RestoredState {
  const s = (typeof state === 'object' && state !== null ? state : {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { url: str(s.url), recordedTo: str(s.recordedTo), recordingFile: str(s.recordingFile) };
}

/**
 * One inspector: a webview panel and the session (connection + store) behind it.
 * Each panel is independent; closing it closes its connection. It does what only VS Code can
 * (dialogs, editors, the clipboard) for the session's view feed.
 */
export class InspectorPanel implements InspectorHandle, InspectorActions {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly session: InspectorSession;
  private opening: Promise<void> = Promise.resolve();
  private readonly disposedEmitter = new vscode.EventEmitter<void>();
  /** Fires once, when the panel closes. */
  readonly onDidDispose = this.disposedEmitter.event;

  private readonly log: vscode.LogOutputChannel;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly env: InspectorEnv,
    options: ConnectionRecipe,
    source?: PanelSource,
  ) {
    const { extensionUri } = env;
    this.log = env.log;
    this.session = new InspectorSession(options, (m) => void this.panel.webview.postMessage(m), source, this);
    const payloads = env.payloads;
    if (payloads) {
      // A `.ws` directive's choice (in the recipe) wins; else the picker's last for the URL, else the setting's.
      const choice = options.payloads ? undefined : payloads.choiceFor(options.url);
      const protocols = this.session.model.protocols;
      protocols.usePayloads({ schema: payloads.schema(), ...(choice ? { choice } : {}) });
      this.disposables.push(payloads.onSchemaChanged(() => protocols.usePayloads({ schema: payloads.schema() })));
    }
    panel.webview.options = { enableScripts: true, localResourceRoots: [webviewRoot(extensionUri)] };
    panel.webview.html = inspectorHtml(panel.webview, extensionUri);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => {
        if (!this.session.receive(raw))
          this.log.warn(
            `Ignored a malformed message from the inspector webview of ${maskUrl(options.url, this.secrets)}.`,
          );
      }),
      toDisposable(
        this.session.onStaleView((sentence) => {
          this.log.warn(sentence);
          panel.webview.html = sentencePage(sentence);
        }),
      ),
      panel.onDidChangeViewState(() => {
        // A hidden webview is torn down (no retainContextWhenHidden); it says `ready` again when shown.
        if (!panel.visible) this.session.viewGone();
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Opens a new panel beside the editor and starts connecting. */
  static open(
    env: InspectorEnv,
    options: ConnectionRecipe,
    source?: PanelSource,
    secrets: string[] = [],
  ): InspectorPanel {
    const inspector = new InspectorPanel(
      InspectorPanel.createPanel(env, shortTitle(options.url)),
      env,
      options,
      source,
    );
    inspector.secrets = secrets;
    void inspector.session.connect().catch(() => undefined);
    return inspector;
  }

  /** Opens a new panel on a connection that is already open (a relayed one), recorded like any other. */
  static adoptOpen(env: InspectorEnv, connection: Transport, title: string, note: string): InspectorPanel {
    const inspector = new InspectorPanel(InspectorPanel.createPanel(env, title), env, {
      url: connection.options.url,
      handshakeTimeout: 10000,
    });
    inspector.adopt(connection, note);
    inspector.connecting(connection, Promise.resolve());
    return inspector;
  }

  /** Shows a recorded session read-only (in `panel`, e.g. a custom editor's, or a new one). */
  static openRecording(
    env: InspectorEnv,
    session: Session,
    label: string,
    panel?: vscode.WebviewPanel,
    file?: string,
  ): InspectorPanel {
    const options: ConnectionRecipe = {
      url: session.header.url,
      handshakeTimeout: 10000,
      headers: session.header.options.headers,
      protocols: session.header.options.protocols,
    };
    const inspector = new InspectorPanel(
      panel ?? InspectorPanel.createPanel(env, recordingTitle(session)),
      env,
      options,
    );
    // A panel VS Code restored keeps the title it had; it gets the short one too.
    inspector.panel.title = recordingTitle(session);
    inspector.recorded = session;
    inspector.session.loadRecording(session, label, file);
    inspector.opening = Promise.reject(new Error('A recording does not connect until it is replayed.'));
    inspector.opening.catch(() => undefined);
    return inspector;
  }

  private static createPanel(env: InspectorEnv, title: string): vscode.WebviewPanel {
    return vscode.window.createWebviewPanel(INSPECTOR_VIEW_TYPE, title, vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [webviewRoot(env.extensionUri)],
    });
  }

  /** Resolved secret values of the request behind this panel: masked in its recordings. */
  secrets: string[] = [];

  /** The recording this panel was opened with, if any. */
  recorded: Session | undefined;

  /** Shows a replay's live connection here, after the recording. */
  adopt(connection: Transport, note: string): void {
    this.session.adopt(connection, note);
  }

  /** Tells the view where this panel's messages are recorded, for a reload to find them. */
  setRecordedTo(file: string | undefined): void {
    this.session.setRecordedTo(file);
  }

  /** Adds an event row. */
  note(kind: 'info' | 'error', text: string): void {
    this.session.note(kind, text);
  }

  /** Takes over a panel VS Code restored after a reload; its connection ended with the old window. */
  static restore(
    panel: vscode.WebviewPanel,
    state: unknown,
    env: InspectorEnv,
    options: (url: string) => ConnectionRecipe,
    recorded?: Session,
    historyEnabled = true,
  ): InspectorPanel | undefined {
    const { url } = restoredState(state);
    if (!url || !/^wss?:\/\//i.test(url)) {
      panel.dispose();
      return undefined;
    }
    const inspector = new InspectorPanel(panel, env, options(url));
    inspector.session.markEndedByReload(recorded, historyEnabled);
    const ended = inspector.state;
    inspector.opening = Promise.reject(
      new Error('message' in ended ? ended.message : 'The connection ended with the window reload.'),
    );
    inspector.opening.catch(() => undefined);
    return inspector;
  }

  get url(): string {
    return this.session.url;
  }

  get state(): ConnectionState {
    return this.session.state;
  }

  get stats(): ConnectionStats {
    return { ...this.session.stats };
  }

  whenOpen(): Promise<void> {
    return this.opening;
  }

  sendText(text: string): Promise<void> {
    return this.session.sendText(text);
  }

  rows(start: number, count: number): RowSummary[] {
    return this.session.model.withDecoded(this.session.store.summaries(start, count));
  }

  get protocol(): ProtocolInfo {
    return this.session.model.protocols.info();
  }

  compose(action: string, values: ComposeValues): Promise<string | undefined> {
    return this.session.feed.composeAction(action, values);
  }

  /** The protocol session on the panel's connection and its decoder, for a `.ws` script run here. */
  get protocolParts(): { session?: ProtocolSession; decoder?: MessageDecoder } {
    const model = this.session.model;
    return { session: model.protocol, decoder: model.decoders.decoders[0] };
  }

  setPayloads(choice: string): void {
    this.session.handle({ type: 'setPayloads', choice });
  }

  setDecoder(choice: string): void {
    this.session.handle({ type: 'setDecoder', choice });
  }

  disconnect(): void {
    this.session.disconnect();
  }

  /** Connects again with new settings (a `.ws` request edited since), keeping the rows so far. */
  reconnectWith(options: ConnectionRecipe, source?: PanelSource): Promise<void> {
    this.session.setOptions(options, source);
    this.panel.title = shortTitle(options.url);
    this.session.reconnect().catch(() => undefined);
    return this.opening;
  }

  /** Fires when the connection changes phase. */
  get onDidChangeState(): (listener: (state: ConnectionState) => void) => vscode.Disposable {
    return this.session.onState;
  }

  /** The connection the panel shows now. */
  get connection(): Transport {
    return this.session.connection;
  }

  /** Shows where a `.ws` script is. */
  setScript(script: ScriptStatus): void {
    this.session.setScript(script);
  }

  /** True until the panel is closed. */
  /** The id of the protocol its connection speaks (for the recording's header), if any. */
  get protocolId(): string | undefined {
    const p = this.session.model.protocols.info();
    return p.speaking ? p.id : undefined;
  }

  get alive(): boolean {
    return this.disposables.length > 0;
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  dispose(): void {
    if (this.disposables.length === 0) return;
    this.session.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
    this.disposedEmitter.fire();
    this.disposedEmitter.dispose();
  }

  /** Asks for the file to send; the view's request has no time bound while this dialog is open. */
  async pickFile(): Promise<PickedFile | undefined> {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Send',
      title: 'Send a file as a binary message',
    });
    const uri = picked?.[0];
    return uri && { read: () => vscode.workspace.fs.readFile(uri) };
  }

  openInEditor(content: EditorContent): void {
    void this.env.documents.open(`${shortTitle(this.url)} ${content.label}`, content.kind, content.payload);
  }

  copy(text: string): void {
    void vscode.env.clipboard.writeText(text);
  }

  replay(): void {
    this.env.onReplay?.(this);
  }

  /** Every connect and reconnect of the session comes here: logged, and handed to the recorder. */
  payloadsChosen(url: string, choice: string): void {
    this.env.payloads?.remember(url, choice);
  }

  connecting(connection: Transport, opening: Promise<void>): void {
    // Logs never show credentials: secret query values and resolved secret variables are masked.
    const url = maskUrl(this.session.url, this.secrets);
    this.log.info(`Connecting to ${url}`);
    this.env.onConnecting?.(this, connection);
    this.opening = opening.then(
      () => this.log.info(`Connected to ${url}`),
      (err: Error) => {
        this.log.warn(`${url}: ${maskUrl(err.message, this.secrets)}`);
        throw err;
      },
    );
    this.opening.catch(() => undefined);
  }
}

/** A core subscription as a VS Code disposable. */
function toDisposable(subscription: { dispose(): void }): vscode.Disposable {
  return new vscode.Disposable(() => subscription.dispose());
}

/** A page that shows one sentence and runs nothing. */
function sentencePage(sentence: string): string {
  const text = sentence.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none';"></head><body><p>${text}</p></body></html>`;
}
