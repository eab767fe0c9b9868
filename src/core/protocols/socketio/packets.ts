/**
 * Engine.IO (protocol 3 and 4) and Socket.IO (protocol 4 and 5) packets, one WebSocket frame at a
 * time, without state. Our own small parser rather than `engine.io-parser` / `socket.io-parser`:
 * those are stateful streams (a decoder that buffers attachments and emits packets) that throw
 * "invalid payload" without saying where, and `engine.io-parser` 5 no longer reads Engine.IO 3's
 * binary framing. The per-frame view needs "what is wrong, at which character", never a throw.
 * The tests check this parser against `socket.io-parser`'s encoder and decoder both ways.
 *
 * Wire format, as the specs (github.com/socketio/engine.io-protocol, socket.io-protocol) give it:
 *   Engine.IO text frame:   <type digit><data>           0 open, 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop
 *   Engine.IO binary frame: EIO 4: the bytes of a message; EIO 3: <type byte><bytes>
 *   Socket.IO packet (the data of an Engine.IO message):
 *     <type digit>[<attachments>-][/<namespace>,][<ack id>][<JSON payload>]
 *     0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR (ERROR in v2), 5 BINARY_EVENT, 6 BINARY_ACK
 *   A binary packet's payload holds {"_placeholder":true,"num":n} where the n-th following binary frame goes.
 */

export const ENGINE_TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'] as const;
export type EngineType = (typeof ENGINE_TYPES)[number];

export const SOCKET_TYPES = [
  'CONNECT',
  'DISCONNECT',
  'EVENT',
  'ACK',
  'CONNECT_ERROR',
  'BINARY_EVENT',
  'BINARY_ACK',
] as const;
export type SocketType = (typeof SOCKET_TYPES)[number];

/** Engine.IO protocol revision: 4 for Socket.IO v3/v4 servers, 3 for Socket.IO v2. */
export type EioVersion = 3 | 4;

/** What is wrong with a frame, as a sentence that says where. */
export interface Problem {
  problem: string;
}

export const isProblem = (x: object): x is Problem => 'problem' in x;

export interface EnginePacket {
  type: EngineType;
  /** The data of a text packet (after the type digit). */
  text?: string;
  /** The bytes of a binary message. */
  binary?: Buffer;
}

/** One Engine.IO packet from a text frame. */
export function parseEngineText(frame: string): EnginePacket | Problem {
  if (frame.length === 0) return { problem: 'The frame is empty: an Engine.IO packet starts with its type digit 0–6.' };
  const code = frame.charCodeAt(0) - 0x30;
  if (frame[0] === 'b') {
    // Base64 binary, as sent where binary frames are not available ("b<base64>" in EIO 4, "b4<base64>" in EIO 3).
    const body = frame[1] === '4' ? frame.slice(2) : frame.slice(1);
    return { type: 'message', binary: Buffer.from(body, 'base64') };
  }
  if (code < 0 || code > 6)
    return {
      problem: `Character 1 is ${quote(frame[0])}, not an Engine.IO packet type (0 open … 6 noop).`,
    };
  return { type: ENGINE_TYPES[code], text: frame.slice(1) };
}

/** One Engine.IO packet from a binary frame: in EIO 3 its first byte is the packet type. */
export function parseEngineBinary(frame: Buffer, eio: EioVersion): EnginePacket | Problem {
  if (eio === 4) return { type: 'message', binary: frame };
  if (frame.length === 0)
    return { problem: 'The binary frame is empty: in Engine.IO 3 it starts with a packet type byte.' };
  const code = frame[0];
  if (code > 6)
    return { problem: `Byte 1 is 0x${code.toString(16).padStart(2, '0')}, not an Engine.IO 3 packet type (0–6).` };
  return { type: ENGINE_TYPES[code], binary: frame.subarray(1) };
}

/** A Socket.IO packet up to its payload: cheap to read (no JSON parsed). */
export interface SocketHeader {
  type: SocketType;
  /** Binary attachments that follow (BINARY_EVENT, BINARY_ACK). */
  attachments: number;
  namespace: string;
  /** A v2 namespace's query (`/admin?token=1` on CONNECT). */
  query?: string;
  ackId?: number;
  /** Where the JSON payload starts in the packet data; equal to its length when there is none. */
  payloadAt: number;
}

export interface SocketPacket extends SocketHeader {
  /** The JSON payload, absent when the packet has none. */
  data?: unknown;
}

/**
 * The header of the Socket.IO packet in `data` (an Engine.IO message's data). `base` is where
 * `data` starts in the frame, so that positions are counted in the frame as the user sees it.
 */
