// Over 400 lines: one class owns a socket's whole life (prepare, open, handshake checks, frames, close, reconnect, the wire tap); the
// describing, option and sending helpers already live in wsDescribe.ts, wsOptions.ts and wsSend.ts.
import WebSocket from 'ws';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionHealth, ConnectionState, HandshakeInfo } from '../../shared/protocol';
import { closeFramePayload } from '../closeCodes';
import { Emitter, OrderedEmitter } from '../emitter';
import { describeViolation, type Violation } from '../errors';
import { FrameLog, sniffSocket } from '../frameSniffer';
import { HandshakeRecorder, upgradeAnswerProblem } from '../handshake';
import { Heartbeat, PingTracker } from '../ping';
import { proxyFor, redactProxy } from '../proxy';
import { isUnexpectedClose, reconnectPolicy, Reconnector } from '../reconnect';
import { loadTlsOptions } from '../tls';
import { WireCapture } from '../wire/capture';
import { hostPort } from '../url';
import type { MessageKind, Side, Transport, TransportMessage, TransportNote } from './transport';
import {
  describeEnd,
  describeFailure,
  describeRefusal,
  describeSubprotocolRefusal,
  subprotocolsProblem,
  readBody,
  receiverView,
  toBuffer,
} from './wsDescribe';
import {
  clientOptions,
  DEFAULT_MAX_BUFFERED_CHUNKS,
  DEFAULT_MAX_FRAGMENTS,
  DEFAULT_MAX_PAYLOAD,
  DEFAULT_PING_TIMEOUT_MS,
  type PreparedOpen,
  DEFAULT_SEND_TIMEOUT_MS,
  MAX_PENDING_PONGS,
  type WebSocketOptions,
} from './wsOptions';
import { answerPings, boundedSend } from './wsSend';

export * from './wsOptions';

/**
 * One WebSocket client connection around `ws`, with typed events for state changes, frames,
 * the handshake and health. It never throws at the user: every failure becomes an `error` or
 * `closed` state with a sentence. With `reconnect`, it opens itself again after an unexpected
 * close and goes on emitting on the same events, so listeners stay attached.
 */
export class WebSocketTransport implements Transport {
  private readonly stateEmitter = new Emitter<ConnectionState>();
  /** In order: a listener's answer (a protocol's pong) reaches every listener after the message it answers. */
  private readonly messageEmitter = new OrderedEmitter<TransportMessage>();
  private readonly noteEmitter = new Emitter<TransportNote>();
  private readonly handshakeEmitter = new Emitter<HandshakeInfo>();
  private readonly healthEmitter = new Emitter<ConnectionHealth>();
  /** Fires on every change of phase. */
  readonly onState = this.stateEmitter.event;
  /** Fires for every message, ping, pong and close, sent or received. */
  readonly onMessage = this.messageEmitter.event;
  /** Fires for sentences about the connection: opened, an error, a reconnect, a close not answered. */
  readonly onNote = this.noteEmitter.event;
  /** Fires when a handshake ends, opened or refused (each reconnect attempt has its own). */
  readonly onHandshake = this.handshakeEmitter.event;
  /** Fires when a pong arrives (new RTT) or a ping goes unanswered. */
  readonly onHealth = this.healthEmitter.event;
  /** Every frame header on the wire, both directions, across reconnects. */
  readonly frames: FrameLog;
  /** The last attempt's TCP byte stream, with `wireCapture` on (see wire/capture.ts). */
  readonly wire: WireCapture | undefined;

  private socket: WebSocket | undefined;
  private current: ConnectionState = { phase: 'idle' };
  private closingByClient = false;
  private failed = false;
  private recorder: HandshakeRecorder | undefined;
  private stopSniffing: (() => void) | undefined;
  private readonly pings: PingTracker;
  private readonly heartbeat: Heartbeat;
  private pingCount = 0;
  private readonly reconnector: Reconnector;
  private disposed = false;
  /** The close frame the user asked for on the current socket, once queued. */
  private closeSent: { code: number; reason: string } | undefined;
  private answered: boolean | undefined;
  /** While `prepare` runs before an open: aborting it cancels that open. */
  private preparing: AbortController | undefined;

