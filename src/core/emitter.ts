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
    for (const listener of this.listeners) {
      try {
        listener(value);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  dispose(): void {
    this.listeners = [];
  }
}
