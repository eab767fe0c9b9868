/** When and how often a Connection opens itself again after an unexpected close. */
export interface ReconnectPolicy {
  /** Delay before the first attempt, in ms. Default 1000. */
  initialDelayMs?: number;
  /** Each further delay is the previous one times this. Default 2. */
  factor?: number;
  /** Longest delay, in ms. Default 30000. */
  maxDelayMs?: number;
  /** Attempts in a row before giving up. Default 10. */
  maxAttempts?: number;
}

/** A policy with every field filled in. */
export type FullReconnectPolicy = Required<ReconnectPolicy>;

const DEFAULTS: FullReconnectPolicy = { initialDelayMs: 1000, factor: 2, maxDelayMs: 30_000, maxAttempts: 10 };

/** `true` → the defaults; `false`/absent → undefined (reconnect off). */
export function reconnectPolicy(option: boolean | ReconnectPolicy | undefined): FullReconnectPolicy | undefined {
  if (!option) return undefined;
  return option === true ? { ...DEFAULTS } : { ...DEFAULTS, ...stripUndefined(option) };
}

/** Milliseconds to wait before attempt `attempt` (1-based): exponential, capped. */
export function reconnectDelay(policy: FullReconnectPolicy, attempt: number): number {
  const delay = policy.initialDelayMs * Math.pow(policy.factor, Math.max(0, attempt - 1));
  return Math.min(policy.maxDelayMs, Math.max(0, Math.round(delay)));
}

/**
 * A close deserves a reconnect when the user did not ask for it and the server did not end
 * normally: a drop (1006), going away (1001), restarts (1012), errors, and the rest — all but 1000.
 */
export function isUnexpectedClose(code: number, byClient: boolean): boolean {
  return !byClient && code !== 1000;
}

/** "Reconnecting in 2 s (attempt 3 of 10)…" */
export function describeReconnect(delayMs: number, attempt: number, maxAttempts: number): string {
  const delay = delayMs < 1000 ? `${delayMs} ms` : `${Math.round(delayMs / 100) / 10} s`;
  return `Reconnecting in ${delay} (attempt ${attempt} of ${maxAttempts})…`;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Opens a transport again after an unexpected close, by `policy`, saying each attempt in a note.
 * Any transport can use it: `open` is its own attempt, and its failures come back through `schedule`.
 */
export class Reconnector {
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;

  constructor(
    private readonly policy: FullReconnectPolicy | undefined,
    private readonly open: () => Promise<void>,
    private readonly note: (text: string) => void,
  ) {}

  /** True while an attempt is waiting for its delay. */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** True once a reconnect attempt is under way (the first connect is attempt 0). */
  get reconnecting(): boolean {
    return this.attempt > 0;
  }

  /** The connection opened: the next unexpected close starts counting again. */
  opened(): void {
    this.attempt = 0;
  }

  schedule(): void {
    const policy = this.policy;
    if (!policy || this.timer) return;
    if (this.attempt >= policy.maxAttempts) {
      this.note(`Gave up reconnecting after ${policy.maxAttempts} attempts. Reconnect by hand to try again.`);
      this.attempt = 0;
      return;
    }
    const attempt = ++this.attempt;
    const delay = reconnectDelay(policy, attempt);
    this.note(describeReconnect(delay, attempt, policy.maxAttempts));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Failures are reported through state and notes, and retried through `schedule`.
      this.open().catch(() => undefined);
    }, delay);
  }

  /** Stops a waiting attempt and starts counting again. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.attempt = 0;
  }
}
