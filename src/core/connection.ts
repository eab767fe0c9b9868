// Over 400 lines: one class wraps every `ws` event (handshake, frames, pongs, closes, sends) whose sentences share its state.
import WebSocket from 'ws';
import type { ClientOptions } from 'ws';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionHealth, ConnectionState, Direction, HandshakeInfo, RowKind } from '../shared/protocol';
import { closeCodeName, closeFramePayload } from './closeCodes';
import { Emitter } from './emitter';
import { describeConnectError, describeUnexpectedResponse, describeViolation, type Violation } from './errors';
import { FrameLog, sniffSocket } from './frameSniffer';
import { describeRedirect, HandshakeRecorder, upgradeAnswerProblem } from './handshake';
import { PingTracker } from './ping';
import { hostOf, hostPort, parseUrl } from './url';
import { proxyAgent, proxyFor, redactProxy, type ProxySettings } from './proxy';
import {
  describeReconnect,
  isUnexpectedClose,
  reconnectDelay,
  reconnectPolicy,
  type FullReconnectPolicy,
  type ReconnectPolicy,
} from './reconnect';
import { describeTlsError, loadTlsOptions, type TlsSettings } from './tls';

/**
 * How to open a connection. Everything but `url` and `handshakeTimeout` is optional; the
 * defaults are those of a plain `ws` client (deflate offered, no proxy, no redirects, no reconnect).
 * TLS fields (`ca`, `cert`, `key`, `pfx`, `passphrase`, `insecure`, `servername`) and proxy fields
 * (`proxy`, `proxyStrictSSL`, `noProxy`) are documented in tls.ts and proxy.ts.
 */
export interface ConnectionOptions extends TlsSettings, ProxySettings {
  url: string;
  /** Handshake headers sent with the upgrade request. */
  headers?: Record<string, string>;
  /** Subprotocols to offer. */
  protocols?: string[];
  /** Milliseconds for the whole handshake; required because `ws` has no default. */
  handshakeTimeout: number;
  /** Largest message accepted, in bytes (`ws` closes with 1009 above it). Default 100 MiB. */
  maxPayload?: number;
  /** Most fragments one message may arrive in (`ws` closes with 1008 above it). Default 16,384. */
  maxFragments?: number;
  /** Most received chunks `ws` buffers for one message (1008 above it). Default 262,144. */
  maxBufferedChunks?: number;
  /** Offer permessage-deflate. Default true. */
  perMessageDeflate?: boolean;
  /** The Origin header. */
  origin?: string;
  /** Follow 3xx answers to the upgrade (each hop is in `handshake.redirects`). Default false. */
  followRedirects?: boolean;
  /** Most redirects followed. Default 10. */
  maxRedirects?: number;
  /** Send a ping this often while open and measure the round trip. Default: off. */
  pingIntervalMs?: number;
  /** A ping without a pong this long marks the connection unhealthy. Default: the interval, or 10 s. */
  pingTimeoutMs?: number;
  /** Answer the server's pings automatically (as `ws` does). Default true. */
  autoPong?: boolean;
  /** Open again after an unexpected close, with exponential backoff. Default off. */
  reconnect?: boolean | ReconnectPolicy;
  /** Record the header of every frame on the wire in `frames`. Default true. */
  sniffFrames?: boolean;
  /** Frame headers kept before the oldest are dropped. Default 1,048,576. */
  frameLogCapacity?: number;
  /** How long a send may wait for its bytes to reach the socket (a server that stopped reading). Default 30 s. */
  sendTimeoutMs?: number;
}

/** A message or control frame that crossed the connection, or an event worth a row. */
export interface ConnectionFrame {
  time: number;
  direction: Direction;
  kind: RowKind;
  payload: Buffer;
}

