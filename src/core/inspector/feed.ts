// Over 400 lines: the one dispatcher of webview messages (a case per message type) with the view feed it drives; splitting the switch would scatter the routing.
import {
  assertNever,
  type FilterQuery,
  type FilterStatus,
  type FromWebview,
  PROTOCOL_VERSION,
  type RowSummary,
  type Snapshot,
  type ToWebview,
} from '../../shared/protocol';
import type { ComposeValues } from '../../shared/compose';
import { Emitter, type Subscription } from '../emitter';
import { createFilter, type Filter } from '../filter';
import { RegexRunner } from '../regexWorker';
import { decodeBase64, decodeHex } from '../wsfile/binary';
import { isSendableCloseCode } from '../wsfile/parse';
import { checkPayloadChoice } from '../decode';
import type { InspectorActions } from './actions';
import type { InspectorModel } from './model';
import { Replies } from './replies';
import { frameRow } from './rows';
import { firstAtOrAfter, rowAtTime, Timeline } from './timeline';

/** Smallest gap between two batched updates to the webview: 57 a second, leaving room for state changes within ~60. */
export const TICK_INTERVAL_MS = 1000 / 57;

/** Rows shown before the webview says how many fit. */
const DEFAULT_VIEWPORT_ROWS = 60;

/**
 * What the view sees of a model: the rows of its viewport, batched into ticks, the filter that
 * picks them, and the answers to its requests. Every message from the view goes through `handle`.
 */
export class InspectorFeed {
  private viewport = { start: 0, count: DEFAULT_VIEWPORT_ROWS, follow: true };
  /** The view has said `ready` and listens; until then nothing is posted. */
  private viewReady = false;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  /** Rows the view had when the last rows were posted. */
  private postedTotal = 0;
  private disposed = false;
  private filter: Filter | undefined;
  /** One long-lived regex worker for every filter of this view (a new one only after one had to be ended). */
  private readonly regex = new RegexRunner();
  /** The view's last query, applied again when the protocol's decoder changes. */
  private query: FilterQuery | null = null;
  /** True while the filter examines rows; ticks wait for it. */
  private filtering = false;
  private filterError: string | undefined;
  private readonly subscriptions: Subscription[];
  /** Answers to the view's requests. */
  readonly replies = new Replies((message) => this.postNow(message));
  /** The Stats tab's counts, read from the store when the tab asks. */
  private readonly timeline = new Timeline();
  private lastPongAt: number | undefined;
  private readonly staleViewEmitter = new Emitter<string>();
  /** Fires with a sentence when the view speaks another protocol version (a page of another extension version). */
  readonly onStaleView = this.staleViewEmitter.event;

  constructor(
    private readonly model: InspectorModel,
    private readonly post: (message: ToWebview) => void,
    private readonly actions: InspectorActions,
  ) {
    this.subscriptions = [
      model.onRows(() => this.scheduleTick()),
      model.onState((state) => {
        this.flush();
        this.postNow({ type: 'state', state });
      }),
      model.onHandshake((handshake) => this.postNow({ type: 'handshake', handshake })),
      model.onHealth((health) => {
        if (
          health.lastRttMs !== undefined &&
          health.lastPongAt !== undefined &&
          health.lastPongAt !== this.lastPongAt
        ) {
          this.lastPongAt = health.lastPongAt;
          this.timeline.addRtt(health.lastPongAt, health.lastRttMs);
        }
        this.postNow({ type: 'health', health });
      }),
      model.protocols.onChanged((protocol) => {
        this.postAfterRows({ type: 'protocol', protocol });
        // Views and keepalives are the new decoder's now.
        if (this.query) this.setFilter(this.query);
        else this.refresh();
      }),
    ];
  }

