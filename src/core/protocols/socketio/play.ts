import type { EarlyMessage, ProtocolReplay, ReplyId } from '../protocol';
import { isProblem, parseSocketHeader, parseSocketPacket } from './packets';
import type { SocketIoSetup } from './index';

/**
 * Replaying Socket.IO: the session connects the namespaces (and auth) of the recorded CONNECTs, in order;
 * an emit's ack id (either side's) pairs with the ACK that answers it, per namespace.
 */
export const socketIoReplay: ProtocolReplay<SocketIoSetup> = {
  settings(handshake: readonly EarlyMessage[]): Partial<SocketIoSetup> {
    const connects: Array<{ namespace: string; auth?: Record<string, unknown> }> = [];
    for (const m of handshake) {
      if (m.direction !== 'sent' || m.kind !== 'text' || m.payload[0] !== 0x34 || m.payload[1] !== 0x30) continue;
      const p = parseSocketPacket(m.payload.toString('utf8', 1));
      if (isProblem(p) || connects.some((c) => c.namespace === p.namespace)) continue;
      const auth = isRecord(p.data) ? p.data : p.query ? Object.fromEntries(new URLSearchParams(p.query)) : undefined;
      connects.push({ namespace: p.namespace, ...(auth ? { auth } : {}) });
    }
    const [first, ...more] = connects;
    if (!first) return {};
    return {
      namespace: first.namespace,
      ...(first.auth ? { auth: first.auth } : {}),
      ...(more.length ? { namespaces: more } : {}),
    };
  },
  wsAction(m: EarlyMessage) {
    if (m.direction !== 'sent' || m.kind !== 'text' || m.payload[0] !== 0x34 || m.payload[1] !== 0x30) return undefined;
    const p = parseSocketPacket(m.payload.toString('utf8', 1));
    if (isProblem(p) || p.namespace === '/') return undefined;
    const auth = isRecord(p.data) ? p.data : p.query ? Object.fromEntries(new URLSearchParams(p.query)) : undefined;
    return { line: `connect ${p.namespace}`, ...(auth ? { body: JSON.stringify(auth) } : {}) };
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
