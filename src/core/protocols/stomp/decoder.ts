import type { DecodedMessage, MessageDecoder, StoredMessage } from '../../decode';
import { isHeartBeat, looksLikeStomp, parseStomp, type StompFrame, type StompVersion } from './frames';
import { isSockJsProblem, parseSockJs } from './sockjs';

const SUMMARY_CHARS = 200;
const BODY_CHARS = 80;

type Direction = StoredMessage['direction'];

/**
 * The view of one STOMP message: `{ type, destination?, id?, subscription?, headers, body }` for
 * its (first) frame, `type` the command as the spec spells it (`MESSAGE`), `id` the message-id,
 * receipt-id or subscription id, `body` the text (JSON read when the content-type says so), and
 * `frames` with every frame when the message holds several. A message of EOLs alone is a
 * `heart-beat`. A frame that is not valid STOMP gets a view with `problem` (what, at which byte).
 */
export function stompDecoder(version?: StompVersion): MessageDecoder {
  return {
    id: 'stomp',
    label: 'STOMP',
    sniff: (m) => looksLikeStomp(m.payload),
    decode: (m) => stompView(m.payload, m.direction, version, 'stomp', ''),
  };
}

/**
 * SockJS frames (`o`, `h`, `a[…]`, `c[…]`, and the client's arrays), with STOMP inside read as
 * STOMP: `id` is "sockjs" for the view-only decoder, "stomp" for STOMP over SockJS.
 */
export function sockJsDecoder(id: 'sockjs' | 'stomp', version?: StompVersion): MessageDecoder {
  return {
    id,
    label: id === 'stomp' ? 'STOMP over SockJS' : 'SockJS',
    sniff: (m) => m.kind === 'text' && m.payload.length > 0,
    decode: (m) => sockJsView(m, id, version),
  };
}

function sockJsView(m: StoredMessage, id: string, version: StompVersion | undefined): DecodedMessage {
  const s = parseSockJs(m.payload.toString('utf8'), m.direction);
  const view = (label: string, value: Record<string, unknown>, summary: string): DecodedMessage => ({
    decoder: id,
    label: `SockJS ${label}`,
    value,
    summary: line(summary),
    columns: { type: String(value.type) },
  });
  if (isSockJsProblem(s))
    return { ...view('(malformed)', { type: 'malformed', problem: s.problem }, s.problem), problem: s.problem };
  if (s.frame === 'o') return { ...view('open', { type: 'open' }, 'SockJS open'), handshake: true };
  if (s.frame === 'h') return { ...view('heartbeat', { type: 'heartbeat' }, 'SockJS heartbeat'), keepalive: true };
  if (s.frame === 'c') {
    const value = { type: 'close', code: s.code, reason: s.reason };
    return view('close', value, `SockJS close ${s.code}${s.reason ? ` ${s.reason}` : ''}`);
  }
  const inner = s.messages.map((x) => Buffer.from(x, 'utf8'));
  if (inner.length > 0 && (id === 'stomp' || inner.some(looksLikeStomp))) {
    const views = inner.map((b, i) =>
      stompView(b, m.direction, version, id, inner.length > 1 ? ` (in message ${i + 1} of the SockJS frame)` : ''),
    );
    return merge(views, id, ' over SockJS');
  }
  const value = { type: 'message', messages: s.messages };
  return view('message', value, `SockJS ${s.frame === 'a' ? 'a' : ''}${JSON.stringify(s.messages)}`);
}

/** The views of several SockJS messages as one: the first's, with every frame under `frames`. */
function merge(views: DecodedMessage[], id: string, over: string): DecodedMessage {
  const first = views.find((v) => v.problem) ?? views.find((v) => !v.keepalive) ?? views[0];
  const out: DecodedMessage = { ...first, decoder: id, label: `${first.label}${over}` };
  if (views.length > 1) {
    const frames = views.flatMap((v) => {
      const value = v.value as Record<string, unknown>;
      return Array.isArray(value.frames) ? (value.frames as unknown[]) : [value];
    });
    out.value = { ...(first.value as Record<string, unknown>), frames };
    out.summary = line(`${first.summary} (+${views.length - 1} more)`);
    if (views.every((v) => v.keepalive)) out.keepalive = true;
    else delete out.keepalive;
  }
  return out;
}

function stompView(
  buf: Buffer,
  direction: Direction,
  version: StompVersion | undefined,
  id: string,
  where: string,
): DecodedMessage {
  if (isHeartBeat(buf))
    return {
      decoder: id,
      label: 'STOMP heart-beat',
      value: { type: 'heart-beat' },
      summary: 'heart-beat',
      keepalive: true,
      columns: { type: 'heart-beat' },
    };
  const parsed = parseStomp(buf, version);
  const views = parsed.frames.map((f) => frameView(f, direction));
  if (parsed.problem !== undefined || views.length === 0) {
    const problem = `${parsed.problem ?? 'The message is empty: neither a STOMP frame nor a heart-beat.'}${where}`;
    const p = parsed.partial;
    const value: Record<string, unknown> = {
      type: p?.command ?? 'malformed',
      ...(p?.headers ? { headers: p.headers } : {}),
      problem,
    };
    if (views.length > 0) value.frames = views.map((v) => v.value);
    return {
      decoder: id,
      label: 'STOMP (malformed)',
      value,
      summary: line(problem),
      problem,
      ...(p?.command ? { columns: { type: p.command } } : {}),
    };
  }
  const first = views[0];
  const out: DecodedMessage = { decoder: id, ...first };
  if (views.length > 1) {
    out.value = { ...(first.value as Record<string, unknown>), frames: views.map((v) => v.value) };
    const rest = views.slice(1).map((v) => (v.value as { type: string }).type);
    out.summary = line(`${first.summary} (+${rest.join(', ')})`);
  }
  return out;
}

