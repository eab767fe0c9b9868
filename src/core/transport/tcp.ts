import { isUtf8 } from 'node:buffer';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { ConnectionHealth, ConnectionState, HandshakeInfo } from '../../shared/protocol';
import { Emitter, OrderedEmitter } from '../emitter';
import { describeConnectError } from '../errors';
import { FrameLog } from '../frameSniffer';
import { createFramer, frameOutgoing, toFraming, type Framer, type Framing, type RawChunk } from '../framing';
import { describeTlsError, loadTlsOptions, tlsInfoOf } from '../tls';
import type { Side, Transport, TransportMessage, TransportNote, TransportOptions } from './transport';
import { formatBytes, formatMs } from './wsDescribe';
import { CLOSE_TIMEOUT_MS, DEFAULT_MAX_PAYLOAD, DEFAULT_SEND_TIMEOUT_MS } from './wsOptions';
import { ChunkLog, DEFAULT_CHUNK_LOG_BYTES } from './tcpChunks';

/** Options only a raw TCP/TLS transport reads (the rest of TransportOptions: timeouts, TLS, maxPayload). */
export interface TcpSettings {
  /** How received bytes are cut into messages, and how sent ones are framed. Default raw (each chunk). */
  framing?: Framing | string;
  /** Bytes of raw chunks kept for `reframe` (oldest dropped first). Default 64 MiB; 0 keeps none. */
  chunkLogBytes?: number;
}

/** `tcp://host:port` or `tls://host:port`, or the sentence for a URL that is neither. */
export function parseTcpUrl(
  url: string,
): { ok: true; tls: boolean; host: string; port: number } | { ok: false; error: string } {
  const m = /^(tcp|tls):\/\/(\[[^\]]+\]|[^/:?#\s]+):(\d+)\/?$/i.exec(url.trim());
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535)
    return {
      ok: false,
      error: `"${url}" is not a TCP address: write tcp://host:port (or tls://host:port for TLS), with a port from 1 to 65535.`,
    };
  return { ok: true, tls: m[1].toLowerCase() === 'tls', host: m[2].replace(/^\[|\]$/g, ''), port };
}

/**
 * A raw TCP or TLS connection as a transport: no handshake beyond TLS, no control frames, no close
 * codes (1000 for an orderly end, 1006 for a reset or error). Received bytes go through a framer;
 * each chunk is also reported raw (`onChunk`, `chunks`) so another framing can be applied later.
 */
export class TcpTransport implements Transport {
  private readonly stateEmitter = new Emitter<ConnectionState>();
  private readonly messageEmitter = new OrderedEmitter<TransportMessage>();
  private readonly noteEmitter = new Emitter<TransportNote>();
  private readonly handshakeEmitter = new Emitter<HandshakeInfo>();
  private readonly healthEmitter = new Emitter<ConnectionHealth>();
  private readonly chunkEmitter = new Emitter<RawChunk>();
  readonly onState = this.stateEmitter.event;
  readonly onMessage = this.messageEmitter.event;
  readonly onNote = this.noteEmitter.event;
  readonly onHandshake = this.handshakeEmitter.event;
  readonly onHealth = this.healthEmitter.event;
  /** Every chunk as it went on or came off the wire, before framing. */
  readonly onChunk = this.chunkEmitter.event;
  /** No WebSocket frames on a raw socket: an empty log. */
  readonly frames = new FrameLog(false);
  /** The raw chunks kept (bounded by `chunkLogBytes`). */
  readonly chunks: ChunkLog;
  readonly health: ConnectionHealth = { healthy: true, missedPongs: 0 };
  /** Bytes on the wire each way, framing included. */
  readonly wireBytes = { sent: 0, received: 0 };

  private socket: Socket | undefined;
  private current: ConnectionState = { phase: 'idle' };
  private info: HandshakeInfo | undefined;
  private framing: Framing;
  private framer: Framer | undefined;
  private closingByClient = false;
  private peerEnded = false;
  private answered: boolean | undefined;
  private fatal: string | undefined;
  private readonly max: number;

  constructor(readonly options: TransportOptions) {
    this.framing = toFraming(options.framing);
    this.max = options.maxPayload ?? DEFAULT_MAX_PAYLOAD;
    this.chunks = new ChunkLog(options.chunkLogBytes ?? DEFAULT_CHUNK_LOG_BYTES);
  }

  get state(): ConnectionState {
    return this.current;
  }
  get handshake(): HandshakeInfo | undefined {
    return this.info;
  }
  get closeAnswered(): boolean | undefined {
    return this.answered;
  }
  /** The framing in use (received messages are cut with it, sent ones framed with it). */
  get currentFraming(): Framing {
    return this.framing;
  }

