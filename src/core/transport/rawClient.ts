import WebSocket from 'ws';
import type { HandshakeRecorder } from '../handshake';
import type { NodeTlsOptions } from '../tls';
import { clientOptions, type WebSocketOptions } from './wsOptions';

/**
 * A bare `ws` client with a connection's options (limits, TLS, proxy, handshake recording), for the
 * relay's server leg, which needs the socket itself (pause, its own frames, a refusal's bytes) rather
 * than a Transport. Subprotocols are left to the caller's headers. Throws what `ws` throws.
 */
export function openRawClient(
  options: WebSocketOptions,
  tls: NodeTlsOptions,
  recorder: HandshakeRecorder,
  proxy: string | undefined,
): WebSocket {
  return new WebSocket(options.url, [], clientOptions(options, tls, recorder, proxy));
}
