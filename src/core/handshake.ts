import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { HandshakeInfo, HeaderLine, NegotiatedExtension } from '../shared/protocol';
import { tlsInfoOf } from './tls';
import { maskSecrets } from './mask';

/** The GUID of RFC 6455 §1.3 that the server appends to the key. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept a server must answer for `key`. */
export function expectedAccept(key: string): string {
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64');
}

/**
 * Records one connection attempt's opening handshake into a plain `HandshakeInfo`: it is `ws`'s
 * `finishRequest` (so it sees every request, including each redirect hop) and is told about the answer.
 */
export class HandshakeRecorder {
  readonly info: HandshakeInfo;
  private req: ClientRequest | undefined;
  private captured: ClientRequest | undefined;
  private t0 = 0;
  private tLookup = 0;
  private tConnect = 0;
  private tSecure = 0;
  /** Called when a redirect leads somewhere it must not be followed; `ws` is then kept from following it. */
  onBlockedRedirect: ((message: string) => void) | undefined;

  constructor(
    url: string,
    private readonly followRedirects: boolean,
    proxy?: string,
    /** Values kept out of the URLs and request line shown (a SignalR connection token in the query). */
    private readonly hidden: readonly string[] = [],
  ) {
    url = maskSecrets(url, hidden);
    this.info = {
      url,
      finalUrl: url,
      proxy,
      protocol: '',
      extensions: [],
      redirects: [],
      timings: { start: Date.now() },
      ok: false,
    };
  }

