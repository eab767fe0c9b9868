// Over 400 lines until the house split into a model and a view feed: connection, store, ticks, filter scheduling and requests still live here.
import {
  assertNever,
  type ConnectionState,
  type ConnectionStats,
  type Direction,
  type RowKind,
  type FilterQuery,
  type FilterStatus,
  type FrameHeaderRecord,
  type FromWebview,
  type ListMode,
  DETAIL_LIMIT,
  PROTOCOL_VERSION,
  type PanelSource,
  type RecordingInfo,
  type RowDetail,
  type RowSummary,
  type ScriptStatus,
  type Snapshot,
  type ToWebview,
} from '../shared/protocol';
import { closeFramePayload } from './closeCodes';
import { createTransport, type Transport, type TransportOptions } from './transport';
import { Emitter, type Subscription } from './emitter';
import { createFilter, type Filter } from './filter';
import { FrameStore } from './frameStore';
import { eventPayload, type Session } from './sessions/format';
import { decodeBase64, decodeHex } from './wsfile/binary';
import { isSendableCloseCode } from './wsfile/parse';

/** Smallest gap between two batched updates to the webview: 57 a second, leaving room for state changes within ~60. */
export const TICK_INTERVAL_MS = 1000 / 57;

/** Rows shown before the webview says how many fit. */
const DEFAULT_VIEWPORT_ROWS = 60;

/**
 * The host side of one inspector, without VS Code: the connection, the store of every frame,
 * and the batching of updates to the view. The panel only moves messages in and out.
 */
export class InspectorSession {
  readonly store = new FrameStore();
  readonly stats: ConnectionStats = {
    total: 0,
    sentMessages: 0,
    receivedMessages: 0,
    sentBytes: 0,
    receivedBytes: 0,
    cleared: 0,
  };
  private conn: Transport;
  private subscriptions: Subscription[] = [];
  private viewport = { start: 0, count: DEFAULT_VIEWPORT_ROWS, follow: true };
  /** The view has said `ready` and listens; until then nothing is posted. */
  private viewReady = false;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  /** Rows the view had when the last rows were posted. */
  private postedTotal = 0;
  private restoredState: ConnectionState | undefined;
  private disposed = false;
  private filter: Filter | undefined;
  /** True while the filter examines rows; ticks wait for it. */
  private filtering = false;
  private filterError: string | undefined;
  private script: ScriptStatus | undefined;
  private readonly stateEmitter = new Emitter<ConnectionState>();
  /** Fires when the connection changes phase. */
  readonly onState = this.stateEmitter.event;
  private readonly staleViewEmitter = new Emitter<string>();
  /** Fires with a sentence when the view speaks another protocol version (a page of another extension version). */
  readonly onStaleView = this.staleViewEmitter.event;
  /** The recording this panel shows, when it shows one (read-only until replayed). */
  private recordingInfo: RecordingInfo | undefined;
  private recordedTo: string | undefined;
  private listMode: ListMode = 'messages';

  constructor(
    private options: TransportOptions,
    private readonly post: (message: ToWebview) => void,
    private panelSource?: PanelSource,
  ) {
    this.conn = this.createConnection();
  }

  get url(): string {
    return this.options.url;
  }

  get source(): PanelSource | undefined {
    return this.panelSource;
  }

  /** Uses new connection settings (and source) from the next connect on; the rows so far stay. */
  setOptions(options: TransportOptions, source?: PanelSource): void {
    this.options = options;
    this.panelSource = source ?? this.panelSource;
    this.postNow({ type: 'source', url: options.url, source: this.panelSource });
  }

  /** Shows where a `.ws` script is. */
  setScript(script: ScriptStatus): void {
    this.script = script;
    this.flush();
    this.postNow({ type: 'script', script });
  }

  /** The current connection (a new one after each reconnect). */
  get connection(): Transport {
    return this.conn;
  }

  get state(): ConnectionState {
    return this.restoredState ?? this.conn.state;
  }

  /** Opens the connection; rejects with the sentence the view shows when it fails. */
  connect(): Promise<void> {
    this.restoredState = undefined;
    return this.conn.connect();
  }

