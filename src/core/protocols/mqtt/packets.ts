import { parser as mqttParser, type Packet } from 'mqtt-packet';

/**
 * MQTT control packets in one WebSocket frame. mqtt-packet (the parser aedes and mqtt.js use) reads
 * each packet; the framing around it (fixed header, remaining length) is read here first, so a
 * packet cut off by the end of the frame is named with its byte offsets rather than left waiting
 * in a stream parser. A frame may hold several packets (MQTT over WebSocket allows it) or a piece
 * of one (aedes over `ws`' createWebSocketStream writes each piece of a packet as its own frame).
 */

/** Packet type names by the fixed header's high nibble, as the specification spells them. */
export const PACKET_TYPES = [
  undefined,
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'AUTH',
] as const;

export type PacketType = Exclude<(typeof PACKET_TYPES)[number], undefined>;

/** One packet read from a frame, or what went wrong reading it. */
export type FramePacket =
  | { ok: true; offset: number; type: PacketType; packet: Packet }
  | {
      ok: false;
      offset: number;
      type?: PacketType;
      problem: string;
      /** The frame ends inside the packet: MQTT over WebSocket allows the rest to come in the next frames. */
      cut?: boolean;
    };

/**
 * Every packet in `frame`, in order, read as `version` (a CONNECT sets the version for the rest of
 * the frame, as it does for its connection). Stops at the first problem, which is the last entry.
 */
export function readFrame(frame: Buffer, version: number): FramePacket[] {
  const out: FramePacket[] = [];
  let offset = 0;
  let v = version;
  while (offset < frame.length) {
    const first = frame[offset];
    const type = PACKET_TYPES[first >> 4];
    if (!type || (type === 'AUTH' && v !== 5)) {
      const what = type ? 'AUTH exists only in MQTT 5' : 'packet type 0 is reserved';
      const piece = offset === 0 ? ' (a piece of a packet the sender split across frames?)' : '';
      out.push({ ok: false, offset, problem: `Byte ${offset} is 0x${hex(first)}: ${what}${piece}.` });
      return out;
    }
    const len = remainingLength(frame, offset + 1);
    if ('problem' in len) {
      out.push({ ok: false, offset, type, problem: `The ${type} at byte ${offset}: ${len.problem}`, cut: len.cut });
      return out;
    }
    const body = offset + 1 + len.bytes;
    if (body + len.value > frame.length) {
      out.push({
        ok: false,
        offset,
        type,
        cut: true,
        problem: `The ${type} at byte ${offset} says ${len.value} bytes from byte ${body} but the frame has ${frame.length}.`,
      });
      return out;
    }
    const end = body + len.value;
    const read = parseOne(frame.subarray(offset, end), v);
    if ('problem' in read) {
      out.push({ ok: false, offset, type, problem: `The ${type} at byte ${offset}: ${read.problem}` });
      return out;
    }
    if (read.packet.cmd === 'connect') v = read.packet.protocolVersion ?? v;
    out.push({ ok: true, offset, type, packet: read.packet });
    offset = end;
  }
  return out;
}

/** The variable byte integer at `at` (1 to 4 bytes, 7 bits each, least significant first). */
function remainingLength(
  frame: Buffer,
  at: number,
): { value: number; bytes: number } | { problem: string; cut?: boolean } {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    if (at + i >= frame.length)
      return { problem: `its remaining length is cut off at byte ${at + i} by the end of the frame.`, cut: true };
    const b = frame[at + i];
    value += (b & 0x7f) * 128 ** i;
    if ((b & 0x80) === 0) return { value, bytes: i + 1 };
  }
  return { problem: `its remaining length at byte ${at} runs past 4 bytes (malformed).` };
}

/** A parser per version, reused while it stays clean (a parser is an EventEmitter and a buffer list: not cheap). */
interface Reader {
  parser: ReturnType<typeof mqttParser>;
  packet?: Packet;
  error?: string;
}
const readers = new Map<number, Reader>();

function reader(version: number): Reader {
  let r = readers.get(version);
  if (r) return r;
  const made: Reader = { parser: mqttParser({ protocolVersion: version }) };
  made.parser.on('packet', (x) => (made.packet ??= x));
  made.parser.on('error', (e: Error) => (made.error ??= e.message));
  readers.set(version, (r = made));
  return r;
}

/** One whole packet through mqtt-packet's parser. */
function parseOne(bytes: Buffer, version: number): { packet: Packet } | { problem: string } {
  const r = reader(version);
  r.packet = r.error = undefined;
  let left = 0;
  try {
    left = r.parser.parse(bytes);
  } catch (e) {
    r.error ??= (e as Error).message;
  }
  // (Set by the parser's listeners during parse(): not narrowed to undefined.)
  const packet = r.packet as Packet | undefined;
  const error = r.error;
  // A CONNECT sets the parser's version, an error or a packet short of its length leaves state: start afresh.
  if (error || !packet || left !== 0 || packet.cmd === 'connect') readers.delete(version);
  if (error) return { problem: sentence(error) };
  if (!packet) return { problem: 'it is shorter than its type needs.' };
  return { packet };
}

/**
 * A stream of packets across frames, for a session or the mock's peer: each frame is fed in, and
 * every whole packet is handed on. After a malformed packet the rest of the buffered bytes are dropped.
 */
export class PacketStream {
  private readonly parser;
  private problem: string | undefined;

  constructor(
    version: number,
    private readonly onPacket: (packet: Packet) => void,
    private readonly onProblem: (problem: string) => void,
  ) {
    this.parser = mqttParser({ protocolVersion: version });
    this.parser.on('packet', (p) => this.onPacket(p));
    this.parser.on('error', (e: Error) => (this.problem ??= sentence(e.message)));
  }

  feed(frame: Buffer): void {
    try {
      this.parser.parse(frame);
    } catch (e) {
      this.problem ??= sentence((e as Error).message);
    }
    if (this.problem) {
      const problem = this.problem;
      this.problem = undefined;
      this.onProblem(problem);
    }
  }
}

function sentence(s: string): string {
  const t = s.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

const hex = (b: number) => b.toString(16).padStart(2, '0');
