import type { DecodedMessage, MessageDecoder, StoredMessage } from '../../decode';

/**
 * Action Cable (Rails) over `actioncable-v1-json`, as its client and server speak it: the server sends
 * `{type: welcome | ping | confirm_subscription | reject_subscription | disconnect}` and broadcasts
 * `{identifier, message}`; the client sends `{command: subscribe | unsubscribe | message, identifier,
 * data}`, where `identifier` and `data` are JSON in a string (both decoded here too).
 */

const SERVER_TYPES = ['welcome', 'ping', 'confirm_subscription', 'reject_subscription', 'disconnect'];
const COMMANDS = ['subscribe', 'unsubscribe', 'message'];
const SUMMARY_CHARS = 200;

export function actionCableDecoder(): MessageDecoder {
  return {
    id: 'actioncable',
    label: 'Action Cable',
    sniff: (m) => m.kind === 'text' && m.payload.length > 0,
    decode: (m) => (m.kind === 'text' ? decode(m) : undefined),
    isKeepalive: (kind, b, start, end) =>
      kind === 'text' && end - start <= 64 && b.toString('latin1', start, start + 15) === '{"type":"ping",',
  };
}

function decode(m: StoredMessage): DecodedMessage {
  const text = m.payload.toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return bad({}, `The message is not valid JSON (${(err as Error).message}).`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return bad(
      {},
      'An Action Cable message is a JSON object (a "type", a "command", or an "identifier" with a "message").',
    );
  const o = v as Record<string, unknown>;
  const value: Record<string, unknown> = {};
  let problem: string | undefined;
  if (typeof o.command === 'string') {
    value.type = o.command;
    value.command = o.command;
    if (!COMMANDS.includes(o.command))
      problem = `"${o.command}" is not an Action Cable command (${COMMANDS.join(', ')}).`;
  } else if (typeof o.type === 'string') {
    value.type = o.type;
    if (!SERVER_TYPES.includes(o.type))
      problem = `"${o.type}" is not an Action Cable message type (${SERVER_TYPES.join(', ')}).`;
  } else if ('identifier' in o && 'message' in o) value.type = 'message';
  else return bad({ ...o }, 'The message has no "type", no "command", and is not an "identifier" with a "message".');
  const id = readIdentifier(o.identifier);
  if (o.identifier !== undefined) {
    value.identifier = id.value;
    if (id.channel !== undefined) value.channel = id.channel;
    problem ??= id.problem;
  } else if (
    value.command !== undefined ||
    value.type === 'confirm_subscription' ||
    value.type === 'reject_subscription'
  )
    problem ??= `A "${String(value.type)}" message needs an "identifier" (JSON in a string).`;
  if (o.data !== undefined) {
    const data = readJsonString(o.data, '"data"');
    value.data = data.value;
    problem ??= data.problem;
  }
  // Everything else as it came (message, reason, reconnect, and fields newer servers add): nothing dropped.
  for (const [k, x] of Object.entries(o)) if (!(k in value) && k !== 'identifier' && k !== 'data') value[k] = x;
  const type = value.type as string;
  const view: DecodedMessage = {
    decoder: 'actioncable',
    label: `Action Cable ${type}`,
    value,
    summary: line(problem ?? summaryOf(value)),
    columns: { type, ...(typeof value.channel === 'string' ? { subject: value.channel } : {}) },
  };
  if (problem) view.problem = problem;
  if (type === 'ping' && value.command === undefined) view.keepalive = true;
  if (type === 'welcome') view.handshake = true;
  // A confirmation, a rejection and each broadcast answer the subscribe with the same identifier (echoed verbatim).
  if (typeof o.identifier === 'string') {
    const key = `actioncable:${o.identifier}`;
    if (value.command === 'subscribe') view.link = { key, role: 'request' };
    else if (value.command === undefined && ['confirm_subscription', 'reject_subscription', 'message'].includes(type))
      view.link = { key, role: 'reply' };
  }
  return view;
}

function readIdentifier(raw: unknown): { value?: unknown; channel?: string; problem?: string } {
  if (raw === undefined) return {};
  const r = readJsonString(raw, '"identifier"');
  const channel =
    typeof r.value === 'object' && r.value !== null && typeof (r.value as { channel?: unknown }).channel === 'string'
      ? (r.value as { channel: string }).channel
      : undefined;
  return { ...r, channel };
}

/** A field that holds JSON in a string: its parsed value, or the string with a problem. */
function readJsonString(raw: unknown, name: string): { value: unknown; problem?: string } {
  if (typeof raw !== 'string')
    return { value: raw, problem: `${name} should be JSON in a string; it is a ${typeof raw}.` };
  try {
    return { value: JSON.parse(raw) };
  } catch (err) {
    return { value: raw, problem: `${name} is not JSON in a string (${(err as Error).message}).` };
  }
}

function summaryOf(v: Record<string, unknown>): string {
  const channel = typeof v.channel === 'string' ? ` ${v.channel}` : '';
  const body =
    v.data !== undefined
      ? ` ${JSON.stringify(v.data)}`
      : v.message !== undefined
        ? ` ${JSON.stringify(v.message)}`
        : '';
  const why = v.reason !== undefined ? ` ${String(v.reason)}${v.reconnect === false ? ' (no reconnect)' : ''}` : '';
  return `${String(v.type)}${channel}${why}${body}`;
}

function bad(value: Record<string, unknown>, problem: string): DecodedMessage {
  return { decoder: 'actioncable', label: 'Action Cable (malformed)', value, summary: line(problem), problem };
}

function line(s: string): string {
  return s.length > SUMMARY_CHARS ? `${s.slice(0, SUMMARY_CHARS)}…` : s;
}
