import type { ConnectionHealth, ConnectionState } from '../../shared/protocol';
import { Emitter, type Subscription } from '../emitter';
import type { Transport, TransportMessage, TransportNote } from '../transport';
import type { ProtocolPhase, ProtocolSession } from './protocol';

/** Milliseconds since `sentAt` (a performance.now()), to a tenth. */
export function roundTrip(sentAt: number): number {
  return Math.round((performance.now() - sentAt) * 10) / 10;
}

/**
 * What every protocol session shares: the phase, note and health events, the waiters of ready(),
 * listening to the transport, and dispose. A subclass calls `listen()` at the end of its
 * constructor (its own fields exist only after super() returns) and implements `state`,
 * `message` and `end`.
 */
export abstract class SessionBase implements ProtocolSession {
  abstract readonly protocol: string;
  private readonly emitters: Array<{ dispose(): void }> = [];
  private readonly phaseEmitter = this.emitter<ProtocolPhase>();
  private readonly noteEmitter = this.emitter<TransportNote>();
  protected readonly healthEmitter = this.emitter<ConnectionHealth>();
  readonly onPhase = this.phaseEmitter.event;
  readonly onNote = this.noteEmitter.event;
  readonly onHealth = this.healthEmitter.event;
  protected current: ProtocolPhase = 'waiting';
  protected currentHealth: ConnectionHealth = { healthy: true, missedPongs: 0 };
  /** The server's refusal of the last connection: ready() rejects with it while closed. */
  protected refusal: string | undefined;
  private waiters: Array<{ resolve(): void; reject(err: Error): void }> = [];
  private subscriptions: Subscription[] = [];

  /** `name` is the protocol as sentences say it ("The STOMP session was disposed."). */
  constructor(
    readonly transport: Transport,
    private readonly name: string,
  ) {}

  get phase(): ProtocolPhase {
    return this.current;
  }

  get health(): ConnectionHealth {
    return this.currentHealth;
  }

  /** Resolves once the server accepted the handshake (now, or on the next open); rejects with its refusal or the timeout. */
  ready(): Promise<void> {
    if (this.current === 'ready') return Promise.resolve();
    if (this.refusal && this.current === 'closed') return Promise.reject(new Error(this.refusal));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  abstract close(): void;

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.end(`The ${this.name} session was disposed.`);
    for (const e of this.emitters) e.dispose();
  }

  /** An emitter disposed with the session. */
  protected emitter<T>(): Emitter<T> {
    const e = new Emitter<T>();
    this.emitters.push(e);
    return e;
  }

  /** Starts listening to the transport (and handles its state now when it is already open). */
  protected listen(): void {
    const t = this.transport;
    this.subscriptions = [t.onState((s) => this.state(s)), t.onMessage((m) => this.message(m))];
    if (t.state.phase === 'open') this.state(t.state);
  }

  protected abstract state(s: ConnectionState): void;
  protected abstract message(m: TransportMessage): void;
  /** Forgets the connection (timers, pending requests, waiters) because of `why`. */
  protected abstract end(why: string): void;

  protected resolveWaiters(): void {
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  protected rejectWaiters(why: string): void {
    for (const w of this.waiters.splice(0)) w.reject(new Error(why));
  }

  protected setPhase(phase: ProtocolPhase): void {
    if (phase === this.current) return;
    this.current = phase;
    this.phaseEmitter.fire(phase);
  }

  protected note(level: TransportNote['level'], text: string): void {
    this.noteEmitter.fire({ time: Date.now(), level, text });
  }

  protected setHealth(h: ConnectionHealth): void {
    this.currentHealth = h;
    this.healthEmitter.fire(h);
  }

  /** Unhealthy: the keepalive went unanswered (`missedPongs` defaults to one more than before). */
  protected markUnhealthy(message: string, missedPongs = this.currentHealth.missedPongs + 1): void {
    this.setHealth({ ...this.currentHealth, healthy: false, missedPongs, message });
  }

  /** Healthy: the server was heard at `at` (with the round trip of a timed ping); told when it was unhealthy, timed, or `always`. */
  protected markHealthy(rttMs?: number, at = Date.now(), always = false): void {
    const was = this.currentHealth.healthy;
    this.currentHealth = {
      healthy: true,
      missedPongs: 0,
      lastPongAt: at,
      ...(rttMs !== undefined ? { lastRttMs: rttMs } : {}),
    };
    if (always || !was || rttMs !== undefined) this.healthEmitter.fire(this.currentHealth);
  }
}