  /** Cuts what arrives from now on with another framing (bytes waiting for the old one are flushed first). */
  setFraming(framing: Framing | string): void {
    this.framing = toFraming(framing);
    if (this.framer) {
      this.framer.end();
      this.framer = this.newFramer();
    }
  }

  connect(): Promise<void> {
    const { url } = this.options;
    this.teardown();
    this.closingByClient = this.peerEnded = false;
    this.answered = this.fatal = undefined;
    this.setState({ phase: 'connecting', url });
    return new Promise<void>((resolve, reject) => {
      this.cancelConnect = reject;
      const target = parseTcpUrl(url);
      if (!target.ok) return this.fail(target.error, reject);
      const where = `${target.host}:${target.port}`;
      const start = Date.now();
      const info: HandshakeInfo = {
        url,
        finalUrl: url,
        protocol: '',
        extensions: [],
        redirects: [],
        timings: { start },
        ok: false,
      };
      this.info = info;
      let socket: Socket;
      if (target.tls) {
        const tls = loadTlsOptions(this.options);
        if (!tls.ok) return this.fail(tls.error, reject);
        const servername = this.options.servername ?? (isIP(target.host) ? undefined : target.host);
        socket = tlsConnect({
          host: target.host,
          port: target.port,
          ...tls.options,
          ...(servername ? { servername } : {}),
        });
      } else socket = netConnect({ host: target.host, port: target.port });
      this.socket = socket;
      socket.setNoDelay(true);
      const timer = setTimeout(() => {
        this.fail(
          `Connecting to ${where} timed out after ${formatMs(this.options.handshakeTimeout)}. Check that the host is reachable and the port open (to wait longer: "# @timeout 30s" in a .ws file).`,
          reject,
        );
      }, this.options.handshakeTimeout);
      socket.once('connect', () => {
        info.timings.tcpMs = Date.now() - start;
        info.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
      });
      const opened = () => {
        clearTimeout(timer);
        const now = Date.now();
        if (target.tls) {
          info.timings.tlsMs = now - start - (info.timings.tcpMs ?? 0);
          info.tls = tlsInfoOf(socket as TLSSocket);
        }
        info.timings.totalMs = now - start;
        info.ok = true;
        this.framer = this.newFramer();
        this.handshakeEmitter.fire(info);
        this.setState({ phase: 'open', url, protocol: '', extensions: '', since: now });
        this.note('open', `Connected to ${url}`);
        resolve();
      };
      socket.once(target.tls ? 'secureConnect' : 'connect', opened);
      socket.on('data', (chunk: Buffer) => this.received(chunk));
      socket.on('end', () => {
        this.peerEnded = true;
        if (this.closingByClient) this.answered = true;
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (this.current.phase === 'connecting') {
          const message =
            describeTlsError(err, where) ??
            describeConnectError(err, url.replace(/^tls:/i, 'wss:').replace(/^tcp:/i, 'ws:'));
          return this.fail(
            message.replace(/reset the connection during the handshake\..*$/, 'reset the connection while connecting.'),
            reject,
          );
        }
        this.lastError = err;
      });
      socket.on('close', () => {
        clearTimeout(timer);
        if (socket !== this.socket || this.current.phase === 'error') return;
        this.ended(reject);
      });
    });
  }

  private lastError: NodeJS.ErrnoException | undefined;
  /** Rejects the pending connect() (a close while connecting). */
  private cancelConnect: ((err: Error) => void) | undefined;

  sendText(text: string): Promise<void> {
    return this.send(Buffer.from(text, 'utf8'), false);
  }

  sendBinary(bytes: Buffer): Promise<void> {
    return this.send(bytes, true);
  }

  /** Half-closes: our side ends (FIN); the connection ends when the peer ends its side too (or after 5 s). */
  close(): void {
    const socket = this.socket;
    if (!socket) return;
    if (this.current.phase === 'connecting') {
      this.closingByClient = true;
      socket.destroy();
      this.cancelConnect?.(new Error('Connecting was cancelled.'));
      this.setState({
        phase: 'closed',
        url: this.options.url,
        code: 1006,
        reason: '',
        byClient: true,
        message: 'Connecting was cancelled.',
      });
      this.socket = undefined;
      return;
    }
    if (this.current.phase !== 'open' || this.closingByClient) return;
    this.closingByClient = true;
    this.answered = this.peerEnded ? true : undefined;
    socket.end();
    const timer = setTimeout(() => {
      if (this.socket !== socket || socket.destroyed) return;
      this.answered = false;
      socket.destroy();
    }, CLOSE_TIMEOUT_MS);
    timer.unref?.();
  }

