import type {
  ConnectionHealth,
  ConnectionState,
  ConnectionStats,
  HandshakeInfo,
  ListMode,
  PanelSource,
  RecordingInfo,
  RowDetail,
  RowSummary,
  ScriptStatus,
} from '../../shared/protocol';
import { DETAIL_LIMIT } from '../../shared/protocol';
import { jsonDecoder, type DecodedMessage, type DecoderPipeline } from '../decode';
import { Emitter, type Subscription } from '../emitter';
import type { FilterOptions } from '../filter';
import { FrameStore } from '../frameStore';
import type { Session } from '../sessions/format';
import { recordingDecoding } from '../sessions/protocolPlay';
import { openConnection, type ConnectionRecipe, type ProtocolSession } from '../protocols';
import { ProtocolView, speakingSentence } from './protocolView';
import type { Transport, TransportNote } from '../transport';
import { stateAfterReload } from './reloadState';
import { frameRow, recordingRows, type Row } from './rows';

/**
 * What one inspector knows, without a view: the connection (a new one after each reconnect or a
 * replay's), the store of every row, the counters, and what the rows came from. It posts nothing;
 * the feed listens to its events and tells the view.
 */
export class InspectorModel {
  readonly store = new FrameStore();
  readonly stats: ConnectionStats = {
    total: 0,
    sentMessages: 0,
    receivedMessages: 0,
    sentBytes: 0,
    receivedBytes: 0,
    cleared: 0,
  };
  /** The last `.ws` script run here, if any. */
  script: ScriptStatus | undefined;
  /** Where the live connection is recorded, if it is. */
  recordedTo: string | undefined;
  /** What the list shows: messages and events, or frame headers. */
  listMode: ListMode = 'messages';
  /** The protocol spoken or decoded, its session, the decoders in use and the reply links. */
  readonly protocols = new ProtocolView((index) => {
    const row = this.store.get(index);
    if (!row || row.direction === 'event' || (row.kind !== 'text' && row.kind !== 'binary')) return undefined;
    return { index, time: row.time, direction: row.direction, kind: row.kind, payload: row.payload };
  });
  private sessionNotes: Subscription | undefined;
  /** A loaded recording's protocol: its rows, and a replay's, decode with it (src/core/sessions/protocolPlay.ts). */
  private recordedDecoding: ReturnType<typeof recordingDecoding> = {};
  private conn: Transport;
  private subscriptions: Subscription[] = [];
  private restoredState: ConnectionState | undefined;
  /** The recording this panel shows, when it shows one (read-only until replayed). */
  private recordingInfo: RecordingInfo | undefined;
  /** The one listener to new rows (the feed): called directly, as this is the per-message path. */
  private rowsListener: (() => void) | undefined;
  /** Fires after each new row. */
  onRows(listener: () => void): Subscription {
    this.rowsListener = listener;
    return { dispose: () => (this.rowsListener === listener ? (this.rowsListener = undefined) : undefined) };
  }
  private readonly stateEmitter = new Emitter<ConnectionState>();
  /** Fires when the connection changes phase. */
  readonly onState = this.stateEmitter.event;
  private readonly handshakeEmitter = new Emitter<HandshakeInfo>();
  readonly onHandshake = this.handshakeEmitter.event;
  private readonly healthEmitter = new Emitter<ConnectionHealth>();
  readonly onHealth = this.healthEmitter.event;

  constructor(
    private options: InspectorOptions,
    private panelSource?: PanelSource,
  ) {
    if (options.payloads) this.protocols.usePayloads({ choice: options.payloads });
    this.conn = this.createConnection();
  }

  /** Views of stored messages, made when asked (visible rows, details, filters), cached by row. */
  get decoders(): DecoderPipeline {
    return this.protocols.decoders;
  }

  get url(): string {
    return this.options.url;
  }

  get source(): PanelSource | undefined {
    return this.panelSource;
  }

  /** Uses new connection settings (and source) from the next connect on; the rows so far stay. */
  setOptions(options: InspectorOptions, source?: PanelSource): void {
    this.options = options;
    this.panelSource = source ?? this.panelSource;
  }

  /** The current connection (a new one after each reconnect). */
  get connection(): Transport {
    return this.conn;
  }

  get state(): ConnectionState {
    return this.restoredState ?? this.conn.state;
  }

  get recording(): RecordingInfo | undefined {
    return this.recordingInfo;
  }

  /** Opens the connection; rejects with the sentence the view shows when it fails. */
  connect(): Promise<void> {
    this.restoredState = undefined;
    return this.conn.connect();
  }

  /** Opens a fresh connection to the same URL; the rows so far stay. */
  reconnect(): Promise<void> {
    this.conn.dispose();
    this.conn = this.createConnection();
    this.note('info', `Reconnecting to ${this.url}`);
    return this.connect();
  }

  /** Closes normally; a protocol says goodbye first where it has a way to (Socket.IO's DISCONNECT). */
  disconnect(): void {
    const session = this.protocols.session;
    if (session && this.conn.state.phase === 'open') session.close();
    else this.conn.close(1000, '');
  }

