// Over 400 lines: one relayed connection is a Transport (the seam's whole interface) plus its controls (pause, breakpoints, rules, faults, inject); the controls are thin calls into flow.ts, breakpoints.ts and match.ts.
import type WebSocket from 'ws';
import type { ConnectionHealth, ConnectionState, HandshakeInfo, HandshakeRequest } from '../../shared/protocol';
import { closeFramePayload } from '../closeCodes';
import { Emitter, OrderedEmitter } from '../emitter';
import { describeViolation } from '../errors';
import { FrameLog } from '../frameSniffer';
import type { MessageKind, Side, Transport, TransportMessage, TransportNote, TransportOptions } from '../transport';
import { receiverView, toBuffer } from '../transport/wsDescribe';
import { DEFAULT_MAX_BUFFERED_CHUNKS, DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_PAYLOAD } from '../transport/wsOptions';
import { Breakpoints, type Breakpoint, type HeldMessage, type Release } from './breakpoints';
import { Flow } from './flow';
import { CompiledRule, type RelayDecoder, type RelayRule } from './match';
import { FrameWriter } from './frameWriter';
import { closeWith, flushers } from './upgrade';

const TEXT = { binary: false };
const BINARY = { binary: true };

/** Which socket of a relayed connection: the app's (client) or the target's (server). */
export type Leg = 'client' | 'server';

/** What a RelayConnection starts with (the relay's defaults, and what it learnt in the handshakes). */
export interface RelayConnectionSetup {
  id: number;
  options: TransportOptions;
  /** The server leg's handshake. */
  handshake: HandshakeInfo;
  /** The client's upgrade request, as it reached the relay. */
  clientRequest: HandshakeRequest;
  clientAddress: string;
  /** The subprotocol the target chose ('' for none). */
  protocol: string;
  breakpoints?: readonly Breakpoint[];
  rules?: readonly RelayRule[];
  decoder?: RelayDecoder;
  /** Bytes waiting toward a side above which the other side is paused. */
  highWater?: number;
}

/** Counts of one relayed connection. */
export interface RelayCounts {
  sent: number;
  received: number;
  dropped: number;
  held: number;
}

/**
 * One client of a relay and its connection to the target, as a Transport: 'sent' is client→server,
 * 'received' is server→client, each message reported when it is forwarded, with `relayMs`.
 * sendText/sendBinary inject toward the server; `inject` goes either way; `close` closes both legs.
 */
