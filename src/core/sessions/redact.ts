import { REDACTED } from './format';

/** Headers whose values are credentials; compared lowercase. */
export const SECRET_HEADERS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'sec-websocket-key']);

/** Secrets shorter than this are not replaced inside text (too many false hits). */
const MIN_SECRET_LENGTH = 3;

/**
 * Replaces secrets while a recording is written: the values of credential headers, and
 * every occurrence of the given secret strings (resolved secret variables) in header values
 * and message text.
 */
export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: readonly string[] = []) {
    // Longest first, so a secret that contains another is hidden whole.
    this.secrets = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  }

  /** The secret values this redactor hides. */
  get secretValues(): readonly string[] {
    return this.secrets;
  }

  /** `text` with each secret replaced by `[redacted]`. */
  text(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
    return out;
  }

  /** A copy of `headers` with credential headers and secrets redacted. */
  headers(headers: Record<string, string> | undefined): Record<string, string> | undefined {
    if (!headers) return headers;
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : this.text(String(value));
    }
    return out;
  }
}

/** True when a recorded header value was redacted and so cannot be sent again as it was. */
export function isRedacted(value: string): boolean {
  return value.includes(REDACTED);
}

/** Headers the WebSocket client sets itself (or that belong to one hop); never copied into a replay or a `.ws` file. */
export const HANDSHAKE_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'upgrade',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
  'sec-websocket-accept',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'te',
  'trailer',
  'proxy-connection',
  'accept-encoding',
]);

/** The recorded request headers that can be sent again: no redacted values, none the client sets itself. */
export function replayableHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.startsWith(':') || HANDSHAKE_HEADERS.has(name.toLowerCase()) || isRedacted(value)) continue;
    out[name] = value;
  }
  return out;
}

/** The subprotocols in a `Sec-WebSocket-Protocol` header, if `headers` has one. */
export function protocolsFromHeaders(headers: Record<string, string> | undefined): string[] | undefined {
  const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'sec-websocket-protocol');
  return entry ? entry[1].split(',').map((p) => p.trim()).filter(Boolean) : undefined;
}
