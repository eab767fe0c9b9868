import type { ConnectionHealth } from '../shared/protocol';

interface PendingPing {
  sentAt: number;
  resolve(rttMs: number): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Matches pongs to the pings they answer (by payload, oldest first), measures round trips,
 * and keeps the connection's health: a ping without a pong in time makes it unhealthy.
 */
export class PingTracker {
  private readonly pending = new Map<string, PendingPing[]>();
  private current: ConnectionHealth = { healthy: true, missedPongs: 0 };

  constructor(
    private readonly onHealth: (health: ConnectionHealth) => void,
    private readonly onMissed: (message: string) => void,
  ) {}

  get health(): ConnectionHealth {
    return { ...this.current };
  }

  /** Starts waiting for the pong to a ping with `payload` just sent; resolves with the RTT in ms. */
  track(payload: Buffer, timeoutMs: number): Promise<number> {
    const key = payload.toString('latin1');
    return new Promise<number>((resolve, reject) => {
      const entry: PendingPing = {
        sentAt: performance.now(),
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(key, entry);
          const message = `No pong within ${formatMs(timeoutMs)}: the server or the network may be unresponsive.`;
          this.update({ healthy: false, missedPongs: this.current.missedPongs + 1, message });
          this.onMissed(message);
          reject(new Error(message));
        }, timeoutMs),
      };
      entry.timer.unref?.();
      const list = this.pending.get(key);
      if (list) list.push(entry);
      else this.pending.set(key, [entry]);
    });
  }

  /** A pong arrived: answers the oldest ping with the same payload; any pong shows the peer is alive. */
  pong(payload: Buffer): void {
    const key = payload.toString('latin1');
    const entry = this.pending.get(key)?.[0];
    const now = Date.now();
    if (!entry) {
      this.update({ healthy: true, missedPongs: 0, lastPongAt: now, lastRttMs: this.current.lastRttMs });
      return;
    }
    this.remove(key, entry);
    clearTimeout(entry.timer);
    const rtt = Math.round((performance.now() - entry.sentAt) * 1000) / 1000;
    this.update({ healthy: true, missedPongs: 0, lastPongAt: now, lastRttMs: rtt });
    entry.resolve(rtt);
  }

  /** Rejects every waiting ping (the connection closed) and starts healthy again. */
  reset(reason: string): void {
    for (const list of this.pending.values()) {
      for (const entry of list) {
        clearTimeout(entry.timer);
        entry.reject(new Error(reason));
      }
    }
    this.pending.clear();
    this.current = { healthy: true, missedPongs: 0 };
  }

  private remove(key: string, entry: PendingPing): void {
    const list = this.pending.get(key);
    if (!list) return;
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.pending.delete(key);
  }

  private update(health: ConnectionHealth): void {
    this.current = health;
    this.onHealth({ ...health });
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** Calls `beat` every `everyMs` while started (off when `everyMs` is not positive). */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly everyMs: number | undefined,
    private readonly beat: () => void,
  ) {}

  start(): void {
    this.stop();
    if (!this.everyMs || this.everyMs <= 0) return;
    this.timer = setInterval(this.beat, this.everyMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
