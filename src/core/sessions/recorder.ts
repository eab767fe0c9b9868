import { open, write, close as closeFd } from 'node:fs';
import type { Transport, TransportMessage, TransportNote } from '../transport';
import { Emitter, type Subscription } from '../emitter';
import type { ConnectionState, HandshakeInfo } from '../../shared/protocol';
import { newHeader, type SessionEvent, type SessionHandshake, type SessionHeader, type SessionOptions } from './format';
import { Redactor } from './redact';
import { LineBatch } from './lineBatch';
import { LARGE_TEXT_BYTES, containsAny, largeLineChunks, largeLineSize, type LargeLine } from './largeLine';

/** Default gap between two writes while events keep coming. */
export const FLUSH_INTERVAL_MS = 100;
/** Default batch size that is written at once, without waiting for the interval. */
export const FLUSH_BYTES = 256 * 1024;

/** What a recording is of, and how to write it. */
export interface RecorderOptions {
  url: string;
  /** The connection options (headers are redacted when written). */
  options?: SessionOptions;
  /** The handshake as far as it is known before connecting (request headers). */
  handshake?: SessionHandshake;
  /** Milliseconds since the epoch; default now. Every event's `t` counts from here. */
  startedAt?: number;
  /** Strings to replace with `[redacted]` wherever they appear (resolved secret variables). */
  secrets?: readonly string[];
  /** Default true: credential headers and `secrets` are redacted. False keeps everything. */
  redact?: boolean;
  flushIntervalMs?: number;
  flushBytes?: number;
  /** What is recording, kept in the header. */
  source?: string;
  /** The id of the protocol spoken over the connection (a Protocol's id, or 'none'), kept in the header. */
  protocol?: string;
}

/**
 * Appends one connection's events to a `.wslog` file in batches (every `flushIntervalMs`, or
 * at once past `flushBytes`), so a crash loses at most the last batch. Feed it frames and state
 * changes with `attach(transport)`, or call `recordMessage`/`recordNote`/`recordState` yourself.
 */
export class SessionRecorder {
  private readonly errorEmitter = new Emitter<Error>();
  /** Fires once when the file cannot be written; recording stops then. */
  readonly onError = this.errorEmitter.event;

