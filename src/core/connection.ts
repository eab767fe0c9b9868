import WebSocket from 'ws';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { ConnectionState, Direction, RowKind } from '../shared/protocol';
import { closeCodeName } from './closeCodes';
import { Emitter } from './emitter';
import { describeConnectError, describeUnexpectedResponse } from './errors';

/** How to open a connection. */
export interface ConnectionOptions {
  url: string;
  /** Handshake headers sent with the upgrade request. */
  headers?: Record<string, string>;
  /** Subprotocols to offer. */
  protocols?: string[];
  /** Milliseconds for the whole handshake; required because `ws` has no default. */
  handshakeTimeout: number;
  /** Largest message accepted, in bytes (`ws` closes with 1009 above it). Default 100 MiB. */
  maxPayload?: number;
  /** Offer permessage-deflate. Default true. */
  perMessageDeflate?: boolean;
}

/** A message or control frame that crossed the connection, or an event worth a row. */
export interface ConnectionFrame {
  time: number;
  direction: Direction;
  kind: RowKind;
  payload: Buffer;
}

const MAX_ERROR_BODY = 64 * 1024;
const DEFAULT_MAX_PAYLOAD = 100 * 1024 * 1024;

/**
 * One WebSocket client connection around `ws`, with typed events for state changes and frames.
 * It never throws at the user: every failure becomes an `error` or `closed` state with a sentence.
 */
export class Connection {
  private readonly stateEmitter = new Emitter<ConnectionState>();
  private readonly frameEmitter = new Emitter<ConnectionFrame>();
  /** Fires on every change of phase. */
  readonly onState = this.stateEmitter.event;
  /** Fires for every message, ping, pong and close, sent or received, and for events (open, error). */
  readonly onFrame = this.frameEmitter.event;

  private socket: WebSocket | undefined;
  private current: ConnectionState = { phase: 'idle' };
  private closingByClient = false;
  private failed = false;

  constructor(readonly options: ConnectionOptions) {}

  get state(): ConnectionState {
    return this.current;
  }

  /** Opens the connection; resolves when it is open, rejects with a sentence when it fails. */
  connect(): Promise<void> {
    this.teardown();
    const { url } = this.options;
    this.closingByClient = false;
    this.failed = false;
    this.setState({ phase: 'connecting', url });
    const socket = new WebSocket(url, this.options.protocols ?? [], {
      headers: this.options.headers,
      handshakeTimeout: this.options.handshakeTimeout,
      maxPayload: this.options.maxPayload ?? DEFAULT_MAX_PAYLOAD,
      perMessageDeflate: this.options.perMessageDeflate ?? true,
      followRedirects: false,
    });
    this.socket = socket;

    return new Promise<void>((resolve, reject) => {
      socket.on('open', () => {
        this.setState({ phase: 'open', url, protocol: socket.protocol, extensions: socket.extensions, since: Date.now() });
        this.event('open', `Connected to ${url}${socket.protocol ? ` (subprotocol ${socket.protocol})` : ''}`);
        resolve();
      });
      socket.on('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
        readBody(res).then((body) => {
          this.fail(describeUnexpectedResponse(res.statusCode ?? 0, res.statusMessage, body, url), reject);
          req.destroy();
        });
      });
      socket.on('error', (err) => {
        if (this.current.phase === 'connecting') this.fail(describeConnectError(err, url), reject);
        else this.event('error', err.message);
      });
      socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary) => {
        this.frame('received', isBinary ? 'binary' : 'text', toBuffer(data));
      });
      socket.on('ping', (data) => this.frame('received', 'ping', data));
      socket.on('pong', (data) => this.frame('received', 'pong', data));
      socket.on('close', (code, reason) => {
        if (socket !== this.socket) return;
        const text = reason.toString('utf8');
        if (this.failed) return;
        const byClient = this.closingByClient;
        const message = describeClose(code, text, byClient);
        this.frame(byClient ? 'sent' : 'received', 'close', closePayload(code, text));
        this.setState({ phase: 'closed', url, code, reason: text, byClient, message });
        reject(new Error(message));
      });
    });
  }

  /** Sends a text message. Rejects when the connection is not open. */
  sendText(text: string): Promise<void> {
    return this.send(Buffer.from(text, 'utf8'), false);
  }

  /** Sends a binary message with exactly these bytes. */
  sendBinary(bytes: Buffer): Promise<void> {
    return this.send(bytes, true);
  }

  /** Starts a normal close; the `closed` state follows when the server answers. */
  close(code = 1000, reason = ''): void {
    const socket = this.socket;
    if (!socket) return;
    if (socket.readyState === WebSocket.CONNECTING) {
      this.closingByClient = true;
      this.failed = true;
      socket.terminate();
      this.setState({ phase: 'closed', url: this.options.url, code: 1006, reason: '', byClient: true, message: 'Connecting was cancelled.' });
      return;
    }
    if (socket.readyState !== WebSocket.OPEN) return;
    this.closingByClient = true;
    socket.close(code, reason);
  }

  /** Drops the socket without a close handshake and forgets every listener. */
  dispose(): void {
    this.teardown();
    this.stateEmitter.dispose();
    this.frameEmitter.dispose();
  }

  private send(bytes: Buffer, binary: boolean): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error('Not connected. Reconnect, then send again.'));
    }
    return new Promise((resolve, reject) => {
      socket.send(bytes, { binary }, (err) => {
        if (err) reject(new Error(`Sending failed: ${err.message}`));
        else resolve();
      });
      this.frame('sent', binary ? 'binary' : 'text', bytes);
    });
  }

  private fail(message: string, reject: (err: Error) => void): void {
    if (this.failed) return;
    this.failed = true;
    this.event('error', message);
    this.setState({ phase: 'error', url: this.options.url, message });
    this.socket?.terminate();
    reject(new Error(message));
  }

  private teardown(): void {
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

function closePayload(code: number, reason: string): Buffer {
  const reasonBytes = Buffer.from(reason, 'utf8');
  const payload = Buffer.allocUnsafe(2 + reasonBytes.length);
  payload.writeUInt16BE(code, 0);
  reasonBytes.copy(payload, 2);
  return payload;
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
