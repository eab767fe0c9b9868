/**
 * STOMP 1.0, 1.1 and 1.2 frames (stomp.github.io/stomp-specification-1.2.html), read and written:
 * a command line, header lines (`name:value`, escaped in 1.1 with \n \c \\ and in 1.2 also \r, but
 * never in CONNECT and CONNECTED), a blank line, the body (exactly `content-length` bytes when the
 * header is there, else up to the first NUL), a NUL; EOLs between frames are heart-beats.
 *
 * Our own small framer rather than @stomp/stompjs' Parser: that one is a streaming state machine
 * that accepts anything (an unknown command, a line without a colon, a frame that never ends just
 * waits) and reports nothing, while a view must say what is wrong and at which byte. It would also
 * turn a test-only package into a runtime dependency for about 150 lines.
 */

export type StompVersion = '1.0' | '1.1' | '1.2';

export const VERSIONS: readonly StompVersion[] = ['1.0', '1.1', '1.2'];

export const CLIENT_COMMANDS = [
  'CONNECT',
  'STOMP',
  'SEND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'ACK',
  'NACK',
  'BEGIN',
  'COMMIT',
  'ABORT',
  'DISCONNECT',
] as const;
export const SERVER_COMMANDS = ['CONNECTED', 'MESSAGE', 'RECEIPT', 'ERROR'] as const;
const COMMANDS: ReadonlySet<string> = new Set<string>([...CLIENT_COMMANDS, ...SERVER_COMMANDS]);

/** Frames whose headers are never escaped (STOMP 1.2, "Value Encoding"). */
const UNESCAPED = new Set(['CONNECT', 'CONNECTED', 'STOMP']);

export interface StompFrame {
  command: string;
  /** The first of each header (a repeated header's later values do not count, as the spec says). */
  headers: Record<string, string>;
  body: Buffer;
  /** Byte offset of the command in the message. */
  offset: number;
}

