import { readFile } from 'node:fs/promises';
import { WSLOG_FORMAT, WSLOG_VERSION, type Session, type SessionEvent, type SessionHeader } from './format';

/** A loaded recording with what the loader had to skip, or why it could not load it. */
export type LoadResult = (Session & { notices: string[] }) | { error: string };

/** Notices about bad lines beyond this many are summed up in one. */
const MAX_LINE_NOTICES = 20;

/**
 * Reads a `.wslog` recording from a file (a string is a path) or from `{ text }`. Never throws:
 * a file that is not a recording gives `{ error }`; a torn last line (the recorder was killed)
 * and bad lines in the middle are skipped with a notice.
 */
export async function loadSession(source: string | { text: string }): Promise<LoadResult> {
  if (typeof source !== 'string') return parseSession(source.text);
  let bytes: Buffer;
  try {
    bytes = await readFile(source);
  } catch (e) {
    return { error: `Cannot read the recording ${source}: ${(e as Error).message}.` };
  }
  return parseSession(bytes);
}

/** Parses `.wslog` text (or its bytes); see `loadSession`. */
export function parseSession(input: string | Buffer): LoadResult {
  try {
    return parseLines(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  } catch (e) {
    return { error: `The recording could not be read: ${(e as Error).message}.` };
  }
}

function parseLines(bytes: Buffer): LoadResult {
  const notices: string[] = [];
  const events: SessionEvent[] = [];
  let header: SessionHeader | undefined;
  let bad = 0;
  let lineNo = 0;
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    const torn = end < 0;
    if (torn) end = bytes.length;
    lineNo++;
    const line = bytes.toString('utf8', start, end).replace(/\r$/, '');
    start = end + 1;
    if (!line.trim()) continue;
    const value = parseJson(line);
    if (!header) {
      const h = readHeader(value);
      if (typeof h === 'string') return { error: h };
      header = h;
      continue;
    }
    const event = value === undefined ? 'not JSON' : readEvent(value);
    if (typeof event !== 'string') {
      events.push(event);
      continue;
    }
    if (torn && value === undefined) {
      notices.push(
        `The last line was incomplete (the recording was cut off); ${events.length} event${events.length === 1 ? '' : 's'} loaded.`,
      );
      break;
    }
    bad++;
    if (bad <= MAX_LINE_NOTICES) notices.push(`Line ${lineNo} was skipped: ${event}.`);
  }
  if (!header)
    return {
      error:
        'The recording is empty: it has no header line. It is not a .wslog file, or recording stopped before anything was written.',
    };
  if (bad > MAX_LINE_NOTICES) notices.push(`${bad - MAX_LINE_NOTICES} more bad lines were skipped.`);
  fillHandshake(header, events);
  return { header, events, notices };
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return isObject(v) && Object.values(v).every((x) => typeof x === 'string');
}

function readHeader(v: unknown): SessionHeader | string {
  if (!isObject(v) || v.type !== 'header' || v.format !== WSLOG_FORMAT) {
    return 'This is not a .wslog recording: its first line is not a {"type":"header","format":"wslog",…} line.';
  }
  if (typeof v.version !== 'number' || v.version > WSLOG_VERSION) {
    return `This recording is format version ${String(v.version)}; this version of WebSocket Inspector reads up to ${WSLOG_VERSION}. Update the extension to open it.`;
  }
  if (typeof v.url !== 'string') return 'The recording\'s header has no "url". The file is damaged.';
  const options = isObject(v.options) ? v.options : {};
  const header: SessionHeader = {
    type: 'header',
    format: WSLOG_FORMAT,
    version: v.version,
    url: v.url,
    options: {
      ...(isStringRecord(options.headers) ? { headers: options.headers } : {}),
      ...(Array.isArray(options.protocols) && options.protocols.every((p) => typeof p === 'string')
        ? { protocols: options.protocols }
        : {}),
      ...(typeof options.perMessageDeflate === 'boolean' ? { perMessageDeflate: options.perMessageDeflate } : {}),
      ...(typeof options.maxPayload === 'number' ? { maxPayload: options.maxPayload } : {}),
      ...(typeof options.handshakeTimeout === 'number' ? { handshakeTimeout: options.handshakeTimeout } : {}),
    },
    startedAt:
      typeof v.startedAt === 'string' && !Number.isNaN(Date.parse(v.startedAt))
        ? v.startedAt
        : new Date(0).toISOString(),
  };
  if (isObject(v.handshake)) {
    const h = v.handshake;
    header.handshake = {
      ...(isObject(h.request) && isStringRecord(h.request.headers) ? { request: { headers: h.request.headers } } : {}),
      ...(readResponse(h.response) ? { response: readResponse(h.response) } : {}),
      ...(typeof h.protocol === 'string' ? { protocol: h.protocol } : {}),
      ...(typeof h.extensions === 'string' ? { extensions: h.extensions } : {}),
    };
  }
  if (typeof v.redacted === 'boolean') header.redacted = v.redacted;
  if (typeof v.source === 'string') header.source = v.source;
  if (typeof v.protocol === 'string' && v.protocol) header.protocol = v.protocol;
  return header;
}

