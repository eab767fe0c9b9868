import type { MessageKind, Side } from '../transport';
import { MessageMatcher, type MessageMatch, type RelayDecoder } from './match';

/** A breakpoint: messages that match are held until forwarded, edited or dropped (or its timeout). */
export interface Breakpoint {
  match: MessageMatch;
  /** Milliseconds a message may be held; then `onTimeout` applies. Default: held until the user decides. */
  timeoutMs?: number;
  /** Default 'forward'. */
  onTimeout?: 'forward' | 'drop';
  name?: string;
}

/** A message a breakpoint holds. */
export interface HeldMessage {
  id: number;
  direction: Side;
  kind: MessageKind;
  payload: Buffer;
  /** Milliseconds since the epoch when it arrived. */
  time: number;
  /** The breakpoint's index in the connection's list. */
  breakpoint: number;
}

/** How a held message left: forwarded (maybe edited), dropped by the user, by the timeout, or by the end of the connection. */
export type Release =
  | { how: 'forward'; payload: Buffer; edited: boolean; byTimeout: boolean }
  | { how: 'drop'; byTimeout: boolean; ended: boolean };

interface Holding extends HeldMessage {
  arrived: number;
  timer: NodeJS.Timeout | undefined;
  then: (release: Release) => void;
}

/**
 * The breakpoints of one relayed connection and the messages they hold.
 * A hold applies to the matched message only, as in Charles and Burp: later messages in the same
 * direction that no breakpoint matches go on (so keepalives such as Engine.IO pings keep flowing),
 * and a held message, once forwarded, goes out after those that overtook it.
 */
export class Breakpoints {
  private list: Array<{ bp: Breakpoint; matcher: MessageMatcher }> = [];
  private readonly holding = new Map<number, Holding>();

  constructor(private readonly decoder?: RelayDecoder) {}

  /** Replaces the list; throws a FilterError with a sentence when an expression is not valid. */
  set(breakpoints: readonly Breakpoint[]): void {
    this.list = breakpoints.map((bp) => ({ bp, matcher: new MessageMatcher(bp.match, this.decoder) }));
  }

  get breakpoints(): readonly Breakpoint[] {
    return this.list.map((b) => b.bp);
  }

  get count(): number {
    return this.list.length;
  }

  /** Held messages, oldest first. */
  get held(): HeldMessage[] {
    return [...this.holding.values()].map(({ id, direction, kind, payload, time, breakpoint }) => ({
      id,
      direction,
      kind,
      payload,
      time,
      breakpoint,
    }));
  }

  /** The index of the first breakpoint the message meets, or -1. */
  match(direction: Side, kind: MessageKind, payload: Buffer): number {
    for (let i = 0; i < this.list.length; i++) if (this.list[i].matcher.matches(direction, kind, payload)) return i;
    return -1;
  }

  /** Holds a message; `then` runs once, when it is released. */
  hold(message: HeldMessage, arrived: number, then: (release: Release) => void): void {
    const bp = this.list[message.breakpoint]?.bp;
    const h: Holding = { ...message, arrived, timer: undefined, then };
    if (bp?.timeoutMs !== undefined) {
      h.timer = setTimeout(() => {
        if (!this.holding.delete(h.id)) return;
        h.then(
          bp.onTimeout === 'drop'
            ? { how: 'drop', byTimeout: true, ended: false }
            : { how: 'forward', payload: h.payload, edited: false, byTimeout: true },
        );
      }, bp.timeoutMs);
    }
    this.holding.set(h.id, h);
  }

  /** Forwards a held message, with `payload` in place of its own when given; false when no message has that id. */
  forward(id: number, payload?: Buffer | string): boolean {
    const h = this.take(id);
    if (!h) return false;
    const edited = payload !== undefined;
    const bytes = payload === undefined ? h.payload : Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
    h.then({ how: 'forward', payload: bytes, edited, byTimeout: false });
    return true;
  }

  drop(id: number): boolean {
    const h = this.take(id);
    if (!h) return false;
    h.then({ how: 'drop', byTimeout: false, ended: false });
    return true;
  }

  /** The connection ended: every held message is dropped; returns how many were. */
  releaseAll(): number {
    const all = [...this.holding.values()];
    for (const h of all) {
      this.take(h.id);
      h.then({ how: 'drop', byTimeout: false, ended: true });
    }
    return all.length;
  }

  arrivedAt(id: number): number | undefined {
    return this.holding.get(id)?.arrived;
  }

  private take(id: number): Holding | undefined {
    const h = this.holding.get(id);
    if (!h) return undefined;
    this.holding.delete(id);
    if (h.timer) clearTimeout(h.timer);
    return h;
  }
}
