import { parseTcpUrl } from './transport/tcp';
/** The result of checking a URL the user typed. */
export type UrlCheck = { ok: true; url: string } | { ok: false; message: string };

/**
 * Accepts `ws://` and `wss://` URLs only, and says why anything else is refused.
 * `http(s)://` gets a suggestion, since that is the common slip.
 */
export function checkWebSocketUrl(input: string): UrlCheck {
  const text = input.trim();
  if (!text) return { ok: false, message: 'Type a WebSocket URL, e.g. ws://127.0.0.1:8080/path.' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return {
      ok: false,
      message: `"${text}" is not a URL. A WebSocket URL looks like ws://host:port/path or wss://host/path.`,
    };
  }
  if (url.protocol === 'ws:' || url.protocol === 'wss:') {
    if (!url.hostname) return { ok: false, message: `"${text}" has no host name.` };
    return { ok: true, url: url.toString() };
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    const suggestion = text.replace(/^http/i, 'ws');
    return {
      ok: false,
      message: `Only ws:// and wss:// URLs can be opened, and "${text}" is ${url.protocol.slice(0, -1)}. Did you mean ${suggestion}?`,
    };
  }
  return {
    ok: false,
    message: `Only ws:// and wss:// URLs can be opened; "${text}" uses ${url.protocol.slice(0, -1)}.`,
  };
}

/**
 * What Connect… accepts: a WebSocket URL, or an `http(s)://` URL, which it opens as Socket.IO
 * (`http://host:3000/admin`: namespace /admin), as Socket.IO clients are given it.
 */
export function checkConnectUrl(input: string): UrlCheck & { socketIo?: boolean } {
  const text = input.trim();
  // Raw TCP and TLS sockets (transport/tcp.ts).
  if (/^(tcp|tls):\/\//i.test(text)) {
    const target = parseTcpUrl(text);
    return target.ok ? { ok: true, url: text } : { ok: false, message: target.error };
  }
  const url = /^https?:\/\//i.test(text) ? parseUrl(text) : undefined;
  if (url?.hostname) return { ok: true, url: url.toString(), socketIo: true };
  return checkWebSocketUrl(input);
}

/** The URL, or undefined when it does not parse. */
export function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** "host:port" with the scheme's default port filled in, for sentences about where a connection went. */
export function hostPort(url: string): string {
  const u = parseUrl(url);
  if (!u) return url;
  return `${u.hostname}:${u.port || (u.protocol === 'wss:' || u.protocol === 'https:' ? '443' : '80')}`;
}

/** "host" or "host:port" as the URL wrote it; `fallback` (default the URL itself) when it does not parse. */
export function hostOf(url: string, fallback: string = url): string {
  return parseUrl(url)?.host ?? fallback;
}

/** "host/path" for a panel title. */
export function shortTitle(url: string): string {
  try {
    const u = new URL(url);
    const path = u.pathname === '/' ? '' : u.pathname;
    return `${u.host}${path}`;
  } catch {
    return url;
  }
}
