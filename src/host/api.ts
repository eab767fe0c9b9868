import type { TestOutcome, TestTreeNode } from './wsfile/testExplorer';
import type { ComposeValues } from '../shared/compose';
import type { ConnectionState, ConnectionStats, ProtocolInfo, RowSummary } from '../shared/protocol';

/** One open inspector panel, as the extension's API hands it out (to tests and other extensions). */
export interface InspectorHandle {
  readonly url: string;
  readonly state: ConnectionState;
  readonly stats: ConnectionStats;
  /** Resolves when the connection is open; rejects with the sentence the panel shows when it fails. */
  whenOpen(): Promise<void>;
  /** Sends a text message as the composer would. */
  sendText(text: string): Promise<void>;
  /** Rows `[start, start + count)` of the message list, with the decoder's line, columns and reply links. */
  rows(start: number, count: number): RowSummary[];
  /** The protocol spoken or decoded, and what its composer offers. */
  readonly protocol: ProtocolInfo;
  /** Runs one of the protocol's compose actions as the composer does; resolves with its sentence. */
  compose(action: string, values: ComposeValues): Promise<string | undefined>;
  /** Decodes with another protocol ('raw': none, 'auto': as recognised), as the picker does. */
  setDecoder(choice: string): void;
  /** Reads payloads another way ('msgpack', 'protobuf:pkg.Msg', 'raw', 'auto'), as the Payloads picker does (remembered for the URL). */
  setPayloads(choice: string): void;
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
  /** Starts the relay to `target` on 127.0.0.1 (`port` 0: a free one); resolves with its ws:// address. */
  startRelay(target: string, port?: number): Promise<string>;
  stopRelay(): Promise<void>;
  /** Adds a relay breakpoint, as Relay: Add Breakpoint… does (`direction` 'sent': app → server). */
  relayAddBreakpoint(condition: string, direction?: 'sent' | 'received'): void;
  relayClearBreakpoints(): void;
  /** What relay breakpoints hold now; `relayRelease` forwards (maybe edited) or drops one. */
  relayHeld(): Array<{ key: string; direction: 'sent' | 'received'; preview: string; url: string }>;
  relayRelease(key: string, how: 'forward' | 'drop', payload?: string): boolean;
  /** The echo server's URL while it runs. */
  readonly echoServerUrl: string | undefined;
  /**
   * Opens an inspector panel for `url` and starts connecting; `protocol` as `# @protocol` takes it,
   * `framing` (tcp:// and tls:// only) as `# @framing` does.
   */
  connect(url: string, options?: { protocol?: string; framing?: string }): InspectorHandle;
  /** Every open inspector panel. */
  inspectors(): InspectorHandle[];
  /** The recorded sessions in the history, newest first; `recording` while its connection is open (as the Sessions view marks it). */
  sessions(): Promise<Array<{ file: string; url: string; startedAt: string; messages: number; recording: boolean }>>;
  /** The `.ws` tests as the Test Explorer lists them, and each item's last outcome by id. */
  wsTests(): { tree: TestTreeNode[]; outcomes: Record<string, TestOutcome> };
}