export interface StompParse {
  /** The complete frames, in order. */
  frames: StompFrame[];
  /** EOLs outside frames (heart-beats, and the optional EOLs after a frame's NUL). */
  eols: number;
  /** What is wrong, and at which byte; the frames before it are in `frames`. */
  problem?: string;
  /** What could be read of the frame at fault. */
  partial?: { command?: string; headers?: Record<string, string>; offset: number };
  /** The message ended inside the frame at fault (no NUL yet): it may go on in the next one. */
  cutShort?: boolean;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/** Reads every frame of one message. Never throws. `version` undefined: escapes read leniently. */
export function parseStomp(buf: Buffer, version?: StompVersion): StompParse {
  const frames: StompFrame[] = [];
  let eols = 0;
  let pos = 0;
  while (pos < buf.length) {
    if (buf[pos] === LF || (buf[pos] === CR && buf[pos + 1] === LF)) {
      eols++;
      pos += buf[pos] === LF ? 1 : 2;
      continue;
    }
    const read = readFrame(buf, pos, version);
    if ('problem' in read) return { frames, eols, ...read };
    frames.push(read.frame);
    pos = read.next;
  }
  return { frames, eols };
}

type Failure = { problem: string; partial: NonNullable<StompParse['partial']>; cutShort?: boolean };
type FrameRead = { frame: StompFrame; next: number } | Failure;

function readFrame(buf: Buffer, start: number, version: StompVersion | undefined): FrameRead {
  const fail = (problem: string, partial: Failure['partial'] = { offset: start }, cutShort = false): Failure => ({
    problem,
    partial,
    ...(cutShort ? { cutShort } : {}),
  });
  const commandEnd = lineEnd(buf, start);
  const command = text(buf, start, commandEnd.end);
  if (!COMMANDS.has(command)) {
    if (commandEnd.next < 0 && /^[A-Z]*$/.test(command) && [...COMMANDS].some((c) => c.startsWith(command)))
      return fail(`The message ends at byte ${buf.length} inside a command line ("${command}").`, undefined, true);
    return fail(`${quote(command)} at byte ${start} is not a STOMP command.`, { offset: start });
  }
  const headers: Record<string, string> = {};
  const partial = { command, headers, offset: start };
  const escapes = UNESCAPED.has(command) ? '1.0' : version;
  let pos = commandEnd.next;
  for (;;) {
    if (pos < 0 || pos >= buf.length)
      return fail(
        `The ${command} frame at byte ${start} has no NUL terminator: the message ends at byte ${buf.length}, inside its headers.`,
        partial,
        true,
      );
    const line = lineEnd(buf, pos);
    const nul = buf.indexOf(NUL, pos);
    if (nul >= 0 && nul < line.end)
      return fail(
        `The ${command} frame at byte ${start} ends with the NUL at byte ${nul}, inside its headers (before the blank line that ends them).`,
        partial,
      );
    if (line.end === pos) {
      pos = line.next;
      break;
    }
    const raw = text(buf, pos, line.end);
    const colon = raw.indexOf(':');
    if (colon < 0) return fail(`The header line ${quote(raw)} at byte ${pos} has no colon.`, partial);
    const name = unescape(raw.slice(0, colon), escapes, version !== undefined);
    const value = unescape(raw.slice(colon + 1), escapes, version !== undefined);
    if (typeof name !== 'string' || typeof value !== 'string') {
      const bad = typeof name !== 'string' ? name.bad : (value as { bad: string }).bad;
      return fail(
        `The header line at byte ${pos} has an undefined escape "${bad}" (STOMP ${version} defines ${DEFINED[version ?? '1.2']}).`,
        partial,
      );
    }
    if (!Object.prototype.hasOwnProperty.call(headers, name))
      Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
    pos = line.next;
  }
  const bodyStart = pos < 0 ? buf.length : pos;
  const length = headers['content-length'];
  let bodyEnd: number;
  if (length !== undefined && command !== 'CONNECT' && command !== 'STOMP') {
    if (!/^\d+$/.test(length.trim()))
      return fail(`The ${command} frame's content-length ${quote(length)} is not a number of bytes.`, partial);
    const n = Number(length.trim());
    bodyEnd = bodyStart + n;
    if (bodyEnd > buf.length)
      return fail(
        `The ${command} frame's content-length ${n} runs past the message: its body starts at byte ${bodyStart} and only ${buf.length - bodyStart} bytes follow.`,
        partial,
        true,
      );
    if (bodyEnd === buf.length)
      return fail(
        `The ${command} frame at byte ${start} has no NUL terminator: its ${n} bytes of body end the message (byte ${buf.length}).`,
        partial,
        true,
      );
    if (buf[bodyEnd] !== NUL)
      return fail(
        `The ${command} frame's body of content-length ${n} ends at byte ${bodyEnd}, where its NUL terminator should be, but that byte is 0x${buf[bodyEnd].toString(16).padStart(2, '0')}.`,
        partial,
      );
  } else {
    bodyEnd = buf.indexOf(NUL, bodyStart);
    if (bodyEnd < 0)
      return fail(
        `The ${command} frame at byte ${start} has no NUL terminator: its body runs from byte ${bodyStart} to the end of the message (byte ${buf.length}).`,
        partial,
        true,
      );
  }
  return { frame: { command, headers, body: buf.subarray(bodyStart, bodyEnd), offset: start }, next: bodyEnd + 1 };
}

/** Where the line at `pos` ends (before an optional CR) and where the next one starts (-1: none). */
function lineEnd(buf: Buffer, pos: number): { end: number; next: number } {
  const lf = buf.indexOf(LF, pos);
  if (lf < 0) return { end: buf.length, next: -1 };
  return { end: lf > pos && buf[lf - 1] === CR ? lf - 1 : lf, next: lf + 1 };
}

function text(buf: Buffer, from: number, to: number): string {
  return buf.toString('utf8', from, to);
}

function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

const DEFINED: Record<StompVersion, string> = {
  '1.0': 'no escapes',
  '1.1': '\\n, \\c and \\\\',
  '1.2': '\\r, \\n, \\c and \\\\',
};

/**
 * A header name or value with its escapes read; `{ bad }` (the escape) when the version does not
 * define it. Without a version (not known yet) every escape of 1.2 is read and an undefined one is kept.
 */
function unescape(s: string, version: StompVersion | undefined, strict: boolean): string | { bad: string } {
  if (version === '1.0' || !s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = s[i + 1];
    const known =
      e === 'n' ? '\n' : e === 'c' ? ':' : e === '\\' ? '\\' : e === 'r' && version !== '1.1' ? '\r' : undefined;
    if (known === undefined) {
      if (strict) return { bad: `\\${e ?? ''}` };
      out += c;
      continue;
    }
    out += known;
    i++;
  }
  return out;
}

/** A header name or value escaped for `version`; a sentence (thrown) when it cannot be written in it. */
function escape(s: string, version: StompVersion, command: string, what: string): string {
  if (version === '1.0' || UNESCAPED.has(command)) {
    if (/[\r\n]/.test(s))
      throw new Error(
        `The ${what} ${quote(s)} has a line break, which a ${command} frame cannot carry in STOMP ${version}.`,
      );
    return s;
  }
  if (version === '1.1' && s.includes('\r'))
    throw new Error(`The ${what} ${quote(s)} has a carriage return, which STOMP 1.1 headers cannot carry.`);
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/:/g, '\\c').replace(/\r/g, '\\r');
}

