import type { ConnectionState, ConnectionStats, RowSummary } from '../shared/protocol';

/** One open inspector panel, as the extension's API hands it out (to tests and other extensions). */
export interface InspectorHandle {
  readonly url: string;
  readonly state: ConnectionState;
  readonly stats: ConnectionStats;
  /** Resolves when the connection is open; rejects with the sentence the panel shows when it fails. */
  whenOpen(): Promise<void>;
  /** Sends a text message as the composer would. */
  sendText(text: string): Promise<void>;
  /** Rows `[start, start + count)` of the message list. */
  rows(start: number, count: number): RowSummary[];
  /** Closes the connection normally (the panel stays). */
  disconnect(): void;
  /** Closes the panel and its connection. */
  dispose(): void;
}

/** What `activate()` returns: `vscode.extensions.getExtension(id).exports`. */
export interface WebSocketInspectorApi {
  /** Starts the local echo server (or returns the running one's URL). */
  startEchoServer(): Promise<string>;
  stopEchoServer(): Promise<void>;
  /** The echo server's URL while it runs. */
  readonly echoServerUrl: string | undefined;
  /** Opens an inspector panel for `url` and starts connecting. */
  connect(url: string): InspectorHandle;
  /** Every open inspector panel. */
  inspectors(): InspectorHandle[];
  /** The recorded sessions in the history, newest first. */
  sessions(): Promise<Array<{ file: string; url: string; startedAt: string; messages: number }>>;
}