  /**
   * A panel restored after a reload: the old connection is gone; say so and wait for Reconnect.
   * `recorded` is what the history kept of it, shown again so nothing is lost; with history off
   * nothing was kept, and the panel says so.
   */
  markEndedByReload(recorded?: Session, historyEnabled = true): void {
    if (recorded) this.loadEvents(recorded);
    const kept = recorded
      ? ` Its ${recorded.events.filter((e) => e.type === 'message').length} messages are shown from the recording.`
      : historyEnabled
        ? ''
        : ' Messages were not kept across the reload because history is off (setting websocketInspector.history.enabled); turn it on to keep them next time.';
    this.restoredState = {
      phase: 'closed',
      url: this.url,
      code: 1001,
      reason: '',
      byClient: true,
      message: `The connection ended with the window reload.${kept} Reconnect to open it again.`,
    };
    this.postNow({ type: 'snapshot', snapshot: this.snapshot() });
  }

  /** Tells the view where this panel's messages are recorded (it keeps that across reloads). */
  setRecordedTo(file: string | undefined): void {
    this.recordedTo = file;
    this.postNow({ type: 'recordedTo', file });
  }

  /** Sends text as the composer does. */
  sendText(text: string): Promise<void> {
    return this.conn.sendText(text);
  }

  disconnect(): void {
    this.conn.close(1000, '');
  }

  /** Opens a fresh connection to the same URL; the rows so far stay. */
  reconnect(): Promise<void> {
    this.conn.dispose();
    this.conn = this.createConnection();
    this.append({
      time: Date.now(),
      direction: 'event',
      kind: 'info',
      payload: Buffer.from(`Reconnecting to ${this.url}`),
    });
    return this.connect();
  }

  /** The view went away (hidden or reloading): stop posting until it says `ready` again. */
  viewGone(): void {
    this.viewReady = false;
  }

  /** Handles a validated message from the view. */
  handle(message: FromWebview): void {
    switch (message.type) {
      case 'ready':
        if (message.protocolVersion !== PROTOCOL_VERSION) {
          // Its messages may have other shapes: no snapshot for it, say what to do instead (the panel
          // replaces the page). Requests already under way are still answered, each exactly once.
          this.staleViewEmitter.fire(
            `The inspector page is from another version of the extension (its protocol is version ${message.protocolVersion}, this extension speaks version ${PROTOCOL_VERSION}); reload the window (Developer: Reload Window) to get a matching page.`,
          );
          return;
        }
        this.viewReady = true;
        this.postNow({ type: 'snapshot', snapshot: this.snapshot() });
        return;
      case 'viewport':
        this.viewport = { start: message.start, count: message.count, follow: message.follow };
        // The rows go with the next batched update, so scrolling never exceeds ~60 posts a second.
        this.postedTotal = 0;
        this.dirty = true;
        this.scheduleTick();
        return;
      case 'sendText':
        this.answer(message.id, this.conn.sendText(message.text));
        return;
      case 'sendBinary': {
        const decoded = message.encoding === 'hex' ? decodeHex(message.data) : decodeBase64(message.data);
        if (!decoded.ok) {
          this.postNow({ type: 'response', id: message.id, ok: false, error: decoded.error.message });
          return;
        }
        this.answer(message.id, this.conn.sendBinary(decoded.bytes));
        return;
      }
      case 'clear':
        this.clear();
        return;
      case 'setFilter':
        this.setFilter(message.query);
        return;
      case 'getDetail': {
        if (this.listMode === 'frames') {
          const frame = this.conn.frames.get(this.conn.frames.firstKept + message.position);
          this.postNow(
            frame
              ? {
                  type: 'response',
                  id: message.id,
                  ok: true,
                  result: { ...frameRow(frame), text: JSON.stringify(frame, null, 2), truncated: false },
                }
              : { type: 'response', id: message.id, ok: false, error: 'That frame is no longer kept.' },
          );
          return;
        }
        const index = this.filter ? this.filter.matches.indexes[message.position] : message.position;
        const detail = index === undefined ? undefined : this.detail(index);
        this.postNow(
          detail
            ? { type: 'response', id: message.id, ok: true, result: detail }
            : {
                type: 'response',
                id: message.id,
                ok: false,
                error: 'That message is no longer stored (it was cleared).',
              },
        );
        return;
      }
      case 'disconnect':
        this.disconnect();
        return;
      case 'reconnect':
        this.reconnect().catch(() => undefined);
        return;
      case 'ping':
        this.answer(
          message.id,
          this.conn.ping?.(message.payload) ?? Promise.reject(new Error('This kind of connection has no ping.')),
        );
        return;
      case 'closeWith':
        if (!isSendableCloseCode(message.code)) {
          this.postNow({
            type: 'response',
            id: message.id,
            ok: false,
            error: `${message.code} cannot be sent in a close frame. Use 1000 (normal), 1001-1003, 1007-1014, or an application code from 3000 to 4999.`,
          });
          return;
        }
        this.conn.close(message.code, message.reason);
        this.postNow({ type: 'response', id: message.id, ok: true });
        return;
      case 'setListMode':
        this.listMode = message.mode;
        this.postedTotal = 0;
        this.postNow({ type: 'snapshot', snapshot: this.snapshot() });
        return;
      case 'sendFile':
      case 'replay':
      case 'openInEditor':
      case 'copy':
        return; // Files, editors and the clipboard belong to the host around this session.
      default:
        assertNever(message);
    }
  }

