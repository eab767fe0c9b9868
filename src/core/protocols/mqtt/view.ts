import type { Packet } from 'mqtt-packet';
import type { DecodeContext, DecodedColumns } from '../../decode';
import { MASK } from '../../mask';
import { reasonName, returnCodeName, subackName, versionName } from './codes';

/**
 * One MQTT packet as the inspector shows it: `{ type, topic?, id?, qos?, retain?, dup?, payload?,
 * properties?, … }` with the packet type as the specification spells it (PUBLISH, SUBACK) and the
 * packet identifier as `id`. A CONNECT's password is never shown (only that there is one).
 */
export interface PacketView {
  value: Record<string, unknown>;
  summary: string;
  columns: DecodedColumns;
  link?: { key: string; role: 'request' | 'reply' };
}

const SUMMARY_PAYLOAD = 120;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The payload as text when it is UTF-8 (and its JSON when it is a JSON object or array), else base64. */
export function payloadView(bytes: Buffer): { payload: string; json?: unknown; payloadEncoding?: 'base64' } {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { payload: bytes.toString('base64'), payloadEncoding: 'base64' };
  }
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return { payload: text, json: JSON.parse(text) as unknown };
    } catch {
      // Not JSON after all: the text is the payload.
    }
  }
  return { payload: text };
}

/** Buffers among the properties (correlation data, authentication data) as base64 text. */
function plainProperties(props: unknown): Record<string, unknown> | undefined {
  if (!props || typeof props !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props as Record<string, unknown>))
    out[k] = Buffer.isBuffer(v)
      ? `base64:${v.toString('base64')}`
      : v && typeof v === 'object' && !Array.isArray(v)
        ? { ...v } // user properties come with a null prototype
        : v;
  return Object.keys(out).length ? out : undefined;
}

/**
 * The view of `packet`, which went `direction`; `version` is the connection's MQTT version
 * (3.1.1 packets have return codes where MQTT 5 ones have reason codes).
 */
