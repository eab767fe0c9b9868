import type { TransportMessage } from '../transport';

/** Server messages kept for `=== wait-for <condition>` to look back on (those since the step before began). */
const KEPT_MESSAGES = 10_000;

export type WaitOutcome = 'ok' | 'closed' | 'timeout' | 'aborted';

/** Resolves true after `ms`, false when `signal` aborts first. */
export function delay(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A server message as a wait sees it: its number in the run (1 = the first) and its frame. */
export interface CountedMessage {
  seq: number;
  kind: 'text' | 'binary';
  payload: Buffer;
}

/**
 * Counts server messages (keeping the latest few thousand) and lets steps wait for a count or for
 * a message that meets a test, until a close, a timeout or an abort.
 */
export class MessageCounter {
  count = 0;
  endReason: string | undefined;
  private readonly kept: CountedMessage[] = [];
  private waiters: Array<{ ready: () => boolean; done: (o: 'ok' | 'closed') => void }> = [];

  add(message: Pick<TransportMessage, 'kind' | 'payload'>): void {
    this.count++;
    if (message.kind === 'text' || message.kind === 'binary') {
      this.kept.push({ seq: this.count, kind: message.kind, payload: message.payload });
      if (this.kept.length > KEPT_MESSAGES) this.kept.splice(0, this.kept.length - KEPT_MESSAGES);
    }
    this.waiters = this.waiters.filter((w) => {
      if (!w.ready()) return true;
      w.done('ok');
      return false;
    });
  }

  /** The kept message numbered `seq` (the latest ones are kept), as decoders read earlier rows. */
  message(seq: number): CountedMessage | undefined {
    const first = this.kept[0]?.seq ?? 0;
    // Numbers are consecutive but for frames that are not messages: look near where it would be.
    for (let i = Math.min(seq - first, this.kept.length - 1); i >= 0; i--) {
      const m = this.kept[i];
      if (m.seq === seq) return m;
      if (m.seq < seq) return undefined;
    }
    return undefined;
  }

  end(reason: string): void {
    this.endReason ??= reason;
    for (const w of this.waiters) w.done('closed');
    this.waiters = [];
  }

  /** Waits until `target` messages have arrived in all. */
  waitFor(target: number, limitMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    return this.waitUntil(() => this.count >= target, limitMs, signal);
  }

  /** Waits for a message after number `after` for which `test` holds; resolves with it, or with why not. */
  async waitForMatch(
    after: number,
    test: (m: CountedMessage) => boolean,
    limitMs: number,
    signal?: AbortSignal,
  ): Promise<CountedMessage | Exclude<WaitOutcome, 'ok'>> {
    let looked = after;
    let found: CountedMessage | undefined;
    const scan = () => {
      for (const m of this.kept) {
        if (m.seq <= looked) continue;
        looked = m.seq;
        if (test(m)) {
          found = m;
          return true;
        }
      }
      return false;
    };
    const outcome = await this.waitUntil(scan, limitMs, signal);
    return found ?? (outcome === 'ok' ? 'timeout' : outcome);
  }

  private waitUntil(ready: () => boolean, limitMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    if (ready()) return Promise.resolve('ok');
    if (this.endReason !== undefined) return Promise.resolve('closed');
    return new Promise((resolve) => {
      const finish = (o: WaitOutcome) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(o);
      };
      const onAbort = () => finish('aborted');
      const waiter = { ready, done: finish };
      const timer = setTimeout(() => finish('timeout'), limitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }
}