function readResponse(v: unknown): NonNullable<SessionHeader['handshake']>['response'] {
  if (!isObject(v) || typeof v.status !== 'number') return undefined;
  return {
    status: v.status,
    ...(typeof v.statusText === 'string' ? { statusText: v.statusText } : {}),
    headers: isStringRecord(v.headers) ? v.headers : {},
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The event on a line, or what is wrong with it. */
function readEvent(v: unknown): SessionEvent | string {
  if (!isObject(v)) return 'not a JSON object';
  const t = v.t;
  if (typeof t !== 'number' || !Number.isFinite(t)) return 'it has no time ("t")';
  const dirOk = v.dir === 'sent' || v.dir === 'received';
  switch (v.type) {
    case 'message': {
      if (!dirOk) return 'a message needs "dir": "sent" or "received"';
      if (v.kind === 'text') {
        if (typeof v.text !== 'string') return 'a text message needs "text"';
        return { type: 'message', t, dir: v.dir as 'sent' | 'received', kind: 'text', text: v.text };
      }
      if (v.kind === 'binary') {
        if (typeof v.base64 !== 'string' || !BASE64.test(v.base64)) return 'a binary message needs "base64"';
        return { type: 'message', t, dir: v.dir as 'sent' | 'received', kind: 'binary', base64: v.base64 };
      }
      return 'a message needs "kind": "text" or "binary"';
    }
    case 'ping':
    case 'pong':
      if (!dirOk) return `a ${v.type} needs "dir"`;
      return {
        type: v.type,
        t,
        dir: v.dir as 'sent' | 'received',
        ...(typeof v.base64 === 'string' && BASE64.test(v.base64) ? { base64: v.base64 } : {}),
      };
    case 'open': {
      const response = readResponse(v.response);
      return {
        type: 'open',
        t,
        ...(typeof v.protocol === 'string' ? { protocol: v.protocol } : {}),
        ...(typeof v.extensions === 'string' ? { extensions: v.extensions } : {}),
        ...(response ? { response } : {}),
      };
    }
    case 'close':
      if (typeof v.code !== 'number') return 'a close needs a "code"';
      return {
        type: 'close',
        t,
        code: v.code,
        reason: typeof v.reason === 'string' ? v.reason : '',
        byClient: v.byClient === true,
      };
    case 'error':
      return { type: 'error', t, message: typeof v.message === 'string' ? v.message : 'Unknown error.' };
    case 'reconnect':
      return { type: 'reconnect', t };
    case 'note':
      return { type: 'note', t, text: typeof v.text === 'string' ? v.text : '' };
    default:
      return `unknown event type ${JSON.stringify(v.type)?.slice(0, 40) ?? 'none'}`;
  }
}

/** Completes the header's handshake from the first open event (the recorder writes it there). */
function fillHandshake(header: SessionHeader, events: SessionEvent[]): void {
  const open = events.find((e) => e.type === 'open');
  if (!open || open.type !== 'open') return;
  const h = (header.handshake ??= {});
  if (h.protocol === undefined && open.protocol !== undefined) h.protocol = open.protocol;
  if (h.extensions === undefined && open.extensions !== undefined) h.extensions = open.extensions;
  if (!h.response && open.response) h.response = open.response;
}