  /** Shows another connection's frames and state here (a replay's), in place of this one's own. */
  adopt(connection: Transport, note: string): void {
    this.protocols.use({ transport: connection, ...this.recordedDecoding }, 'none');
    this.conn.dispose();
    this.restoredState = undefined;
    this.note('info', note);
    this.conn = connection;
    this.watch(connection);
  }

  /** Adds an event row (a replay's summary, a mismatch). */
  note(kind: 'info' | 'error', text: string): void {
    this.append({ time: Date.now(), direction: 'event', kind, payload: Buffer.from(text) });
  }

  /**
   * A panel restored after a reload: the old connection is gone; say so and wait for Reconnect.
   * `recorded` is what the history kept of it, shown again so nothing is lost; with history off
   * nothing was kept, and the state says so.
   */
  markEndedByReload(recorded?: Session, historyEnabled = true): void {
    if (recorded) for (const row of recordingRows(recorded)) this.append(row);
    const kept = recorded
      ? ` Its ${recorded.events.filter((e) => e.type === 'message').length} messages are shown from the recording.`
      : historyEnabled
        ? ''
        : ' Messages were not kept across the reload because history is off (setting websocketInspector.history.enabled); turn it on to keep them next time.';
    this.restoredState = stateAfterReload(this.url, recorded, kept);
  }

  /** Shows a recorded session: every event becomes a row; nothing connects until a replay. */
  loadRecording(session: Session, label: string, file?: string): void {
    this.protocols.use({ transport: this.conn, ...(this.recordedDecoding = recordingDecoding(session)) }, 'none');
    for (const row of recordingRows(session)) this.append(row);
    const start = Date.parse(session.header.startedAt) || 0;
    const messages = session.events.filter((e) => e.type === 'message').length;
    this.recordingInfo = { label, file, startedAt: session.header.startedAt, messages };
    this.restoredState = {
      phase: 'closed',
      url: this.url,
      code: 1000,
      reason: '',
      byClient: true,
      message: `Recorded ${new Date(start).toLocaleString()}: ${messages} messages, read-only. Replay sends the client's messages again.`,
    };
  }

  /** Drops every row from memory, leaving a marker; the message counters keep their totals. */
  clear(): void {
    const dropped = this.store.length;
    this.store.clear();
    // Row numbers start again: the views of the old rows must not answer for the new ones.
    this.protocols.clear();
    this.stats.cleared += dropped;
    this.stats.total = 0;
    this.note('info', `Cleared ${dropped.toLocaleString('en-US')} rows`);
  }

  /** One row's body for the detail pane: text, or the bytes of binary rows, up to DETAIL_LIMIT. */
  detail(index: number): RowDetail | undefined {
    const row = this.store.get(index);
    if (!row) return undefined;
    const truncated = row.payload.length > DETAIL_LIMIT;
    const body = truncated ? row.payload.subarray(0, DETAIL_LIMIT) : row.payload;
    const summary = this.store.summary(index);
    const view = this.decoded(index);
    const decoded = view && {
      decoder: view.decoder,
      label: view.label,
      value: view.value,
      problem: view.problem,
      ...(view.ranges ? { ranges: view.ranges } : {}),
    };
    if (row.kind === 'binary') {
      const others = this.protocols.alternatives(
        { index, direction: row.direction === 'sent' ? 'sent' : 'received', kind: 'binary', payload: row.payload },
        view?.decoder,
      );
      if (others.length) Object.assign(decoded ?? {}, { alternatives: others });
      // A standalone copy: postMessage must not carry the whole 4 MiB chunk behind the view.
      const bytes = body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer;
      return { ...summary, bytes, truncated, ...(decoded ? { decoded } : {}) };
    }
    return { ...summary, text: body.toString('utf8'), truncated, ...(decoded ? { decoded } : {}) };
  }

  /**
   * A decoder's view of the message at row `index`; undefined for events and control frames, when
   * no decoder applies, and for JSON text (the webview reads that itself).
   */
  decoded(index: number): DecodedMessage | undefined {
    const row = this.store.get(index);
    if (!row || row.direction === 'event' || (row.kind !== 'text' && row.kind !== 'binary')) return undefined;
    const view = this.decoders.decode({ index, direction: row.direction, kind: row.kind, payload: row.payload });
    return view && !(view.decoder === 'json' && row.kind === 'text') ? view : undefined;
  }

  /**
   * The value the filter tries a JSON condition on when the bytes are not JSON: only the views of
   * decoders beyond the built-in JSON and UTF-8 ones (the byte scan already reads those).
   */
  filterValue(index: number): unknown {
    // Without a protocol's decoder, text and JSON in binary frames are what the byte scan read already.
    if (!this.protocols.decodesText) {
      const row = this.store.get(index);
      if (row?.kind !== 'binary' || jsonDecoder.sniff({ ...row, index, direction: 'received', kind: 'binary' }))
        return undefined;
    }
    const view = this.decoded(index);
    return view && view.decoder !== 'json' && view.decoder !== 'utf8' ? view.value : undefined;
  }

