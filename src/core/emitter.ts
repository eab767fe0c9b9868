/** A listener's handle: call `dispose()` to stop listening. */
export interface Subscription {
  dispose(): void;
}

/**
 * A minimal typed event, shaped like `vscode.EventEmitter` so the host can pass it on,
 * but usable in plain Node.
 */
export class Emitter<T> {
  private listeners: Array<(value: T) => void> = [];

  /** Subscribe to the event. */
  readonly event = (listener: (value: T) => void): Subscription => {
    this.listeners.push(listener);
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  };

  /** Call every listener with `value`; a listener that throws does not stop the others. */
  fire(value: T): void {
    // The listeners at the time of firing: one added meanwhile (a protocol session attached on open) hears the next value.
    const listeners = this.listeners;
    const n = listeners.length;
    if (n === 0) return;
    // The first listener (the inspector's rows, on the message path) has a call site of its own, so
    // V8 can inline it while a protocol session listens beside it.
    try {
      listeners[0](value);
    } catch (err) {
      rethrowLater(err);
    }
    for (let i = 1; i < n; i++) {
      try {
        listeners[i](value);
      } catch (err) {
        rethrowLater(err);
      }
    }
  }

  dispose(): void {
    this.listeners = [];
  }
}

/**
 * An event whose listeners all see values in the order they were fired: a value fired by a
 * listener while another is being delivered waits until that one reached every listener (a
 * protocol that answers a ping at once must not have its pong reach the next listener first).
 */
export class OrderedEmitter<T> extends Emitter<T> {
  private delivering = false;
  private readonly waiting: T[] = [];

  override fire(value: T): void {
    if (this.delivering) {
      this.waiting.push(value);
      return;
    }
    this.delivering = true;
    try {
      super.fire(value);
      while (this.waiting.length > 0) super.fire(this.waiting.shift() as T);
    } finally {
      this.delivering = false;
    }
  }
}

/** A listener's error surfaces as an uncaught one, after the others have run. */
function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}
