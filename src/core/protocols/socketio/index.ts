import type { Transport } from '../../transport';
import type { EarlyMessage, Endpoint, Protocol } from '../protocol';
import { SOCKET_IO_ACTIONS } from './compose';
import { socketIoDecoder } from './decoder';
import { SocketIoSession, type SocketIoSettings } from './session';
import { eioOfUrl, looksLikeSocketIoUrl, socketIoEndpoint, type SocketIoUrlOptions } from './url';

export { socketIoDecoder } from './decoder';
export * from './packets';
export * from './session';
export * from './url';

/** What a Socket.IO connection is set up with: the session's settings and the URL's options. */
export type SocketIoSetup = SocketIoSettings & SocketIoUrlOptions;

/** An Engine.IO open packet: `0{"sid":…,"pingInterval":…}`. */
function isOpenPacket(m: EarlyMessage): boolean {
  return (
    m.direction === 'received' &&
    m.kind === 'text' &&
    m.payload[0] === 0x30 &&
    m.payload[1] === 0x7b &&
    m.payload.includes('"sid"') &&
    m.payload.includes('"pingInterval"')
  );
}

/** Socket.IO v3/v4 (Engine.IO 4) and v2 (Engine.IO 3). */
export const socketIo: Protocol<SocketIoSetup, SocketIoSession> = {
  id: 'socket.io',
  label: 'Socket.IO',
  detect: {
    subprotocols: [],
    url: looksLikeSocketIoUrl,
    messages: (first) => first.some(isOpenPacket),
  },
  endpoint(input, settings = {}): Endpoint<SocketIoSetup> | { error: string } {
    const e = socketIoEndpoint(input, settings);
    if ('error' in e) return e;
    // A namespace in the settings wins over the URL's path (the URL may be the Engine.IO one).
    const namespace = settings.namespace ?? e.namespace;
    return { url: e.url, settings: { ...settings, namespace, eio: e.eio } };
  },
  decoder: (facts) => socketIoDecoder(eioOfUrl(facts?.url)),
  attach: (transport: Transport, settings: SocketIoSetup) => new SocketIoSession(transport, settings),
  actions: SOCKET_IO_ACTIONS,
};
