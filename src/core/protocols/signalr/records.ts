/**
 * The SignalR JSON hub protocol's records (github.com/dotnet/aspnetcore, src/SignalR/docs/specs/HubProtocol.md):
 * each record is a JSON object ended by the record separator 0x1E, and one WebSocket frame may hold
 * several. The first record either way is the handshake (`{"protocol":"json","version":1}`, answered
 * with `{}` or `{"error":"…"}`); after it every record has a `type` number, 1 Invocation to 9 Sequence.
 * Our own small reader: @microsoft/signalr's parser is private to its client and throws on bad input.
 */

/** The record separator that ends every record. */
export const RS = '\u001e';

/** Message types by number, as the spec spells them. */
export const TYPE_NAMES: Record<number, string> = {
  1: 'Invocation',
  2: 'StreamItem',
  3: 'Completion',
  4: 'StreamInvocation',
  5: 'CancelInvocation',
  6: 'Ping',
  7: 'Close',
  8: 'Ack',
  9: 'Sequence',
};

export const MessageType = {
  Invocation: 1,
  StreamItem: 2,
  Completion: 3,
  StreamInvocation: 4,
  CancelInvocation: 5,
  Ping: 6,
  Close: 7,
  Ack: 8,
  Sequence: 9,
} as const;

/** One record as read: the spec's fields under short names (`id` is the invocationId). */
export interface SignalrRecord {
  /** 'Invocation' … 'Sequence', or 'HandshakeRequest' / 'HandshakeResponse'. */
  type: string;
  typeNumber?: number;
  target?: string;
  id?: string;
  arguments?: unknown[];
  streamIds?: unknown;
  headers?: unknown;
  item?: unknown;
  result?: unknown;
  error?: string;
  allowReconnect?: boolean;
  sequenceId?: unknown;
  /** The handshake request's. */
  protocol?: string;
  version?: unknown;
  /** Where the record starts in the frame's text (UTF-16 chars). */
  offset: number;
  /** What is wrong with it, and where; the fields above hold what could be read. */
  problem?: string;
}

/** What a frame's text holds: its records in order (problems on the ones at fault). */
export function parseRecords(text: string, handshakeFirst: 'request' | 'response' | false): SignalrRecord[] {
  const out: SignalrRecord[] = [];
  let at = 0;
  if (text.length === 0)
    return [{ type: 'unknown', offset: 0, problem: 'The frame is empty: a SignalR record ends with 0x1E.' }];
  while (at < text.length) {
    const end = text.indexOf(RS, at);
    const body = text.slice(at, end === -1 ? text.length : end);
    const record = readRecord(body, at, out.length + 1, out.length === 0 ? handshakeFirst : false);
    if (end === -1 && !record.problem)
      record.problem = `The record at char ${at} has no 0x1E record separator at its end (the frame ends at char ${text.length}).`;
    out.push(record);
    if (end === -1) break;
    at = end + 1;
  }
  return out;
}

function readRecord(body: string, offset: number, n: number, handshake: 'request' | 'response' | false): SignalrRecord {
  const where = `Record ${n} (char ${offset})`;
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch (err) {
    const tail = body.trim() === '' ? 'is empty' : `is not valid JSON (${(err as Error).message})`;
    return { type: 'unknown', offset, problem: `${where} ${tail}.` };
  }
  if (!isRecord(v)) return { type: 'unknown', offset, problem: `${where} is not a JSON object.` };
  if (v.type === undefined && handshake) return handshakeRecord(v, offset, handshake, where);
  if (typeof v.type !== 'number') return { type: 'unknown', offset, problem: `${where} has no "type" number.` };
  const name = TYPE_NAMES[v.type];
  const r: SignalrRecord = { type: name ?? 'unknown', typeNumber: v.type, offset };
  if (typeof v.invocationId === 'string') r.id = v.invocationId;
  if (typeof v.target === 'string') r.target = v.target;
  for (const k of ['arguments', 'streamIds', 'headers', 'item', 'result', 'sequenceId'] as const)
    if (v[k] !== undefined) (r as unknown as Record<string, unknown>)[k] = v[k];
  if (typeof v.error === 'string') r.error = v.error;
  if (typeof v.allowReconnect === 'boolean') r.allowReconnect = v.allowReconnect;
  // Fields the spec does not name (or of the wrong type) stay in the view as they came.
  for (const [k, x] of Object.entries(v))
    if (k !== 'type' && k !== 'invocationId' && !(k in r))
      (r as unknown as Record<string, unknown>)[RESERVED.has(k) ? `_${k}` : k] = x;
  if (!name) {
    r.problem = `${where} has type ${JSON.stringify(v.type)}, which is not a SignalR message type (1 Invocation to 9 Sequence).`;
    return r;
  }
  const missing = required(v);
  if (missing) r.problem = `${where}: ${name} ${missing}.`;
  return r;
}

function handshakeRecord(
  v: Record<string, unknown>,
  offset: number,
  kind: 'request' | 'response',
  where: string,
): SignalrRecord {
  if (kind === 'request') {
    const r: SignalrRecord = { type: 'HandshakeRequest', offset };
    if (typeof v.protocol === 'string') r.protocol = v.protocol;
    if (v.version !== undefined) r.version = v.version;
    if (typeof v.protocol !== 'string' || typeof v.version !== 'number')
      r.problem = `${where}: a handshake request needs "protocol" (a string) and "version" (a number).`;
    return r;
  }
  const r: SignalrRecord = { type: 'HandshakeResponse', offset };
  if (typeof v.error === 'string') r.error = v.error;
  else if (v.error !== undefined) r.problem = `${where}: a handshake response's "error" is a string.`;
  return r;
}

/** Our own names in a record's view: a field of the same name in the JSON gets an underscore. */
const RESERVED = new Set(['id', 'typeNumber', 'offset', 'problem']);

/** What a typed record lacks, as a phrase, or undefined. */
function required(v: Record<string, unknown>): string | undefined {
  const id = typeof v.invocationId === 'string';
  switch (v.type) {
    case MessageType.Invocation:
    case MessageType.StreamInvocation:
      if (typeof v.target !== 'string') return 'needs a "target" string';
      if (!Array.isArray(v.arguments)) return 'needs an "arguments" array';
      if (v.type === MessageType.StreamInvocation && !id) return 'needs an "invocationId" string';
      if (v.invocationId !== undefined && !id) return 'has an "invocationId" that is not a string';
      return undefined;
    case MessageType.StreamItem:
    case MessageType.Completion:
    case MessageType.CancelInvocation:
      if (!id) return 'needs an "invocationId" string';
      if (v.type === MessageType.Completion && v.error !== undefined && v.result !== undefined)
        return 'has both "result" and "error"';
      if (v.type === MessageType.StreamItem && !('item' in v)) return 'needs an "item"';
      return undefined;
    case MessageType.Ack:
    case MessageType.Sequence:
      return typeof v.sequenceId === 'number' ? undefined : 'needs a "sequenceId" number';
    default:
      return undefined;
  }
}

/** One record's text, ended by 0x1E. */
export function writeRecord(message: Record<string, unknown>): string {
  return JSON.stringify(message) + RS;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
