import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type WebSocket from 'ws';

/** How the client's path and query become the target's. */
export type PathRule =
  | { mode: 'keep' }
  /** A regex replace over the client's path and query (`/v1/chat?x=1`), e.g. from "^/v1" to "/v2". */
  | { mode: 'rewrite'; from: string; to: string };

/** Headers that belong to one hop (RFC 9110 §7.6.1) or to the WebSocket handshake itself, never passed on. */
const NOT_PASSED = new Set([
  'host',
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'transfer-encoding',
  'te',
  'trailer',
  'content-length',
  'origin',
]);

/** The target URL for a client's request: the target's origin and base path, the client's path and query (or rewritten). */
export function targetUrl(target: string, requestUrl: string, rule: PathRule = { mode: 'keep' }): string {
  const t = new URL(target);
  const asked = requestUrl.startsWith('/') ? requestUrl : `/${requestUrl}`;
  if (rule.mode === 'rewrite') return `${t.origin}${asked.replace(new RegExp(rule.from), rule.to)}`;
  const c = new URL(asked, 'http://relay');
  const base = t.pathname.replace(/\/$/, '');
  const path = base && c.pathname === '/' ? t.pathname : base + c.pathname;
  return `${t.origin}${path}${c.search || t.search}`;
}

/** The client's headers to pass to the target: all but hop-by-hop, Sec-WebSocket-* (each leg negotiates its own) and Host/Origin. */
export function passedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || NOT_PASSED.has(name) || name.startsWith('sec-websocket-')) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // Names the client's Connection header lists are hop-by-hop too.
  for (const name of (req.headers.connection ?? '').split(',')) delete out[name.trim().toLowerCase()];
  return out;
}

/** The subprotocols the client offered, in order. */
export function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  return header
    ? header
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : [];
}

export function offeredDeflate(req: IncomingMessage): boolean {
  return /permessage-deflate/i.test(req.headers['sec-websocket-extensions'] ?? '');
}

/** Headers of a refusal not copied back as they came (the relay writes its own framing). */
const FRAMING = new Set(['connection', 'transfer-encoding', 'content-length', 'keep-alive']);

/** Sends the target's refusal to the client unchanged (status, headers, body), then closes the client's socket. */
export function answerWith(
  socket: Socket,
  status: number,
  statusText: string,
  rawHeaders: readonly string[],
  body: Buffer,
): void {
  if (socket.destroyed) return;
  const lines = [`HTTP/1.1 ${status} ${statusText}`];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    if (!FRAMING.has(rawHeaders[i].toLowerCase())) lines.push(`${rawHeaders[i]}: ${rawHeaders[i + 1]}`);
  lines.push(`Content-Length: ${body.length}`, 'Connection: close');
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body]));
}

/** The body of an answer, at most `limit` bytes; resolves on end, error, close or after 2 s. */
export function readRawBody(res: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts));
    };
    const timer = setTimeout(done, 2000);
    res.on('data', (chunk: Buffer) => {
      if (size < limit) parts.push(chunk.subarray(0, limit - size));
      size += chunk.length;
    });
    res.on('end', done);
    res.on('error', done);
    res.on('close', done);
  });
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Closes with `code` where a close frame may carry it (RFC 6455 §7.4.1); otherwise a plain close. */
/** For a leg whose frames the relay writes itself: hands them to the socket, before `ws` writes a close. */
export const flushers = new WeakMap<WebSocket, () => void>();

export function closeWith(socket: WebSocket, code: number | undefined, reason: string): void {
  flushers.get(socket)?.();
  if (socket.readyState !== socket.OPEN) return;
  const sendable =
    code !== undefined &&
    ((code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999));
  if (sendable) socket.close(code, Buffer.byteLength(reason) <= 123 ? reason : '');
  else socket.close();
}
