/**
 * A `.wslog` line for a large text message, written without ever holding the message as one
 * JavaScript string or one JSON copy: the payload bytes go to the file window by window, each
 * window JSON-escaped only when it holds a byte that needs it. A 64 MiB message then costs the
 * recorder a window (1 MiB) on top of the bytes the frame store already keeps.
 */

/** Text messages at least this long are written as a `LargeLine`. */
export const LARGE_TEXT_BYTES = 1024 * 1024;
const WINDOW_BYTES = 1024 * 1024;

/** One line: a JSON prefix ending in `"text":"`, the escaped payload, then `"}` and a newline. */
export interface LargeLine {
  prefix: string;
  payload: Buffer;
}

/** The line's bytes, a window at a time; windows that need no escape are views of the payload. */
export function* largeLineChunks(line: LargeLine): Generator<Buffer> {
  yield Buffer.from(line.prefix, 'utf8');
  const { payload } = line;
  let start = 0;
  while (start < payload.length) {
    let end = Math.min(payload.length, start + WINDOW_BYTES);
    // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
    while (end < payload.length && end > start && (payload[end] & 0xc0) === 0x80) end--;
    const window = payload.subarray(start, end);
    yield needsEscape(window) ? Buffer.from(JSON.stringify(window.toString('utf8')).slice(1, -1), 'utf8') : window;
    start = end;
  }
  yield Buffer.from('"}\n', 'utf8');
}

/** The line's length in bytes before escaping (enough to decide when to flush). */
export function largeLineSize(line: LargeLine): number {
  return line.prefix.length + line.payload.length + 3;
}

/** True when `bytes` holds a quote, a backslash or a control character (JSON must escape them). */
function needsEscape(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b < 0x20 || b === 0x22 || b === 0x5c) return true;
  }
  return false;
}

/** True when any of `needles` occurs in `bytes` (a secret that must be redacted). */
export function containsAny(bytes: Buffer, needles: readonly string[]): boolean {
  return needles.some((n) => n.length > 0 && bytes.includes(n, 0, 'utf8'));
}
