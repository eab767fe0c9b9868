import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { messagesMatch } from './compare';
import {
  eventPayload,
  firstConnection,
  messageEvent,
  type Session,
  type SessionClose,
  type SessionMessage,
} from './format';

export interface MockServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Delays are divided by this (default 1); Infinity sends answers at once. */
  speed?: number;
  /** What happens, for a log. */
  onEvent?: (event: MockServerEvent) => void;
}

export type MockServerEvent =
  | { type: 'connection'; client: number }
  | { type: 'matched'; client: number; index: number; answers: number }
  | { type: 'unmatched'; client: number; message: SessionMessage }
  | { type: 'disconnected'; client: number };

/** A running mock server. */
export interface MockServer {
  readonly url: string;
  readonly port: number;
  /** Clients connected now. */
  readonly clientCount: number;
  /** Drops every client and stops listening. */
  close(): Promise<void>;
}

/** What the server sends after a point of the conversation: messages (and maybe a close) with their delays. */
interface Answer {
  /** Ms after the previous answer (or the client message). */
  delay: number;
  message?: SessionMessage;
  close?: SessionClose;
}

interface Script {
  greeting: Answer[];
  expected: Array<{ message: SessionMessage; answers: Answer[] }>;
  protocol?: string;
}

/**
 * Serves a recording: each client that connects gets the recorded server side. The server
 * messages sent right after open go out at once (with their delays); after each client
 * message that matches a recorded one (same text or bytes, or equal JSON), the server
 * messages that followed it in the recording are sent with their original delays.
 * A client message that matches none is ignored (and reported as `unmatched`).
 */
export function serveSession(session: Session, options: MockServerOptions = {}): Promise<MockServer> {
  const script = buildScript(session);
  const host = options.host ?? '127.0.0.1';
  const speed = options.speed ?? 1;
  return new Promise((resolve, reject) => {
    const server = new WebSocketServer({
      host,
      port: options.port ?? 0,
      maxPayload: 100 * 1024 * 1024,
      handleProtocols: (offered) => (script.protocol && offered.has(script.protocol) ? script.protocol : false),
    });
    server.once('error', (err: NodeJS.ErrnoException) => {
      server.close();
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `Port ${options.port} on ${host} is already in use. Choose another port, or 0 for a free one.`
            : `The mock server could not start: ${err.message}`,
        ),
      );
    });
    server.once('listening', () => {
      const { port } = server.address() as AddressInfo;
      let clients = 0;
      const players = new Set<ClientPlayer>();
      server.on('connection', (socket) => {
        const player = new ClientPlayer(socket, ++clients, script, speed, options.onEvent);
        players.add(player);
        socket.on('close', () => {
          players.delete(player);
          player.stop();
        });
      });
      resolve({
        url: `ws://${host.includes(':') ? `[${host}]` : host}:${port}`,
        port,
        get clientCount() {
          return server.clients.size;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const p of players) p.stop();
            for (const c of server.clients) c.terminate();
            server.close(() => done());
          }),
      });
    });
  });
}

function buildScript(session: Session): Script {
  const events = firstConnection(session);
  const script: Script = { greeting: [], expected: [], protocol: session.header.handshake?.protocol || undefined };
  let answers = script.greeting;
  let lastT = events.find((e) => e.type === 'open')?.t ?? 0;
  for (const e of events) {
    if (e.type === 'message' && e.dir === 'sent') {
      answers = [];
      script.expected.push({ message: e, answers });
      lastT = e.t;
    } else if (e.type === 'message') {
      answers.push({ delay: Math.max(0, e.t - lastT), message: e });
      lastT = e.t;
    } else if (e.type === 'close' && !e.byClient && e.code !== 1006 && e.code !== 1005) {
      answers.push({ delay: Math.max(0, e.t - lastT), close: e });
      lastT = e.t;
    }
  }
  return script;
}

/** Plays the script to one client, its answers one after another. */
class ClientPlayer {
  private cursor = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly id: number,
    private readonly script: Script,
    private readonly speed: number,
    private readonly onEvent: MockServerOptions['onEvent'],
  ) {
    this.emit({ type: 'connection', client: id });
    socket.on('error', () => undefined);
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    this.play(script.greeting);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.emit({ type: 'disconnected', client: this.id });
  }

  private receive(data: RawData, isBinary: boolean): void {
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const got = messageEvent(0, 'sent', isBinary ? 'binary' : 'text', bytes);
    const { expected } = this.script;
    // The next recorded message first; else the first match after it, else one before it.
    let index: number | undefined;
    for (let k = 0; k < expected.length && index === undefined; k++) {
      const i = (this.cursor + k) % expected.length;
      if (messagesMatch(expected[i].message, got)) index = i;
    }
    if (index === undefined) {
      this.emit({ type: 'unmatched', client: this.id, message: got });
      return;
    }
    this.cursor = index + 1;
    this.emit({ type: 'matched', client: this.id, index, answers: expected[index].answers.length });
    this.play(expected[index].answers);
  }

  private play(answers: Answer[]): void {
    for (const answer of answers) {
      this.queue = this.queue.then(() => this.sleep(answer.delay / this.speed)).then(() => this.send(answer));
    }
  }

  private send(answer: Answer): Promise<void> {
    if (this.stopped || this.socket.readyState !== this.socket.OPEN) return Promise.resolve();
    if (answer.close) {
      this.socket.close(answer.close.code, answer.close.reason);
      return Promise.resolve();
    }
    const m = answer.message as SessionMessage;
    return new Promise((resolve) =>
      this.socket.send(m.kind === 'text' ? (m.text ?? '') : eventPayload(m), { binary: m.kind === 'binary' }, () =>
        resolve(),
      ),
    );
  }

  private sleep(ms: number): Promise<void> {
    if (!(ms > 0) || !Number.isFinite(ms) || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  private emit(event: MockServerEvent): void {
    try {
      this.onEvent?.(event);
    } catch {
      // A listener's failure must not stop the server.
    }
  }
}