  /** What the filter needs of the decoders in use: the views, the keepalive test, the quick field reader. */
  filterOptions(hideKeepalives: boolean): FilterOptions {
    return {
      decoded: (r) => this.filterValue(r),
      decodedBinaryOnly: !this.protocols.decodesText,
      keepalive: hideKeepalives ? this.decoders.keepaliveTest() : undefined,
      quickField: this.decoders.quickFieldReader(),
    };
  }

  /** Rows with a decoder's one line: binary rows, and every message once a protocol decoder is in use. */
  withDecoded(rows: RowSummary[]): RowSummary[] {
    const every = this.protocols.decodesText;
    for (const row of rows) {
      if (row.kind !== 'binary' && !(every && row.kind === 'text')) continue;
      const view = this.decoded(row.index);
      if (!view) continue;
      row.decodedLine = view.problem ? `${view.summary} (${view.problem})` : view.summary;
      if (view.columns) row.columns = view.columns;
      if (view.keepalive) row.keepalive = true;
      const replyTo = this.protocols.replyTo(row.index, view);
      if (replyTo) row.replyTo = replyTo;
    }
    return rows;
  }

  /** The detail pane's body of the frame header at list position `position` of the frames list. */
  frameDetail(position: number): RowDetail | undefined {
    const frame = this.conn.frames.get(this.conn.frames.firstKept + position);
    return frame ? { ...frameRow(frame), text: JSON.stringify(frame, null, 2), truncated: false } : undefined;
  }

  /**
   * What "Open in editor" opens for the detail pane's row `index`: the row index is a frame's in
   * the frames list and a message's otherwise, so each is looked up where it lives.
   */
  editorContent(index: number): EditorContent | undefined {
    if (this.listMode === 'frames') {
      const frame = this.conn.frames.get(index);
      return frame
        ? { label: `frame ${index + 1}`, kind: 'text', payload: Buffer.from(JSON.stringify(frame, null, 2)) }
        : undefined;
    }
    const row = this.store.get(index);
    return row ? { label: `#${index + 1}`, kind: row.kind, payload: row.payload } : undefined;
  }

  /** The protocol session on the current connection, when it speaks one. */
  get protocol(): ProtocolSession | undefined {
    return this.protocols.session;
  }

  dispose(): void {
    this.protocols.dispose();
    this.sessionNotes?.dispose();
    for (const s of this.subscriptions) s.dispose();
    this.conn.dispose();
    this.rowsListener = undefined;
    this.stateEmitter.dispose();
    this.handshakeEmitter.dispose();
    this.healthEmitter.dispose();
  }

  private createConnection(): Transport {
    // The rows hear the transport first, so a message comes before the session's answer and notes.
    const opened = openConnection(this.options, (t) => this.watch(t));
    if (opened.problem) this.note('error', opened.problem);
    this.protocols.use(opened, this.options.protocol);
    this.listenToSession();
    if (opened.protocol && opened.session) this.note('info', speakingSentence(opened.protocol, opened.how));
    return opened.transport;
  }

  private listenToSession(): void {
    this.sessionNotes?.dispose();
    this.sessionNotes = this.protocols.session?.onNote((note) => this.noteRow(note));
  }

  /** The connection opened: its subprotocol may name the protocol to speak. */
  private opened(state: ConnectionState, connection: Transport): void {
    const sentence = this.protocols.opened(state, connection);
    if (!sentence) return;
    this.note('info', sentence);
    this.listenToSession();
  }

  private watch(connection: Transport): void {
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [
      connection.onMessage((message) => {
        this.append(message);
        const recognised = this.protocols.heard(message);
        if (recognised) this.note('info', recognised);
      }),
      connection.onNote((note) => this.noteRow(note)),
      connection.onState((state) => {
        this.opened(state, connection);
        this.stateEmitter.fire(state);
      }),
      connection.onHandshake((handshake) => this.handshakeEmitter.fire(handshake)),
      connection.onHealth((health) => this.healthEmitter.fire(health)),
    ];
  }

  /** A transport's or a protocol's sentence as an event row. */
  private noteRow(note: TransportNote): void {
    this.append({ time: note.time, direction: 'event', kind: note.level, payload: Buffer.from(note.text) });
  }

  private append(row: Row): void {
    this.store.append(row.time, row.direction, row.kind, row.payload);
    const s = this.stats;
    s.total++;
    if (row.kind === 'text' || row.kind === 'binary') {
      if (row.direction === 'sent') {
        s.sentMessages++;
        s.sentBytes += row.payload.length;
      } else {
        s.receivedMessages++;
        s.receivedBytes += row.payload.length;
      }
    }
    this.rowsListener?.();
  }
}

/** What "Open in editor" shows: a title's tail, the row's kind and its bytes. */
export interface EditorContent {
  label: string;
  kind: string;
  payload: Buffer;
}

/** How to open an inspector's connection: the transport's options, and the protocol to speak over it. */
export type InspectorOptions = ConnectionRecipe;
