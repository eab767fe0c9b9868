import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { proxyAgent, proxyFor } from '../../proxy';
import { loadTlsOptions } from '../../tls';
import type { PreparedOpen, WebSocketOptions } from '../../transport';

/** Redirects to another hub (Azure SignalR Service) followed at most. */
const MAX_REDIRECTS = 10;
/** Largest negotiate answer read. */
const MAX_BODY = 64 * 1024;
/** Handshake headers that are the WebSocket's, not the negotiate POST's. */
const WEBSOCKET_ONLY = /^(sec-websocket-|upgrade$|connection$|host$|content-length$)/i;

/** The negotiate answer (TransportProtocols.md, "/negotiate"), the parts we read. */
interface NegotiateAnswer {
  negotiateVersion?: number;
  connectionId?: string;
  connectionToken?: string;
  availableTransports?: Array<{ transport?: string; transferFormats?: string[] }>;
  url?: string;
  accessToken?: string;
  error?: string;
}

/**
 * SignalR's negotiate step before each WebSocket open, as @microsoft/signalr does it without
 * `skipNegotiation`: `POST {hub}/negotiate?negotiateVersion=1` with the request's headers, then
 * the WebSocket to `{hub}?id={connectionToken}`. A redirect answer (`url`, `accessToken`) is followed
 * with the token as `Authorization: Bearer`. A hub that has no negotiate endpoint (404 and other
 * refusals that are not about credentials) is opened without it, with a note.
 */
export function signalrNegotiate(
  hubWsUrl: string,
): (o: WebSocketOptions, signal: AbortSignal) => Promise<PreparedOpen> {
  return async (options, signal) => {
    let hub = hubWsUrl;
    let headers: Record<string, string> = {};
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const at = negotiateUrl(hub);
      const sent = { ...forNegotiate(options.headers), ...headers };
      const answer = await post(at, sent, options, signal);
      if (answer.status === 401 || answer.status === 403)
        throw new Error(
          `The SignalR hub refused the negotiate request (POST ${shown(at)}) with HTTP ${answer.status}${bodyNote(answer.body)}. Add the credentials it expects (an Authorization header, a cookie, an access_token query parameter) to the request.`,
        );
      if (answer.status < 200 || answer.status > 299)
        return {
          url: hub,
          headers,
          note: `The SignalR hub answered its negotiate request (POST ${shown(at)}) with HTTP ${answer.status}; connecting to the hub's WebSocket without negotiation, as @microsoft/signalr does with skipNegotiation.`,
        };
      let body: NegotiateAnswer;
      try {
        body = JSON.parse(answer.body) as NegotiateAnswer;
      } catch {
        throw new Error(
          `The SignalR hub's negotiate answer (POST ${shown(at)}) is not JSON${bodyNote(answer.body)}. Check the hub URL: it should be the path the hub is mapped to (app.MapHub<T>("/chathub")).`,
        );
      }
      if (typeof body.error === 'string')
        throw new Error(`The SignalR hub's negotiate (POST ${shown(at)}) answered with an error: "${body.error}".`);
      if (typeof body.url === 'string') {
        hub = toWs(body.url);
        if (typeof body.accessToken === 'string') headers = { Authorization: `Bearer ${body.accessToken}` };
        continue;
      }
      const transports = body.availableTransports ?? [];
      if (!transports.some((t) => t.transport === 'WebSockets'))
        throw new Error(
          `The SignalR hub offers no WebSockets transport (it offers ${transports.map((t) => t.transport).join(', ') || 'none'}); the inspector speaks SignalR over WebSockets only. Enable WebSockets on the server (HttpTransportType.WebSockets).`,
        );
      const token = body.negotiateVersion && body.negotiateVersion >= 1 ? body.connectionToken : body.connectionId;
      if (typeof token !== 'string' || !token)
        throw new Error(
          `The SignalR hub's negotiate answer (POST ${shown(at)}) has no ${body.negotiateVersion ? 'connectionToken' : 'connectionId'}.`,
        );
      const url = new URL(hub);
      url.searchParams.set('id', token);
      return {
        url: url.href,
        headers,
        secrets: [token, new URLSearchParams({ id: token }).toString().slice(3)],
        note: `Negotiated with the SignalR hub (connection ${body.connectionId ?? 'without an id'}, negotiate version ${body.negotiateVersion ?? 0}).`,
      };
    }
    throw new Error(`The SignalR hub redirected its negotiate request more than ${MAX_REDIRECTS} times.`);
  };
}

/** `{hub}/negotiate?negotiateVersion=1` over http(s), the hub's query kept. */
function negotiateUrl(hubWsUrl: string): URL {
  const url = new URL(hubWsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/negotiate`;
  url.searchParams.set('negotiateVersion', '1');
  return url;
}

function toWs(url: string): string {
  const u = new URL(url);
  u.protocol = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : 'ws:';
  return u.href;
}

function forNegotiate(headers: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([n]) => !WEBSOCKET_ONLY.test(n)));
}

function shown(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function bodyNote(body: string): string {
  const text = body.trim().replace(/\s+/g, ' ').slice(0, 200);
  return text ? `: ${text}` : '';
}

function post(
  url: URL,
  headers: Record<string, string>,
  options: WebSocketOptions,
  signal: AbortSignal,
): Promise<{ status: number; body: string }> {
  const tls = loadTlsOptions(options);
  if (!tls.ok) return Promise.reject(new Error(tls.error));
  const proxy = proxyFor(url.href, options);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': '0', 'X-Requested-With': 'XMLHttpRequest' },
        signal,
        ...(url.protocol === 'https:' ? tls.options : {}),
        ...(proxy ? { agent: proxyAgent(proxy, options.proxyStrictSSL ?? true) } : {}),
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) {
            req.destroy(new Error(`The SignalR hub's negotiate answer is larger than ${MAX_BODY / 1024} KiB.`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', (err: Error & { code?: string }) =>
      reject(
        signal.aborted
          ? new Error(
              `The SignalR hub's negotiate request (POST ${shown(url)}) got no answer within the handshake timeout.`,
            )
          : new Error(`The SignalR negotiate request to ${shown(url)} failed: ${err.message}.`),
      ),
    );
    req.end();
  });
}
