import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, to give it a quiet log
import sockjs = require('sockjs');
import { WebSocketServer, type WebSocket } from 'ws';
import { stomp, type StompSession, type StompSettings } from '../../src/core/protocols';
import { createTransport, type TransportMessage, type TransportOptions } from '../../src/core/transport';

// The real servers: stomp-broker-js (its ws@5 adapter for plain WebSocket, its sockjs adapter for
// SockJS) and the `sockjs` server, on 127.0.0.1 port 0.

/** The part of stomp-broker-js' StompServer the tests use (it ships no types). */
export interface Broker {
  conf: { heartbeat: [number, number] };
  /** The adapter: ws@5's WebSocketServer for `ws`. */
  socket: {
    clients?: Set<{ heartbeatClock?: unknown; terminate(): void; close(): void }>;
    close?(cb?: () => void): void;
  };
  send(topic: string, headers: Record<string, string>, body: string): void;
  heartbeatOff(socket: unknown): void;
  on(
    event: 'connected' | 'subscribe' | 'unsubscribe' | 'send' | 'disconnected',
    cb: (...args: unknown[]) => void,
  ): void;
}

type BrokerClass = new (config: Record<string, unknown>) => Broker;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const StompBroker = require('stomp-broker-js') as BrokerClass;

// stomp-broker-js gives sockjs no `log` option, and sockjs logs every request to the console by default.
const createSockJs = sockjs.createServer.bind(sockjs);
sockjs.createServer = (options) => createSockJs({ log: () => undefined, ...options });

export interface BrokerServer {
  /** ws://…/stomp for `ws`, http://…/stomp for `sockjs` (what a SockJS client is given). */
  url: string;
  broker: Broker;
  /** Every CONNECT's headers the broker saw. */
  connects: Array<Record<string, string>>;
  close(): Promise<void>;
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function shut(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * stomp-broker-js on its own HTTP server. `heartbeat` is the broker's [sends every, wants every]:
 * it takes one direction only, client → server when the client offers to send, and closes a
 * client whose beats are late by more than `heartbeatErrorMargin`.
 */
export async function startBroker(
  options: { protocol?: 'ws' | 'sockjs'; heartbeat?: [number, number]; heartbeatErrorMargin?: number } = {},
): Promise<BrokerServer> {
  const server = createServer();
  const protocol = options.protocol ?? 'ws';
  const broker = new StompBroker({
    server,
    path: '/stomp',
    protocol,
    heartbeat: options.heartbeat ?? [0, 0],
    heartbeatErrorMargin: options.heartbeatErrorMargin ?? 1000,
  });
  const connects: Array<Record<string, string>> = [];
  broker.on('connected', (_id, headers) => connects.push(headers as Record<string, string>));
  const port = await listen(server);
  const scheme = protocol === 'ws' ? 'ws' : 'http';
  return {
    url: `${scheme}://127.0.0.1:${port}/stomp`,
    broker,
    connects,
    close: async () => {
      for (const c of broker.socket.clients ?? []) {
        clearInterval(c.heartbeatClock as NodeJS.Timeout);
        c.terminate();
      }
      await shut(server);
    },
  };
}

/** Drops every client of a `ws` broker (TCP gone, no close frame). */
export function dropClients(b: BrokerServer): void {
  for (const c of b.broker.socket.clients ?? []) c.terminate();
}

/** The `sockjs` server: it echoes what it gets, closes with 3001 "bye" on "close", and beats every `heartbeatMs`. */
export async function startSockJsEcho(heartbeatMs = 25_000): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer();
  const echo = sockjs.createServer({ prefix: '/echo', heartbeat_delay: heartbeatMs, log: () => undefined });
  echo.on('connection', (conn: sockjs.Connection) => {
    conn.on('data', (d: string) => (d === 'close' ? conn.close('3001', 'bye') : conn.write(d)));
  });
  echo.installHandlers(server, { prefix: '/echo' });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}/echo`, close: () => shut(server) };
}

/** A plain `ws` server on port 0 whose connections `onConnection` drives (a STOMP server of our own making). */
export async function startWs(
  onConnection: (ws: WebSocket, req: IncomingMessage) => void,
  handleProtocols?: (offered: Set<string>) => string | false,
): Promise<{ url: string; wss: WebSocketServer; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...(handleProtocols ? { handleProtocols } : {}) });
  await new Promise((resolve) => wss.once('listening', resolve));
  wss.on('connection', onConnection);
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/stomp`;
  return {
    url,
    wss,
    close: () => {
      for (const c of wss.clients) c.terminate();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}

/** A STOMP client of ours for `url` (http(s) means SockJS), with every message and note kept. */
export function stompClient(url: string, settings: StompSettings = {}, transport: Partial<TransportOptions> = {}) {
  const e = stomp.endpoint(url, settings);
  if ('error' in e) throw new Error(e.error);
  const t = createTransport({ url: e.url, protocols: e.protocols, handshakeTimeout: 2000, ...transport });
  const s: StompSession = stomp.attach(t, e.settings);
  const messages: TransportMessage[] = [];
  const notes: string[] = [];
  t.onMessage((m) => messages.push(m));
  s.onNote((n) => notes.push(`${n.level}: ${n.text}`));
  const texts = (direction: 'sent' | 'received') =>
    messages.filter((m) => m.direction === direction && m.kind === 'text').map((m) => m.payload.toString('utf8'));
  return {
    t,
    s,
    url: e.url,
    notes,
    messages,
    sent: () => texts('sent'),
    received: () => texts('received'),
    dispose: () => (s.dispose(), t.dispose()),
  };
}