  dispose(): void {
    this.teardown();
    for (const e of [
      this.stateEmitter,
      this.messageEmitter,
      this.noteEmitter,
      this.handshakeEmitter,
      this.healthEmitter,
      this.chunkEmitter,
    ])
      e.dispose();
  }

  private newFramer(): Framer {
    return createFramer(this.framing, this.max, {
      message: (payload, note) => {
        this.message('received', payload);
        if (note) this.note('info', note);
      },
      fatal: (sentence) => {
        this.fatal = sentence;
        this.note('error', sentence);
        this.socket?.destroy();
      },
    });
  }

  private received(chunk: Buffer): void {
    const time = Date.now();
    this.wireBytes.received += chunk.length;
    const raw: RawChunk = { time, direction: 'received', bytes: chunk };
    this.chunks.add(raw);
    this.chunkEmitter.fire(raw);
    this.framer?.push(chunk);
  }

  private send(payload: Buffer, binary: boolean): Promise<void> {
    const socket = this.socket;
    if (!socket || this.current.phase !== 'open' || this.closingByClient || socket.writableEnded)
      return Promise.reject(new Error('Not connected. Reconnect, then send again.'));
    let wire: Buffer;
    try {
      wire = frameOutgoing(this.framing, payload);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    const limitMs = this.options.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    const sent = new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        this.note('error', `Sending stopped after ${formatMs(limitMs)}: the server is not reading.`);
        reject(
          new Error(
            `The server stopped reading: ${formatBytes(socket.writableLength)} were still waiting to be sent after ${formatMs(limitMs)}. Check that the server reads its socket, or close the connection (the send limit is sendTimeoutMs).`,
          ),
        );
      }, limitMs);
      timer.unref?.();
      socket.write(wire, (err) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!err && !socket.destroyed) return resolve();
        this.note(
          'error',
          `Not delivered: a ${binary ? 'binary' : 'text'} message of ${formatBytes(payload.length)} was dropped with the connection before it was sent.`,
        );
        reject(
          new Error(
            err
              ? `Sending failed: ${err.message}`
              : `Not delivered: the connection was dropped before the ${formatBytes(payload.length)} message was sent.`,
          ),
        );
      });
    });
    const time = Date.now();
    this.wireBytes.sent += wire.length;
    const raw: RawChunk = { time, direction: 'sent', bytes: wire };
    this.chunks.add(raw);
    this.chunkEmitter.fire(raw);
    this.message('sent', payload, binary ? 'binary' : 'text');
    return sent;
  }

  /** The socket closed after opening: what arrived of a message is kept, and the end said. */
  private ended(reject: (err: Error) => void): void {
    this.framer?.end();
    this.framer = undefined;
    const err = this.lastError;
    const where = parseTcpUrl(this.options.url);
    const server = where.ok ? `${where.host}:${where.port}` : this.options.url;
    let message: string;
    let code = 1000;
    if (this.fatal) {
      message = this.fatal;
      code = 1009;
    } else if (err?.code === 'ECONNRESET' || err?.code === 'EPIPE') {
      message = `${server} reset the connection (${err.code}).`;
      code = 1006;
    } else if (err) {
      message = `The connection to ${server} failed: ${describeTlsError(err, server) ?? err.message}`;
      code = 1006;
    } else if (this.closingByClient)
      message =
        this.answered === false
          ? `Closed by you; ${server} did not end its side within ${formatMs(CLOSE_TIMEOUT_MS)}, so the connection was dropped.`
          : 'Closed by you.';
    else message = `${server} closed the connection.`;
    if (code !== 1000 || !this.closingByClient) this.note(code === 1000 ? 'info' : 'error', message);
    this.setState({
      phase: 'closed',
      url: this.options.url,
      code,
      reason: '',
      byClient: this.closingByClient || !!this.fatal,
      message,
    });
    reject(new Error(message));
  }

  private fail(message: string, reject: (err: Error) => void): void {
    if (this.info) {
      this.info.error = message;
      this.handshakeEmitter.fire(this.info);
    }
    this.note('error', message);
    this.setState({ phase: 'error', url: this.options.url, message });
    this.socket?.destroy();
    reject(new Error(message));
  }

  private teardown(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.framer = undefined;
    this.lastError = undefined;
    if (socket) {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
    }
  }

  private message(direction: Side, payload: Buffer, kind?: 'text' | 'binary'): void {
    this.messageEmitter.fire({
      time: Date.now(),
      direction,
      kind: kind ?? (isUtf8(payload) ? 'text' : 'binary'),
      payload,
    });
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.stateEmitter.fire(state);
  }

  private note(level: TransportNote['level'], text: string): void {
    this.noteEmitter.fire({ time: Date.now(), level, text });
  }
}