  /** Shows only the rows that match `query` (null or an empty query: all rows). */
  setFilter(query: FilterQuery | null): void {
    this.filter?.dispose();
    this.filter = undefined;
    this.filterError = undefined;
    const empty = !query || (!query.text && !query.json?.trim() && !query.directions?.length && !query.kinds?.length);
    if (!empty) {
      try {
        this.filter = createFilter(query);
      } catch (err) {
        this.filterError = (err as Error).message;
      }
    }
    this.postedTotal = 0;
    this.dirty = true;
    this.flush();
  }

  /** Rows the list has: frame headers in frames mode, the matches while a filter is on, else every row. */
  get listLength(): number {
    if (this.listMode === 'frames') return this.conn.frames.length - this.conn.frames.firstKept;
    return this.filter ? this.filter.count : this.filterError ? 0 : this.store.length;
  }

  /** Drops every row from memory and view, leaving a marker; the message counters keep their totals. */
  clear(): void {
    const dropped = this.store.length;
    this.store.clear();
    this.stats.cleared += dropped;
    this.stats.total = 0;
    this.postedTotal = 0;
    this.append({
      time: Date.now(),
      direction: 'event',
      kind: 'info',
      payload: Buffer.from(`Cleared ${dropped.toLocaleString('en-US')} rows`),
    });
    this.flush();
    this.postNow({ type: 'snapshot', snapshot: this.snapshot() });
  }

  /**
   * What "Open in editor" opens for the detail pane's row `index`: the row index is a frame's in
   * the frames list and a message's otherwise, so each is looked up where it lives.
   */
  editorContent(index: number): { label: string; kind: string; payload: Buffer } | undefined {
    if (this.listMode === 'frames') {
      const frame = this.conn.frames.get(index);
      return frame
        ? { label: `frame ${index + 1}`, kind: 'text', payload: Buffer.from(JSON.stringify(frame, null, 2)) }
        : undefined;
    }
    const row = this.store.get(index);
    return row ? { label: `#${index + 1}`, kind: row.kind, payload: row.payload } : undefined;
  }

  /**
   * Replies to request `id` whose work starts with a dialog: the view is told the user has the
   * turn while `dialog` is open (its request then has no time bound), then the work's bound runs.
   */
  answerAfterDialog<T>(id: number, dialog: () => PromiseLike<T>, work: (picked: T) => Promise<unknown>): void {
    this.postNow({ type: 'requestProgress', id, waitingForUser: true });
    const done = Promise.resolve()
      .then(dialog)
      .finally(() => this.postNow({ type: 'requestProgress', id, waitingForUser: false }))
      .then(work);
    this.answer(id, done);
  }

  /** Replies to request `id` when `work` settles: exactly one response, its result or a sentence. */
  answer(id: number, work: Promise<unknown>): void {
    work.then(
      (result) => this.postNow({ type: 'response', id, ok: true, result }),
      (err: Error) => this.postNow({ type: 'response', id, ok: false, error: err.message }),
    );
  }

