import type { DecodedMessage, MessageDecoder, StoredMessage } from '../../decode';
import { FOLLOW_UPS, HANDSHAKE, parseWamp, REPLIES, REQUESTS } from './messages';

const SUMMARY_CHARS = 200;
const DETAIL_CHARS = 120;

/**
 * The view of one WAMP v2 JSON message: `{ type: 'CALL', code: 48, id, options, procedure, args, kwargs }`
 * and the like; columns type / subject (topic, procedure, realm, or the error / reason URI) / id (the
 * request id). A reply (RESULT, SUBSCRIBED, ERROR, YIELD…) links to its request by request id, keyed by
 * the asker's direction: the client's requests and the router's INVOCATIONs are numbered apart.
 */
export function wampDecoder(): MessageDecoder {
  return {
    id: 'wamp',
    label: 'WAMP v2 (JSON)',
    sniff: (m) => m.kind === 'text' && m.payload.length > 0,
    decode: (m) => (m.kind === 'text' ? decode(m) : undefined),
  };
}

function decode(m: StoredMessage): DecodedMessage {
  const { value, problem } = parseWamp(m.payload.toString('utf8'));
  const type = typeof value.type === 'string' ? value.type : undefined;
  if (!type) return { decoder: 'wamp', label: 'WAMP (malformed)', value, summary: line(problem ?? ''), problem };
  const subject = [value.topic, value.procedure, value.realm, value.error, value.reason].find(
    (s): s is string => typeof s === 'string',
  );
  const id = value.id !== undefined ? String(value.id) : undefined;
  const view: DecodedMessage = {
    decoder: 'wamp',
    label: `WAMP ${type}`,
    value,
    summary: line(problem ?? summaryOf(type, subject, id, value)),
    columns: { type, ...(subject !== undefined ? { subject } : {}), ...(id !== undefined ? { id } : {}) },
  };
  if (problem) view.problem = problem;
  if (HANDSHAKE.has(type)) view.handshake = true;
  if (id !== undefined) {
    const other = m.direction === 'sent' ? 'received' : 'sent';
    if (REQUESTS.has(type)) view.link = { key: `wamp:${m.direction}:${id}`, role: 'request' };
    else if (FOLLOW_UPS.has(type)) view.link = { key: `wamp:${m.direction}:${id}`, role: 'reply' };
    else if (REPLIES.has(type)) view.link = { key: `wamp:${other}:${id}`, role: 'reply' };
  }
  return view;
}

function summaryOf(
  type: string,
  subject: string | undefined,
  id: string | undefined,
  v: Record<string, unknown>,
): string {
  const parts = [type];
  if (type === 'ERROR' && typeof v.requestName === 'string') parts.push(`(${v.requestName})`);
  if (subject !== undefined) parts.push(subject);
  if (id !== undefined) parts.push(`#${id}`);
  for (const k of ['session', 'subscription', 'publication', 'registration'] as const)
    if (v[k] !== undefined) parts.push(`${k} ${String(v[k])}`);
  if (v.args !== undefined) parts.push(json(v.args));
  if (v.kwargs !== undefined) parts.push(json(v.kwargs));
  return parts.join(' ');
}

function json(v: unknown): string {
  const s = JSON.stringify(v);
  return s.length > DETAIL_CHARS ? `${s.slice(0, DETAIL_CHARS)}…` : s;
}

function line(s: string): string {
  return s.length > SUMMARY_CHARS ? `${s.slice(0, SUMMARY_CHARS)}…` : s;
}
