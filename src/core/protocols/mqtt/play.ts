import type { EarlyMessage, ProtocolReplay, ReplyId } from '../protocol';
import { packetSplitter } from './carry';

/** PUBACK, PUBREC, PUBREL, PUBCOMP: packet types whose packet id follows the fixed header. */
const ACKS = new Set([4, 5, 6, 7]);

/**
 * Replaying MQTT: packets, not frames, are counted and compared (a broker may cut them into frames
 * differently); the packet id a broker chose for a delivery at QoS 1/2 (PUBLISH, and PUBREL at QoS 2)
 * pairs with the client's acknowledgement of it (PUBACK, PUBREC, PUBCOMP), so a replayed
 * acknowledgement carries the live id and compare leaves the broker's ids out.
 */
export const mqttReplay: ProtocolReplay = {
  units: packetSplitter,
  ids(m: EarlyMessage): ReplyId | undefined {
    if (m.kind !== 'binary' || m.payload.length < 4) return undefined;
    const b = m.payload;
    const type = b[0] >> 4;
    const at = idOffset(b);
    if (at === undefined || at + 2 > b.length) return undefined;
    const fromBroker = m.direction === 'received';
    if (fromBroker ? type !== 3 && type !== 6 : !ACKS.has(type) || type === 6) return undefined;
    return {
      role: fromBroker ? 'asks' : 'answers',
      key: 'delivery',
      id: String(b.readUInt16BE(at)),
      withId: (id) => {
        const out = Buffer.from(b);
        out.writeUInt16BE(Number(id) & 0xffff, at);
        return out;
      },
    };
  },
};

/** Where the packet id is: after the topic for a PUBLISH at QoS 1/2, right after the fixed header for the acks. */
function idOffset(b: Buffer): number | undefined {
  let at = 1;
  for (let i = 0; i < 4 && at < b.length; i++) if ((b[at++] & 0x80) === 0) break;
  const type = b[0] >> 4;
  if (ACKS.has(type)) return at;
  if (type !== 3 || ((b[0] >> 1) & 3) === 0 || at + 2 > b.length) return undefined;
  return at + 2 + b.readUInt16BE(at);
}
