import { randomBytes, randomInt } from 'node:crypto';

/**
 * SockJS framing over its WebSocket transport (sockjs-protocol 0.3): the server sends `o` (open),
 * `h` (heartbeat), `a["…","…"]` (an array of messages, each a string) and `c[3000,"Go away!"]`
 * (close); the client sends a JSON array of strings (a bare JSON string is also read by servers).
 * The endpoint for what a SockJS client is given (`new SockJS('http://host/stomp')`) is
 * `ws://host/stomp/<3-digit server>/<random session>/websocket`.
 */

export type SockJsFrame =
  | { frame: 'o' }
  | { frame: 'h' }
  | { frame: 'a'; messages: string[] }
  | { frame: 'c'; code: number; reason: string }
  /** What a client sends: its messages. */
  | { frame: 'send'; messages: string[] };

export interface SockJsProblem {
  problem: string;
}

/** `/<3 digits>/<session>/websocket` at the end of a path: SockJS' WebSocket transport. */
const SOCKJS_PATH = /\/\d{3}\/[^/.]+\/websocket\/?$/;

export function isSockJsUrl(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return SOCKJS_PATH.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/** The WebSocket URL of a SockJS endpoint given as http(s) (a new server and session id each time). */
export function sockJsWebSocketUrl(base: URL): string {
  const url = new URL(base.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const server = String(randomInt(0, 1000)).padStart(3, '0');
  const session = randomBytes(6)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x');
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${server}/${session}/websocket`;
  return url.href;
}

/** One SockJS frame as text; `direction` says whose grammar it follows. Never throws. */
export function parseSockJs(text: string, direction: 'sent' | 'received'): SockJsFrame | SockJsProblem {
  if (direction === 'sent') {
    const v = json(text, 'The SockJS message');
    if ('problem' in v) return v;
    if (typeof v.value === 'string') return { frame: 'send', messages: [v.value] };
    return strings(v.value, 'The SockJS message', (messages) => ({ frame: 'send', messages }));
  }
  const type = text[0];
  if (type === 'o' || type === 'h') {
    if (text.length > 1)
      return { problem: `A SockJS "${type}" frame is the letter alone; this one goes on at char 1.` };
    return { frame: type };
  }
  if (type === 'a' || type === 'm') {
    const v = json(text.slice(1), `The SockJS "${type}" frame`, 1);
    if ('problem' in v) return v;
    if (type === 'm')
      return typeof v.value === 'string'
        ? { frame: 'a', messages: [v.value] }
        : { problem: 'A SockJS "m" frame carries one JSON string.' };
    return strings(v.value, 'The SockJS "a" frame', (messages) => ({ frame: 'a', messages }));
  }
  if (type === 'c') {
    const v = json(text.slice(1), 'The SockJS "c" frame', 1);
    if ('problem' in v) return v;
    const a = v.value;
    // sockjs-node passes on the code as given, so a numeric string is read as the number.
    const code = Array.isArray(a) && (typeof a[0] === 'number' || /^\d+$/.test(String(a[0]))) ? Number(a[0]) : NaN;
    if (!Array.isArray(a) || Number.isNaN(code) || typeof a[1] !== 'string')
      return { problem: 'A SockJS "c" frame carries [code, "reason"].' };
    return { frame: 'c', code, reason: a[1] };
  }
  const shown = JSON.stringify(text.slice(0, 1));
  return { problem: `${shown} at char 0 is not a SockJS frame type (o, h, a, c).` };
}

export function isSockJsProblem(x: object): x is SockJsProblem {
  return 'problem' in x;
}

/** What a client sends for these messages. */
export function wrapSockJs(messages: readonly string[]): string {
  return JSON.stringify(messages);
}

/** What a server sends for these messages. */
export function wrapSockJsServer(messages: readonly string[]): string {
  return `a${JSON.stringify(messages)}`;
}

function json(text: string, what: string, offset = 0): { value: unknown } | SockJsProblem {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    const at = m ? ` at char ${Number(m[1]) + offset}` : '';
    return { problem: `${what} is not valid JSON${at} (${(err as Error).message}).` };
  }
}

function strings(v: unknown, what: string, make: (messages: string[]) => SockJsFrame): SockJsFrame | SockJsProblem {
  if (!Array.isArray(v)) return { problem: `${what} is not a JSON array of strings.` };
  const bad = v.findIndex((x) => typeof x !== 'string');
  if (bad >= 0) return { problem: `${what}'s element ${bad} is not a string.` };
  return make(v as string[]);
}
