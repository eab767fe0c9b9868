import type { DecodedMessage, MessageDecoder, StoredMessage } from '../../decode';
import { parseRecords, RS, type SignalrRecord } from './records';

const SUMMARY_CHARS = 200;
const DETAIL_CHARS = 120;

/** Who asked, by a record's type and direction: the invoker for its own records, the other side for replies. */
const ASKER_IS_SENDER: Record<string, boolean> = {
  Invocation: true,
  StreamInvocation: true,
  CancelInvocation: true,
  StreamItem: false,
  Completion: false,
};

/**
 * The view of one frame of the SignalR JSON hub protocol. One record: `{ type, typeNumber, target?, id?,
 * arguments?, item?, result?, error?, … }` (`id` is the invocationId; `type` as the spec spells it, the
 * handshake's as HandshakeRequest / HandshakeResponse). Several records in one frame:
 * `{ type: 'records', records: [...] }`, the columns and link from the first record that has them.
 * Pings are keepalives; handshake records are the handshake. Bad records carry `problem` with their char offset.
 */
export function signalrDecoder(): MessageDecoder {
  return {
    id: 'signalr',
    label: 'SignalR (JSON hub protocol)',
    sniff: (m) => m.kind === 'text' && m.payload.length > 0,
    decode: (m) => (m.kind === 'text' ? decodeFrame(m) : undefined),
    isKeepalive: (kind, b, start, end) =>
      kind === 'text' && end - start <= 24 && b[end - 1] === 0x1e && isPings(b.toString('latin1', start, end - 1)),
  };
}

/** A frame of Ping records only (almost always the one `{"type":6}` and 0x1E). */
const PING = /^\{\s*"type"\s*:\s*6\s*\}$/;
const isPings = (text: string): boolean => text.split(RS).every((r) => PING.test(r));

function decodeFrame(m: StoredMessage): DecodedMessage {
  const text = m.payload.toString('utf8');
  const records = parseRecords(text, m.direction === 'sent' ? 'request' : 'response');
  const values = records.map(valueOf);
  const problems = records.filter((r) => r.problem).map((r) => r.problem as string);
  const one = records.length === 1;
  const first = records.find((r) => r.type !== 'unknown') ?? records[0];
  const withLink = records.find((r) => linkOf(r, m.direction));
  const view: DecodedMessage = {
    decoder: 'signalr',
    label: one
      ? `SignalR ${records[0].type === 'unknown' ? '(malformed)' : records[0].type}`
      : `SignalR ${records.length} records`,
    value: one ? values[0] : { type: 'records', records: values },
    summary: line(problems.length > 0 ? problems[0] : records.map(summaryOf).join(' · ')),
  };
  if (problems.length > 0) view.problem = problems.join(' ');
  if (records.every((r) => r.type === 'Ping')) view.keepalive = true;
  if (records[0].type === 'HandshakeRequest' || records[0].type === 'HandshakeResponse') view.handshake = true;
  if (first.type !== 'unknown')
    view.columns = {
      type: one ? first.type : records.map((r) => r.type).join(' + '),
      ...(first.target !== undefined ? { subject: first.target } : {}),
      ...(first.id !== undefined ? { id: first.id } : {}),
    };
  if (withLink) view.link = linkOf(withLink, m.direction);
  return view;
}

/** Reply ↔ request by invocationId, keyed by the asker's direction (both sides number from 0). */
function linkOf(r: SignalrRecord, direction: 'sent' | 'received'): DecodedMessage['link'] {
  const askerIsSender = ASKER_IS_SENDER[r.type];
  if (r.id === undefined || askerIsSender === undefined) return undefined;
  const other = direction === 'sent' ? 'received' : 'sent';
  const asker = askerIsSender ? direction : other;
  const role = r.type === 'Invocation' || r.type === 'StreamInvocation' ? 'request' : 'reply';
  return { key: `signalr:${asker}:${r.id}`, role };
}

function valueOf(r: SignalrRecord): Record<string, unknown> {
  const { offset, ...rest } = r;
  void offset;
  return rest;
}

function summaryOf(r: SignalrRecord): string {
  const id = r.id !== undefined ? ` #${r.id}` : '';
  switch (r.type) {
    case 'HandshakeRequest':
      return `HandshakeRequest ${r.protocol ?? '?'} v${String(r.version ?? '?')}`;
    case 'HandshakeResponse':
      return r.error !== undefined ? `HandshakeResponse error: ${r.error}` : 'HandshakeResponse ok';
    case 'Invocation':
    case 'StreamInvocation':
      return `${r.type} ${r.target ?? '?'}${id} ${json(r.arguments)}`;
    case 'StreamItem':
      return `StreamItem${id} ${json(r.item)}`;
    case 'Completion':
      return r.error !== undefined
        ? `Completion${id} error: ${r.error}`
        : `Completion${id}${r.result !== undefined ? ` ${json(r.result)}` : ''}`;
    case 'Close':
      return `Close${r.error !== undefined ? ` error: ${r.error}` : ''}${r.allowReconnect ? ' (reconnect allowed)' : ''}`;
    case 'Ack':
    case 'Sequence':
      return `${r.type} ${String(r.sequenceId)}`;
    case 'unknown':
      return r.typeNumber !== undefined ? `type ${r.typeNumber}` : '?';
    default:
      return `${r.type}${id}`;
  }
}

function json(v: unknown): string {
  const s = v === undefined ? '' : JSON.stringify(v);
  return s.length > DETAIL_CHARS ? `${s.slice(0, DETAIL_CHARS)}…` : s;
}

function line(s: string): string {
  return s.length > SUMMARY_CHARS ? `${s.slice(0, SUMMARY_CHARS)}…` : s;
}