export function packetView(
  packet: Packet,
  direction: 'sent' | 'received',
  version: number,
  codecs?: DecodeContext['payload'],
): PacketView {
  const type = packet.cmd.toUpperCase();
  const value: Record<string, unknown> = { type };
  const id = packet.messageId;
  if (id !== undefined) value.id = id;
  const idText = id !== undefined ? ` #${id}` : '';
  // The one who asked: the sender of a request, the other side for a reply.
  const other = direction === 'sent' ? 'received' : 'sent';
  let summary = type;
  let subject: string | undefined;
  let link: PacketView['link'];
  const reason = (code: number | undefined, name = type) => {
    if (code === undefined) return '';
    value.reasonCode = code;
    value.reason = reasonName(code, name);
    return code === 0 ? '' : ` ${value.reason as string}`;
  };
  switch (packet.cmd) {
    case 'connect': {
      const v = packet.protocolVersion ?? 4;
      Object.assign(value, {
        protocolName: packet.protocolId ?? 'MQTT',
        protocolVersion: v,
        clientId: packet.clientId,
        clean: packet.clean ?? true,
        keepalive: packet.keepalive ?? 0,
      });
      if (packet.username !== undefined) value.username = packet.username;
      if (packet.password !== undefined) value.password = MASK;
      if (packet.will) {
        const w = packet.will;
        value.will = { topic: w.topic, qos: w.qos ?? 0, retain: !!w.retain, ...payloadView(Buffer.from(w.payload)) };
      }
      subject = packet.clientId;
      const client = packet.clientId ? `client ${packet.clientId}` : 'no client id';
      const clean = packet.clean === false ? '' : v === 5 ? ', clean start' : ', clean session';
      summary = `CONNECT ${client} (${versionName(v)}, keepalive ${packet.keepalive ?? 0} s${clean})`;
      break;
    }
    case 'connack': {
      value.sessionPresent = packet.sessionPresent;
      if (version === 5 || packet.reasonCode !== undefined) {
        const code = packet.reasonCode ?? 0;
        reason(code);
        summary = `CONNACK ${code < 0x80 ? 'accepted' : `refused: ${value.reason as string}`}`;
      } else {
        const code = packet.returnCode ?? 0;
        value.returnCode = code;
        value.returnName = returnCodeName(code);
        summary = `CONNACK ${code === 0 ? 'accepted' : `refused: ${value.returnName as string}`}`;
      }
      if (packet.sessionPresent) summary += ' (session present)';
      break;
    }
    case 'publish': {
      Object.assign(value, { topic: packet.topic, qos: packet.qos, retain: packet.retain, dup: packet.dup });
      const bytes = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
      const p = payloadView(bytes);
      Object.assign(value, p);
      // A binary payload the connection's codecs read (MessagePack, Protobuf, …): its view beside the base64.
      const inner = p.payloadEncoding === 'base64' && bytes.length ? codecs?.(bytes, direction) : undefined;
      if (inner) Object.assign(value, { decoded: inner.value, decodedAs: inner.label });
      // MQTT 5: an empty topic stands for the topic alias an earlier PUBLISH set (not known from one frame).
      const alias = packet.properties?.topicAlias;
      subject = packet.topic || (alias !== undefined ? `(topic alias ${alias})` : '');
      const flags = `${packet.retain ? ' retain' : ''}${packet.dup ? ' dup' : ''}`;
      const body = inner
        ? `${inner.label} ${inner.summary}`
        : p.payloadEncoding === 'base64'
          ? `(${Buffer.from(p.payload, 'base64').length} bytes, not UTF-8)`
          : p.payload.length > SUMMARY_PAYLOAD
            ? `${p.payload.slice(0, SUMMARY_PAYLOAD)}…`
            : p.payload;
      summary = `PUBLISH ${subject} qos ${packet.qos}${idText}${flags}: ${body.replace(/\s+/g, ' ')}`;
      if (id !== undefined) link = { key: `publish:${direction}:${id}`, role: 'request' };
      break;
    }
    case 'puback':
    case 'pubrec':
    case 'pubcomp':
    case 'pubrel': {
      summary = `${type}${idText}${reason(packet.reasonCode)}`;
      // PUBREL goes the PUBLISH's way (its sender releases it); the others answer it.
      const asker = packet.cmd === 'pubrel' ? direction : other;
      if (id !== undefined) link = { key: `publish:${asker}:${id}`, role: 'reply' };
      break;
    }
    case 'subscribe': {
      const subs = packet.subscriptions.map((s) => ({ ...s }));
      value.subscriptions = subs;
      subject = subs.map((s) => s.topic).join(', ');
      value.topic = subject;
      summary = `SUBSCRIBE${idText} ${subs.map((s) => `${s.topic} (QoS ${s.qos})`).join(', ')}`;
      if (id !== undefined) link = { key: `subscribe:${direction}:${id}`, role: 'request' };
      break;
    }
    case 'suback': {
      const codes = (packet.granted as unknown[]).map((g) =>
        typeof g === 'number' ? g : Number((g as { qos?: number }).qos ?? 0x80),
      );
      value.granted = codes;
      value.reasons = codes.map((c) => subackName(c, version));
      summary = `SUBACK${idText} ${(value.reasons as string[]).join(', ')}`;
      if (id !== undefined) link = { key: `subscribe:${other}:${id}`, role: 'reply' };
      break;
    }
    case 'unsubscribe': {
      value.unsubscriptions = [...packet.unsubscriptions];
      subject = packet.unsubscriptions.join(', ');
      value.topic = subject;
      summary = `UNSUBSCRIBE${idText} ${subject}`;
      if (id !== undefined) link = { key: `unsubscribe:${direction}:${id}`, role: 'request' };
      break;
    }
    case 'unsuback': {
      const codes = version === 5 && Array.isArray(packet.granted) ? packet.granted : undefined;
      if (codes) {
        value.reasonCodes = codes;
        value.reasons = codes.map((c) => reasonName(c, 'UNSUBACK'));
      }
      summary = `UNSUBACK${idText}${codes ? ` ${(value.reasons as string[]).join(', ')}` : ''}`;
      if (id !== undefined) link = { key: `unsubscribe:${other}:${id}`, role: 'reply' };
      break;
    }
    case 'pingreq':
      link = { key: `ping:${direction}`, role: 'request' };
      break;
    case 'pingresp':
      link = { key: `ping:${other}`, role: 'reply' };
      break;
    case 'disconnect':
      summary = `DISCONNECT${reason(packet.reasonCode)}`;
      break;
    case 'auth':
      summary = `AUTH${reason(packet.reasonCode)}`;
      break;
  }
  const properties = plainProperties((packet as { properties?: unknown }).properties);
  if (properties) {
    value.properties = properties;
    if (typeof properties.reasonString === 'string') summary += ` (${properties.reasonString})`;
  }
  const columns: DecodedColumns = { type };
  if (subject !== undefined && subject !== '') columns.subject = subject;
  if (id !== undefined) columns.id = String(id);
  return { value, summary, columns, ...(link ? { link } : {}) };
}