  /** One row's body for the detail pane: text, or the bytes of binary rows, up to DETAIL_LIMIT. */
  detail(index: number): RowDetail | undefined {
    const row = this.store.get(index);
    if (!row) return undefined;
    const truncated = row.payload.length > DETAIL_LIMIT;
    const body = truncated ? row.payload.subarray(0, DETAIL_LIMIT) : row.payload;
    const summary = this.store.summary(index);
    if (row.kind === 'binary') {
      // A standalone copy: postMessage must not carry the whole 4 MiB chunk behind the view.
      const bytes = body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer;
      return { ...summary, bytes, truncated };
    }
    return { ...summary, text: body.toString('utf8'), truncated };
  }

  /** Everything the view needs to draw itself from nothing. */
  snapshot(): Snapshot {
    const { rows, rowsStart } = this.viewportRows();
    return {
      url: this.url,
      state: this.state,
      stats: { ...this.stats },
      source: this.panelSource,
      rows,
      rowsStart,
      filter: this.filterStatus(),
      script: this.script,
      recording: this.recordingInfo,
      recordedTo: this.recordedTo,
      listMode: this.listMode,
      handshake: this.conn.handshake,
      wire: this.conn.frames.stats,
      health: this.conn.health,
    };
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const s of this.subscriptions) s.dispose();
    this.conn.dispose();
    this.filter?.dispose();
    this.stateEmitter.dispose();
    this.staleViewEmitter.dispose();
  }

  /** Shows a recorded session: every event becomes a row; nothing connects until a replay. */
  loadRecording(session: Session, label: string, file?: string): void {
    this.loadEvents(session);
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
    this.postNow({ type: 'snapshot', snapshot: this.snapshot() });
  }

  /** Every event of a recording becomes a row. */
  private loadEvents(session: Session): void {
    const start = Date.parse(session.header.startedAt) || 0;
    for (const event of session.events) {
      const time = start + event.t;
      switch (event.type) {
        case 'message':
        case 'ping':
        case 'pong':
          this.append({
            time,
            direction: event.dir,
            kind: event.type === 'message' ? event.kind : event.type,
            payload: eventPayload(event),
          });
          break;
        case 'open':
          this.append({
            time,
            direction: 'event',
            kind: 'open',
            payload: Buffer.from(`Connected${event.protocol ? ` (subprotocol ${event.protocol})` : ''}`),
          });
          break;
        case 'close':
          this.append({
            time,
            direction: event.byClient ? 'sent' : 'received',
            kind: 'close',
            payload: closeFramePayload(event.code, event.reason ?? ''),
          });
          break;
        case 'error':
          this.append({ time, direction: 'event', kind: 'error', payload: Buffer.from(event.message) });
          break;
        default:
          this.append({
            time,
            direction: 'event',
            kind: 'info',
            payload: Buffer.from(event.type === 'note' ? event.text : 'Reconnected'),
          });
      }
    }
  }

  get recording(): RecordingInfo | undefined {
    return this.recordingInfo;
  }

  /** Shows another connection's frames and state here (a replay's), in place of this session's own. */
  adopt(connection: Transport, note: string): void {
    this.conn.dispose();
    this.restoredState = undefined;
    this.append({ time: Date.now(), direction: 'event', kind: 'info', payload: Buffer.from(note) });
    this.conn = connection;
    this.watch(connection);
  }

  /** Adds an event row (a replay's summary, a mismatch). */
  note(kind: 'info' | 'error', text: string): void {
    this.append({ time: Date.now(), direction: 'event', kind, payload: Buffer.from(text) });
  }

  private createConnection(): Transport {
    const connection = createTransport(this.options);
    this.watch(connection);
    return connection;
  }

  private watch(connection: Transport): void {
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [
      connection.onMessage((message) => this.append(message)),
      connection.onNote((note) =>
        this.append({ time: note.time, direction: 'event', kind: note.level, payload: Buffer.from(note.text) }),
      ),
      connection.onState((state) => {
        this.flush();
        this.postNow({ type: 'state', state });
        this.stateEmitter.fire(state);
      }),
      connection.onHandshake((handshake) => this.postNow({ type: 'handshake', handshake })),
      connection.onHealth((health) => this.postNow({ type: 'health', health })),
    ];
  }

  private append(frame: Row): void {
    this.store.append(frame.time, frame.direction, frame.kind, frame.payload);
    const s = this.stats;
    s.total++;
    if (frame.kind === 'text' || frame.kind === 'binary') {
      if (frame.direction === 'sent') {
        s.sentMessages++;
        s.sentBytes += frame.payload.length;
      } else {
        s.receivedMessages++;
        s.receivedBytes += frame.payload.length;
      }
    }
    this.scheduleTick();
  }

  private scheduleTick(): void {
    this.dirty = true;
    if (this.timer || this.disposed) return;
    const wait = Math.max(0, this.lastTick + TICK_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  /** Posts the pending batch now, if there is one; with a filter on, after it caught up. */
  private flush(): void {
    if (!this.dirty || !this.viewReady || this.filtering) return;
    this.dirty = false;
    const filter = this.filter;
    if (!filter) return this.postTick();
    this.filtering = true;
    if (filter.examined === 0) this.postTick(); // Say "running" at once for a new filter.
    filter
      .update(this.store)
      .then(
        () => undefined,
        (err: Error) => {
          if (filter === this.filter) this.filterError = err.message;
        },
      )
      .finally(() => {
        this.filtering = false;
        if (filter !== this.filter) return;
        this.postTick();
        if (this.dirty) this.scheduleTick();
      });
  }

  private postTick(): void {
    this.lastTick = Date.now();
    const length = this.listLength;
    const { start, count, follow } = this.viewport;
    // Rows go along only when the visible window shows something new.
    const window = follow || start + count > this.postedTotal ? this.viewportRows() : undefined;
    if (window) this.postedTotal = length;
    const frames = this.listMode === 'frames' ? length : undefined;
    this.postNow({
      type: 'tick',
      stats: { ...this.stats },
      rows: window?.rows,
      rowsStart: window?.rowsStart,
      filter: this.filterStatus(),
      frames,
      wire: this.conn.frames.stats,
    });
  }

  private filterStatus(): FilterStatus | undefined {
    if (this.filterError) return { matched: 0, running: false, error: this.filterError };
    if (!this.filter) return undefined;
    return { matched: this.filter.count, running: this.filtering };
  }

  /** The viewport's rows: store rows, or matched rows while a filter is on. */
  private viewportRows(): { rows: RowSummary[]; rowsStart: number } {
    const { start, count, follow } = this.viewport;
    const length = this.listLength;
    const from = Math.max(0, follow ? length - count : Math.min(start, length));
    if (this.listMode === 'frames') {
      const log = this.conn.frames;
      return { rows: log.slice(log.firstKept + from, count).map(frameRow), rowsStart: from };
    }
    if (!this.filter) return { rows: this.store.summaries(from, count), rowsStart: from };
    const indexes = this.filter.matches.indexes.subarray(from, from + count);
    return { rows: Array.from(indexes, (i) => this.store.summary(i)), rowsStart: from };
  }

  private postNow(message: ToWebview): void {
    if (this.viewReady && !this.disposed) this.post(message);
  }
}

const FRAME_KINDS: Record<number, RowSummary['kind']> = {
  0: 'text',
  1: 'text',
  2: 'binary',
  8: 'close',
  9: 'ping',
  10: 'pong',
};

/** A frame header as a list row: the opcode, its flags and its sizes. */
function frameRow(frame: FrameHeaderRecord): RowSummary {
  const flags = [
    frame.fin ? 'FIN' : 'no FIN',
    frame.rsv1 && 'RSV1',
    frame.rsv2 && 'RSV2',
    frame.rsv3 && 'RSV3',
    frame.masked && 'masked',
  ]
    .filter(Boolean)
    .join(' ');
  return {
    index: frame.index,
    time: frame.time,
    direction: frame.direction,
    kind: FRAME_KINDS[frame.opcode] ?? 'info',
    size: frame.payloadLength,
    preview: `${frame.opcodeName} · ${flags} · header ${frame.headerLength} B + payload ${frame.payloadLength} B`,
  };
}

/** One row of the list as the store keeps it. */
interface Row {
  time: number;
  direction: Direction;
  kind: RowKind;
  payload: Buffer;
}
