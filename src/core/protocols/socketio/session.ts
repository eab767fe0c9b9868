import type { ComposeValues } from '../../../shared/compose';
import { composeSocketIo } from './compose';
import type { ConnectionHealth, ConnectionState } from '../../../shared/protocol';
import type { Subscription } from '../../emitter';
import type { Transport, TransportMessage } from '../../transport';
import { roundTrip, SessionBase } from '../sessionBase';
import { EngineHeartbeat } from './heartbeat';
import { Namespaces, type NamespaceStatus } from './namespaces';
import {
  encodeSocketPacket,
  extractBinary,
  fillPlaceholders,
  isProblem,
  parseEngineBinary,
  parseSocketHeader,
  parseSocketPacket,
  type SocketPacket,
} from './packets';
import type { AckResult, EngineOpen, SocketIoEvent, SocketIoSettings } from './types';

export type { NamespaceStatus } from './namespaces';
export type * from './types';

interface PendingAck {
  namespace: string;
  event: string;
  sentAt: number;
  resolve(result: AckResult): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** A binary packet waiting for its attachments. */
interface Assembling {
  packet: SocketPacket;
  buffers: Buffer[];
}

const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * The Socket.IO client on a transport: the Engine.IO open packet, pings answered (EIO 4) or sent
 * (EIO 3), namespace CONNECT / CONNECT_ERROR / DISCONNECT, events, emits with acks and latency,
 * binary attachments both ways. It listens to the transport's messages and sends through it;
 * it never changes what reaches the store. Each open of the transport (a reconnect) starts over.
 */
export class SocketIoSession extends SessionBase {
  readonly protocol = 'socket.io';
  private readonly eventEmitter = this.emitter<SocketIoEvent>();
  private readonly namespaceEmitter = this.emitter<NamespaceStatus>();
  private readonly engineEmitter = this.emitter<EngineOpen>();
  /** Namespaces connected, refused or disconnected. */
  readonly onNamespace = this.namespaceEmitter.event;
  /** The Engine.IO open packet of each connection. */
  readonly onEngineOpen = this.engineEmitter.event;
  private eventListeners = 0;
  /** The transport is open and the server has not closed the Engine.IO session on it. */
  private live = false;
  private engine: EngineOpen | undefined;
  private readonly heartbeat: EngineHeartbeat;
  private readonly namespaces: Namespaces;
  private readonly acks = new Map<number, PendingAck>();
  private nextAckId = 0;
  private assembling: Assembling | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;

  constructor(
    transport: Transport,
    readonly settings: SocketIoSettings,
  ) {
    super(transport, 'Socket.IO');
    // A failed send is the transport's to report (a note, a closed state); the session goes on.
    const send = (text: string) => transport.sendText(text).catch(() => undefined);
    this.heartbeat = new EngineHeartbeat(
      settings.eio,
      (text) => void send(text),
      (h) => this.healthEmitter.fire(h),
    );
    this.namespaces = new Namespaces(settings, send, {
      note: (level, text) => this.note(level, text),
      status: (s) => {
        this.namespaceEmitter.fire(s);
        if (s.state !== 'connected') this.failAcks(s.namespace, `Namespace ${s.namespace} is no longer connected.`);
        this.updatePhase();
      },
    });
    this.namespaces.want(settings.namespace, settings.auth);
    for (const more of settings.namespaces ?? []) this.namespaces.want(more.namespace, more.auth);
    this.listen();
  }

  override get health(): ConnectionHealth {
    return this.heartbeat.health;
  }

  /** The open packet of the current connection. */
  get engineOpen(): EngineOpen | undefined {
    return this.engine;
  }

  /** Events the server emits, in any connected namespace. */
  readonly onEvent = (listener: (event: SocketIoEvent) => void): Subscription => {
    this.eventListeners++;
    const sub = this.eventEmitter.event(listener);
    let live = true;
    return {
      dispose: () => {
        if (live) this.eventListeners--;
        live = false;
        sub.dispose();
      },
    };
  };

  /** Resolves when the settings' namespaces are connected (now, or on the next open); rejects with a sentence. */
  override ready(): Promise<void> {
    const all = [this.settings.namespace, ...(this.settings.namespaces ?? []).map((n) => n.namespace)];
    return Promise.all(all.map((ns) => this.namespaces.connected(ns))).then(() => undefined);
  }

  /** Connects another namespace (and again after each reconnect); resolves with its sid (v3+). */
  connect(namespace: string, auth?: Record<string, unknown>): Promise<{ sid?: string }> {
    this.namespaces.want(namespace, auth);
    if (this.engine) this.namespaces.open(namespace);
    return this.namespaces.connected(namespace);
  }

  /** Leaves a namespace (DISCONNECT); it is not connected again on reconnect. */
  disconnect(namespace = this.settings.namespace): Promise<void> {
    return this.namespaces.leave(namespace);
  }