type FrameView = Omit<DecodedMessage, 'decoder'>;

function frameView(f: StompFrame, direction: Direction): FrameView {
  const h = f.headers;
  const value: Record<string, unknown> = { type: f.command };
  if (h.destination !== undefined) value.destination = h.destination;
  const id = idOf(f);
  if (id !== undefined) value.id = id;
  if (h.subscription !== undefined) value.subscription = h.subscription;
  value.headers = h;
  const body = readBody(f);
  if (body !== undefined) Object.assign(value, body);
  const asked = direction;
  const other: Direction = direction === 'sent' ? 'received' : 'sent';
  let link: FrameView['link'];
  if (f.command === 'SUBSCRIBE' && h.id !== undefined) link = { key: `subscription:${asked}:${h.id}`, role: 'request' };
  else if (f.command === 'MESSAGE' && h.subscription !== undefined)
    link = { key: `subscription:${other}:${h.subscription}`, role: 'reply' };
  else if ((f.command === 'RECEIPT' || f.command === 'ERROR') && h['receipt-id'] !== undefined)
    link = { key: `receipt:${other}:${h['receipt-id']}`, role: 'reply' };
  else if (h.receipt !== undefined) link = { key: `receipt:${asked}:${h.receipt}`, role: 'request' };
  const handshake = f.command === 'CONNECT' || f.command === 'STOMP' || f.command === 'CONNECTED';
  const shownId = id ?? h.receipt;
  return {
    label: `STOMP ${f.command}`,
    value,
    summary: line(summaryOf(f, id, body)),
    ...(handshake ? { handshake } : {}),
    columns: {
      type: f.command,
      ...(h.destination !== undefined ? { subject: h.destination } : {}),
      ...(shownId !== undefined ? { id: shownId } : {}),
    },
    ...(link ? { link } : {}),
  };
}

/** message-id (MESSAGE), receipt-id (RECEIPT), the subscription id (SUBSCRIBE), the ack id (ACK, NACK). */
function idOf(f: StompFrame): string | undefined {
  const h = f.headers;
  switch (f.command) {
    case 'MESSAGE':
      return h['message-id'];
    case 'RECEIPT':
    case 'ERROR':
      return h['receipt-id'];
    case 'SUBSCRIBE':
    case 'UNSUBSCRIBE':
      return h.id;
    case 'ACK':
    case 'NACK':
      return h.id ?? h['message-id'];
    case 'BEGIN':
    case 'COMMIT':
    case 'ABORT':
      return h.transaction;
    default:
      return undefined;
  }
}

/** `{ body }` as text (JSON when the content-type says so), `{ bodyBase64 }` when not UTF-8, or nothing when empty. */
function readBody(f: StompFrame): Record<string, unknown> | undefined {
  if (f.body.length === 0) return undefined;
  const text = f.body.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(f.body)) return { bodyBase64: f.body.toString('base64') };
  if (/json/i.test(f.headers['content-type'] ?? '')) {
    try {
      return { body: JSON.parse(text) as unknown };
    } catch {
      return { body: text };
    }
  }
  return { body: text };
}

function summaryOf(f: StompFrame, id: string | undefined, body: Record<string, unknown> | undefined): string {
  const h = f.headers;
  const parts: string[] = [f.command];
  const add = (label: string, v: string | undefined) => v !== undefined && v !== '' && parts.push(`${label}${v}`);
  switch (f.command) {
    case 'CONNECT':
    case 'STOMP':
      add('', h['accept-version'] ?? '1.0');
      add('host ', h.host);
      add('login ', h.login);
      add('heart-beat ', h['heart-beat']);
      break;
    case 'CONNECTED':
      add('', h.version ?? '1.0');
      add('server ', h.server);
      add('session ', h.session);
      add('heart-beat ', h['heart-beat']);
      break;
    case 'ERROR':
      add('', h.message);
      break;
    case 'MESSAGE':
      add('', h.destination);
      add('#', id);
      add('sub ', h.subscription);
      break;
    case 'SUBSCRIBE':
      add('', h.destination);
      add('id ', h.id);
      add('ack ', h.ack);
      break;
    case 'RECEIPT':
      add('', id);
      break;
    default:
      add('', h.destination);
      add('', id);
  }
  if (h.receipt !== undefined) parts.push(`receipt ${h.receipt}`);
  if (body) {
    const b = 'body' in body ? body.body : `(${f.body.length} bytes)`;
    const s = typeof b === 'string' ? b : JSON.stringify(b);
    parts.push(s.length > BODY_CHARS ? `${s.slice(0, BODY_CHARS)}…` : s);
  }
  return parts
    .join(' ')
    .replace(/[\r\n]+/g, ' ')
    .trim();
}

function line(s: string): string {
  return s.length > SUMMARY_CHARS ? `${s.slice(0, SUMMARY_CHARS)}…` : s;
}
