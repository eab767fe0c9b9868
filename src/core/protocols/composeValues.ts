import type { ComposeValues } from '../../shared/compose';

/** Reads a compose form's values with sentences that name the field (for every protocol's `compose`). */
export class ComposeReader {
  constructor(
    private readonly values: ComposeValues,
    /** The action, for sentences: "Emit". */
    private readonly action: string,
  ) {}

  /** Text as typed, trimmed; `fallback` when empty; a sentence when required and empty. */
  text(name: string, label: string, options: { required?: boolean; fallback?: string } = {}): string {
    const v = this.values[name];
    const s = typeof v === 'string' ? v.trim() : '';
    if (s) return s;
    if (options.required) throw new Error(`${this.action} needs ${label}; nothing was sent.`);
    return options.fallback ?? '';
  }

  /** Text exactly as typed (a body, a query). */
  raw(name: string): string {
    const v = this.values[name];
    return typeof v === 'string' ? v : '';
  }

  /** JSON, parsed; undefined when empty; a sentence with the parser's words when it does not parse. */
  json(name: string, label: string): unknown {
    const s = this.text(name, label);
    if (!s) return undefined;
    try {
      return JSON.parse(s);
    } catch (err) {
      throw new Error(`${label} is not valid JSON (${(err as Error).message}); nothing was sent.`, { cause: err });
    }
  }

  /** A JSON object, or undefined when empty. */
  object(name: string, label: string): Record<string, unknown> | undefined {
    const v = this.json(name, label);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new Error(`${label} must be a JSON object ({"key": "value"}); nothing was sent.`);
    return v as Record<string, unknown>;
  }

  flag(name: string): boolean {
    const v = this.values[name];
    return v === true || v === 'true' || v === 'on' || v === 'yes' || v === '1';
  }

  /** One of `choices` (the first when empty). */
  choice<T extends string>(name: string, label: string, choices: readonly T[]): T {
    const s = this.text(name, label) || choices[0];
    if (!choices.includes(s as T)) throw new Error(`${label} must be one of ${choices.join(', ')}; it is "${s}".`);
    return s as T;
  }
}

/** "12 ms", "1.4 ms": a latency for a sentence. */
export function ms(value: number): string {
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}