  /** Handles a validated message from the view: the one place each kind of message is routed. */
  handle(message: FromWebview): void {
    const { model } = this;
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
        this.refresh();
        return;
      case 'viewport':
        this.viewport = { start: message.start, count: message.count, follow: message.follow };
        // The rows go with the next batched update, so scrolling never exceeds ~60 posts a second.
        this.postedTotal = 0;
        this.scheduleTick();
        return;
      case 'sendText':
        this.replies.answer(message.id, model.connection.sendText(message.text));
        return;
      case 'sendBinary': {
        const decoded = message.encoding === 'hex' ? decodeHex(message.data) : decodeBase64(message.data);
        if (!decoded.ok) {
          this.replies.fail(message.id, decoded.error.message);
          return;
        }
        this.replies.answer(message.id, model.connection.sendBinary(decoded.bytes));
        return;
      }
      case 'sendEncoded': {
        let bytes: Buffer;
        try {
          bytes = model.protocols.encode(message.encoder, message.text);
        } catch (e) {
          this.replies.fail(message.id, `${(e as Error).message} Nothing was sent.`);
          return;
        }
        const size = bytes.length;
        this.replies.answer(
          message.id,
          message.dryRun ? Promise.resolve(size) : model.connection.sendBinary(bytes).then(() => size),
        );
        return;
      }
      case 'sendFile':
        this.replies.answerAfterDialog(
          message.id,
          () => this.actions.pickFile(),
          async (picked) => {
            if (!picked) throw new Error('No file was chosen; nothing was sent.');
            const bytes = await picked.read();
            await model.connection.sendBinary(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
          },
        );
        return;
      case 'clear':
        this.clear();
        return;
      case 'setFilter':
        this.setFilter(message.query);
        return;
      case 'getDetail':
        this.postDetail(message.id, message.position);
        return;
      case 'openInEditor': {
        const content = model.editorContent(message.index);
        if (content) this.actions.openInEditor(content);
        return;
      }
      case 'copy':
        this.actions.copy(message.text);
        return;
      case 'disconnect':
        model.disconnect();
        return;
      case 'reconnect':
        this.reconnect().catch(() => undefined); // The view hears of a failure from the state.
        return;
      case 'replay':
        this.actions.replay();
        return;
      case 'ping':
        this.replies.answer(
          message.id,
          model.connection.ping?.(message.payload) ?? Promise.reject(new Error('This kind of connection has no ping.')),
        );
        return;
      case 'closeWith':
        if (!isSendableCloseCode(message.code)) {
          this.replies.fail(
            message.id,
            `${message.code} cannot be sent in a close frame. Use 1000 (normal), 1001-1003, 1007-1014, or an application code from 3000 to 4999.`,
          );
          return;
        }
        model.connection.close(message.code, message.reason);
        this.postNow({ type: 'response', id: message.id, ok: true });
        return;
      case 'compose':
        this.replies.answer(message.id, this.composeAction(message.action, message.values));
        return;
      case 'setDecoder':
        model.protocols.choose(message.choice);
        return;
      case 'setPayloads':
        if (checkPayloadChoice(message.choice)) return;
        model.protocols.usePayloads({ choice: message.choice });
        this.actions.payloadsChosen?.(model.url, message.choice);
        return;
      case 'getStats':
        this.timeline.update(model.store.columns());
        this.postNow({ type: 'response', id: message.id, ok: true, result: this.timeline.snapshot() });
        return;
      case 'revealTime': {
        const columns = model.store.columns();
        const row = rowAtTime(columns.times, columns.length, message.time);
        const position = this.filter ? firstAtOrAfter(this.filter.matches.indexes, this.filter.count, row) : row;
        const count = this.filter ? this.filter.count : columns.length;
        this.postNow({ type: 'response', id: message.id, ok: true, result: position < count ? position : null });
        return;
      }
      case 'setListMode':
        model.listMode = message.mode;
        this.postedTotal = 0;
        this.refresh();
        return;
      default:
        assertNever(message);
    }
  }

  /** Runs a protocol compose action; its sentence (an ack's latency) also goes in the list. */
  async composeAction(action: string, values: ComposeValues): Promise<string | undefined> {
    try {
      const sentence = await this.model.protocols.compose(action, values);
      if (sentence) this.model.note('info', sentence);
      return sentence;
    } catch (err) {
      this.model.note('error', (err as Error).message);
      throw err;
    }
  }

  /** Opens the model's connection, telling the host (its recorder) first. */
  connect(): Promise<void> {
    const opening = this.model.connect();
    this.actions.connecting(this.model.connection, opening);
    return opening;
  }

  /** Opens a fresh connection to the same URL, telling the host (its recorder) first; the rows so far stay. */
  reconnect(): Promise<void> {
    const opening = this.model.reconnect();
    this.actions.connecting(this.model.connection, opening);
    return opening;
  }

  /** The view went away (hidden or reloading): stop posting until it says `ready` again. */
  viewGone(): void {
    this.viewReady = false;
  }

  /** Shows only the rows that match `query` (null or an empty query: all rows). */
  setFilter(query: FilterQuery | null): void {
    this.query = query;
    this.filter?.dispose();
    this.filter = undefined;
    this.filterError = undefined;
    const options = this.model.filterOptions(query?.hideKeepalives === true);
    const empty =
      !query ||
      (!query.text && !query.json?.trim() && !query.directions?.length && !query.kinds?.length && !options.keepalive);
    if (!empty) {
      try {
        this.filter = createFilter(query, { ...options, regexRunner: this.regex });
      } catch (err) {
        this.filterError = (err as Error).message;
      }
    }
    this.postedTotal = 0;
    this.dirty = true;
    this.flush();
  }

