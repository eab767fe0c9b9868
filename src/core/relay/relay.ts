import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { HandshakeRequest } from '../../shared/protocol';
import { Emitter } from '../emitter';
import { describeConnectError } from '../errors';
import { HandshakeRecorder } from '../handshake';
import { proxyFor, redactProxy, type ProxySettings } from '../proxy';
import { loadTlsOptions, type TlsSettings } from '../tls';
import type { TransportNote } from '../transport';
import { openRawClient } from '../transport/rawClient';
import type { WebSocketOptions } from '../transport/wsOptions';
import type { Breakpoint } from './breakpoints';
import { RelayConnection } from './connection';
import type { RelayDecoder, RelayRule } from './match';
import {
  answerWith,
  offeredDeflate,
  offeredProtocols,
  passedHeaders,
  readRawBody,
  targetUrl,
  type PathRule,
} from './upgrade';

/** How to run a relay. TLS and proxy fields are those of a connection (tls.ts, proxy.ts) and apply to the target. */
export interface RelayOptions extends TlsSettings, ProxySettings {
  /** Port to listen on; 0 picks a free one. */
  listen: number;
  /** Address to listen on. Default 127.0.0.1; another one exposes the relay to the network (the caller warns). */
  host?: string;
  /** ws:// or wss:// URL of the server the app's connections go to. */
  target: string;
  /** Default: keep the client's path and query (after the target's own path). */
  pathRule?: PathRule;
  /** Host header toward the target: 'target' (default, from its URL), 'client' (as the app sent it), or a value. */
  hostHeader?: string;
  /** Origin toward the target: 'client' (default, as the app sent it), 'target' (the target's origin), or a value. */
  origin?: string;
  /** Milliseconds for the target's handshake. Default 10 s. */
  handshakeTimeout?: number;
  maxPayload?: number;
  /** Breakpoints and rules every new connection starts with. */
  breakpoints?: readonly Breakpoint[];
  rules?: readonly RelayRule[];
  /** A decoder's view of a message, for breakpoint and rule conditions on decoded fields. */
  decoder?: RelayDecoder;
  /** Bytes waiting toward one side above which the other side is paused. Default 1 MiB. */
  highWater?: number;
}

/** A client the target refused (or could not be reached for): what the client got back. */
export interface RelayRefusal {
  time: number;
  url: string;
  clientAddress: string;
  status: number;
  message: string;
}

export interface RelayCounts {
  live: number;
  ended: number;
  refused: number;
}

/** Ended connections kept in `connections` (the oldest are forgotten past it). */
const KEPT_ENDED = 1000;

/**
 * A WebSocket relay: the app connects to it, and each of its connections is forwarded to the
 * target as a `RelayConnection` (a Transport the inspector can adopt). The upgrade is accepted
 * only once the target accepted it, so a refusal reaches the app unchanged.
 *
 * permessage-deflate: `ws` compresses per leg, so the relay inflates and deflates again. It offers
 * deflate to the target only when the app offered it, and accepts it from the app only when the
 * target accepted it; the parameters (window bits, context takeover) are each leg's own.
 */
export class Relay {
  private readonly connectionEmitter = new Emitter<RelayConnection>();
  private readonly endEmitter = new Emitter<RelayConnection>();
  private readonly refusalEmitter = new Emitter<RelayRefusal>();
  private readonly noteEmitter = new Emitter<TransportNote>();
  /** A client's connection is relayed (both legs open). */
  readonly onConnection = this.connectionEmitter.event;
  /** A relayed connection ended (both legs closed). */
  readonly onConnectionEnd = this.endEmitter.event;
  /** The target refused a client, or could not be reached: the client got the answer. */
  readonly onRefused = this.refusalEmitter.event;
  readonly onNote = this.noteEmitter.event;
  readonly counts: RelayCounts = { live: 0, ended: 0, refused: 0 };
  /** Live connections and the last ended ones, oldest first. */
  readonly connections: RelayConnection[] = [];
  private server: Server | undefined;
  private readonly plain: WebSocketServer;
  private readonly deflating: WebSocketServer;
  private readonly chosen = new WeakMap<IncomingMessage, string>();
  private readonly pending = new Set<WebSocket>();
  private nextId = 1;
  private breakpoints: readonly Breakpoint[];
  private rules: readonly RelayRule[];

