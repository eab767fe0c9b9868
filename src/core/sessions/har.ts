import {
  eventPayload,
  firstConnection,
  newHeader,
  type Session,
  type SessionEvent,
  type SessionHeader,
} from './format';
import { maskHeaders, maskUrl } from '../mask';
import { HANDSHAKE_HEADERS, protocolsFromHeaders } from './redact';
import { detectProtocol, PROTOCOLS } from '../protocols';

/** A message as Chrome's devtools write it in a HAR entry's `_webSocketMessages`. */
export interface HarWebSocketMessage {
  /** 'send' or 'receive' in the files we read; anything else is skipped with a notice. */
  type: string;
  /** Seconds since the epoch, with fractions. */
  time: number;
  /** 1 text, 2 binary (data in base64); Chrome writes -1 for its own error rows. */
  opcode: number;
  data: string;
}

/** One WebSocket found in a HAR file. */
export interface HarWebSocketEntry {
  url: string;
  /** ISO 8601. */
  startedAt: string;
  status?: number;
  messageCount: number;
  /** The entry as a recording. */
  session: Session;
}

export type HarImportResult = { entries: HarWebSocketEntry[]; notices: string[] } | { error: string };

type Json = Record<string, unknown>;

/**
 * Finds the WebSocket entries in a HAR document (Chrome and Edge devtools, and mitmproxy's
 * `save.har`: entries with `_resourceType: "websocket"` or `_webSocketMessages`; an `http(s)://`
 * URL becomes `ws(s)://`). Firefox's HAR export has no WebSocket messages. Never throws: gives `{ error }`
 * when the text is not HAR, and notices for entries or messages it had to skip.
 */
export function importHar(text: string): HarImportResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    return { error: `This is not a HAR file: it is not JSON (${(e as Error).message}).` };
  }
  const log = isObject(doc) && isObject(doc.log) ? doc.log : undefined;
  if (!log || !Array.isArray(log.entries)) return { error: 'This is not a HAR file: it has no "log.entries" list.' };
  const notices: string[] = [];
  const entries: HarWebSocketEntry[] = [];
  log.entries.forEach((raw, i) => {
    if (!isObject(raw)) return;
    const isWs = raw._resourceType === 'websocket' || Array.isArray(raw._webSocketMessages);
    if (!isWs) return;
    const entry = readEntry(raw, i, notices);
    if (entry) entries.push(entry);
  });
  if (!entries.length) {
    notices.push(
      'The HAR file has no WebSocket connections. In Chrome, open DevTools before the page connects, then "Export HAR (with sensitive data)" from the Network panel. Firefox\'s HAR export has no WebSocket messages; use Chrome, Edge or mitmproxy.',
    );
  }
  return { entries, notices };
}

function readEntry(raw: Json, i: number, notices: string[]): HarWebSocketEntry | undefined {
  const request = isObject(raw.request) ? raw.request : {};
  const response = isObject(raw.response) ? raw.response : {};
  const url = typeof request.url === 'string' ? webSocketUrl(request.url) : undefined;
  if (!url) {
    notices.push(`Entry ${i + 1} is a WebSocket without a request URL; skipped.`);
    return undefined;
  }
  const messages = Array.isArray(raw._webSocketMessages) ? raw._webSocketMessages : [];
  const startedMs = typeof raw.startedDateTime === 'string' ? Date.parse(raw.startedDateTime) : NaN;
  let start = Number.isFinite(startedMs) ? startedMs : Infinity;
  for (const m of messages) {
    const ms = isObject(m) ? Number(m.time) * 1000 : NaN;
    if (ms < start) start = ms;
  }
  if (!Number.isFinite(start)) start = 0;
  const requestHeaders = headerRecord(request.headers);
  const responseHeaders = headerRecord(response.headers);
  const status = typeof response.status === 'number' ? response.status : undefined;
  const protocol =
    Object.entries(responseHeaders).find(([n]) => n.toLowerCase() === 'sec-websocket-protocol')?.[1] ?? '';
  const extensions =
    Object.entries(responseHeaders).find(([n]) => n.toLowerCase() === 'sec-websocket-extensions')?.[1] ?? '';
  const protocols = protocolsFromHeaders(requestHeaders);
  const header: SessionHeader = newHeader(url, {
    options: { headers: requestHeaders, ...(protocols ? { protocols } : {}) },
    handshake: {
      request: { headers: requestHeaders },
      ...(status !== undefined
        ? {
            response: {
              status,
              ...(typeof response.statusText === 'string' ? { statusText: response.statusText } : {}),
              headers: responseHeaders,
            },
          }
        : {}),
      protocol,
      extensions,
    },
    startedAt: new Date(start).toISOString(),
    source: 'har-import',
    // A Socket.IO app's entry is recognised by its URL (/socket.io/?EIO=4), GraphQL by its subprotocol.
    protocol: detectProtocol(PROTOCOLS, { url, subprotocol: protocol })?.protocol.id,
  });
  const events: SessionEvent[] = [];
  if (status === undefined || status === 101) events.push({ type: 'open', t: 0, protocol, extensions });
  let skipped = 0;
  for (const m of messages) {
    const event = readMessage(m, start);
    if (event) events.push(event);
    else skipped++;
  }
  if (skipped)
    notices.push(
      `Entry ${i + 1} (${url}): ${skipped} message${skipped === 1 ? '' : 's'} could not be read and ${skipped === 1 ? 'was' : 'were'} skipped.`,
    );
  const messageCount = events.filter((e) => e.type === 'message').length;
  return {
    url,
    startedAt: header.startedAt,
    ...(status !== undefined ? { status } : {}),
    messageCount,
    session: { header, events },
  };
}

