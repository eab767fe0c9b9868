import * as vscode from 'vscode';
import { protocolForUrl, type ConnectionRecipe } from '../core/protocols';
import type { TransportOptions } from '../core/transport';
import { noProxyFromSetting } from '../core/proxy';

/** Where the client certificate's passphrase is kept: VS Code's secret storage, never settings. */
export const PASSPHRASE_KEY = 'websocketInspector.tls.passphrase';

/**
 * The connection options the settings give, for `url`: defaults under every connection, which a
 * `.ws` request's own headers and directives override.
 */
export function connectionDefaults(url: string, passphrase: string | undefined): ConnectionRecipe {
  const c = vscode.workspace.getConfiguration('websocketInspector.connection');
  const tls = vscode.workspace.getConfiguration('websocketInspector.tls');
  const http = vscode.workspace.getConfiguration('http');
  const seconds = (key: string, fallback: number) => Math.max(0, c.get<number>(key, fallback)) * 1000;
  const reconnect = c.get<string>('reconnect', 'off') === 'onUnexpectedClose';
  const headers = c.get<Record<string, unknown>>('headers', {});
  const origin = c.get<string>('origin', '');
  const proxy = http.get<string>('proxy', '');
  const caFiles = tls.get<string[]>('caFiles', []);
  const pfx = tls.get<string>('pfxFile', '');
  const cert = tls.get<string>('certFile', '');
  const usesKey = !!pfx || !!tls.get<string>('keyFile', '');
  const protocol = protocolForUrl(url, vscode.workspace.getConfiguration('websocketInspector').get('protocols', {}));
  return {
    url,
    ...(protocol ? { protocol } : {}),
    handshakeTimeout: c.get<number>('handshakeTimeout', 10000),
    sendTimeoutMs: Math.max(1, c.get<number>('sendTimeout', 30)) * 1000,
    maxPayload: Math.max(1, c.get<number>('maxPayloadMB', 100)) * 1024 * 1024,
    maxFragments: Math.max(1, c.get<number>('maxFragments', 16_384)),
    maxBufferedChunks: Math.max(1, c.get<number>('maxBufferedChunks', 262_144)),
    perMessageDeflate: c.get<boolean>('perMessageDeflate', true),
    headers: Object.fromEntries(Object.entries(headers).filter((e): e is [string, string] => typeof e[1] === 'string')),
    protocols: c.get<string[]>('subprotocols', []),
    origin: origin || undefined,
    followRedirects: c.get<boolean>('followRedirects', false),
    pingIntervalMs: seconds('pingInterval', 0) || undefined,
    pingTimeoutMs: seconds('pingTimeout', 10) || undefined,
    autoPong: c.get<boolean>('autoPong', true),
    reconnect: reconnect
      ? { maxDelayMs: seconds('reconnectMaxDelay', 30), maxAttempts: c.get<number>('reconnectMaxAttempts', 10) }
      : false,
    ca: caFiles.length ? caFiles : undefined,
    cert: cert || undefined,
    key: tls.get<string>('keyFile', '') || undefined,
    pfx: pfx || undefined,
    passphrase: usesKey ? passphrase : undefined,
    insecure: tls.get<boolean>('insecure', false),
    proxy: proxy || undefined,
    proxyStrictSSL: http.get<boolean>('proxyStrictSSL', true),
    // Hosts that skip the proxy (NO_PROXY semantics: host, .domain, *, host:port).
    noProxy: noProxyFromSetting(http.get<unknown>('noProxy')),
  };
}

/** A request's own options over the defaults; headers and subprotocols add up, the request's win. */
export function withDefaults<T extends TransportOptions>(defaults: TransportOptions, own: T): T {
  const defined = Object.fromEntries(Object.entries(own).filter(([, v]) => v !== undefined)) as T;
  return {
    ...defaults,
    ...defined,
    headers: { ...defaults.headers, ...own.headers },
    protocols: own.protocols?.length ? own.protocols : defaults.protocols,
  };
}

/** Asks for the client certificate's passphrase and keeps it in secret storage ('' removes it). */
export async function askPassphrase(secrets: vscode.SecretStorage): Promise<void> {
  const value = await vscode.window.showInputBox({
    title: 'Client certificate passphrase',
    prompt:
      'For the key or PFX file in websocketInspector.tls. Kept in VS Code secret storage; leave empty to remove it.',
    password: true,
    ignoreFocusOut: true,
  });
  if (value === undefined) return;
  if (value) await secrets.store(PASSPHRASE_KEY, value);
  else await secrets.delete(PASSPHRASE_KEY);
  void vscode.window.showInformationMessage(value ? 'Passphrase saved in secret storage.' : 'Passphrase removed.');
}