  constructor(readonly options: WebSocketOptions) {
    this.frames = new FrameLog(options.sniffFrames !== false, options.frameLogCapacity);
    const wire = options.wireCapture;
    this.wire = wire ? new WireCapture(typeof wire === 'number' ? wire : undefined) : undefined;
    // A missed pong is reported through health and a note.
    this.heartbeat = new Heartbeat(options.pingIntervalMs, () => void this.ping().catch(() => undefined));
    this.reconnector = new Reconnector(
      reconnectPolicy(options.reconnect),
      () => this.open(),
      (text) => this.note('info', text),
    );
    this.pings = new PingTracker(
      (health) => this.healthEmitter.fire(health),
      (message) => this.note('info', message),
    );
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The last handshake (of the last attempt), as plain data; undefined before the first. */
  get handshake(): HandshakeInfo | undefined {
    return this.recorder?.info;
  }

  /** After a close the user started: whether the server answered it with its own close frame (undefined before). */
  get closeAnswered(): boolean | undefined {
    return this.answered;
  }

  /** Liveness from pings: healthy until a ping goes unanswered. */
  get health(): ConnectionHealth {
    return this.pings.health;
  }

  /** Opens the connection; resolves when it is open, rejects with a sentence when it fails. */
  connect(): Promise<void> {
    this.reconnector.cancel();
    return this.open();
  }

  /** Sends a text message. Rejects when the connection is not open. */
  sendText(text: string): Promise<void> {
    return this.send(Buffer.from(text, 'utf8'), false);
  }

  /** Sends a binary message with exactly these bytes. */
  sendBinary(bytes: Buffer): Promise<void> {
    return this.send(bytes, true);
  }

  /**
   * Sends a ping and resolves with the round-trip time in ms when the pong with the same payload
   * comes back; rejects after `pingTimeoutMs` (the connection is then marked unhealthy).
   * Without a payload, a numbered one ("wsi-ping 1", …) makes the pong easy to match.
   */
  ping(payload?: Buffer | string): Promise<number> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error('Not connected. Reconnect, then ping again.'));
    }
    const bytes =
      payload === undefined
        ? Buffer.from(`wsi-ping ${++this.pingCount}`)
        : Buffer.isBuffer(payload)
          ? payload
          : Buffer.from(payload, 'utf8');
    if (bytes.length > 125) return Promise.reject(new Error('A ping payload can be at most 125 bytes.'));
    const rtt = this.pings.track(bytes, this.pingTimeout());
    socket.ping(bytes);
    this.frame('sent', 'ping', bytes);
    return rtt;
  }

  /** Sends a pong (an unsolicited heartbeat, or the answer to a ping when `autoPong` is off). */
  pong(payload: Buffer | string = Buffer.alloc(0)): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN)
      return Promise.reject(new Error('Not connected. Reconnect, then send again.'));
    const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
    if (bytes.length > 125) return Promise.reject(new Error('A pong payload can be at most 125 bytes.'));
    socket.pong(bytes);
    this.frame('sent', 'pong', bytes);
    return Promise.resolve();
  }

  /** Starts a normal close; the `closed` state follows when the server answers. Stops reconnecting. */
  close(code = 1000, reason = ''): void {
    if (this.reconnector.pending) {
      this.reconnector.cancel();
      this.note('info', 'Reconnecting was cancelled.');
    }
    const socket = this.socket;
    if (!socket && this.preparing) {
      this.preparing.abort();
      this.preparing = undefined;
    } else if (!socket) return;
    if (!socket || socket.readyState === WebSocket.CONNECTING) {
      this.closingByClient = true;
      this.failed = true;
      socket?.terminate();
      this.setState({
        phase: 'closed',
        url: this.options.url,
        code: 1006,
        reason: '',
        byClient: true,
        message: 'Connecting was cancelled.',
      });
      return;
    }
    if (socket.readyState !== WebSocket.OPEN) return;
    this.closingByClient = true;
    this.closeSent = { code, reason };
    this.answered = undefined;
    socket.close(code, reason);
    // The close frame as it goes on the wire; the server's answer (or its absence) follows as its own row.
    this.frame('sent', 'close', closeFramePayload(code, reason));
  }

  /** Drops the socket without a close handshake and forgets every listener. */
  dispose(): void {
    this.disposed = true;
    this.preparing?.abort();
    this.reconnector.cancel();
    this.teardown();
    this.stateEmitter.dispose();
    this.messageEmitter.dispose();
    this.noteEmitter.dispose();
    this.handshakeEmitter.dispose();
    this.healthEmitter.dispose();
  }

  private open(): Promise<void> {
    this.teardown();
    this.preparing?.abort();
    this.preparing = undefined;
    const { url, prepare } = this.options;
    this.closingByClient = false;
    this.failed = false;
    this.closeSent = undefined;
    this.answered = undefined;
    this.setState({ phase: 'connecting', url });
    if (!prepare) return this.openAt({ url });
    const preparing = new AbortController();
    this.preparing = preparing;
    const limit = setTimeout(() => preparing.abort(), this.options.handshakeTimeout);
    return prepare(this.options, preparing.signal)
      .finally(() => clearTimeout(limit))
      .then(
        (target) => {
          if (this.preparing !== preparing || this.disposed) throw new Error('Connecting was cancelled.');
          this.preparing = undefined;
          if (target.note) this.note('info', target.note);
          return this.openAt(target);
        },
        (err: Error) =>
          new Promise<void>((_, reject) => {
            if (this.preparing !== preparing) return reject(new Error('Connecting was cancelled.'));
            this.preparing = undefined;
            this.fail(err.message, reject);
          }),
      );
  }

  private openAt(target: PreparedOpen): Promise<void> {
    const { url } = target;
    const proxy = proxyFor(url, this.options);
    const recorder = new HandshakeRecorder(
      url,
      this.options.followRedirects === true,
      proxy ? redactProxy(proxy) : undefined,
      target.secrets,
    );
    this.recorder = recorder;

    return new Promise<void>((resolve, reject) => {
      // A `ws+unix:` URL would open a local socket: never from here, typed or redirected.
      if (/^ws\+unix:/i.test(url))
        return this.fail(
          `${url} is a local socket address (ws+unix:), which the inspector does not open. Use a ws:// or wss:// URL.`,
          reject,
        );
      recorder.onBlockedRedirect = (message) => this.fail(message, reject);
      const tls = loadTlsOptions(this.options);
      if (!tls.ok) return this.fail(tls.error, reject);
      // `ws` would refuse them with a sentence that does not say which.
      const badProtocols = subprotocolsProblem(this.options.protocols ?? []);
      if (badProtocols) return this.fail(`Could not connect to ${url}: ${badProtocols}.`, reject);
      let socket: WebSocket;
      try {
        const o = target.headers
          ? { ...this.options, headers: { ...this.options.headers, ...target.headers } }
          : this.options;
        const options = clientOptions(o, tls.options, recorder, proxy);
        const wire = this.wire;
        if (wire) {
          wire.reset();
          const finish = recorder.finishRequest;
          options.finishRequest = (req, ws) => {
            req.once('socket', (s) => wire.tap(s));
            finish(req, ws);
          };
        }
        socket = new WebSocket(url, this.options.protocols ?? [], options);
      } catch (err) {
        return this.fail(`Could not connect to ${url}: ${(err as Error).message}`, reject);
      }
      this.socket = socket;

      // The upgraded socket is the response's; `ws` takes it over right after this event.
      let upgraded: Socket | undefined;
      socket.on('upgrade', (res: IncomingMessage) => {
        upgraded = res.socket ?? undefined;
        recorder.upgraded(res);
        // Checked before `ws` does, to name the header at fault (`ws` then sees a closing socket and stops).
        const problem = upgradeAnswerProblem(
          res.headers,
          recorder.info.expectedAccept,
          hostPort(recorder.info.finalUrl),
        );
        if (problem) this.fail(problem, reject);
      });
      socket.on('open', () => {
        recorder.opened();
        this.reconnector.opened();
        // Attached here, after `ws` listens: bytes that came with the 101 are still queued and reach both.
        if (this.frames.enabled && upgraded) this.stopSniffing = sniffSocket(upgraded, this.frames);
        this.heartbeat.start();
        this.handshakeEmitter.fire(recorder.info);
        this.setState({
          phase: 'open',
          url,
          protocol: socket.protocol,
          extensions: socket.extensions,
          since: Date.now(),
        });
        this.note('open', `Connected to ${url}${socket.protocol ? ` (subprotocol ${socket.protocol})` : ''}`);
        resolve();
      });
      socket.on('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
        // readBody never rejects: it resolves with what arrived on end, error, close or after 2 s.
        void readBody(res).then((body) => {
          recorder.refused(res, body);
          this.fail(describeRefusal(res, body, recorder.info.finalUrl, proxy), reject);
          req.destroy();
        });
      });
      // A protocol error while open: `ws` closes with the right code but reports 1006; keep why.
      let violation: Violation | undefined;
      socket.on('error', (err: Error & { code?: string }) => {
        if (this.current.phase === 'connecting') {
          const message = /invalid subprotocol/i.test(err.message)
            ? describeSubprotocolRefusal(recorder.info, this.options.protocols ?? [])
            : describeFailure(err, recorder.info.finalUrl, proxy);
          this.fail(message, reject);
        } else {
          violation =
            describeViolation(err, receiverView(socket), {
              maxPayload: this.options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
              maxFragments: this.options.maxFragments ?? DEFAULT_MAX_FRAGMENTS,
              maxBufferedChunks: this.options.maxBufferedChunks ?? DEFAULT_MAX_BUFFERED_CHUNKS,
            }) ?? violation;
          this.note('error', err.message);
        }
      });
      socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary) => {
        const payload = toBuffer(data);
        if (this.stopSniffing) this.frames.addMessageBytes('received', payload.length);
        this.frame('received', isBinary ? 'binary' : 'text', payload);
      });
      answerPings(socket, this.options.autoPong !== false, {
        received: (data) => this.frame('received', 'ping', data),
        answered: (data) => this.frame('sent', 'pong', data),
        flooded: () => {
          // As `ws` would, stop answering; unlike it, say why with a close frame if the socket still takes one.
          violation = {
            code: 1008,
            what: `more pings than it let us answer (${MAX_PENDING_PONGS} pongs were still waiting to be sent: it does not read its socket)`,
          };
          this.note(
            'error',
            'The server sent more pings than it let us answer; the inspector stops answering and closes with 1008.',
          );
        },
      });
      socket.on('pong', (data) => {
        this.frame('received', 'pong', data);
        this.pings.pong(data);
      });
      socket.on('close', (code, reason) => {
        if (socket !== this.socket) return;
        this.heartbeat.stop();
        this.pings.reset('The connection closed before the pong arrived.');
        if (this.failed) return;
        const text = reason.toString('utf8');
        if (violation) code = violation.code;
        const byClient = this.closingByClient || !!violation;
        const sent = violation ? undefined : this.closeSent;
        // `ws` keeps whether the server's close frame arrived; without it the code is 1006.
        const answered = (socket as unknown as { _closeFrameReceived?: boolean })._closeFrameReceived === true;
        if (sent) this.answered = answered;
        const end = describeEnd(code, text, byClient, { violation, sent, answered });
        const message = end.message;
        if (end.row) this.frame(end.row, 'close', closeFramePayload(code, violation ? '' : text));
        else this.note('info', message);
        this.setState({ phase: 'closed', url, code, reason: text, byClient, message });
        reject(new Error(message));
        if (isUnexpectedClose(code, byClient) && !this.disposed) this.reconnector.schedule();
      });
    });
  }

  private send(bytes: Buffer, binary: boolean): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error('Not connected. Reconnect, then send again.'));
    }
    const sent = boundedSend(socket, bytes, binary, this.options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS, (text) =>
      this.note('error', text),
    );
    if (this.stopSniffing) this.frames.addMessageBytes('sent', bytes.length);
    this.frame('sent', binary ? 'binary' : 'text', bytes);
    return sent;
  }

  private fail(message: string, reject: (err: Error) => void): void {
    if (this.failed) return;
    this.failed = true;
    this.recorder?.failed(message);
    if (this.recorder) this.handshakeEmitter.fire(this.recorder.info);
    this.note('error', message);
    this.setState({ phase: 'error', url: this.options.url, message });
    this.socket?.terminate();
    reject(new Error(message));
    // A failed first connect is the caller's to handle; a failed reconnect tries again.
    if (this.reconnector.reconnecting && !this.disposed) this.reconnector.schedule();
  }

  private pingTimeout(): number {
    return this.options.pingTimeoutMs ?? this.options.pingIntervalMs ?? DEFAULT_PING_TIMEOUT_MS;
  }

  private teardown(): void {
    this.heartbeat.stop();
    this.pings.reset('The connection was closed.');
    this.stopSniffing?.();
    this.stopSniffing = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
    }
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.stateEmitter.fire(state);
  }

  private frame(direction: Side, kind: MessageKind, payload: Buffer): void {
    this.messageEmitter.fire({ time: Date.now(), direction, kind, payload });
  }

  private note(level: TransportNote['level'], text: string): void {
    this.noteEmitter.fire({ time: Date.now(), level, text });
  }
}