/**
 * mitmproxy (and some other tools) write a WebSocket entry's URL as the HTTP request it upgraded:
 * `https://…` or `http://…`. Replay needs the WebSocket scheme: https → wss, http → ws.
 */
export function webSocketUrl(url: string): string {
  return url.replace(
    /^(https?)(:\/\/)/i,
    (_m, scheme: string, rest: string) => `${scheme.toLowerCase() === 'https' ? 'wss' : 'ws'}${rest}`,
  );
}

function readMessage(m: unknown, start: number): SessionEvent | undefined {
  if (!isObject(m)) return undefined;
  const time = Number(m.time) * 1000;
  // Rounded to microseconds: seconds as floating point do not give back exact milliseconds.
  const t = Number.isFinite(time) ? Math.max(0, Math.round((time - start) * 1000) / 1000) : 0;
  const data = typeof m.data === 'string' ? m.data : '';
  if (m.type === 'error') return { type: 'error', t, message: data };
  if (m.type !== 'send' && m.type !== 'receive') return undefined;
  const dir = m.type === 'send' ? 'sent' : 'received';
  switch (m.opcode) {
    case 1:
      return { type: 'message', t, dir, kind: 'text', text: data };
    case 2:
      return { type: 'message', t, dir, kind: 'binary', base64: Buffer.from(data, 'base64').toString('base64') };
    case 9:
    case 10:
      return { type: m.opcode === 9 ? 'ping' : 'pong', t, dir };
    default:
      return undefined;
  }
}

/**
 * The recording as a HAR 1.2 document with one WebSocket entry, in the shape Chrome's
 * devtools export and import (`_resourceType: "websocket"`, `_webSocketMessages`).
 * Only the first connection of a recording with reconnects is exported.
 */
export function exportHar(session: Session, creator = { name: 'WebSocket Inspector', version: '0.1.0' }): object {
  const { header } = session;
  const events = firstConnection(session);
  const start = Date.parse(header.startedAt) || 0;
  // A HAR is shared: credentials are masked even when the recording kept them (redact off, an import).
  const url = maskUrl(header.url);
  const requestHeaders = maskHeaders(header.handshake?.request?.headers ?? header.options.headers ?? {});
  const open = events.find((e) => e.type === 'open');
  const response = header.handshake?.response ?? (open?.type === 'open' ? open.response : undefined);
  const responseHeaders: Record<string, string> = maskHeaders(response?.headers ?? {});
  const protocol = header.handshake?.protocol ?? (open?.type === 'open' ? open.protocol : undefined);
  if (protocol && !Object.keys(responseHeaders).some((n) => n.toLowerCase() === 'sec-websocket-protocol'))
    responseHeaders['Sec-WebSocket-Protocol'] = protocol;
  const messages: HarWebSocketMessage[] = [];
  for (const e of events) {
    if (e.type === 'message') {
      messages.push({
        type: e.dir === 'sent' ? 'send' : 'receive',
        time: (start + e.t) / 1000,
        opcode: e.kind === 'text' ? 1 : 2,
        data: e.kind === 'text' ? (e.text ?? '') : eventPayload(e).toString('base64'),
      });
    }
  }
  let queryString: Array<{ name: string; value: string }> = [];
  try {
    queryString = [...new URL(url).searchParams].map(([name, value]) => ({ name, value }));
  } catch {
    // A URL that does not parse has no query to list.
  }
  return {
    log: {
      version: '1.2',
      creator,
      pages: [],
      entries: [
        {
          startedDateTime: new Date(start).toISOString(),
          time: open ? open.t : 0,
          request: {
            method: 'GET',
            url,
            httpVersion: 'HTTP/1.1',
            headers: Object.entries(requestHeaders).map(([name, value]) => ({ name, value })),
            queryString,
            cookies: [],
            headersSize: -1,
            bodySize: 0,
          },
          response: {
            status: response?.status ?? 101,
            statusText: response?.statusText ?? 'Switching Protocols',
            httpVersion: 'HTTP/1.1',
            headers: Object.entries(responseHeaders).map(([name, value]) => ({ name, value })),
            cookies: [],
            content: { size: 0, mimeType: 'x-unknown' },
            redirectURL: '',
            headersSize: -1,
            bodySize: 0,
            _transferSize: 0,
            _error: null,
          },
          cache: {},
          timings: { blocked: -1, dns: -1, ssl: -1, connect: -1, send: 0, wait: open ? open.t : 0, receive: 0 },
          serverIPAddress: '',
          _initiator: { type: 'other' },
          _priority: null,
          _resourceType: 'websocket',
          _webSocketMessages: messages,
        },
      ],
    },
  };
}

function headerRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(v)) return out;
  for (const h of v) {
    if (isObject(h) && typeof h.name === 'string' && typeof h.value === 'string') {
      // Repeated headers (Set-Cookie) are joined, as HTTP allows for most.
      out[h.name] = out[h.name] !== undefined ? `${out[h.name]}, ${h.value}` : h.value;
    }
  }
  return out;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Headers that say nothing about the application (for callers that want to show fewer). */
export function isHandshakeHeader(name: string): boolean {
  return HANDSHAKE_HEADERS.has(name.toLowerCase());
}