const MAX_ERROR_BODY = 64 * 1024;
/** After a close, how long to wait for the server to end the TCP connection before dropping it. */
export const CLOSE_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;
/** `ws`'s own client defaults (8.21.1+), set explicitly so a user's setting and the sentence agree. */
export const DEFAULT_MAX_FRAGMENTS = 16_384;
export const DEFAULT_MAX_BUFFERED_CHUNKS = 262_144;
const DEFAULT_PING_TIMEOUT_MS = 10_000;
/** Pongs waiting to be written before the server counts as flooding us with pings (`ws`'s maxPendingAutoPongs). */
const MAX_PENDING_PONGS = 60;
export const DEFAULT_SEND_TIMEOUT_MS = 30_000;

/**
 * One WebSocket client connection around `ws`, with typed events for state changes, frames,
 * the handshake and health. It never throws at the user: every failure becomes an `error` or
 * `closed` state with a sentence. With `reconnect`, it opens itself again after an unexpected
 * close and goes on emitting on the same events, so listeners stay attached.
 */
export class Connection {
  private readonly stateEmitter = new Emitter<ConnectionState>();
  private readonly frameEmitter = new Emitter<ConnectionFrame>();
  private readonly handshakeEmitter = new Emitter<HandshakeInfo>();
  private readonly healthEmitter = new Emitter<ConnectionHealth>();
  /** Fires on every change of phase. */
  readonly onState = this.stateEmitter.event;
  /** Fires for every message, ping, pong and close, sent or received, and for events (open, error, info). */
  readonly onFrame = this.frameEmitter.event;
  /** Fires when a handshake ends, opened or refused (each reconnect attempt has its own). */
  readonly onHandshake = this.handshakeEmitter.event;
  /** Fires when a pong arrives (new RTT) or a ping goes unanswered. */
  readonly onHealth = this.healthEmitter.event;
  /** Every frame header on the wire, both directions, across reconnects. */
  readonly frames: FrameLog;

  private socket: WebSocket | undefined;
  private current: ConnectionState = { phase: 'idle' };
  private closingByClient = false;
  private failed = false;
  private recorder: HandshakeRecorder | undefined;
  private stopSniffing: (() => void) | undefined;
  private readonly pings: PingTracker;
  private pingTimer: NodeJS.Timeout | undefined;
  private pingCount = 0;
  private readonly reconnectPolicy: FullReconnectPolicy | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnectAttempt = 0;
  private disposed = false;
  /** The close frame the user asked for on the current socket, once queued. */
  private closeSent: { code: number; reason: string } | undefined;
  private answered: boolean | undefined;