  /** Emits an event (`args` may hold Buffers: they go as binary attachments). Resolves once sent. */
  async emit(event: string, args: unknown[] = [], namespace = this.settings.namespace): Promise<void> {
    await this.send('EVENT', [event, ...args], namespace, undefined);
  }

  /** Emits an event and resolves with the ack's arguments and the round trip; rejects after `ackTimeoutMs`. */
  emitWithAck(event: string, args: unknown[] = [], namespace = this.settings.namespace): Promise<AckResult> {
    const ackId = this.nextAckId++;
    const timeoutMs = this.settings.ackTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<AckResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(ackId);
        reject(new Error(`No ack for "${event}" (ack id ${ackId}) on ${namespace} within ${timeoutMs / 1000} s.`));
      }, timeoutMs).unref();
      this.acks.set(ackId, { namespace, event, sentAt: performance.now(), resolve, reject, timer });
      this.send('EVENT', [event, ...args], namespace, ackId).catch((err: Error) => {
        clearTimeout(timer);
        this.acks.delete(ackId);
        reject(err);
      });
    });
  }

  /** Answers an event the server emitted with an ack id. */
  async answer(event: SocketIoEvent, ...args: unknown[]): Promise<void> {
    if (event.ackId === undefined) throw new Error(`The server's "${event.event}" did not ask for an ack.`);
    await this.send('ACK', args, event.namespace, event.ackId);
  }

  compose(action: string, values: ComposeValues): Promise<string | undefined> {
    return composeSocketIo(this, action, values);
  }

  /** DISCONNECT from every connected namespace, then a normal close of the transport. */
  close(): void {
    const sent = this.namespaces.leaveAll();
    void Promise.allSettled(sent).then(() => this.transport.close(1000));
  }

  private async send(
    kind: 'EVENT' | 'ACK',
    payload: unknown[],
    namespace: string,
    ackId: number | undefined,
  ): Promise<void> {
    if (!this.namespaces.isConnected(namespace))
      throw new Error(`Namespace ${namespace} is not connected: connect it first, then emit.`);
    const { value, buffers } = extractBinary(payload);
    const type = buffers.length === 0 ? kind : kind === 'EVENT' ? 'BINARY_EVENT' : 'BINARY_ACK';
    const text = encodeSocketPacket({ type, namespace, ackId, data: value, attachments: buffers.length });
    const sends = [this.transport.sendText(text)];
    for (const b of buffers)
      sends.push(this.transport.sendBinary(this.settings.eio === 3 ? Buffer.concat([Buffer.of(4), b]) : b));
    await Promise.all(sends);
  }

  protected state(s: ConnectionState): void {
    if (s.phase === 'open') {
      this.reset(undefined);
      this.live = true;
      this.setPhase('handshaking');
      const wait = this.settings.connectTimeoutMs ?? DEFAULT_TIMEOUT_MS;
      this.handshakeTimer = setTimeout(() => this.handshakeTimedOut(wait), wait).unref();
    } else if (s.phase === 'closed' || s.phase === 'error') {
      this.live = false;
      this.reset(s.message);
      this.setPhase('closed');
    }
  }

  private handshakeTimedOut(wait: number): void {
    const text = this.engine
      ? `The Socket.IO server did not answer the CONNECT to ${this.settings.namespace} within ${wait / 1000} s.`
      : `The server sent no Engine.IO open packet within ${wait / 1000} s: is it a Socket.IO server, and is the path right?`;
    this.note('error', text);
    this.namespaces.fail(text);
  }

  protected message(m: TransportMessage): void {
    if (m.direction !== 'received') return;
    if (m.kind === 'binary') return this.binary(m.payload);
    if (m.kind !== 'text' || m.payload.length === 0) return;
    const type = m.payload[0];
    if (type === 0x32 /* 2 ping */) {
      if (this.engine && this.settings.eio === 4) this.heartbeat.ping(m.payload.toString('utf8', 1), this.engine);
    } else if (type === 0x33 /* 3 pong */) {
      this.heartbeat.pong();
    } else if (type === 0x34 /* 4 message */) {
      this.socketPacket(m);
    } else if (type === 0x30 /* 0 open */) {
      this.open(m.payload.toString('utf8', 1));
    } else if (type === 0x31 /* 1 close */) {
      this.note('info', 'The Socket.IO server closed the Engine.IO session.');
      this.live = false;
      this.reset('The Socket.IO server closed the Engine.IO session.');
      this.setPhase('closed');
    }
  }

  private open(json: string): void {
    let open: EngineOpen;
    try {
      const v = JSON.parse(json) as Partial<EngineOpen>;
      if (typeof v.sid !== 'string' || typeof v.pingInterval !== 'number' || typeof v.pingTimeout !== 'number')
        throw new Error('it needs sid, pingInterval and pingTimeout');
      open = { sid: v.sid, upgrades: v.upgrades ?? [], pingInterval: v.pingInterval, pingTimeout: v.pingTimeout };
      if (typeof v.maxPayload === 'number') open.maxPayload = v.maxPayload;
    } catch (err) {
      this.note('error', `The Engine.IO open packet is malformed: ${(err as Error).message}.`);
      return;
    }
    this.engine = open;
    this.heartbeat.start(open);
    this.note(
      'info',
      `Engine.IO ${this.settings.eio} session ${open.sid} opened (ping interval ${open.pingInterval} ms, timeout ${open.pingTimeout} ms).`,
    );
    this.engineEmitter.fire(open);
    this.namespaces.openAll();
  }

  /** Reads a Socket.IO packet only as far as something needs it: a flood of unheard events costs a byte compare. */
  private socketPacket(m: TransportMessage): void {
    const t = m.payload[1];
    if (t === 0x32 /* EVENT */ && this.eventListeners === 0) return;
    if (t === 0x33 /* ACK */ && this.acks.size === 0) return;
    const text = m.payload.toString('utf8', 1);
    if (t === 0x35 || t === 0x36) {
      const header = parseSocketHeader(text);
      if (isProblem(header)) return this.malformed(header.problem);
      // Read the JSON only when someone listens or waits; the attachments must be skipped either way.
      const wanted = t === 0x35 ? this.eventListeners > 0 : this.acks.size > 0;
      const packet = wanted ? parseSocketPacket(text) : header;
      if (isProblem(packet)) return this.malformed(packet.problem);
      if (header.attachments === 0) return this.dispatch(packet, m.time);
      this.assembling = { packet: wanted ? packet : { ...header, data: undefined }, buffers: [] };
      return;
    }
    const packet = parseSocketPacket(text);
    if (isProblem(packet)) return this.malformed(packet.problem);
    this.dispatch(packet, m.time);
  }

  private binary(frame: Buffer): void {
    const a = this.assembling;
    if (!a) return;
    const p = parseEngineBinary(frame, this.settings.eio);
    if (isProblem(p) || !p.binary) return this.malformed(isProblem(p) ? p.problem : 'not a message');
    a.buffers.push(p.binary);
    if (a.buffers.length < a.packet.attachments) return;
    this.assembling = undefined;
    if (a.packet.data === undefined) return;
    const filled = fillPlaceholders(a.packet.data, a.buffers);
    if (isProblem(filled)) return this.malformed(filled.problem);
    this.dispatch({ ...a.packet, data: filled.value }, Date.now());
  }

  private dispatch(p: SocketPacket, time: number): void {
    switch (p.type) {
      case 'CONNECT':
        return this.namespaces.connectedByServer(p.namespace, p.data);
      case 'CONNECT_ERROR':
        return this.namespaces.refused(p.namespace, p.data);
      case 'DISCONNECT':
        return this.namespaces.disconnectedByServer(p.namespace);
      case 'EVENT':
      case 'BINARY_EVENT': {
        const [name, ...args] = p.data as unknown[];
        return this.eventEmitter.fire({ time, namespace: p.namespace, event: String(name), args, ackId: p.ackId });
      }
      case 'ACK':
      case 'BINARY_ACK': {
        const pending = p.ackId === undefined ? undefined : this.acks.get(p.ackId);
        if (!pending || pending.namespace !== p.namespace || p.ackId === undefined) {
          this.note(
            'info',
            `An ack arrived for id ${p.ackId ?? '(none)'} on ${p.namespace}, which no emit is waiting for.`,
          );
          return;
        }
        this.acks.delete(p.ackId);
        clearTimeout(pending.timer);
        const latencyMs = roundTrip(pending.sentAt);
        pending.resolve({ namespace: p.namespace, ackId: p.ackId, args: p.data as unknown[], latencyMs });
      }
    }
  }

  private malformed(problem: string): void {
    this.note('error', `The Socket.IO server sent a malformed packet: ${problem}`);
  }

  /** Disposed: the connection forgotten, its phase left as it was. */
  protected end(why: string): void {
    this.reset(why);
  }

  /** Forgets the connection: timers stopped, acks and waiters failed with `why` (when it ended). */
  private reset(why: string | undefined): void {
    clearTimeout(this.handshakeTimer);
    this.handshakeTimer = undefined;
    this.heartbeat.stop();
    this.engine = undefined;
    this.assembling = undefined;
    if (why) {
      this.failAcks(undefined, why);
      this.namespaces.closed(why);
    } else this.namespaces.closed(undefined);
  }

  private failAcks(namespace: string | undefined, why: string): void {
    for (const [id, a] of this.acks) {
      if (namespace !== undefined && a.namespace !== namespace) continue;
      this.acks.delete(id);
      clearTimeout(a.timer);
      a.reject(new Error(`No ack for "${a.event}" (ack id ${id}): ${why}`));
    }
  }

  private updatePhase(): void {
    if (!this.live) return;
    if (this.namespaces.anyConnected()) {
      clearTimeout(this.handshakeTimer);
      this.setPhase('ready');
    } else this.setPhase(this.engine && this.namespaces.anyConnecting() ? 'handshaking' : 'closed');
  }
}