  /** Lines not yet written: JSON text, or a large text message written window by window. */
  private pending: (Buffer | LargeLine)[] = [];
  /** Bytes of `pending` (the batch's own are `batch.bytes`). */
  private pendingBytes = 0;
  private readonly batch: LineBatch;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private closed = false;
  private seenConnection = false;
  private response: SessionHandshake['response'];
  /**
   * The handshake opened and the `open` state is about to come; a message recorded first (a
   * listener ahead of ours sent on open) writes the `open` event before itself.
   */
  private opening: { t: number; protocol: string; extensions: string } | undefined;
  /** The `open` event of this connection was written ahead of its state. */
  private openWritten = false;
  private events = 0;
  private written = 0;
  private readonly redactor: Redactor | undefined;
  private readonly startedAt: number;
  private readonly flushIntervalMs: number;
  private readonly flushBytes: number;
  /** The header as written (redacted). */
  readonly header: SessionHeader;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    options: RecorderOptions,
  ) {
    this.startedAt = options.startedAt ?? Date.now();
    this.flushIntervalMs = options.flushIntervalMs ?? FLUSH_INTERVAL_MS;
    this.flushBytes = options.flushBytes ?? FLUSH_BYTES;
    this.batch = new LineBatch(Math.max(4096, this.flushBytes));
    const redact = options.redact ?? true;
    this.redactor = redact ? new Redactor(options.secrets) : undefined;
    const r = this.redactor;
    const opts: SessionOptions = { ...options.options };
    if (r && opts.headers) opts.headers = r.headers(opts.headers);
    let handshake = options.handshake;
    if (r && handshake) {
      handshake = {
        ...handshake,
        ...(handshake.request ? { request: { headers: r.headers(handshake.request.headers) ?? {} } } : {}),
        ...(handshake.response
          ? { response: { ...handshake.response, headers: r.headers(handshake.response.headers) ?? {} } }
          : {}),
      };
    }
    this.header = newHeader(r ? r.url(options.url) : options.url, {
      options: opts,
      handshake,
      startedAt: new Date(this.startedAt).toISOString(),
      redacted: redact,
      source: options.source ?? 'websocket-inspector',
      protocol: options.protocol,
    });
    this.push(JSON.stringify(this.header));
    void this.flush();
  }

  /** Creates `path` (it must not exist yet) and writes the header. Rejects with a sentence. */
  static create(path: string, options: RecorderOptions): Promise<SessionRecorder> {
    return new Promise((resolve, reject) => {
      open(path, 'wx', (err, fd) => {
        if (err)
          reject(
            new Error(
              `Cannot create the recording ${path}: ${err.message}. Check that the folder exists and is writable.`,
            ),
          );
        else resolve(new SessionRecorder(path, fd, options));
      });
    });
  }

  /** Creates a recording of `connection` (its URL and options), attached from now on. */
  static async forConnection(
    path: string,
    connection: Transport,
    options: Omit<RecorderOptions, 'url'> = {},
  ): Promise<SessionRecorder> {
    const recorder = await SessionRecorder.create(path, recorderOptionsFor(connection, options));
    recorder.attach(connection);
    return recorder;
  }

  /** Events recorded so far (written or pending). */
  get eventCount(): number {
    return this.events;
  }

  /** Bytes already handed to the file. */
  get bytesWritten(): number {
    return this.written;
  }

  /** Why writing stopped, if it did. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Records every message, note and state change of `transport` until disposed or closed. */
  attach(transport: Transport): Subscription {
    return listen(transport, this);
  }

  /** Keeps the server's answer of a handshake that opened (it fires just before the `open` state). */
  recordHandshake(info: HandshakeInfo, time = Date.now()): void {
    if (!info.ok || !info.response) return;
    const headers: Record<string, string> = {};
    // Repeated headers (Set-Cookie) join with ", " as HTTP allows for one field.
    for (const h of info.response.headers)
      headers[h.name] = h.name in headers ? `${headers[h.name]}, ${h.value}` : h.value;
    this.setResponse({ status: info.response.status, statusText: info.response.statusText, headers });
    const extensions = info.response.headers.find((h) => h.name.toLowerCase() === 'sec-websocket-extensions');
    this.opening = { t: time - this.startedAt, protocol: info.protocol, extensions: extensions?.value ?? '' };
  }

  /** The server's upgrade answer, written with the next `open` event. */
  setResponse(response: NonNullable<SessionHandshake['response']>): void {
    this.response = this.redactor ? { ...response, headers: this.redactor.headers(response.headers) ?? {} } : response;
  }

  /** Records an error or a note of the transport's; `open` notes are left out (the `open` state records the event). */
  recordNote(note: TransportNote): void {
    const t = note.time - this.startedAt;
    if (note.level === 'error') this.add({ type: 'error', t, message: this.clean(note.text) });
    else if (note.level === 'info') this.add({ type: 'note', t, text: this.clean(note.text) });
  }

  /** Records a message, ping or pong. Open and close come from `recordState`. */
  recordMessage(frame: TransportMessage): void {
    if (this.opening) this.writeOpen(this.opening);
    const t = frame.time - this.startedAt;
    switch (frame.kind) {
      case 'text':
        if (frame.payload.length >= LARGE_TEXT_BYTES && !this.mustRedact(frame.payload)) {
          this.addLarge(t, frame.direction, frame.payload);
          return;
        }
        // The line JSON.stringify would make of the event, built directly: this runs for every message.
        if (this.closed || this.failure) return;
        if (this.redactor?.masksText !== true && this.batch.textMessage(t, frame.direction, frame.payload)) {
          this.events++;
          this.added();
          return;
        }
        this.addLine(
          `{"type":"message","t":${t},"dir":"${frame.direction}","kind":"text","text":${JSON.stringify(this.clean(frame.payload.toString('utf8')))}}`,
        );
        return;
      case 'binary':
        this.addLine(
          `{"type":"message","t":${t},"dir":"${frame.direction}","kind":"binary","base64":"${frame.payload.toString('base64')}"}`,
        );
        return;
      case 'ping':
      case 'pong':
        this.add({
          type: frame.kind,
          t,
          dir: frame.direction,
          ...(frame.payload.length ? { base64: frame.payload.toString('base64') } : {}),
        });
        return;
      default:
      // Close frames are recorded from the `closed` state, which knows who closed.
    }
  }

  /** Records open, close and reconnect from the connection's phase changes (`time`: when it changed). */
  recordState(state: ConnectionState, time = Date.now()): void {
    const t = time - this.startedAt;
    switch (state.phase) {
      case 'connecting':
        if (this.seenConnection) this.add({ type: 'reconnect', t });
        this.seenConnection = true;
        this.opening = undefined;
        this.openWritten = false;
        return;
      case 'open': {
        if (this.openWritten) {
          this.openWritten = false;
          return;
        }
        // The time it opened, never later than a message sent on open.
        const at = Math.min(t, state.since - this.startedAt, this.opening?.t ?? t);
        this.opening = undefined;
        this.writeOpen({ t: at, protocol: state.protocol, extensions: state.extensions });
        this.openWritten = false;
        return;
      }
      case 'closed':
        this.add({ type: 'close', t, code: state.code, reason: this.clean(state.reason), byClient: state.byClient });
        return;
      default:
      // `error` arrives as an error frame too, with the same sentence.
    }
  }

  private writeOpen(open: { t: number; protocol: string; extensions: string }): void {
    const response = this.response;
    this.response = undefined;
    this.opening = undefined;
    this.openWritten = true;
    this.add({ type: 'open', ...open, ...(response ? { response } : {}) });
  }

  /** Records a note of the inspector's own. */
  note(text: string): void {
    this.add({ type: 'note', t: Date.now() - this.startedAt, text: this.clean(text) });
  }

  /** Writes what is pending; resolves when it is in the file. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.batch.bytes) this.pending.push(...this.batch.take());
    if (!this.pending.length || this.failure) return this.chain;
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.chain = this.chain.then(() => this.writeLines(lines));
    return this.chain;
  }

  /** Writes what is pending and closes the file; later events are ignored. */
  async close(): Promise<void> {
    if (this.closed) return this.chain;
    await this.flush();
    this.closed = true;
    await new Promise<void>((resolve) => closeFd(this.fd, () => resolve()));
    this.errorEmitter.dispose();
  }

  private clean(text: string): string {
    return this.redactor ? this.redactor.text(text) : text;
  }

  private add(event: SessionEvent): void {
    this.addLine(JSON.stringify(event));
  }

  /** An event's JSON line (no newline). */
  private addLine(line: string): void {
    if (this.closed || this.failure) return;
    this.events++;
    this.push(line);
  }

  /** A large text message, kept as its bytes until written (no string, no JSON copy). */
  private addLarge(t: number, dir: 'sent' | 'received', payload: Buffer): void {
    if (this.closed || this.failure) return;
    this.events++;
    const prefix = `${JSON.stringify({ type: 'message', t, dir, kind: 'text' }).slice(0, -1)},"text":"`;
    const line: LargeLine = { prefix, payload };
    for (const b of this.batch.take()) {
      this.pending.push(b);
      this.pendingBytes += b.length;
    }
    this.pending.push(line);
    this.pendingBytes += largeLineSize(line);
    void this.flush();
  }

  /** True when a secret occurs in these bytes, so they go the redacting way. */
  private mustRedact(payload: Buffer): boolean {
    return this.redactor !== undefined && containsAny(payload, this.redactor.secretValues);
  }

  private push(line: string): void {
    this.batch.line(line);
    this.added();
  }

  /** After a line went into the batch: written at once past `flushBytes`, else within the interval. */
  private added(): void {
    if (this.pendingBytes + this.batch.bytes >= this.flushBytes) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  /** Writes in order: the batches' buffers as they are, large lines window by window. */
  private async writeLines(lines: (Buffer | LargeLine)[]): Promise<void> {
    for (const line of lines) {
      if (Buffer.isBuffer(line)) await this.writeAll(line);
      else for (const chunk of largeLineChunks(line)) await this.writeAll(chunk);
    }
  }

  private writeAll(data: Buffer): Promise<void> {
    if (this.failure) return Promise.resolve();
    return new Promise((resolve) => {
      const step = (offset: number) => {
        write(this.fd, data, offset, data.length - offset, null, (err, n) => {
          if (err) {
            this.failure = new Error(`Recording to ${this.path} stopped: ${err.message}.`);
            this.errorEmitter.fire(this.failure);
            resolve();
            return;
          }
          this.written += n;
          if (offset + n < data.length) step(offset + n);
          else resolve();
        });
      };
      step(0);
    });
  }
}

