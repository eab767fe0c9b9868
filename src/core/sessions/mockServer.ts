import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import type { ConnectionFacts, OutgoingFrame, ProtocolServerPeer } from '../protocols';
import { diffMessages } from './compare';
import {
  eventPayload,
  firstConnection,
  messageEvent,
  type Session,
  type SessionClose,
  type SessionMessage,
} from './format';
import {
  decodeWith,
  early,
  IdMap,
  isProtocolOwn,
  recordingProtocol,
  viewOf,
  type RecordedProtocol,
} from './protocolPlay';

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
  /** The protocol's server part answered a client message itself (a CONNECT, a ping, connection_init). */
  | { type: 'protocol'; client: number; message: SessionMessage; answers: number }
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
  /** The protocol the recording speaks, when it has a server part (`serve`). */
  played?: RecordedProtocol;
  /** The recording's client did a protocol handshake: the greeting waits for the peer's answer to it. */
  clientHandshake: boolean;
}

/**
 * Serves a recording: each client that connects gets the recorded server side. The server
 * messages sent right after open go out at once (with their delays); after each client
 * message that matches a recorded one (same text or bytes, or equal JSON), the server
 * messages that followed it in the recording are sent with their original delays.
 * A client message that matches none is ignored (and reported as `unmatched`).
 *
 * When the recording speaks a protocol with a server part (`Protocol.serve`), each client also
 * gets that: its greeting (an Engine.IO open with a new sid), its answers to the handshake and
 * keepalives (CONNECT, connection_init, pings) and its subprotocol; the recorded handshake and
 * keepalive messages are not played, and the recorded greeting follows the client's handshake.
 * Messages also match by the protocol's decoded view, an id the client chose (a Socket.IO ack id)
 * apart, and the recorded answer to it carries the client's id.
 */
export function serveSession(session: Session, options: MockServerOptions = {}): Promise<MockServer> {
  const script = buildScript(session);
  const host = options.host ?? '127.0.0.1';
  const speed = options.speed ?? 1;
  const peers = new WeakMap<IncomingMessage, ProtocolServerPeer>();
  return new Promise((resolve, reject) => {
    const server = new WebSocketServer({
      host,
      port: options.port ?? 0,
      maxPayload: 100 * 1024 * 1024,
      handleProtocols: (offered, request) => {
        const peer = script.played && newPeer(script.played, request);
        if (peer) peers.set(request, peer);
        const chosen = peer?.subprotocol ? peer.subprotocol([...offered]) : script.protocol;
        return chosen && offered.has(chosen) ? chosen : false;
      },
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
      server.on('connection', (socket, request) => {
        const peer = peers.get(request) ?? (script.played && newPeer(script.played, request));
        const player = new ClientPlayer(socket, ++clients, script, speed, options.onEvent, peer);
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

/** The protocol's server part for a client, told the client's Engine.IO revision where its URL says one. */
function newPeer(played: RecordedProtocol, request: IncomingMessage): ProtocolServerPeer | undefined {
  if (!played.protocol.serve) return undefined;
  const facts: ConnectionFacts = { ...played.facts };
  if (request.url && /[?&]EIO=/.test(request.url))
    facts.url = `ws://${request.headers.host ?? 'localhost'}${request.url}`;
  return played.protocol.serve(facts);
}

function buildScript(session: Session): Script {
  const events = firstConnection(session);
  const recorded = recordingProtocol(session);
  const played = recorded?.protocol.serve ? recorded : undefined;
  const script: Script = {
    greeting: [],
    expected: [],
    protocol: session.header.handshake?.protocol || undefined,
    played,
    clientHandshake: false,
  };
  let answers = script.greeting;
  let lastT = events.find((e) => e.type === 'open')?.t ?? 0;
  for (const e of events) {
    const view = played && e.type === 'message' ? viewOf(played.decoder, early(e)) : undefined;
    // The protocol's own messages are the peer's to answer and send; their delays stay in the next answer's.
    if (isProtocolOwn(view)) {
      if (e.type === 'message' && e.dir === 'sent' && view?.handshake) script.clientHandshake = true;
      continue;
    }
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
  private greeted = false;
  private readonly ids: IdMap;
  private readonly decode: ((m: SessionMessage) => unknown) | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly id: number,
    private readonly script: Script,
    private readonly speed: number,
    private readonly onEvent: MockServerOptions['onEvent'],
    private readonly peer?: ProtocolServerPeer,
  ) {
    this.ids = new IdMap(script.played?.protocol.replay?.ids);
    this.decode = script.played && decodeWith(script.played.decoder);
    this.emit({ type: 'connection', client: id });
    socket.on('error', () => undefined);
    socket.on('message', (data, isBinary) => this.receive(data, isBinary));
    if (peer) {
      this.sendFrames(peer.greet());
      peer.start?.((frames) => this.sendFrames(frames));
    }
    if (!peer || !script.clientHandshake) this.greet();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.peer?.dispose?.();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.emit({ type: 'disconnected', client: this.id });
  }

  private receive(data: RawData, isBinary: boolean): void {
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    const got = messageEvent(0, 'sent', isBinary ? 'binary' : 'text', bytes);
    const protocolAnswer = this.peer?.answer(early(got));
    if (protocolAnswer) {
      this.sendFrames(protocolAnswer);
      this.emit({ type: 'protocol', client: this.id, message: got, answers: protocolAnswer.length });
      // The recorded greeting (a welcome event) follows the client's handshake, as it did when recorded.
      if (this.script.played && viewOf(this.script.played.decoder, early(got))?.handshake) this.greet();
      return;
    }
    const { expected } = this.script;
    // The next recorded message first; else the first match after it, else one before it.
    let index: number | undefined;
    for (let k = 0; k < expected.length && index === undefined; k++) {
      const i = (this.cursor + k) % expected.length;
      if (this.matches(expected[i].message, got)) index = i;
    }
    if (index === undefined) {
      this.emit({ type: 'unmatched', client: this.id, message: got });
      return;
    }
    this.cursor = index + 1;
    this.emit({ type: 'matched', client: this.id, index, answers: expected[index].answers.length });
    this.play(expected[index].answers);
  }

  /** Same bytes, equal JSON, or (with a protocol) equal decoded views, a client-chosen id apart. */
  private matches(expected: SessionMessage, got: SessionMessage): boolean {
    const mine = this.ids.ids?.(early(got));
    const theirs = this.ids.ids?.(early(expected));
    let recorded = expected;
    if (mine && theirs && mine.role === 'asks' && theirs.role === 'asks' && mine.key === theirs.key)
      recorded = messageEvent(expected.t, expected.dir, expected.kind, theirs.withId(mine.id));
    if (diffMessages(recorded, got, [], 1, this.decode) !== undefined) return false;
    if (mine && theirs && recorded !== expected) this.ids.pair(mine.key, theirs.id, mine.id);
    return true;
  }

  private greet(): void {
    if (this.greeted) return;
    this.greeted = true;
    this.play(this.script.greeting);
  }

  private sendFrames(frames: OutgoingFrame[]): void {
    if (this.stopped || this.socket.readyState !== this.socket.OPEN) return;
    for (const f of frames) this.socket.send(f.payload, { binary: f.kind === 'binary' });
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
    // An answer to an id the client chose (a Socket.IO ACK) carries the client's id.
    const payload = this.script.played ? this.ids.answer(early(m)) : eventPayload(m);
    return new Promise((resolve) =>
      this.socket.send(m.kind === 'text' ? payload.toString('utf8') : payload, { binary: m.kind === 'binary' }, () =>
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
