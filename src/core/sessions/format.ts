/**
 * The shapes of a `.wslog` recording (JSON Lines; docs/WSLOG.md is the reference):
 * one header line, then one line per event. Plain data, shared by the recorder, the
 * loader, replay, the mock server and the HAR and `.ws` exporters.
 */

/** The `format` value of every header. */
export const WSLOG_FORMAT = 'wslog';
/** The version this code writes and the highest it reads. */
export const WSLOG_VERSION = 1;
/** File name extension of recordings. */
export const WSLOG_EXTENSION = '.wslog';
/** What a redacted value is replaced with, in headers and message text: the one mask of src/core/mask.ts. */
export { MASK as REDACTED } from '../mask';

/** The handshake as far as it is known: what was asked for and what the server answered. */
export interface SessionHandshake {
  request?: { headers: Record<string, string> };
  response?: { status: number; statusText?: string; headers: Record<string, string> };
  /** The negotiated subprotocol ('' when none). */
  protocol?: string;
  /** The negotiated extensions, as in `Sec-WebSocket-Extensions` ('' when none). */
  extensions?: string;
}

/** The connection options worth keeping (a subset of `ConnectionOptions`). */
export interface SessionOptions {
  headers?: Record<string, string>;
  protocols?: string[];
  perMessageDeflate?: boolean;
  maxPayload?: number;
  handshakeTimeout?: number;
}

/** The first line of a recording. */
export interface SessionHeader {
  type: 'header';
  format: typeof WSLOG_FORMAT;
  version: number;
  url: string;
  options: SessionOptions;
  handshake?: SessionHandshake;
  /** ISO 8601; every event's `t` counts milliseconds from here. */
  startedAt: string;
  /** True when header values and secrets were replaced by `[redacted]` while writing. */
  redacted?: boolean;
  /** What wrote it, e.g. "websocket-inspector" or "har-import". */
  source?: string;
  /**
   * The protocol the connection spoke over WebSocket, by its id ("socket.io", "graphql",
   * "graphql-transport-ws"…; "none" for plain WebSocket). Absent in older recordings: then it is
   * recognised by the URL and the subprotocol (src/core/sessions/protocolPlay.ts).
   */
  protocol?: string;
}

/** Who sent a message or control frame. */
export type SessionDirection = 'sent' | 'received';

/** A text or binary message. Text has `text`; binary has `base64`. */
export interface SessionMessage {
  type: 'message';
  t: number;
  dir: SessionDirection;
  kind: 'text' | 'binary';
  text?: string;
  base64?: string;
}

/** A ping or pong frame; the payload (usually empty) as base64. */
export interface SessionControl {
  type: 'ping' | 'pong';
  t: number;
  dir: SessionDirection;
  base64?: string;
}

/** The connection opened. */
export interface SessionOpen {
  type: 'open';
  t: number;
  protocol?: string;
  extensions?: string;
  /** The server's answer to the upgrade, when the recorder knew it. */
  response?: SessionHandshake['response'];
}

/** The connection closed (after a close frame, or 1006 without one). */
export interface SessionClose {
  type: 'close';
  t: number;
  code: number;
  reason: string;
  byClient: boolean;
}

/** Connecting failed, or an error happened on an open connection. */
export interface SessionError {
  type: 'error';
  t: number;
  message: string;
}

/** A new connection attempt began after the previous one ended. */
export interface SessionReconnect {
  type: 'reconnect';
  t: number;
}

/** A note the inspector made (not a frame). */
export interface SessionNote {
  type: 'note';
  t: number;
  text: string;
}

export type SessionEvent =
  SessionMessage | SessionControl | SessionOpen | SessionClose | SessionError | SessionReconnect | SessionNote;

/** A recording in memory. */
export interface Session {
  header: SessionHeader;
  events: SessionEvent[];
}

/** The payload bytes of a message or control event. */
export function eventPayload(e: SessionMessage | SessionControl): Buffer {
  if (e.type === 'message' && e.kind === 'text') return Buffer.from(e.text ?? '', 'utf8');
  return Buffer.from(e.base64 ?? '', 'base64');
}

/** A message event for these bytes. */
export function messageEvent(
  t: number,
  dir: SessionDirection,
  kind: 'text' | 'binary',
  payload: Buffer | string,
): SessionMessage {
  if (kind === 'text')
    return { type: 'message', t, dir, kind, text: typeof payload === 'string' ? payload : payload.toString('utf8') };
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return { type: 'message', t, dir, kind, base64: bytes.toString('base64') };
}

/** Only the text and binary messages, in order. */
export function sessionMessages(session: Session, dir?: SessionDirection): SessionMessage[] {
  return session.events.filter(
    (e): e is SessionMessage => e.type === 'message' && (dir === undefined || e.dir === dir),
  );
}

/**
 * The events of the first connection: from the start up to (not including) the first
 * `reconnect`. Replay and the mock server play one connection.
 */
export function firstConnection(session: Session): SessionEvent[] {
  const end = session.events.findIndex((e) => e.type === 'reconnect');
  return end < 0 ? session.events : session.events.slice(0, end);
}

/** A new header for a recording of `url` starting now (or at `startedAt`). */
export function newHeader(
  url: string,
  fields: Partial<Omit<SessionHeader, 'type' | 'format' | 'version' | 'url'>> = {},
): SessionHeader {
  return {
    type: 'header',
    format: WSLOG_FORMAT,
    version: WSLOG_VERSION,
    url,
    options: fields.options ?? {},
    ...(fields.handshake ? { handshake: fields.handshake } : {}),
    startedAt: fields.startedAt ?? new Date().toISOString(),
    ...(fields.redacted !== undefined ? { redacted: fields.redacted } : {}),
    ...(fields.source ? { source: fields.source } : {}),
    ...(fields.protocol ? { protocol: fields.protocol } : {}),
  };
}

/** The recording as `.wslog` text: the header line, then one line per event. */
export function serializeSession(session: Session): string {
  const lines = [JSON.stringify(session.header)];
  for (const e of session.events) lines.push(JSON.stringify(e));
  return `${lines.join('\n')}\n`;
}
