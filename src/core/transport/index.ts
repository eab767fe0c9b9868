import type { Transport, TransportKind, TransportOptions } from './transport';
import { TcpTransport } from './tcp';
import { WebSocketTransport } from './websocket';

export type * from './transport';
export { TcpTransport, parseTcpUrl, type TcpSettings } from './tcp';
export { WebSocketTransport, type PreparedOpen, type WebSocketOptions } from './websocket';

/** Every kind of transport, first match by scheme wins; a new transport (raw TCP, a relay leg) adds its line here. */
const KINDS: readonly TransportKind[] = [
  { schemes: ['ws', 'wss', 'http', 'https'], create: (options) => new WebSocketTransport(options) },
  { schemes: ['tcp', 'tls'], create: (options) => new TcpTransport(options) },
];

/**
 * The transport for `options.url`. A URL whose scheme no transport claims goes to the WebSocket
 * one, which fails it with the sentence users know (a `ws+unix:` socket refused, an unknown scheme named).
 */
export function createTransport(options: TransportOptions): Transport {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(options.url)?.[1]?.toLowerCase() ?? '';
  const kind = KINDS.find((k) => k.schemes.includes(scheme)) ?? KINDS[0];
  return kind.create(options);
}

/** Resolves when `connection` has closed or failed, or after `ms` (listen before asking it to close). */
export function whenEnded(
  connection: { onState: (l: (s: { phase: string }) => void) => { dispose(): void } },
  ms: number,
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      sub.dispose();
      clearTimeout(timer);
      resolve();
    };
    const sub = connection.onState((s) => {
      if (s.phase === 'closed' || s.phase === 'error') done();
    });
    const timer = setTimeout(done, ms);
    timer.unref();
  });
}
