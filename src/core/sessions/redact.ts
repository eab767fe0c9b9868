import { isMasked, maskHeaders, maskSecrets, maskUrl, MIN_SECRET_LENGTH } from '../mask';

export { SECRET_HEADERS } from '../mask';

/**
 * Applies the one masker (src/core/mask.ts) while a recording is written: the values of
 * credential headers, the URL's password and secret query values, and every occurrence of the
 * given secret strings (resolved secret variables) in header values and message text.
 */
export class Redactor {
  /** Whether any secret is long enough to be masked inside text (maskSecrets' own rule); most recordings have none. */
  readonly masksText: boolean;

  constructor(private readonly secrets: readonly string[] = []) {
    this.masksText = secrets.some((s) => s.length >= MIN_SECRET_LENGTH);
  }

  /** The secret values this redactor hides (a large message is checked for them as bytes). */
  get secretValues(): readonly string[] {
    return this.secrets;
  }

  /** `text` with each secret masked. */
  text(text: string): string {
    return this.masksText ? maskSecrets(text, this.secrets) : text;
  }

  /** `url` with its password, secret query values and the secrets masked. */
  url(url: string): string {
    return maskUrl(url, this.secrets);
  }

  /** A copy of `headers` with credential headers and secrets masked. */
  headers(headers: Record<string, string> | undefined): Record<string, string> | undefined {
    return headers ? maskHeaders(headers, this.secrets) : headers;
  }
}

/** True when a recorded header value was redacted and so cannot be sent again as it was. */
export const isRedacted = isMasked;

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
  return entry
    ? entry[1]
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : undefined;
}
