import type { ConnectionHealth, ConnectionState } from '../../../shared/protocol';
import { Emitter, type Subscription } from '../../emitter';
import type { Transport, TransportNote } from '../../transport';
import type { ProtocolPhase, ProtocolSession } from '../protocol';

/**
 * The session of a view-only protocol (SockJS): nothing to say or answer, so it is ready whenever
 * the transport is open, closed when it closes, and always healthy.
 */
export class PassiveSession implements ProtocolSession {
  private readonly phaseEmitter = new Emitter<ProtocolPhase>();
  private readonly noteEmitter = new Emitter<TransportNote>();
  private readonly healthEmitter = new Emitter<ConnectionHealth>();
  readonly onPhase = this.phaseEmitter.event;
  readonly onNote = this.noteEmitter.event;
  readonly onHealth = this.healthEmitter.event;
  readonly health: ConnectionHealth = { healthy: true, missedPongs: 0 };
  private current: ProtocolPhase = 'waiting';
  private waiters: Array<{ resolve(): void; reject(err: Error): void }> = [];
  private readonly subscription: Subscription;

  constructor(
    readonly protocol: string,
    private readonly transport: Transport,
  ) {
    this.subscription = transport.onState((s) => this.state(s));
    this.state(transport.state);
  }

  get phase(): ProtocolPhase {
    return this.current;
  }

  ready(): Promise<void> {
    if (this.current === 'ready') return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  close(): void {
    this.transport.close(1000);
  }

  dispose(): void {
    this.subscription.dispose();
    this.settle('The session was disposed.');
    for (const e of [this.phaseEmitter, this.noteEmitter, this.healthEmitter]) e.dispose();
  }

  private state(s: ConnectionState): void {
    if (s.phase === 'open') this.set('ready');
    else if (s.phase === 'connecting') this.set('waiting');
    else if (s.phase === 'closed' || s.phase === 'error') this.settle(s.message);
  }

  private settle(why: string): void {
    for (const w of this.waiters.splice(0)) w.reject(new Error(why));
    this.set('closed');
  }

  private set(phase: ProtocolPhase): void {
    if (phase === this.current) return;
    this.current = phase;
    this.phaseEmitter.fire(phase);
    if (phase === 'ready') for (const w of this.waiters.splice(0)) w.resolve();
  }
}
