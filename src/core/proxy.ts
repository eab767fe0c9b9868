import type { Agent } from 'node:http';
import { HttpsProxyAgent } from 'https-proxy-agent';

/** How to reach the server through an HTTP proxy (HTTP CONNECT tunnel, for ws:// and wss://). */
export interface ProxySettings {
  /** Proxy URL, e.g. "http://proxy.corp:3128" or "http://user:pass@proxy:8080"; VS Code's `http.proxy`. */
  proxy?: string;
  /** Verify the certificate of an https:// proxy (VS Code's `http.proxyStrictSSL`). Default true. */
  proxyStrictSSL?: boolean;
  /** Hosts that bypass the proxy, comma- or space-separated ("localhost,.corp,10.0.0.1:8080", "*");
   *  default: the NO_PROXY / no_proxy environment variable. */
  noProxy?: string;
}

/**
 * The proxy to use for `url`, or undefined for a direct connection: none is set, or the host
 * matches the no-proxy list. Loopback addresses use the proxy too unless listed, as in curl.
 */
export function proxyFor(
  url: string,
  settings: ProxySettings,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const proxy = settings.proxy?.trim();
  if (!proxy) return undefined;
  const noProxy = settings.noProxy ?? env.NO_PROXY ?? env.no_proxy ?? '';
  return bypassesProxy(url, noProxy) ? undefined : proxy;
}

/**
 * VS Code's `http.noProxy` (a list of hosts) as a `noProxy` list; undefined when it lists
 * nothing, so the NO_PROXY environment variable still applies.
 */
export function noProxyFromSetting(value: unknown): string | undefined {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
  const entries = list
    .filter((v): v is string => typeof v === 'string')
    .map((v) => v.trim())
    .filter(Boolean);
  return entries.length ? entries.join(',') : undefined;
}

/** True when `url`'s host (and port) matches an entry of a NO_PROXY-style list. */
export function bypassesProxy(url: string, noProxy: string): boolean {
  let host: string;
  let port: string;
  try {
    const u = new URL(url);
    host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    port = u.port || (u.protocol === 'wss:' || u.protocol === 'https:' ? '443' : '80');
  } catch {
    return false;
  }
  for (const raw of noProxy.split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    // A bare IPv6 address has colons of its own; a port needs the [brackets].
    const m = (
      entry.split(':').length > 2 && !entry.startsWith('[')
        ? [entry, entry]
        : /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry)
    ) as [string, string, string?] | null;
    if (!m) continue;
    const name = m[1].replace(/^\[|\]$/g, '').replace(/^\*?\./, '.');
    if (m[2] && m[2] !== port) continue;
    if (
      name.startsWith('.') ? host.endsWith(name) || host === name.slice(1) : host === name || host.endsWith(`.${name}`)
    )
      return true;
  }
  return false;
}

/** The agent that tunnels through `proxy`. */
export function proxyAgent(proxy: string, strictSSL = true): Agent {
  return new HttpsProxyAgent(proxy, { rejectUnauthorized: strictSSL });
}

/** The proxy URL without user name and password, for display. */
export function redactProxy(proxy: string): string {
  try {
    const u = new URL(proxy);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return proxy.replace(/\/\/[^@/]*@/, '//');
  }
}
