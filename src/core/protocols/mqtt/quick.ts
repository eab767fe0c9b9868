import { DECODE_FULLY, type QuickField } from '../../decode';
import { PACKET_TYPES } from './packets';

/**
 * MQTT's `type` and a PUBLISH's `topic` read straight from a frame's bytes, for filters over many
 * rows: a frame of exactly one packet, its fixed header and remaining length checked. Anything
 * else (several packets, a packet cut off, MQTT 5's topic with its properties after it) is left to
 * the full decode.
 */
export function mqttQuickField(version: 4 | 5): QuickField {
  return (field, kind, b, start, end) => {
    if ((field !== 'type' && field !== 'topic') || kind !== 'binary' || end - start < 2) return DECODE_FULLY;
    const type = PACKET_TYPES[b[start] >> 4];
    if (!type || (type === 'AUTH' && version !== 5)) return DECODE_FULLY;
    // The remaining length must end exactly at the end of the frame.
    let length = 0;
    let at = start + 1;
    for (let i = 0; ; i++) {
      if (i === 4 || at >= end) return DECODE_FULLY;
      length += (b[at] & 0x7f) * 128 ** i;
      if ((b[at++] & 0x80) === 0) break;
    }
    if (at + length !== end) return DECODE_FULLY;
    if (field === 'type') return type;
    if (type === 'SUBSCRIBE' || type === 'UNSUBSCRIBE') return DECODE_FULLY;
    if (type !== 'PUBLISH') return undefined;
    const qos = (b[start] >> 1) & 3;
    if (version === 5 || qos === 3 || at + 2 > end) return DECODE_FULLY;
    const topicEnd = at + 2 + b.readUInt16BE(at);
    if (topicEnd > end || (qos > 0 && topicEnd + 2 > end)) return DECODE_FULLY;
    return b.toString('utf8', at + 2, topicEnd);
  };
}
