import type { DecodeContext, DecodedMessage, MessageDecoder, StoredMessage } from '../../decode';
import { socketIoQuickField } from './quick';
import {
  isProblem,
  parseEngineBinary,
  parseEngineText,
  parseSocketPacket,
  type EioVersion,
  type SocketPacket,
} from './packets';

const SUMMARY_CHARS = 200;
const ID = 'socket.io';

/**
 * The view of one Socket.IO frame, alone: its Engine.IO type, and for a message its Socket.IO
 * packet (type, namespace, ack id, event name, arguments). A binary frame is an attachment of the
 * binary packet before it; which one is for the list to link (this decoder sees one frame). A frame
 * that is not valid Socket.IO still gets a view, with `problem` saying what is wrong and where.
 * Engine.IO pings and pongs are marked `keepalive`.
 *
 * Value shape: `{ engineio, keepalive?, socketio?, namespace?, ackId?, event?, args?, data?,
 * message?, attachments?, binary?, bytes? }`, plus `sid`, `pingInterval`, `pingTimeout`,
 * `upgrades`, `maxPayload` for an open packet.
 */
export function socketIoDecoder(eio: EioVersion = 4): MessageDecoder {
  return {
    id: ID,
    label: eio === 3 ? 'Socket.IO v2 (Engine.IO 3)' : 'Socket.IO (Engine.IO 4)',
    sniff: (m) => m.kind === 'binary' || (m.payload.length > 0 && isEngineStart(m.payload[0])),
    decode: (m, context) =>
      m.kind === 'binary' ? binaryView(m, eio, context?.payload) : textView(m.payload.toString('utf8'), m.direction),
    quickField: socketIoQuickField,
    // "2" and "3" (and the upgrade's "2probe"/"3probe") in both revisions.
    isKeepalive: (kind, b, start, end) =>
      kind === 'text' &&
      (b[start] === 0x32 || b[start] === 0x33) &&
      (end - start === 1 || (end - start === 6 && b.toString('latin1', start + 1, end) === 'probe')),
  };
}

type Direction = StoredMessage['direction'];
const OTHER: Record<Direction, Direction> = { sent: 'received', received: 'sent' };

function isEngineStart(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x36) || byte === 0x62; // 0–6, or "b" (base64 binary)
}

function textView(frame: string, direction: Direction): DecodedMessage {
  const engine = parseEngineText(frame);
  if (isProblem(engine)) return malformed({}, engine.problem);
  if (engine.binary) return attachment(engine.binary.length, 'base64 in a text frame');
  const text = engine.text ?? '';
  switch (engine.type) {
    case 'open':
      return openView(text);
    case 'ping':
    case 'pong': {
      const value = { engineio: engine.type, keepalive: true, ...(text ? { data: text } : {}) };
      return {
        ...view(`Engine.IO ${engine.type}`, value, text ? `${engine.type} ${text}` : engine.type),
        keepalive: true,
        columns: { type: engine.type },
      };
    }
    case 'message':
      return messageView(text, direction);
    default: {
      const v = view(
        `Engine.IO ${engine.type}`,
        { engineio: engine.type, ...(text ? { data: text } : {}) },
        engine.type,
      );
      // upgrade and noop belong to the polling → WebSocket upgrade, which a replay does not redo.
      return engine.type === 'upgrade' || engine.type === 'noop' ? { ...v, handshake: true } : v;
    }
  }
}

