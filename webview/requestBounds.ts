/** The timer functions the bounds use (the window's in the page, a fake clock in tests). */
export interface Timers {
  set(run: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

/**
 * The time bound of each request still waiting for its reply. A request whose host is waiting on
 * the user (a file dialog is open) has none until the host says the dialog closed; then the
 * whole bound starts again, so a slow pick never reads as "the extension did not answer".
 */
export class RequestBounds {
  private readonly handles = new Map<number, unknown>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: (id: number) => void,
    private readonly timers: Timers,
  ) {}

  /** The request was sent: its bound starts. */
  start(id: number): void {
    this.stop(id);
    this.handles.set(
      id,
      this.timers.set(() => {
        this.handles.delete(id);
        this.onTimeout(id);
      }, this.timeoutMs),
    );
  }

  /** The host reported the user's turn (true: no bound) or its own again (false: a fresh bound). */
  waitingForUser(id: number, waiting: boolean): void {
    if (!this.handles.has(id)) return; // settled or timed out already
    if (waiting) {
      this.timers.clear(this.handles.get(id));
      this.handles.set(id, undefined);
    } else this.start(id);
  }

  /** The reply came: no bound any more. */
  settle(id: number): void {
    this.stop(id);
    this.handles.delete(id);
  }

  private stop(id: number): void {
    const handle = this.handles.get(id);
    if (handle !== undefined) this.timers.clear(handle);
  }
}
