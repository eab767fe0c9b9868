import type { EioVersion } from './packets';

/** Where Socket.IO servers listen unless told otherwise (`path` in the server's and client's options). */
export const DEFAULT_PATH = '/socket.io/';

export interface SocketIoEndpoint {
  /** The Engine.IO WebSocket URL: `ws://host:3000/socket.io/?EIO=4&transport=websocket`. */
  url: string;
  /** The namespace the URL names (`/admin` for `http://host:3000/admin`), `/` by default. */
  namespace: string;
  eio: EioVersion;
}

export interface SocketIoUrlOptions {
  /** The server's `path` option. Default `/socket.io/`. */
  path?: string;
  /** Engine.IO revision: 4 (Socket.IO v3/v4, the default) or 3 (v2). An `EIO=` in the URL wins. */
  eio?: EioVersion;
}

/**
 * The WebSocket URL for a Socket.IO URL as its client takes one: `http://host:3000/admin?x=1`
 * means namespace `/admin` on `ws://host:3000/socket.io/?x=1&EIO=4&transport=websocket`.
 * A URL already on the Engine.IO path (copied from the browser's devtools) is kept, with
 * `EIO` and `transport` added when missing; its namespace is `/`.
 */
export function socketIoEndpoint(
  input: string,
  options: SocketIoUrlOptions = {},
): SocketIoEndpoint | { error: string } {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return { error: `"${input}" is not a URL. A Socket.IO URL looks like http://localhost:3000 or ws://host/admin.` };
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const ws = { http: 'ws', https: 'wss', ws: 'ws', wss: 'wss' }[scheme];
  if (!ws)
    return {
      error: `A Socket.IO URL starts with http://, https://, ws:// or wss://; this one starts with ${scheme}:.`,
    };
  const path = normalizePath(options.path ?? DEFAULT_PATH);
  const onEnginePath = url.pathname === path || url.pathname === path.replace(/\/$/, '');
  const namespace = onEnginePath ? '/' : url.pathname.replace(/\/+$/, '') || '/';
  const given = url.searchParams.get('EIO');
  let eio: EioVersion = options.eio ?? 4;
  if (given !== null) {
    if (given !== '3' && given !== '4')
      return { error: `EIO=${given} in the URL is not an Engine.IO revision the inspector speaks (3 or 4).` };
    eio = Number(given) as EioVersion;
  }
  const out = new URL(url.href);
  out.protocol = `${ws}:`;
  out.pathname = path;
  out.hash = '';
  out.searchParams.set('EIO', String(eio));
  out.searchParams.set('transport', 'websocket');
  // A URL copied from devtools or a HAR names the polling session it upgraded: a new connection has none.
  out.searchParams.delete('sid');
  return { url: out.href, namespace, eio };
}

/** True when a URL is on an Engine.IO path or names an Engine.IO revision. */
export function looksLikeSocketIoUrl(url: URL): boolean {
  return /\/socket\.io\/?$/.test(url.pathname) || (url.searchParams.has('EIO') && url.searchParams.has('transport'));
}

/** The Engine.IO revision a WebSocket URL names (`EIO=3`), 4 when it names none. */
export function eioOfUrl(url: string | undefined): EioVersion {
  return url && /[?&]EIO=3(?:&|$)/.test(url) ? 3 : 4;
}

function normalizePath(path: string): string {
  const p = path.startsWith('/') ? path : `/${path}`;
  return p.endsWith('/') ? p : `${p}/`;
}
