import type { DecodedMessage, MessageDecoder } from '../../decode';
import { FrameCarry, joined, MAX_ASSEMBLED, NO_CARRY } from './carry';
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
 * Given the connection's rows, a packet split across frames is read whole in the frame that ends
 * it ("assembled from #4–#6"), and the frames before say that it continues (carry.ts).
 */
export function mqttDecoder(version: 4 | 5): MessageDecoder {
  const id = version === 5 ? 'mqtt5' : 'mqtt';
  const label = version === 5 ? 'MQTT 5' : 'MQTT 3.1.1';
  const carries = new FrameCarry();
  return {
    id,
    label,
    sniff: (m) => m.kind === 'binary' && m.payload.length > 0,
    quickField: mqttQuickField(version),
    // A frame of one PINGREQ (0xc0 0x00) or PINGRESP (0xd0 0x00).
    isKeepalive: (kind, b, start, end) =>
      kind === 'binary' && end - start === 2 && (b[start] === 0xc0 || b[start] === 0xd0) && b[start + 1] === 0,
    reset: () => carries.reset(),
    decode: (m, context): DecodedMessage => {
      const rows = context?.rows;
      const carry = rows ? carries.before(m, rows) : NO_CARRY;
      const bytes = joined(carry, m);
      if (rows) carries.remember(m, carry);
      const read = readFrame(bytes, version);
      // Begun in an earlier frame: the row numbers (as the list shows them) it was assembled from.
      const from = carry.bytes.length ? `#${carry.from + 1}–#${m.index + 1}` : undefined;
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
        views.push(packetView(r.packet, m.direction, v, context?.payload));
        if (r.packet.cmd === 'connect') v = r.packet.protocolVersion ?? v;
      }
      const types = views.map((x) => x.value.type as string);
      // A CONNECT of another version than the decoder's: say which to choose to read the rest.
      const other = read[0]?.ok && read[0].packet.cmd === 'connect' && (read[0].packet.protocolVersion ?? 4);
      const hint =
        other && (other === 5) !== (version === 5)
          ? ` [${versionName(other)}: choose "${other === 5 ? 'mqtt5' : 'mqtt'}"]`
          : '';
      const last = read[read.length - 1];
      const whole = last && packetLength(bytes, last.offset);
      if (problem !== undefined && cut && rows && !(whole && whole > MAX_ASSEMBLED)) {
        // Not a problem where frames are read as a stream: the rest comes in the next frames.
        const piece = `${last.type ?? 'a packet'}: ${bytes.length - last.offset}${whole ? ` of ${whole}` : ''} bytes so far${carry.bytes.length && last.offset === 0 ? ` (begun in #${carry.from + 1})` : ''}, continued in the next frame`;
        // Its own type, so a condition on the packet's type matches the frame that ends it only.
        const continues = {
          type: 'piece',
          of: last.type ?? 'unknown',
          bytes: bytes.length - last.offset,
          ...(whole ? { whole } : {}),
        };
        return {
          decoder: id,
          label: `${label} (${views.length ? `${views.length} packets and ` : ''}a packet continued in the next frame)`,
          value: views.length ? { type: 'packets', packets: [...views.map((x) => x.value), continues] } : continues,
          summary: line(views.length ? `${summarise(views)} · ${piece}` : piece),
          columns: views[0]?.columns ?? { type: `${last.type ?? 'packet'} (piece)` },
          ...(views.find((x) => x.link) ? { link: views.find((x) => x.link)?.link } : {}),
        };
      }
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
        label: `${views.length === 1 ? `${label} ${types[0]}` : `${label}: ${views.length} packets`}${from ? `, assembled from ${from}` : ''}`,
        value: packetsValue(views),
        summary: line(summarise(views) + hint + (from ? ` (from ${from})` : '')),
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

/** The whole length of the packet at `offset` (fixed header and remaining length), when its header is there. */
function packetLength(b: Buffer, offset: number): number | undefined {
  let length = 0;
  for (let i = 0, at = offset + 1; i < 4 && at < b.length; i++, at++) {
    length += (b[at] & 0x7f) * 128 ** i;
    if ((b[at] & 0x80) === 0) return at + 1 - offset + length;
  }
  return undefined;
}
