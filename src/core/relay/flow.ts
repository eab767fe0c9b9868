import type { MessageKind, Side } from '../transport';

/** Where one direction's messages go: the other leg's socket, and the connection's events. */
export interface FlowSink {
  /** Writes to the destination socket. */
  write(kind: MessageKind, payload: Buffer): void;
  /** Calls `listener` whenever the destination socket wrote out what it buffered. */
  onDrain(listener: () => void): void;
  /** Bytes the destination has not written to the network yet. */
  bufferedAmount(): number;
  /** Stops (true) or starts again (false) reading the source socket: back-pressure reaches the peer. */
  pauseSource(paused: boolean): void;
  /** A message went out: `relayMs` is the time since it arrived. */
  delivered(kind: MessageKind, payload: Buffer, relayMs: number, injected: boolean): void;
}

interface Queued {
  kind: MessageKind;
  payload: Buffer;
  /** performance.now() at arrival. */
  arrived: number;
  /** performance.now() before which it must not leave (added latency). */
  notBefore: number;
  injected: boolean;
}

/** Bytes queued or buffered toward the destination above which the source is paused. Default 1 MiB. */
export const DEFAULT_HIGH_WATER = 1024 * 1024;

/**
 * One direction of a relayed connection after rules and breakpoints: an ordered output queue with
 * the faults that act on the wire (stall, throttle, latency), and back-pressure. Messages keep their
 * order here; the source is paused while the user paused this direction, or while the queue plus the
 * destination's unsent bytes are over `highWater`, and resumed under it, so memory stays bounded
 * when the destination stops reading (or the flow is stalled or throttled).
 */
export class Flow {
  private queue: Queued[] = [];
  private head = 0;
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private userPaused = false;
  private sourcePaused = false;
  private stalledFlag = false;
  private latency = 0;
  private bytesPerSecond = 0;
  /** Throttle: the time (performance.now) when the bytes written so far have been "paid" for. */
  private paidUntil = 0;
  private ended = false;

  constructor(
    readonly direction: Side,
    private readonly sink: FlowSink,
    private readonly highWater = DEFAULT_HIGH_WATER,
  ) {
    sink.onDrain(() => this.checkPressure());
  }

  get paused(): boolean {
    return this.userPaused;
  }

  /** True while the source is not being read (the user's pause or back-pressure). */
  get sourceIsPaused(): boolean {
    return this.sourcePaused;
  }

  get stalled(): boolean {
    return this.stalledFlag;
  }

  /** Messages waiting in the output queue. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  bytesWaiting(): number {
    return this.queuedBytes + this.sink.bufferedAmount();
  }

  setPaused(paused: boolean): void {
    this.userPaused = paused;
    this.checkPressure();
  }

  /** Stops forwarding (nothing is closed); messages queue up, and back-pressure pauses the source past `highWater`. */
  setStalled(stalled: boolean): void {
    this.stalledFlag = stalled;
    if (!stalled) this.drain();
  }

  /** Every message waits this long more before it leaves (order kept). */
  setLatency(ms: number): void {
    this.latency = Math.max(0, ms);
  }

  /** At most this many payload bytes a second (0: no limit). */
  setThrottle(bytesPerSecond: number): void {
    this.bytesPerSecond = Math.max(0, bytesPerSecond);
    this.paidUntil = performance.now();
    this.drain();
  }

  /** Queues a message to go out in order; it leaves now when nothing is ahead of it and no fault holds it. */
  push(kind: MessageKind, payload: Buffer, arrived: number, injected = false): void {
    if (this.ended) return;
    const now = performance.now();
    if (this.queued === 0 && !this.stalledFlag && this.latency === 0 && this.bytesPerSecond === 0) {
      this.send(kind, payload, arrived, injected, now);
      return;
    }
    this.queue.push({ kind, payload, arrived, notBefore: now + this.latency, injected });
    this.queuedBytes += payload.length;
    this.drain();
    this.checkPressure();
  }

  /** Forgets what is queued and stops its timer (the connection ended). */
  end(): void {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  private drain(): void {
    if (this.timer || this.ended) return;
    while (this.head < this.queue.length && !this.stalledFlag) {
      const m = this.queue[this.head];
      const now = performance.now();
      let wait = m.notBefore - now;
      if (this.bytesPerSecond > 0) wait = Math.max(wait, this.paidUntil - now);
      if (wait > 0) {
        this.timer = setTimeout(
          () => {
            this.timer = undefined;
            this.drain();
          },
          Math.max(1, Math.ceil(wait)),
        );
        return;
      }
      this.head++;
      this.queuedBytes -= m.payload.length;
      this.send(m.kind, m.payload, m.arrived, m.injected, now);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.checkPressure();
  }

  private send(kind: MessageKind, payload: Buffer, arrived: number, injected: boolean, now: number): void {
    if (this.bytesPerSecond > 0)
      this.paidUntil = Math.max(this.paidUntil, now) + (payload.length / this.bytesPerSecond) * 1000;
    this.sink.write(kind, payload);
    this.sink.delivered(kind, payload, performance.now() - arrived, injected);
    this.checkPressure();
  }

  /** Pauses or resumes the source from the user's pause and the bytes waiting toward the destination. */
  checkPressure(): void {
    if (this.ended) return;
    const over = this.queuedBytes + this.sink.bufferedAmount() > this.highWater;
    const pause = this.userPaused || over;
    if (pause === this.sourcePaused) return;
    this.sourcePaused = pause;
    this.sink.pauseSource(pause);
  }
}
