import type { ConnectionHealth } from '../../../shared/protocol';
import type { EioVersion } from './packets';

/** The Engine.IO open packet's timing, as the server gave it. */
export interface EngineTiming {
  pingInterval: number;
  pingTimeout: number;
}

/**
 * Engine.IO's keepalive, both directions of it. In EIO 4 the server sends `2` every pingInterval
 * and closes the connection when `3` does not come back within pingTimeout: we answer at once and
 * count the server unhealthy when no ping came for pingInterval + pingTimeout. In EIO 3 the client
 * sends `2` every pingInterval and the server answers `3`: we send them, measure the round trip,
 * and count it unhealthy when a pong takes longer than pingTimeout.
 */
export class EngineHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  private pingSentAt = 0;
  private current: ConnectionHealth = { healthy: true, missedPongs: 0 };

  constructor(
    private readonly eio: EioVersion,
    /** Sends a text frame (`2` or `3…`); failures are the transport's to report. */
    private readonly send: (text: string) => void,
    private readonly report: (health: ConnectionHealth) => void,
  ) {}

  get health(): ConnectionHealth {
    return this.current;
  }

  /** The open packet arrived: start keeping the connection alive. */
  start(timing: EngineTiming): void {
    this.stop();
    if (this.eio === 4) this.expectPing(timing);
    else this.timer = setInterval(() => this.sendPing(timing), Math.max(1, timing.pingInterval)).unref();
  }

  /** The server pinged (EIO 4): answer with the same data (a `probe` gets `3probe`), and expect the next. */
  ping(data: string, timing: EngineTiming): void {
    this.send(`3${data}`);
    this.expectPing(timing);
    this.healthy({ healthy: true, missedPongs: 0, lastPongAt: Date.now() });
  }

  /** The server answered our ping (EIO 3). */
  pong(): void {
    if (this.pongTimer === undefined) return;
    clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
    const now = performance.now();
    this.healthy({
      healthy: true,
      missedPongs: 0,
      lastPongAt: Date.now(),
      lastRttMs: Math.round((now - this.pingSentAt) * 10) / 10,
    });
  }

  stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.timer);
    clearTimeout(this.pongTimer);
    this.timer = undefined;
    this.pongTimer = undefined;
  }

  private expectPing(timing: EngineTiming): void {
    clearTimeout(this.timer);
    const wait = timing.pingInterval + timing.pingTimeout;
    this.timer = setTimeout(() => {
      this.unhealthy(
        `The Socket.IO server sent no Engine.IO ping for ${wait} ms (pingInterval ${timing.pingInterval} + pingTimeout ${timing.pingTimeout}): it may have stopped, or the connection is stuck.`,
      );
      this.expectPing(timing);
    }, wait).unref();
  }

  private sendPing(timing: EngineTiming): void {
    if (this.pongTimer !== undefined) return; // the last one is still out; its timeout reports it
    this.pingSentAt = performance.now();
    this.send('2');
    this.pongTimer = setTimeout(() => {
      this.pongTimer = undefined;
      this.unhealthy(
        `The Socket.IO server did not answer the Engine.IO ping within pingTimeout (${timing.pingTimeout} ms).`,
      );
    }, timing.pingTimeout).unref();
  }

  private unhealthy(message: string): void {
    this.healthy({ ...this.current, healthy: false, missedPongs: this.current.missedPongs + 1, message });
  }

  private healthy(health: ConnectionHealth): void {
    const changed = health.healthy !== this.current.healthy || !health.healthy || health.lastRttMs !== undefined;
    this.current = health;
    if (changed) this.report(health);
  }
}