function openView(json: string): DecodedMessage {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (err) {
    return malformed(
      { engineio: 'open' },
      `The open packet's JSON from character 2 is not valid (${(err as Error).message}).`,
    );
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return malformed(
      { engineio: 'open' },
      'The open packet must carry a JSON object (sid, pingInterval, pingTimeout).',
    );
  const o = v as Record<string, unknown>;
  const missing = ['sid', 'pingInterval', 'pingTimeout'].filter((k) => o[k] === undefined);
  const value = { engineio: 'open', ...o };
  if (missing.length > 0) return malformed(value, `The open packet has no ${missing.join(', ')}.`);
  const summary = `open sid=${String(o.sid)} pingInterval=${String(o.pingInterval)} pingTimeout=${String(o.pingTimeout)}`;
  return { ...view('Engine.IO open', value, summary), handshake: true, columns: { type: 'open' } };
}

function messageView(data: string, direction: Direction): DecodedMessage {
  const p = parseSocketPacket(data);
  if (isProblem(p)) return malformed({ engineio: 'message' }, p.problem);
  const value: Record<string, unknown> = { engineio: 'message', socketio: p.type, namespace: p.namespace };
  if (p.query !== undefined) value.query = p.query;
  if (p.ackId !== undefined) value.ackId = p.ackId;
  if (p.attachments > 0) value.attachments = p.attachments;
  let detail = '';
  switch (p.type) {
    case 'EVENT':
    case 'BINARY_EVENT': {
      const [event, ...args] = p.data as unknown[];
      value.event = event;
      value.args = args;
      detail = ` ${JSON.stringify(event)} ${json(args)}`;
      break;
    }
    case 'ACK':
    case 'BINARY_ACK':
      value.args = p.data;
      detail = ` ${json(p.data)}`;
      break;
    case 'CONNECT_ERROR':
      value.message = errorMessage(p);
      if (isRecord(p.data) && p.data.data !== undefined) value.data = p.data.data;
      detail = ` ${String(value.message)}`;
      break;
    default:
      if (p.data !== undefined) {
        value.data = p.data;
        detail = ` ${json(p.data)}`;
      }
  }
  const ns = p.namespace === '/' ? '' : `${p.namespace} `;
  const ack = p.ackId === undefined ? '' : ` #${p.ackId}`;
  const att = p.attachments > 0 ? ` +${p.attachments} binary` : '';
  const out = view(`Socket.IO ${p.type}`, value, `${ns}${p.type}${ack}${detail}${att}`);
  const id = p.ackId === undefined ? undefined : String(p.ackId);
  out.columns = {
    type: p.type.toLowerCase(),
    ...(typeof value.event === 'string' ? { subject: value.event } : {}),
    ...(id !== undefined ? { id } : {}),
  };
  // An ack answers the emit of the other side with the same id in the same namespace.
  const isAck = p.type === 'ACK' || p.type === 'BINARY_ACK';
  if (id !== undefined)
    out.link = {
      key: `ack:${p.namespace}:${isAck ? OTHER[direction] : direction}:${id}`,
      role: isAck ? 'reply' : 'request',
    };
  if (p.type === 'CONNECT') out.handshake = true;
  return out;
}

function binaryView(m: StoredMessage, eio: EioVersion, codecs: DecodeContext['payload']): DecodedMessage {
  const engine = parseEngineBinary(m.payload, eio);
  if (isProblem(engine)) return malformed({ engineio: 'message', binary: true }, engine.problem);
  if (engine.type === 'message') {
    const bytes = engine.binary;
    const inner = bytes?.length ? codecs?.(bytes, m.direction) : undefined;
    const view = attachment(bytes?.length ?? 0, 'binary frame');
    // An attachment the connection's codecs read (MessagePack, Protobuf, …): its view inside.
    if (!inner) return view;
    return {
      ...view,
      value: { ...(view.value as object), decoded: inner.value, decodedAs: inner.label },
      summary: line(`attachment ${bytes?.length ?? 0} bytes: ${inner.label} ${inner.summary}`),
    };
  }
  const value = { engineio: engine.type, binary: true, bytes: engine.binary?.length ?? 0 };
  return view(`Engine.IO ${engine.type} (binary)`, value, `${engine.type} (binary)`);
}

function attachment(bytes: number, how: string): DecodedMessage {
  return view(
    'Socket.IO binary attachment',
    { engineio: 'message', socketio: 'attachment', binary: true, bytes },
    `attachment ${bytes} bytes (${how})`,
  );
}

function errorMessage(p: SocketPacket): string {
  if (typeof p.data === 'string') return p.data;
  if (isRecord(p.data) && typeof p.data.message === 'string') return p.data.message;
  return '';
}

function view(label: string, value: unknown, summary: string): DecodedMessage {
  return { decoder: ID, label, value, summary: line(summary) };
}

function malformed(value: Record<string, unknown>, problem: string): DecodedMessage {
  return { decoder: ID, label: 'Socket.IO (malformed)', value: { ...value, problem }, summary: line(problem), problem };
}

function json(v: unknown): string {
  return JSON.stringify(v) ?? '';
}

function line(s: string): string {
  return s.length > SUMMARY_CHARS ? `${s.slice(0, SUMMARY_CHARS)}…` : s;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