  constructor(readonly options: RelayOptions) {
    const url = new URL(options.target);
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
      throw new Error(`The relay's target must be a ws:// or wss:// URL, not "${options.target}".`);
    this.breakpoints = options.breakpoints ?? [];
    this.rules = options.rules ?? [];
    const common = {
      noServer: true,
      clientTracking: false,
      autoPong: false,
      maxPayload: options.maxPayload ?? 100 * 1024 * 1024,
      // The subprotocol the target chose, answered back (none: no header).
      handleProtocols: (_offered: Set<string>, req: IncomingMessage) => this.chosen.get(req) || false,
    };
    this.plain = new WebSocketServer({ ...common, perMessageDeflate: false });
    this.deflating = new WebSocketServer({ ...common, perMessageDeflate: true });
  }

  /** Listens; resolves with the port. Rejects with a sentence when the address is taken or not available. */
  start(): Promise<number> {
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('This is a WebSocket relay: connect with a WebSocket client.\n');
    });
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
    this.server = server;
    const host = this.options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new Error(`The relay cannot listen on ${host}:${this.options.listen}: ${err.code ?? err.message}.`)),
      );
      server.listen(this.options.listen, host, () => resolve((server.address() as AddressInfo).port));
    });
  }

  get port(): number | undefined {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : undefined;
  }

  /** Breakpoints for new connections and every live one. Throws a FilterError with a sentence. */
  setBreakpoints(breakpoints: readonly Breakpoint[]): void {
    for (const c of this.live()) c.setBreakpoints(breakpoints);
    this.breakpoints = breakpoints;
  }

  /** Rules for new connections and every live one. Throws a FilterError with a sentence. */
  setRules(rules: readonly RelayRule[]): void {
    for (const c of this.live()) c.setRules(rules);
    this.rules = rules;
  }

  live(): RelayConnection[] {
    return this.connections.filter((c) => c.state.phase === 'open');
  }

  /** Stops listening and closes every relayed connection (1001 both ways); resolves when the server is closed. */
  async stop(): Promise<void> {
    for (const ws of this.pending) ws.terminate();
    for (const c of this.live()) c.close(1001, 'The relay stopped.');
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    for (const c of this.live()) c.dispose();
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const o = this.options;
    const clientAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on('error', () => undefined);
    const url = targetUrl(o.target, req.url ?? '/', o.pathRule);
    const headers = passedHeaders(req);
    if (o.hostHeader === 'client' && req.headers.host) headers.host = req.headers.host;
    else if (o.hostHeader && o.hostHeader !== 'target') headers.host = o.hostHeader;
    const origin =
      o.origin === 'target'
        ? new URL(o.target).origin.replace(/^ws/, 'http')
        : o.origin && o.origin !== 'client'
          ? o.origin
          : req.headers.origin;
    const refuse = (status: number, message: string, rawHeaders: string[] = [], body?: Buffer) => {
      this.counts.refused++;
      answerWith(socket, status, statusText(status), rawHeaders, body ?? Buffer.from(message + '\n'));
      this.refusalEmitter.fire({ time: Date.now(), url, clientAddress, status, message });
      this.note('error', `${clientAddress} → ${url}: ${message}`);
    };
    const tls = loadTlsOptions(o);
    if (!tls.ok) return refuse(502, tls.error);
    const proxy = proxyFor(url, o);
    const recorder = new HandshakeRecorder(url, false, proxy ? redactProxy(proxy) : undefined);
    const wsOptions: WebSocketOptions = {
      url,
      headers,
      origin,
      protocols: offeredProtocols(req),
      handshakeTimeout: o.handshakeTimeout ?? 10_000,
      maxPayload: o.maxPayload,
      perMessageDeflate: offeredDeflate(req),
    };
    // Offered as a header, not to `ws`: its client fails when a server that was offered subprotocols chooses none,
    // which browsers accept; the relay checks the choice itself (on 'upgrade').
    const offered = wsOptions.protocols ?? [];
    const legOptions = offered.length
      ? { ...wsOptions, headers: { ...headers, 'Sec-WebSocket-Protocol': offered.join(', ') } }
      : wsOptions;
    let chosen = '';
    let server: WebSocket;
    try {
      server = openRawClient(legOptions, tls.options, recorder, proxy);
    } catch (err) {
      return refuse(502, `Could not connect to ${url}: ${(err as Error).message}`);
    }
    this.pending.add(server);
    // The app gave up before the target answered.
    const abandon = () => server.terminate();
    socket.once('close', abandon);
    let answered = false;
    server.on('upgrade', (res: IncomingMessage) => {
      recorder.upgraded(res);
      chosen = String(res.headers['sec-websocket-protocol'] ?? '');
      delete res.headers['sec-websocket-protocol'];
      if (chosen && !offered.includes(chosen)) {
        answered = true;
        this.pending.delete(server);
        server.terminate();
        refuse(502, `The target chose the subprotocol "${chosen}", which the client did not offer.`);
      }
    });
    server.on('unexpected-response', (creq, res: IncomingMessage) => {
      answered = true;
      void readRawBody(res).then((body) => {
        this.pending.delete(server);
        recorder.refused(res, body.toString('utf8'));
        const status = res.statusCode ?? 502;
        answerWith(socket, status, res.statusMessage ?? '', res.rawHeaders, body);
        this.counts.refused++;
        const message = `The target refused the upgrade: ${status} ${res.statusMessage ?? ''}`.trim() + '.';
        this.refusalEmitter.fire({ time: Date.now(), url, clientAddress, status, message });
        this.note('error', `${clientAddress} → ${url}: ${message}`);
        creq.destroy();
      });
    });
    server.on('error', (err: Error) => {
      this.pending.delete(server);
      if (answered || server.readyState === WebSocket.OPEN) return;
      answered = true;
      refuse(502, describeConnectError(err, url));
    });
    server.on('open', () => {
      this.pending.delete(server);
      socket.removeListener('close', abandon);
      recorder.opened();
      server.pause();
      this.chosen.set(req, chosen);
      const wss = /permessage-deflate/.test(server.extensions) ? this.deflating : this.plain;
      wss.handleUpgrade(req, socket, head, (client) => {
        const connection = new RelayConnection(client, server, {
          id: this.nextId++,
          options: wsOptions,
          handshake: recorder.info,
          clientRequest: clientRequest(req),
          clientAddress,
          protocol: chosen,
          breakpoints: this.breakpoints,
          rules: this.rules,
          decoder: o.decoder,
          highWater: o.highWater,
        });
        this.adopt(connection);
        server.resume();
      });
    });
  }

  private adopt(connection: RelayConnection): void {
    this.connections.push(connection);
    this.counts.live++;
    connection.onState((s) => {
      if (s.phase !== 'closed') return;
      this.counts.live--;
      this.counts.ended++;
      this.endEmitter.fire(connection);
      const ended = this.connections.filter((c) => c.state.phase === 'closed');
      if (ended.length > KEPT_ENDED) this.connections.splice(this.connections.indexOf(ended[0]), 1);
    });
    this.connectionEmitter.fire(connection);
  }

  private note(level: TransportNote['level'], text: string): void {
    this.noteEmitter.fire({ time: Date.now(), level, text });
  }
}

function statusText(status: number): string {
  return status === 502 ? 'Bad Gateway' : status === 504 ? 'Gateway Timeout' : 'Error';
}

function clientRequest(req: IncomingMessage): HandshakeRequest {
  const headers = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    headers.push({ name: req.rawHeaders[i], value: req.rawHeaders[i + 1] });
  return { requestLine: `${req.method} ${req.url} HTTP/${req.httpVersion}`, headers };
}
