/** Milliseconds per unit; `m` and `min` are minutes, as in JetBrains' `@timeout 2 m`. */
const UNITS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** Longest duration accepted anywhere in a `.ws` file: one day. */
export const MAX_DURATION_MS = 86_400_000;

/**
 * Reads "500ms", "2s", "1.5 s", "2 m". A bare number uses `bareUnit`
 * (JetBrains reads `@timeout 600` as seconds); without one, a unit is required.
 * Returns undefined when the text is not a duration.
 */
export function parseDuration(text: string, bareUnit?: 'ms' | 's'): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2].toLowerCase() || bareUnit;
  if (!unit || !(unit in UNITS)) return undefined;
  const ms = Math.round(amount * UNITS[unit]);
  return ms <= MAX_DURATION_MS ? ms : undefined;
}

/** The sentence for a duration that did not parse. */
export function durationHint(text: string, what: string): string {
  return `"${text}" is not a duration for ${what}. Write it like 500ms, 2s or 1m (at most 24h).`;
}

/** "1.5 s", "200 ms": for messages and the CLI. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
