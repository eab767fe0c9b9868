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