export function parseSocketHeader(data: string, base = 1): SocketHeader | Problem {
  const at = (i: number) => `character ${base + i + 1}`;
  if (data.length === 0)
    return { problem: `The Socket.IO packet is empty: its type digit (0–6) is missing at ${at(0)}.` };
  const code = data.charCodeAt(0) - 0x30;
  if (code < 0 || code > 6)
    return { problem: `${cap(at(0))} is ${quote(data[0])}, not a Socket.IO packet type (0 CONNECT … 6 BINARY_ACK).` };
  const type = SOCKET_TYPES[code];
  let i = 1;
  let attachments = 0;
  if (type === 'BINARY_EVENT' || type === 'BINARY_ACK') {
    const start = i;
    while (isDigit(data, i)) i++;
    if (i === start || data[i] !== '-') {
      const found = data.slice(i, i + 8);
      const what = found ? quote(found) : 'the end';
      return {
        problem:
          i === start
            ? `A ${type} needs its attachment count at ${at(i)} (as in 451-[…]); found ${what}.`
            : `A ${type}'s attachment count ${data.slice(start, i)} must be followed by "-" at ${at(i)}; found ${what}.`,
      };
    }
    attachments = Number(data.slice(start, i));
    i++;
  }
  let namespace = '/';
  let query: string | undefined;
  if (data[i] === '/') {
    const start = i;
    const comma = data.indexOf(',', i);
    const end = comma === -1 ? data.length : comma;
    namespace = data.slice(start, end);
    const q = namespace.indexOf('?');
    if (q !== -1) {
      query = namespace.slice(q + 1);
      namespace = namespace.slice(0, q);
    }
    i = comma === -1 ? end : end + 1;
  }
  let ackId: number | undefined;
  if (isDigit(data, i)) {
    const start = i;
    while (isDigit(data, i)) i++;
    ackId = Number(data.slice(start, i));
    if (!Number.isSafeInteger(ackId)) return { problem: `The ack id at ${at(start)} is too large.` };
  }
  return { type, attachments, namespace, query, ackId, payloadAt: i };
}

/** The whole Socket.IO packet: the header, the JSON payload, and a check that the payload fits the type. */
export function parseSocketPacket(data: string, base = 1): SocketPacket | Problem {
  const header = parseSocketHeader(data, base);
  if (isProblem(header)) return header;
  if (header.payloadAt >= data.length) {
    const missing = payloadProblem(header.type, undefined);
    return missing ? { problem: missing } : header;
  }
  const json = data.slice(header.payloadAt);
  let payload: unknown;
  try {
    payload = JSON.parse(json);
  } catch (err) {
    return {
      problem: `The payload from character ${base + header.payloadAt + 1} is not valid JSON (${(err as Error).message}).`,
    };
  }
  const problem = payloadProblem(header.type, payload);
  if (problem) return { problem };
  return { ...header, data: payload };
}

/** Why `payload` cannot be the payload of a `type` packet, or undefined when it can. */
function payloadProblem(type: SocketType, payload: unknown): string | undefined {
  switch (type) {
    case 'CONNECT':
      return payload === undefined || isObject(payload) ? undefined : 'A CONNECT payload must be a JSON object.';
    case 'DISCONNECT':
      return payload === undefined ? undefined : 'A DISCONNECT has no payload.';
    case 'CONNECT_ERROR':
      return payload === undefined || typeof payload === 'string' || isObject(payload)
        ? undefined
        : 'A CONNECT_ERROR payload must be an object ({"message": …}) or a string.';
    case 'EVENT':
    case 'BINARY_EVENT':
      if (!Array.isArray(payload)) return `An ${type} payload must be a JSON array: [event name, …arguments].`;
      return typeof payload[0] === 'string' || typeof payload[0] === 'number'
        ? undefined
        : `An ${type} payload starts with the event name (a string); found ${describe(payload[0])}.`;
    case 'ACK':
    case 'BINARY_ACK':
      return Array.isArray(payload) ? undefined : `An ${type} payload must be a JSON array of the ack's arguments.`;
  }
}

export interface EncodeOptions {
  type: SocketType;
  namespace?: string;
  ackId?: number;
  data?: unknown;
  attachments?: number;
}

/** The Engine.IO message text (leading "4") carrying one Socket.IO packet. */
export function encodeSocketPacket(p: EncodeOptions): string {
  let s = `4${SOCKET_TYPES.indexOf(p.type)}`;
  if (p.type === 'BINARY_EVENT' || p.type === 'BINARY_ACK') s += `${p.attachments ?? 0}-`;
  if (p.namespace && p.namespace !== '/') s += `${p.namespace},`;
  if (p.ackId !== undefined) s += String(p.ackId);
  if (p.data !== undefined) s += JSON.stringify(p.data);
  return s;
}

/** Replaces every Buffer / typed array / ArrayBuffer in `value` with a numbered placeholder. */
export function extractBinary(value: unknown, buffers: Buffer[] = []): { value: unknown; buffers: Buffer[] } {
  const walk = (v: unknown): unknown => {
    const bytes = asBuffer(v);
    if (bytes) {
      buffers.push(bytes);
      return { _placeholder: true, num: buffers.length - 1 };
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x);
      return out;
    }
    return v;
  };
  return { value: walk(value), buffers };
}

/** Puts `buffers` where the placeholders are; a placeholder without its attachment is a problem. */
export function fillPlaceholders(value: unknown, buffers: readonly Buffer[]): { value: unknown } | Problem {
  let problem: string | undefined;
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isObject(v)) return v;
    if (v._placeholder === true && typeof v.num === 'number') {
      const b = buffers[v.num];
      if (b === undefined) problem ??= `Placeholder ${v.num} has no attachment (${buffers.length} arrived).`;
      return b;
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x);
    return out;
  };
  const filled = walk(value);
  return problem ? { problem } : { value: filled };
}

function asBuffer(v: unknown): Buffer | undefined {
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof ArrayBuffer) return Buffer.from(v);
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function cap(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}
