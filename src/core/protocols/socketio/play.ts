import type { EarlyMessage, ProtocolReplay, ReplyId } from '../protocol';
import { isProblem, parseSocketHeader, parseSocketPacket } from './packets';
import type { SocketIoSetup } from './index';

/**
 * Replaying Socket.IO: the session connects the namespace (and auth) of the first recorded CONNECT;
 * an emit's ack id (either side's) pairs with the ACK that answers it, per namespace.
 */
export const socketIoReplay: ProtocolReplay<SocketIoSetup> = {
  settings(handshake: readonly EarlyMessage[]): Partial<SocketIoSetup> {
    for (const m of handshake) {
      if (m.direction !== 'sent' || m.kind !== 'text' || m.payload[0] !== 0x34 || m.payload[1] !== 0x30) continue;
      const p = parseSocketPacket(m.payload.toString('utf8', 1));
      if (isProblem(p)) continue;
      const settings: Partial<SocketIoSetup> = { namespace: p.namespace };
      if (isRecord(p.data)) settings.auth = p.data;
      else if (p.query) settings.auth = Object.fromEntries(new URLSearchParams(p.query));
      return settings;
    }
    return {};
  },
  ids(m: EarlyMessage): ReplyId | undefined {
    // 42… EVENT, 43… ACK, 45… BINARY_EVENT, 46… BINARY_ACK
    const t = m.payload[1];
    if (m.kind !== 'text' || m.payload[0] !== 0x34 || (t !== 0x32 && t !== 0x33 && t !== 0x35 && t !== 0x36))
      return undefined;
    const frame = m.payload.toString('utf8');
    const header = parseSocketHeader(frame.slice(1));
    if (isProblem(header) || header.ackId === undefined) return undefined;
    // The ack id's digits end where the payload starts (offsets in `frame`, one past the Engine.IO type).
    const end = header.payloadAt + 1;
    // They start after the type digit, the attachment count's "-" and the namespace's ",".
    const start = Math.max(2, frame.lastIndexOf('-', end - 1) + 1, frame.lastIndexOf(',', end - 1) + 1);
    return {
      role: t === 0x32 || t === 0x35 ? 'asks' : 'answers',
      key: header.namespace,
      id: String(header.ackId),
      withId: (id) => Buffer.from(`${frame.slice(0, start)}${id}${frame.slice(end)}`, 'utf8'),
    };
  },
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
