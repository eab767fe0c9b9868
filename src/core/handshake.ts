import { createHash } from 'node:crypto';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { HandshakeInfo, HeaderLine, NegotiatedExtension } from '../shared/protocol';
import { tlsInfoOf } from './tls';

/** The GUID of RFC 6455 §1.3 that the server appends to the key. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept a server must answer for `key`. */
export function expectedAccept(key: string): string {
  return createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
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

  constructor(url: string, private readonly followRedirects: boolean, proxy?: string) {
    this.info = { url, finalUrl: url, proxy, protocol: '', extensions: [], redirects: [], timings: { start: Date.now() }, ok: false };
  }

  /** For `ws`'s `finishRequest` option: notes the request and its socket's events, then sends it. */
  readonly finishRequest = (req: ClientRequest, websocket: { url: string }): void => {
    this.req = req;
    this.info.finalUrl = websocket.url;
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
      this.info.redirects.push({ url: websocket.url, status, statusText: res.statusMessage ?? '', location: resolved, followed: this.followRedirects });
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
    this.info.extensions = parseExtensions(typeof headers['sec-websocket-extensions'] === 'string' ? headers['sec-websocket-extensions'] : '');
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
        requestLine: lines[0],
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
      for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) headers.push({ name, value: String(v) });
    }
    this.info.request = { requestLine: `${req.method} ${req.path} HTTP/1.1`, headers };
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
  for (let i = 0; i + 1 < raw.length; i += 2) out.push({ name: raw[i], value: raw[i + 1] });
  return out;
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
      else ext.params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
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
