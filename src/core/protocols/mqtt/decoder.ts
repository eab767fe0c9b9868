import type { DecodedMessage, MessageDecoder } from '../../decode';
import { versionName } from './codes';
import { readFrame } from './packets';
import { mqttQuickField } from './quick';
import { packetView, type PacketView } from './view';

const SUMMARY_CHARS = 200;
const KEEPALIVE = new Set(['PINGREQ', 'PINGRESP']);
const HANDSHAKE = new Set(['CONNECT', 'CONNACK']);

/**
 * The view of one binary frame of MQTT over WebSocket, read as `version` (4 = 3.1.1, 5). One packet:
 * its view (`{ type, topic, id, qos, retain, dup, payload, … }`). Several in one frame:
 * `{ type: 'packets', packets: [view, …] }`, the list line naming each and the columns and link of
 * the first. A packet cut off by the end of the frame, or malformed, gives a view with `problem`
 * saying where (the packets before it are still shown). Never throws: mqtt-packet's errors are caught.
 */
export function mqttDecoder(version: 4 | 5): MessageDecoder {
  const id = version === 5 ? 'mqtt5' : 'mqtt';
  const label = version === 5 ? 'MQTT 5' : 'MQTT 3.1.1';
  return {
    id,
    label,
    sniff: (m) => m.kind === 'binary' && m.payload.length > 0,
    quickField: mqttQuickField(version),
    // A frame of one PINGREQ (0xc0 0x00) or PINGRESP (0xd0 0x00).
    isKeepalive: (kind, b, start, end) =>
      kind === 'binary' && end - start === 2 && (b[start] === 0xc0 || b[start] === 0xd0) && b[start + 1] === 0,
    decode: (m): DecodedMessage => {
      const read = readFrame(m.payload, version);
      const views: PacketView[] = [];
      let v: number = version;
      let problem: string | undefined;
      let problemType: string | undefined;
      let cut = false;
      if (read.length === 0) problem = 'The frame is empty; an MQTT frame holds one packet or more.';
      for (const r of read) {
        if (!r.ok) {
          problem = r.problem;
          problemType = r.type;
          cut = !!r.cut;
          break;
        }
        views.push(packetView(r.packet, m.direction, v));
        if (r.packet.cmd === 'connect') v = r.packet.protocolVersion ?? v;
      }
      const types = views.map((x) => x.value.type as string);
      // A CONNECT of another version than the decoder's: say which to choose to read the rest.
      const other = read[0]?.ok && read[0].packet.cmd === 'connect' && (read[0].packet.protocolVersion ?? 4);
      const hint =
        other && (other === 5) !== (version === 5)
          ? ` [${versionName(other)}: choose "${other === 5 ? 'mqtt5' : 'mqtt'}"]`
          : '';
      if (problem !== undefined) {
        const partial = views.length === 0 ? { type: problemType ?? 'unknown' } : packetsValue(views);
        return {
          decoder: id,
          // Cut off: the rest may be in the next frames (a broker writing each piece as a frame).
          label: `${label} (${cut ? 'packet cut off by the end of the frame' : 'malformed'})`,
          value: { ...partial, problem },
          summary: line(views.length ? `${summarise(views)} · ${problem}` : problem),
          problem,
          ...(views[0] ? { columns: views[0].columns } : problemType ? { columns: { type: problemType } } : {}),
        };
      }
      const first = views[0];
      return {
        decoder: id,
        label: views.length === 1 ? `${label} ${types[0]}` : `${label}: ${views.length} packets`,
        value: packetsValue(views),
        summary: line(summarise(views) + hint),
        columns: views.length === 1 ? first.columns : { ...first.columns, type: types.join('+') },
        ...(types.every((t) => KEEPALIVE.has(t)) ? { keepalive: true } : {}),
        ...(types.every((t) => HANDSHAKE.has(t)) ? { handshake: true } : {}),
        ...(views.find((x) => x.link) ? { link: views.find((x) => x.link)?.link } : {}),
      };
    },
  };
}

function packetsValue(views: PacketView[]): Record<string, unknown> {
  return views.length === 1 ? views[0].value : { type: 'packets', packets: views.map((x) => x.value) };
}

function summarise(views: PacketView[]): string {
  return views.map((x) => x.summary).join(' · ');
}

function line(s: string): string {
  return s.length > SUMMARY_CHARS ? `${s.slice(0, SUMMARY_CHARS)}…` : s;
}