  /** Drops every row from memory and view, leaving a marker. */
  clear(): void {
    this.model.clear();
    this.postedTotal = 0;
    this.flush();
    this.refresh();
  }

  /** Rows the list has: frame headers in frames mode, the matches while a filter is on, else every row. */
  get listLength(): number {
    const { model } = this;
    if (model.listMode === 'frames') return model.connection.frames.length - model.connection.frames.firstKept;
    return this.filter ? this.filter.count : this.filterError ? 0 : model.store.length;
  }

  /** Posts what the view needs to draw itself from nothing. */
  refresh(): void {
    this.postNow({ type: 'snapshot', snapshot: this.snapshot() });
  }

  /** Posts the pending batch first, then `message` (so the view sees rows before what follows them). */
  postAfterRows(message: ToWebview): void {
    this.flush();
    this.postNow(message);
  }

  /** Everything the view needs to draw itself from nothing. */
  snapshot(): Snapshot {
    const { model } = this;
    const { rows, rowsStart } = this.viewportRows();
    return {
      url: model.url,
      state: model.state,
      stats: { ...model.stats },
      source: model.source,
      rows,
      rowsStart,
      length: this.listLength,
      filter: this.filterStatus(),
      script: model.script,
      recording: model.recording,
      recordedTo: model.recordedTo,
      listMode: model.listMode,
      protocol: model.protocols.info(),
      handshake: model.connection.handshake,
      wire: model.connection.frames.stats,
      health: model.connection.health,
    };
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const s of this.subscriptions) s.dispose();
    this.filter?.dispose();
    this.regex.dispose();
    this.staleViewEmitter.dispose();
  }

  private postDetail(id: number, position: number): void {
    if (this.model.listMode === 'frames') {
      const detail = this.model.frameDetail(position);
      this.postNow(
        detail
          ? { type: 'response', id, ok: true, result: detail }
          : { type: 'response', id, ok: false, error: 'That frame is no longer kept.' },
      );
      return;
    }
    const index = this.filter ? this.filter.matches.indexes[position] : position;
    const detail = index === undefined ? undefined : this.model.detail(index);
    this.postNow(
      detail
        ? { type: 'response', id, ok: true, result: detail }
        : { type: 'response', id, ok: false, error: 'That message is no longer stored (it was cleared).' },
    );
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
      .update(this.model.store)
      .then(
        () => undefined,
        (err: Error) => {
          if (filter === this.filter) this.filterError = err.message;
        },
      )
      .finally(() => {
        this.filtering = false;
        // Replaced while it ran (the next keystroke): the new filter's pass starts now, quiet connection or not.
        if (filter !== this.filter) return this.flush();
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
    this.postNow({
      type: 'tick',
      stats: { ...this.model.stats },
      length,
      listMode: this.model.listMode,
      rows: window?.rows,
      rowsStart: window?.rowsStart,
      filter: this.filterStatus(),
      wire: this.model.connection.frames.stats,
    });
  }

  private filterStatus(): FilterStatus | undefined {
    if (this.filterError) return { matched: 0, running: false, error: this.filterError };
    if (!this.filter) return undefined;
    const hidden = this.query?.hideKeepalives ? { keepalivesHidden: this.filter.keepalivesHidden } : {};
    return { matched: this.filter.count, running: this.filtering, ...hidden };
  }

  /** The viewport's rows: store rows, or matched rows while a filter is on. */
  private viewportRows(): { rows: RowSummary[]; rowsStart: number } {
    const { start, count, follow } = this.viewport;
    const { store, connection } = this.model;
    const length = this.listLength;
    const from = Math.max(0, follow ? length - count : Math.min(start, length));
    if (this.model.listMode === 'frames') {
      const log = connection.frames;
      return { rows: log.slice(log.firstKept + from, count).map(frameRow), rowsStart: from };
    }
    if (!this.filter) return { rows: this.model.withDecoded(store.summaries(from, count)), rowsStart: from };
    const indexes = this.filter.matches.indexes.subarray(from, from + count);
    return { rows: this.model.withDecoded(Array.from(indexes, (i) => store.summary(i))), rowsStart: from };
  }

  private postNow(message: ToWebview): void {
    if (this.viewReady && !this.disposed) this.post(message);
  }
}