  /** For `ws`'s `finishRequest` option: notes the request and its socket's events, then sends it. */
  readonly finishRequest = (req: ClientRequest, websocket: { url: string }): void => {
    this.req = req;
    this.info.finalUrl = maskSecrets(websocket.url, this.hidden);
    this.info.timings = { start: Date.now() };
    this.t0 = performance.now();
    this.tLookup = this.tConnect = this.tSecure = 0;
    const key = req.getHeader('sec-websocket-key');
    if (typeof key === 'string') {
      this.info.key = key;
      this.info.expectedAccept = expectedAccept(key);
    }
    req.on('socket', (socket: Socket) => {
      socket.once('lookup', () => (this.tLookup = performance.now()));
      socket.once('connect', () => (this.tConnect = performance.now()));
      socket.once('secureConnect', () => (this.tSecure = performance.now()));
    });
    // Before `ws`'s own listener, which already starts the next hop.
    req.prependListener('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status < 300 || status >= 400 || !location) return;
      let resolved = location;
      try {
        resolved = new URL(location, websocket.url).href;
      } catch {
        // Kept as sent; `ws` reports the invalid URL.
      }
      const problem = this.followRedirects
        ? redirectTargetProblem(this.info.redirects.length + 1, status, websocket.url, resolved)
        : undefined;
      this.info.redirects.push({
        url: websocket.url,
        status,
        statusText: res.statusMessage ?? '',
        location: resolved,
        followed: this.followRedirects && !problem,
      });
      if (problem) {
        // Without a Location, `ws`'s own listener (next) does not follow; it reports the answer instead.
        delete res.headers.location;
        this.onBlockedRedirect?.(problem);
      }
    });
    req.end();
  };

  /** The server answered 101 (called from `ws`'s `upgrade` event, before `ws` checks the answer). */
  upgraded(res: IncomingMessage): void {
    this.answer(res);
    const headers = res.headers;
    const accept = headers['sec-websocket-accept'];
    this.info.acceptValid = this.info.expectedAccept !== undefined && accept === this.info.expectedAccept;
    this.info.protocol = typeof headers['sec-websocket-protocol'] === 'string' ? headers['sec-websocket-protocol'] : '';
    this.info.extensions = parseExtensions(
      typeof headers['sec-websocket-extensions'] === 'string' ? headers['sec-websocket-extensions'] : '',
    );
    const socket = res.socket as Socket | null;
    if (socket && (socket as TLSSocket).encrypted) {
      try {
        this.info.tls = tlsInfoOf(socket as TLSSocket);
      } catch {
        // A socket torn down in between has no TLS details left; the rest stands.
      }
    }
  }

  /** The server answered something else than 101; `body` is its start. */
  refused(res: IncomingMessage, body: string): void {
    this.answer(res);
    if (this.info.response) this.info.response.body = body;
  }

  /** The connection opened. */
  opened(): void {
    this.info.ok = true;
  }

  /** The attempt failed with this sentence. */
  failed(message: string): void {
    this.info.ok = false;
    this.info.error = message;
    this.captureRequest();
    this.measure();
  }

  private answer(res: IncomingMessage): void {
    this.captureRequest();
    const status = res.statusCode ?? 0;
    const statusText = res.statusMessage ?? '';
    this.info.response = {
      statusLine: `HTTP/${res.httpVersion} ${status} ${statusText}`.trim(),
      status,
      statusText,
      headers: pairs(res.rawHeaders),
    };
    const socket = res.socket as Socket | null;
    if (socket?.remoteAddress) this.info.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    this.measure(performance.now());
  }

  /** The request exactly as written: Node keeps the header block it sent. */
  private captureRequest(): void {
    const req = this.req;
    if (!req || req === this.captured) return;
    this.captured = req;
    const raw = (req as ClientRequest & { _header?: unknown })._header;
    if (typeof raw === 'string' && raw.includes('\r\n')) {
      const lines = raw.split('\r\n').filter(Boolean);
      this.info.request = {
        requestLine: maskSecrets(lines[0], this.hidden),
        headers: lines.slice(1).map((line) => {
          const colon = line.indexOf(':');
          return { name: line.slice(0, colon), value: line.slice(colon + 1).trim() };
        }),
      };
      return;
    }
    const headers: HeaderLine[] = [];
    for (const name of req.getRawHeaderNames()) {
      const value = req.getHeader(name);
      for (const v of Array.isArray(value) ? value : [value])
        if (v !== undefined) headers.push({ name, value: String(v) });
    }
    this.info.request = { requestLine: maskSecrets(`${req.method} ${req.path} HTTP/1.1`, this.hidden), headers };
  }

  private measure(tAnswer = 0): void {
    const t = this.info.timings;
    const { t0, tLookup, tConnect, tSecure } = this;
    if (!t0) return;
    if (tLookup) t.dnsMs = round(tLookup - t0);
    if (tConnect) t.tcpMs = round(tConnect - (tLookup || t0));
    if (tSecure) t.tlsMs = round(tSecure - (tConnect || tLookup || t0));
    if (tAnswer) {
      t.upgradeMs = round(tAnswer - (tSecure || tConnect || tLookup || t0));
      t.totalMs = round(tAnswer - t0);
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}

function pairs(raw: string[]): HeaderLine[] {
  const out: HeaderLine[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push({ name: raw[i], value: headerValue(raw[i + 1]) });
  return out;
}

/**
 * Node reads header bytes as Latin-1. A value that is valid UTF-8 is shown decoded as UTF-8;
 * otherwise its bytes past ASCII are shown as `\xNN`, never as mojibake.
 */
export function headerValue(latin1: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(latin1)) return latin1;
  const bytes = Buffer.from(latin1, 'latin1');
  if (isUtf8(bytes)) return bytes.toString('utf8');
  return latin1.replace(/[\x80-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `permessage-deflate; client_max_window_bits=15, x-foo` → names with their parameters (RFC 6455 §9.1). */
export function parseExtensions(header: string): NegotiatedExtension[] {
  const out: NegotiatedExtension[] = [];
  for (const offer of splitOutsideQuotes(header, ',')) {
    const [name, ...params] = splitOutsideQuotes(offer, ';');
    if (!name) continue;
    const ext: NegotiatedExtension = { name, params: {} };
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) ext.params[p] = true;
      else
        ext.params[p.slice(0, eq).trim()] = p
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1');
    }
    out.push(ext);
  }
  return out;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === separator && !quoted) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts.filter(Boolean);
}

/** The sentence for a redirect that was not followed. */
export function describeRedirect(status: number, statusText: string, location: string, where: string): string {
  return `Server ${where} answered the upgrade with ${status} ${statusText}: a redirect to ${location}. Connect to that URL, or turn on following redirects (followRedirects).`;
}

/**
 * What is wrong with a 101 answer, by the checks of RFC 6455 §4.1 (the client must fail the
 * connection): `Upgrade: websocket`, `Connection: Upgrade`, the right Sec-WebSocket-Accept.
 * Undefined when the answer is a valid upgrade as far as these headers go.
 */
export function upgradeAnswerProblem(
  headers: IncomingMessage['headers'],
  expected: string | undefined,
  where: string,
): string | undefined {
  const start = `Server ${where} answered 101 Switching Protocols`;
  const end =
    'so this is not a valid WebSocket handshake and the inspector did not open the connection (RFC 6455 §4.1). Is the URL a WebSocket endpoint, or is a proxy in between rewriting headers?';
  const upgrade = headers.upgrade;
  if (upgrade === undefined) return `${start} without the Upgrade header (it must be "Upgrade: websocket"), ${end}`;
  if (String(upgrade).trim().toLowerCase() !== 'websocket')
    return `${start} with "Upgrade: ${upgrade}" instead of "Upgrade: websocket", ${end}`;
  const connection = headers.connection;
  const tokens = String(connection ?? '')
    .split(',')
    .map((t) => t.trim().toLowerCase());
  if (connection === undefined)
    return `${start} without the Connection header (it must be "Connection: Upgrade"), ${end}`;
  if (!tokens.includes('upgrade'))
    return `${start} with "Connection: ${connection}", which lacks the token "Upgrade", ${end}`;
  const accept = headers['sec-websocket-accept'];
  if (expected !== undefined && accept !== expected) {
    return accept === undefined
      ? `${start} without the Sec-WebSocket-Accept header (expected "${expected}"), ${end}`
      : `${start} with a wrong Sec-WebSocket-Accept ("Sec-WebSocket-Accept: ${accept}"; the key sent requires "${expected}"), ${end}`;
  }
  return undefined;
}

/** Schemes a redirect of the upgrade may go to: http(s) are taken as ws(s), as `ws` does. */
const REDIRECT_SCHEMES = new Set(['ws:', 'wss:', 'http:', 'https:']);

/**
 * The sentence when redirect number `hop` (from `from` to `target`) may not be followed: anything
 * but ws:, wss:, http: and https: (a `ws+unix:` target would make the client open a local socket).
 */
export function redirectTargetProblem(hop: number, status: number, from: string, target: string): string | undefined {
  let scheme: string;
  try {
    scheme = new URL(target).protocol;
  } catch {
    return `Redirect ${hop} (${status}) from ${from} points to "${target}", which is not a URL, so it was not followed and nothing more was connected.`;
  }
  if (REDIRECT_SCHEMES.has(scheme)) return undefined;
  return `Redirect ${hop} (${status}) from ${from} to ${target} was not followed: a redirect may only lead to ws:, wss:, http: or https:, and this one uses ${scheme.slice(0, -1)}. Nothing was connected to it.`;
}