/** The recorder options that describe `connection` (its URL and connection options). */
export function recorderOptionsFor(connection: Transport, options: Omit<RecorderOptions, 'url'> = {}): RecorderOptions {
  const { url, headers, protocols, perMessageDeflate, maxPayload, handshakeTimeout } = connection.options;
  return {
    options: { headers, protocols, perMessageDeflate, maxPayload, handshakeTimeout },
    handshake: headers ? { request: { headers } } : undefined,
    ...options,
    url,
  };
}

/** What a recorder does with a transport's events (the recorder itself, or a queue in front of it). */
export interface RecordingSink {
  recordHandshake(info: HandshakeInfo, time?: number): void;
  recordMessage(message: TransportMessage): void;
  recordNote(note: TransportNote): void;
  recordState(state: ConnectionState, time?: number): void;
}

/** Feeds every event of `transport` to `sink`, in the order they happen. */
export function listen(transport: Transport, sink: RecordingSink): Subscription {
  const subs = [
    transport.onHandshake((info) => sink.recordHandshake(info)),
    transport.onMessage((m) => sink.recordMessage(m)),
    transport.onNote((n) => sink.recordNote(n)),
    transport.onState((s) => sink.recordState(s)),
  ];
  return { dispose: () => subs.forEach((sub) => sub.dispose()) };
}
