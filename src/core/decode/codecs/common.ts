/** What the MessagePack, CBOR and compression decoders share: failures with a byte offset, keys, the one-line summary. */

/** Longest summary line, in characters (as the built-in decoders). */
export const SUMMARY_CHARS = 200;

/** Bytes of a payload shown as hex when nothing of it could be read. */
const HEX_PREVIEW_BYTES = 64;

/**
 * A payload that is the codec's but broken: `message` is the sentence without the codec's name
 * ("the string declared 40 bytes at byte 3 but only 12 remain"); `partial` collects what was read,
 * each container adding itself on the way out.
 */
export class Malformed extends Error {
  partial: unknown = undefined;
  hasPartial = false;

  constructor(message: string) {
    super(message);
  }

  /** Called by each enclosing container as the failure passes through it: it becomes the partial value. */
  wrap(container: unknown): void {
    this.partial = container;
    this.hasPartial = true;
  }
}

/** Integers past 2^53 stay exact as decimal strings; the others are numbers. */
export function exactInteger(n: bigint): number | string {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n.toString();
}

/** NaN and the infinities have no JSON: they become the strings "NaN", "Infinity", "-Infinity". */
export function jsonNumber(x: number): number | string {
  return Number.isFinite(x) ? x : String(x);
}

/** A map key as a property name: strings as they are, any other key as its JSON text (`1`, `true`, `[1,2]`). */
export function keyText(key: unknown): string {
  return typeof key === 'string' ? key : (JSON.stringify(key) ?? 'null');
}

/**
 * A key that reads as a field name (two characters or more, an identifier with `.` and `-`): random
 * bytes rarely make one, so a broken map that starts with such a pair is surely the codec's.
 */
export function isName(key: unknown): boolean {
  return typeof key === 'string' && key.length >= 2 && /^[A-Za-z_$][\w$.-]*$/.test(key);
}

/** Sets `obj[key]`, with `__proto__` as an ordinary own property. */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** The first bytes as hex, for a view whose payload could not be read at all. */
export function hexPreview(b: Buffer): string {
  const hex = b.toString('hex', 0, Math.min(b.length, HEX_PREVIEW_BYTES));
  return b.length > HEX_PREVIEW_BYTES ? `${hex}…` : hex;
}

/** ISO-8601 for seconds and nanoseconds since the epoch: the fraction only when there is one (3, 6 or 9 digits). */
export function isoTime(seconds: bigint | number, nanoseconds: number): string | undefined {
  const s = typeof seconds === 'bigint' ? seconds : BigInt(Math.floor(seconds));
  // Date's range: ±8.64e15 ms.
  if (s > 8_640_000_000_000n || s < -8_640_000_000_000n) return undefined;
  const whole = new Date(Number(s) * 1000).toISOString().replace('.000Z', '');
  if (nanoseconds === 0) return `${whole}Z`;
  let digits = String(nanoseconds).padStart(9, '0');
  while (digits.endsWith('000')) digits = digits.slice(0, -3);
  return `${whole}.${digits}Z`;
}

/** One line of compact JSON, at most SUMMARY_CHARS characters (…), without stringifying a large value whole. */
export function summarize(value: unknown): string {
  const out: string[] = [];
  let length = 0;
  const push = (s: string): boolean => {
    out.push(s);
    length += s.length;
    return length <= SUMMARY_CHARS;
  };
  const walk = (v: unknown): boolean => {
    if (v === null || typeof v !== 'object') return push(JSON.stringify(v) ?? 'null');
    if (Array.isArray(v)) {
      if (!push('[')) return false;
      for (let i = 0; i < v.length; i++) if ((i > 0 && !push(',')) || !walk(v[i])) return false;
      return push(']');
    }
    if (!push('{')) return false;
    let first = true;
    for (const k in v) {
      if (!Object.hasOwn(v, k)) continue;
      if ((!first && !push(',')) || !push(`${JSON.stringify(k)}:`) || !walk((v as Record<string, unknown>)[k]))
        return false;
      first = false;
    }
    return push('}');
  };
  walk(value);
  const line = out.join('');
  return line.length > SUMMARY_CHARS ? `${line.slice(0, SUMMARY_CHARS)}…` : line;
}