export class RelayConnection implements Transport {
  private readonly stateEmitter = new Emitter<ConnectionState>();
  private readonly messageEmitter = new OrderedEmitter<TransportMessage>();
  private readonly noteEmitter = new Emitter<TransportNote>();
  private readonly handshakeEmitter = new Emitter<HandshakeInfo>();
  private readonly healthEmitter = new Emitter<ConnectionHealth>();
  private readonly heldEmitter = new Emitter<HeldMessage>();
  private readonly releasedEmitter = new Emitter<{ id: number; release: Release }>();
  readonly onState = this.stateEmitter.event;
  readonly onMessage = this.messageEmitter.event;
  readonly onNote = this.noteEmitter.event;
  readonly onHandshake = this.handshakeEmitter.event;
  readonly onHealth = this.healthEmitter.event;
  /** A breakpoint holds a message: forward(id, payload?) or drop(id) releases it. */
  readonly onHeld = this.heldEmitter.event;
  /** A held message left (forwarded, edited, dropped, timed out, or dropped because the connection ended). */
  readonly onReleased = this.releasedEmitter.event;
  readonly frames = new FrameLog(false);
  readonly health: ConnectionHealth = { healthy: true, missedPongs: 0 };
  readonly closeAnswered = undefined;
  readonly id: number;
  readonly options: TransportOptions;
  readonly handshake: HandshakeInfo;
  readonly clientRequest: HandshakeRequest;
  readonly clientAddress: string;
  readonly counts: RelayCounts = { sent: 0, received: 0, dropped: 0, held: 0 };
  private current: ConnectionState;
  private readonly breaks: Breakpoints;
  private rules: CompiledRule[] = [];
  private readonly decoder: RelayDecoder | undefined;
  private readonly toServer: Flow;
  private readonly toClient: Flow;
  private nextId = 1;
  /** The leg that closed first, and how. */
  private firstClose: { leg: Leg; code: number; reason: string } | undefined;
  private closedLegs = new Set<Leg>();
  private violation: string | undefined;
  private closing = false;
  private finishTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: WebSocket,
    private readonly server: WebSocket,
    setup: RelayConnectionSetup,
  ) {
    this.id = setup.id;
    this.options = setup.options;
    this.handshake = setup.handshake;
    this.clientRequest = setup.clientRequest;
    this.clientAddress = setup.clientAddress;
    this.decoder = setup.decoder;
    this.breaks = new Breakpoints(setup.decoder);
    this.breaks.set(setup.breakpoints ?? []);
    this.setRules(setup.rules ?? []);
    this.current = {
      phase: 'open',
      url: setup.options.url,
      protocol: setup.protocol,
      extensions: server.extensions,
      since: Date.now(),
    };
    this.toServer = new Flow('sent', this.sinkFor(client, server), setup.highWater);
    this.toClient = new Flow('received', this.sinkFor(server, client), setup.highWater);
    this.wire(client, 'client', 'sent', this.toServer);
    this.wire(server, 'server', 'received', this.toClient);
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Messages breakpoints hold now. */
  get held(): HeldMessage[] {
    return this.breaks.held;
  }

  get breakpoints(): readonly Breakpoint[] {
    return this.breaks.breakpoints;
  }

  /** Replaces the breakpoints (messages already held stay held). Throws a FilterError with a sentence. */
  setBreakpoints(breakpoints: readonly Breakpoint[]): void {
    this.breaks.set(breakpoints);
  }

  /** Replaces the rules. Throws a FilterError with a sentence when one is not valid. */
  setRules(rules: readonly RelayRule[]): void {
    this.rules = rules.map((r) => new CompiledRule(r, this.decoder));
  }

  forward(id: number, editedPayload?: Buffer | string): boolean {
    return this.breaks.forward(id, editedPayload);
  }

  drop(id: number): boolean {
    return this.breaks.drop(id);
  }

  /** Stops reading one side (its socket is paused, so the peer feels back-pressure) or both. */
  pause(direction?: Side): void {
    for (const f of this.flows(direction)) f.setPaused(true);
  }

  resume(direction?: Side): void {
    for (const f of this.flows(direction)) f.setPaused(false);
  }

  isPaused(direction: Side): boolean {
    return this.flow(direction).paused;
  }

  /** True while that direction's source is not read (paused by the user or by back-pressure). */
  isSourcePaused(direction: Side): boolean {
    return this.flow(direction).sourceIsPaused;
  }

  /** Bytes on their way one way: queued in the relay plus not yet written to the destination socket. */
  buffered(direction: Side): number {
    return this.flow(direction).bytesWaiting();
  }

  /** Fault: stop forwarding (nothing closes); back-pressure pauses the source once enough is queued. */
  stall(direction?: Side, on = true): void {
    for (const f of this.flows(direction)) f.setStalled(on);
  }

  /** Fault: at most `bytesPerSecond` of payload a second (0 lifts it). */
  throttle(bytesPerSecond: number, direction?: Side): void {
    for (const f of this.flows(direction)) f.setThrottle(bytesPerSecond);
  }

  /** Fault: every message waits `ms` more (0 lifts it). */
  addLatency(ms: number, direction?: Side): void {
    for (const f of this.flows(direction)) f.setLatency(ms);
  }

  /** Fault: closes one leg with a code; the other leg follows with the same code, as it would through any relay. */
  closeLeg(leg: Leg, code = 1000, reason = ''): void {
    this.note('info', `Fault: the relay closes the ${leg} leg with ${code}${reason ? ` (${reason})` : ''}.`);
    closeWith(leg === 'client' ? this.client : this.server, code, reason);
  }

  /** Fault: resets that leg's TCP connection (RST, no close frame); the other leg is then dropped as well. */
  reset(leg: Leg): void {
    this.note('info', `Fault: the relay resets the ${leg} leg's TCP connection.`);
    const socket = (leg === 'client' ? this.client : this.server) as unknown as {
      _socket?: { resetAndDestroy?: () => void; destroy(): void };
    };
    if (socket._socket?.resetAndDestroy) socket._socket.resetAndDestroy();
    else socket._socket?.destroy();
  }

  /** Sends a message of our own toward the server ('sent') or the client ('received'), after what is queued. */
  inject(direction: Side, payload: Buffer | string, kind: 'text' | 'binary' = 'text'): Promise<void> {
    if (this.current.phase !== 'open' || this.firstClose || this.closing)
      return Promise.reject(new Error('The relayed connection has ended; nothing can be sent on it.'));
    const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
    this.flow(direction).push(kind, bytes, performance.now(), true);
    return Promise.resolve();
  }

  connect(): Promise<void> {
    return this.current.phase === 'open'
      ? Promise.resolve()
      : Promise.reject(new Error('A relayed connection cannot be opened again; the app must connect to the relay.'));
  }

  sendText(text: string): Promise<void> {
    return this.inject('sent', text, 'text');
  }

  sendBinary(bytes: Buffer): Promise<void> {
    return this.inject('sent', bytes, 'binary');
  }

  /** Closes both legs with this code. */
  close(code = 1000, reason = ''): void {
    this.closing = true;
    closeWith(this.client, code, reason);
    closeWith(this.server, code, reason);
  }

  dispose(): void {
    this.client.terminate();
    this.server.terminate();
    this.finish();
    for (const e of [this.stateEmitter, this.messageEmitter, this.noteEmitter, this.heldEmitter, this.releasedEmitter])
      e.dispose();
    this.handshakeEmitter.dispose();
    this.healthEmitter.dispose();
  }

  private flow(direction: Side): Flow {
    return direction === 'sent' ? this.toServer : this.toClient;
  }

  private flows(direction?: Side): Flow[] {
    return direction ? [this.flow(direction)] : [this.toServer, this.toClient];
  }

  private sinkFor(source: WebSocket, destination: WebSocket) {
    const direction: Side = destination === this.server ? 'sent' : 'received';
    const raw = FrameWriter.socketOf(destination);
    const writer = FrameWriter.usable(destination) ? new FrameWriter(raw, destination === this.server) : undefined;
    if (writer) flushers.set(destination, () => writer.flush());
    return {
      write: (kind: MessageKind, payload: Buffer) => {
        if (destination.readyState !== destination.OPEN) return;
        if (writer && (kind === 'text' || kind === 'binary')) return writer.write(kind === 'binary', payload);
        writer?.flush();
        if (kind === 'ping') destination.ping(payload);
        else if (kind === 'pong') destination.pong(payload);
        else destination.send(payload, kind === 'binary' ? BINARY : TEXT);
      },
      onDrain: (listener: () => void) => raw.on('drain', listener),
      bufferedAmount: () => destination.bufferedAmount + (writer?.buffered ?? 0),
      pauseSource: (paused: boolean) => (paused ? source.pause() : source.resume()),
      delivered: (kind: MessageKind, payload: Buffer, relayMs: number) => {
        if (kind === 'text' || kind === 'binary') this.counts[direction]++;
        this.messageEmitter.fire({ time: Date.now(), direction, kind, payload, relayMs });
      },
    };
  }

  private wire(socket: WebSocket, leg: Leg, direction: Side, flow: Flow): void {
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) =>
      this.incoming(direction, isBinary ? 'binary' : 'text', toBuffer(data), flow),
    );
    // Control frames skip rules and breakpoints, so a hold never blocks a keepalive.
    socket.on('ping', (data: Buffer) => flow.push('ping', data, performance.now()));
    socket.on('pong', (data: Buffer) => flow.push('pong', data, performance.now()));
    socket.on('error', (err: Error & { code?: string }) => {
      const v = describeViolation(err, receiverView(socket), {
        maxPayload: DEFAULT_MAX_PAYLOAD,
        maxFragments: DEFAULT_MAX_FRAGMENTS,
        maxBufferedChunks: DEFAULT_MAX_BUFFERED_CHUNKS,
      });
      const text = v
        ? `The ${leg} sent ${v.what}; the relay closed the ${leg} leg with ${v.code}.`
        : `The ${leg} leg failed: ${err.message}`;
      if (v) this.violation = text;
      this.note('error', text);
    });
    socket.on('close', (code: number, reason: Buffer) => this.legClosed(leg, code, reason.toString('utf8')));
  }

  private incoming(direction: Side, kind: 'text' | 'binary', payload: Buffer, flow: Flow): void {
    const arrived = performance.now();
    let delay = 0;
    let copies = 0;
    for (const rule of this.rules) {
      if (!rule.matcher.matches(direction, kind, payload)) continue;
      const name = rule.rule.name ? `Rule "${rule.rule.name}"` : 'A rule';
      const edited = rule.edit(payload, kind);
      if (edited.problem) this.note('info', `${name}: ${edited.problem}.`);
      payload = edited.payload;
      if (rule.rule.drop) {
        this.counts.dropped++;
        this.note('info', `${name} dropped a ${describe(direction)} message of ${payload.length} bytes.`);
        return;
      }
      delay = Math.max(delay, rule.rule.delayMs ?? 0);
      copies += rule.rule.duplicate ?? 0;
    }
    const go = (bytes: Buffer) => {
      const out = () => {
        for (let i = 0; i <= copies; i++) flow.push(kind, bytes, arrived);
      };
      if (delay > 0) setTimeout(out, delay);
      else out();
    };
    const breakpoint = this.breaks.count ? this.breaks.match(direction, kind, payload) : -1;
    if (breakpoint < 0) return go(payload);
    const held: HeldMessage = { id: this.nextId++, direction, kind, payload, time: Date.now(), breakpoint };
    this.counts.held++;
    this.breaks.hold(held, arrived, (release) => {
      this.counts.held--;
      if (release.how === 'forward' && this.current.phase === 'open') go(release.payload);
      else if (release.how === 'drop') this.counts.dropped++;
      if (release.how === 'drop' && !release.ended)
        this.note(
          'info',
          `Held message ${held.id} was dropped${release.byTimeout ? ' (its breakpoint timed out)' : ''}.`,
        );
      this.releasedEmitter.fire({ id: held.id, release });
    });
    this.heldEmitter.fire(held);
  }

  private legClosed(leg: Leg, code: number, reason: string): void {
    this.closedLegs.add(leg);
    const other: Leg = leg === 'client' ? 'server' : 'client';
    if (!this.firstClose) {
      this.firstClose = { leg, code, reason };
      const direction: Side = leg === 'client' ? 'sent' : 'received';
      this.messageEmitter.fire({
        time: Date.now(),
        direction,
        kind: 'close',
        payload: closeFramePayload(code, reason),
      });
      const otherSocket = other === 'client' ? this.client : this.server;
      if (code === 1006 || code === 1015) otherSocket.terminate();
      else closeWith(otherSocket, code === 1005 ? undefined : code, reason);
      this.finishTimer = setTimeout(() => otherSocket.terminate(), 5_000);
      this.finishTimer.unref();
      this.endFlows();
    }
    if (this.closedLegs.size === 2) this.finish();
  }

  private endFlows(): void {
    this.toServer.end();
    this.toClient.end();
    const dropped = this.breaks.releaseAll();
    if (dropped)
      this.note(
        'info',
        `The ${this.firstClose?.leg ?? 'client'} disconnected while ${dropped} message${dropped === 1 ? ' was' : 's were'} held; ${dropped === 1 ? 'it was' : 'they were'} dropped.`,
      );
  }

  private finish(): void {
    if (this.current.phase === 'closed') return;
    if (this.finishTimer) clearTimeout(this.finishTimer);
    if (!this.firstClose) this.endFlows();
    const first = this.firstClose ?? { leg: 'client' as Leg, code: 1006, reason: '' };
    const message =
      this.violation ??
      `The ${first.leg} closed the connection with ${first.code}${first.reason ? ` (${first.reason})` : ''}; the relay closed the other leg.`;
    this.current = {
      phase: 'closed',
      url: this.options.url,
      code: first.code,
      reason: first.reason,
      byClient: first.leg === 'client',
      message,
    };
    this.note('info', message);
    this.stateEmitter.fire(this.current);
  }

  private note(level: TransportNote['level'], text: string): void {
    this.noteEmitter.fire({ time: Date.now(), level, text });
  }
}

function describe(direction: Side): string {
  return direction === 'sent' ? 'client→server' : 'server→client';
}