  constructor(readonly options: ConnectionOptions) {
    this.frames = new FrameLog(options.sniffFrames !== false, options.frameLogCapacity);
    this.reconnectPolicy = reconnectPolicy(options.reconnect);
    this.pings = new PingTracker(
      (health) => this.healthEmitter.fire(health),
      (message) => this.event('info', message),
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
    this.cancelReconnect();
    this.reconnectAttempt = 0;
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
    if (this.reconnectTimer) {
      this.cancelReconnect();
      this.event('info', 'Reconnecting was cancelled.');
    }
    const socket = this.socket;
    if (!socket) return;
    if (socket.readyState === WebSocket.CONNECTING) {
      this.closingByClient = true;
      this.failed = true;
      socket.terminate();
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
    this.cancelReconnect();
    this.teardown();
    this.stateEmitter.dispose();
    this.frameEmitter.dispose();
    this.handshakeEmitter.dispose();
    this.healthEmitter.dispose();
  }

  private open(): Promise<void> {
    this.teardown();
    const { url } = this.options;
    this.closingByClient = false;
    this.failed = false;
    this.closeSent = undefined;
    this.answered = undefined;
    this.setState({ phase: 'connecting', url });
    const proxy = proxyFor(url, this.options);
    const recorder = new HandshakeRecorder(
      url,
      this.options.followRedirects === true,
      proxy ? redactProxy(proxy) : undefined,
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
      let socket: WebSocket;
      try {
        // closeTimeout is a real `ws` option its types leave out: how long to wait for the server to end TCP after a close.
        const options: ClientOptions & { closeTimeout?: number } = {
          ...tls.options,
          closeTimeout: CLOSE_TIMEOUT_MS,
          headers: this.options.headers,
          handshakeTimeout: this.options.handshakeTimeout,
          maxPayload: this.options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
          maxFragments: this.options.maxFragments ?? DEFAULT_MAX_FRAGMENTS,
          maxBufferedChunks: this.options.maxBufferedChunks ?? DEFAULT_MAX_BUFFERED_CHUNKS,
          perMessageDeflate: this.options.perMessageDeflate ?? true,
          followRedirects: this.options.followRedirects ?? false,
          maxRedirects: this.options.maxRedirects ?? 10,
          // Pongs are answered below, so that only those really written are recorded.
          autoPong: false,
          finishRequest: recorder.finishRequest,
        };
        if (this.options.origin) options.origin = this.options.origin;
        if (proxy) options.agent = proxyAgent(proxy, this.options.proxyStrictSSL ?? true);
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
        this.reconnectAttempt = 0;
        // Attached here, after `ws` listens: bytes that came with the 101 are still queued and reach both.
        if (this.frames.enabled && upgraded) this.stopSniffing = sniffSocket(upgraded, this.frames);
        this.startPinging();
        this.handshakeEmitter.fire(recorder.info);
        this.setState({
          phase: 'open',
          url,
          protocol: socket.protocol,
          extensions: socket.extensions,
          since: Date.now(),
        });
        this.event('open', `Connected to ${url}${socket.protocol ? ` (subprotocol ${socket.protocol})` : ''}`);
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
          const offered = this.options.protocols ?? [];
          const chosen = recorder.info.response?.headers.find((h) => /^sec-websocket-protocol$/i.test(h.name))?.value;
          const message = /invalid subprotocol/i.test(err.message)
            ? `The server at ${hostOf(recorder.info.finalUrl)} chose the subprotocol ${chosen ? `"${chosen}"` : '(none)'}, which was not offered (offered: ${offered.length ? offered.map((p) => `"${p}"`).join(', ') : 'none'}), so the connection was refused.`
            : describeFailure(err, recorder.info.finalUrl, proxy);
          this.fail(message, reject);
        } else {
          violation =
            describeViolation(err, receiverView(socket), {
              maxPayload: this.options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
              maxFragments: this.options.maxFragments ?? DEFAULT_MAX_FRAGMENTS,
              maxBufferedChunks: this.options.maxBufferedChunks ?? DEFAULT_MAX_BUFFERED_CHUNKS,
            }) ?? violation;
          this.event('error', err.message);
        }
      });
      socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary) => {
        const payload = toBuffer(data);
        if (this.stopSniffing) this.frames.addMessageBytes('received', payload.length);
        this.frame('received', isBinary ? 'binary' : 'text', payload);
      });
      let pendingPongs = 0;
      const raw = () => (socket as unknown as { _socket?: Socket })._socket;
      socket.on('ping', (data) => {
        this.frame('received', 'ping', data);
        if (this.options.autoPong === false || socket.readyState !== WebSocket.OPEN) return;
        if (pendingPongs >= MAX_PENDING_PONGS) {
          // As `ws` would, stop answering; unlike it, say why with a close frame if the socket still takes one.
          violation = {
            code: 1008,
            what: `more pings than it let us answer (${MAX_PENDING_PONGS} pongs were still waiting to be sent: it does not read its socket)`,
          };
          this.event(
            'error',
            'The server sent more pings than it let us answer; the inspector stops answering and closes with 1008.',
          );
          socket.close(1008, 'the server sent more pings than it let us answer');
          return;
        }
        pendingPongs++;
        socket.pong(data, true, (err?: Error) => {
          pendingPongs--;
          const s = raw();
          if (!err && s && !s.destroyed) this.frame('sent', 'pong', data);
        });
      });
      socket.on('pong', (data) => {
        this.frame('received', 'pong', data);
        this.pings.pong(data);
      });
      socket.on('close', (code, reason) => {
        if (socket !== this.socket) return;
        this.stopPinging();
        this.pings.reset('The connection closed before the pong arrived.');
        if (this.failed) return;
        const text = reason.toString('utf8');
        if (violation) code = violation.code;
        const byClient = this.closingByClient || !!violation;
        const sent = violation ? undefined : this.closeSent;
        // `ws` keeps whether the server's close frame arrived; without it the code is 1006.
        const answered = (socket as unknown as { _closeFrameReceived?: boolean })._closeFrameReceived === true;
        let message: string;
        if (violation) {
          message = `The server sent ${violation.what}, so the inspector closed the connection with ${closeCodeName(code)}.`;
          this.frame('sent', 'close', closeFramePayload(code, ''));
        } else if (sent) {
          this.answered = answered;
          const yours = `You closed the connection with ${closeCodeName(sent.code)}${sent.reason ? ` "${sent.reason}"` : ''}`;
          if (answered) {
            message = describeClose(code, text, true);
            this.frame('received', 'close', closeFramePayload(code, text));
          } else {
            message = `${yours}, and the server did not answer the close within ${CLOSE_TIMEOUT_MS / 1000} s; the connection was dropped (1006, RFC 6455 §7.1.5).`;
            this.event('info', message);
          }
        } else {
          message = describeClose(code, text, byClient);
          this.frame(byClient ? 'sent' : 'received', 'close', closeFramePayload(code, text));
        }
        this.setState({ phase: 'closed', url, code, reason: text, byClient, message });
        reject(new Error(message));
        if (isUnexpectedClose(code, byClient)) this.scheduleReconnect();
      });
    });
  }

  private send(bytes: Buffer, binary: boolean): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error('Not connected. Reconnect, then send again.'));
    }
    const limit = this.options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    const raw = (socket as unknown as { _socket?: Socket })._socket;
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        const waiting = socket.bufferedAmount + (raw?.writableLength ?? 0);
        this.event('error', `Sending stopped after ${formatMs(limit)}: the server is not reading.`);
        reject(
          new Error(
            `The server stopped reading: ${formatBytes(waiting)} were still waiting to be sent after ${formatMs(limit)}. Check that the server reads its socket, or close the connection (the send limit is sendTimeoutMs).`,
          ),
        );
      }, limit);
      timer.unref?.();
      socket.send(bytes, { binary }, (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        // Node calls a write's callback without an error when the socket is destroyed with it in flight:
        // the bytes reached the socket only if it is still writable (a flushed write leaves it so).
        const dropped = !err && (!raw || raw.destroyed || raw.writableEnded) && socket.readyState !== WebSocket.OPEN;
        if (err || dropped) {
          this.event(
            'error',
            `Not delivered: a ${binary ? 'binary' : 'text'} message of ${formatBytes(bytes.length)} was dropped with the connection before it was sent.`,
          );
          reject(
            new Error(
              err
                ? `Sending failed: ${err.message}`
                : `Not delivered: the connection was dropped before the ${formatBytes(bytes.length)} message was sent.`,
            ),
          );
        } else resolve();
      });
      if (this.stopSniffing) this.frames.addMessageBytes('sent', bytes.length);
      this.frame('sent', binary ? 'binary' : 'text', bytes);
    });
  }

  private fail(message: string, reject: (err: Error) => void): void {
    if (this.failed) return;
    this.failed = true;
    this.recorder?.failed(message);
    if (this.recorder) this.handshakeEmitter.fire(this.recorder.info);
    this.event('error', message);
    this.setState({ phase: 'error', url: this.options.url, message });
    this.socket?.terminate();
    reject(new Error(message));
    // A failed first connect is the caller's to handle; a failed reconnect tries again.
    if (this.reconnectAttempt > 0) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const policy = this.reconnectPolicy;
    if (!policy || this.disposed || this.reconnectTimer) return;
    if (this.reconnectAttempt >= policy.maxAttempts) {
      this.event('info', `Gave up reconnecting after ${policy.maxAttempts} attempts. Reconnect by hand to try again.`);
      this.reconnectAttempt = 0;
      return;
    }
    const attempt = ++this.reconnectAttempt;
    const delay = reconnectDelay(policy, attempt);
    this.event('info', describeReconnect(delay, attempt, policy.maxAttempts));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      // Failures are reported through state and events, and retried by `fail`.
      this.open().catch(() => undefined);
    }, delay);
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private pingTimeout(): number {
    return this.options.pingTimeoutMs ?? this.options.pingIntervalMs ?? DEFAULT_PING_TIMEOUT_MS;
  }

  private startPinging(): void {
    this.stopPinging();
    const every = this.options.pingIntervalMs;
    if (!every || every <= 0) return;
    this.pingTimer = setInterval(() => {
      // A missed pong is reported through health and an info row.
      this.ping().catch(() => undefined);
    }, every);
    this.pingTimer.unref?.();
  }

  private stopPinging(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  private teardown(): void {
    this.stopPinging();
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

  private frame(direction: Direction, kind: RowKind, payload: Buffer): void {
    this.frameEmitter.fire({ time: Date.now(), direction, kind, payload });
  }

  private event(kind: RowKind, text: string): void {
    this.frame('event', kind, Buffer.from(text, 'utf8'));
  }
}

/** The sentence shown for a close, naming the code and who closed. */
export function describeClose(code: number, reason: string, byClient: boolean): string {
  if (code === 1006) {
    return 'The connection dropped without a close frame (1006 Abnormal Closure): the server or network went away.';
  }
  const who = byClient ? 'You closed the connection' : 'The server closed the connection';
  return `${who}: ${closeCodeName(code)}${reason ? ` "${reason}"` : ''}.`;
}

/** The sentence for a connection that failed before the upgrade answer: TLS first, then the proxy, then the rest. */
function describeFailure(err: Error, url: string, proxy: string | undefined): string {
  const where = hostPort(url);
  const tls = describeTlsError(err, where);
  if (tls) return tls;
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (proxy && (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN')) {
    const shown = redactProxy(proxy);
    const proxyPort = Number(parseUrl(proxy)?.port || 80);
    if (e.code !== 'ECONNREFUSED' || e.port === proxyPort) {
      return `Could not reach the proxy ${shown} (${e.code}). Check the proxy setting (http.proxy), or list ${parseUrl(url)?.hostname ?? 'the host'} in NO_PROXY to connect directly.`;
    }
  }
  return describeConnectError(err, url);
}

/** The sentence for an answer to the upgrade that is not 101. */
function describeRefusal(res: IncomingMessage, body: string, url: string, proxy: string | undefined): string {
  const status = res.statusCode ?? 0;
  const statusText = res.statusMessage ?? '';
  // A 101 that Node did not take for an upgrade: say which header is wrong.
  if (status === 101)
    return (
      upgradeAnswerProblem(res.headers, undefined, hostPort(url)) ??
      describeUnexpectedResponse(status, statusText, body, url)
    );
  const location = res.headers.location;
  if (status >= 300 && status < 400 && location) {
    let resolved = location;
    try {
      resolved = new URL(location, url).href;
    } catch {
      // Shown as sent.
    }
    return describeRedirect(status, statusText, resolved, hostPort(url));
  }
  if (status === 407 && proxy) {
    return `The proxy ${redactProxy(proxy)} asks for credentials (407 Proxy Authentication Required). Put them in the proxy URL (http://user:password@host:port).`;
  }
  return describeUnexpectedResponse(status, statusText, body, url);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(parts).toString('utf8'));
    res.on('data', (chunk: Buffer) => {
      if (size < MAX_ERROR_BODY) parts.push(chunk.subarray(0, MAX_ERROR_BODY - size));
      size += chunk.length;
    });
    res.on('end', done);
    res.on('error', done);
    res.on('close', done);
    setTimeout(done, 2000).unref();
  });
}

/** What `ws`'s receiver was reading when it raised an error: its fields are internal, so each is checked. */
function receiverView(socket: WebSocket): { opcode?: number; payloadLength?: number; deflate: boolean } {
  const r = (socket as unknown as { _receiver?: { _opcode?: unknown; _payloadLength?: unknown } })._receiver;
  return {
    opcode: typeof r?._opcode === 'number' ? r._opcode : undefined,
    payloadLength: typeof r?._payloadLength === 'number' ? r._payloadLength : undefined,
    deflate: /permessage-deflate/.test(socket.extensions),
  };
}