/**
 * One frame as text, headers escaped for `version` (never in CONNECT and CONNECTED); a
 * `content-length` is added for a non-empty body unless the headers have one. Throws a sentence
 * when a header cannot be written in the version (a line break in STOMP 1.0).
 */
export function encodeFrame(
  command: string,
  headers: Record<string, string> | ReadonlyArray<readonly [string, string]>,
  body = '',
  version: StompVersion = '1.2',
): string {
  const entries: Array<readonly [string, string]> = isList(headers) ? [...headers] : Object.entries(headers);
  if (body && !entries.some(([k]) => k === 'content-length'))
    entries.push(['content-length', String(Buffer.byteLength(body))]);
  const lines = entries.map(([k, v]) => {
    const name = escape(k, version, command, 'header name');
    if (!name || (name.includes(':') && (version === '1.0' || UNESCAPED.has(command))))
      throw new Error(`${quote(k)} cannot be a header name in a ${command} frame.`);
    return `${name}:${escape(v, version, command, `header "${k}"'s value`)}`;
  });
  return `${command}\n${lines.map((l) => `${l}\n`).join('')}\n${body}\0`;
}

function isList(
  h: Record<string, string> | ReadonlyArray<readonly [string, string]>,
): h is ReadonlyArray<readonly [string, string]> {
  return Array.isArray(h);
}

/** The highest version both sides list (`accept-version:1.0,1.1,1.2`); undefined when none. */
export function highestCommon(
  offered: string | undefined,
  supported: readonly StompVersion[],
): StompVersion | undefined {
  const theirs = (offered ?? '1.0').split(',').map((v) => v.trim());
  return [...supported].reverse().find((v) => theirs.includes(v));
}

/** The STOMP version a `v12.stomp` subprotocol names. */
export function versionOfSubprotocol(subprotocol: string | undefined): StompVersion | undefined {
  const m = /^v1([012])\.stomp$/.exec(subprotocol ?? '');
  return m ? (`1.${m[1]}` as StompVersion) : undefined;
}

/** True when the message is only EOLs (a heart-beat); an empty one is not. */
export function isHeartBeat(buf: Buffer): boolean {
  if (buf.length === 0) return false;
  for (let i = 0; i < buf.length; i++) if (buf[i] !== LF && !(buf[i] === CR && buf[i + 1] === LF)) return false;
  return true;
}

/** True when the first bytes after any EOLs start a STOMP command (cheap: a prefix). */
export function looksLikeStomp(buf: Buffer): boolean {
  let i = 0;
  while (i < buf.length && (buf[i] === LF || buf[i] === CR)) i++;
  if (i === buf.length) return buf.length > 0;
  const head = buf.toString('latin1', i, Math.min(buf.length, i + 12));
  return [...COMMANDS].some((c) => head.startsWith(`${c}\n`) || head.startsWith(`${c}\r`) || c.startsWith(head));
}
