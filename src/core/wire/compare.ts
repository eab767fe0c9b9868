import { createTransport } from '../transport';
import type { Transport } from '../transport/transport';
import type { WireCapture } from './capture';

/** A WebSocket transport opened with `wireCapture` has its capture here. */
type Captured = Transport & { wire?: WireCapture };

/** One side of a comparison: bytes on the wire each way (connection setup included) and the time. */
export interface CompareSide {
  url: string;
  messages: number;
  /** Application bytes sent (the same on both sides). */
  payloadBytes: number;
  sentWireBytes: number;
  receivedWireBytes: number;
  /** Of those, the HTTP upgrade (WebSocket only; 0 for TCP). */
  setupBytes: number;
  /** (wire bytes − setup − payload both ways) / messages: what framing adds to each message and its echo. */
  overheadPerMessage: number;
  /** From the first send to the last echo. */
  ms: number;
}

export interface CompareResult {
  webSocket: CompareSide;
  tcp: CompareSide;
}

export interface CompareOptions {
  /** A WebSocket echo server (the local one: EchoServer.url). */
  webSocketUrl: string;
  /** A TCP echo server speaking 4-byte big-endian length prefixes (TcpEchoServer in prefix mode). */
  tcpUrl: string;
  /** The messages to send on both; default 100 of 100 bytes. */
  messages?: Buffer[];
  /** For the whole of one side. Default 10 s. */
  timeoutMs?: number;
}

/**
 * Sends the same messages over a WebSocket echo and a raw TCP length-prefixed echo, one side after
 * the other, and reports the bytes on the wire each way and the time each took. The WebSocket side
 * offers no compression, so both carry the same payload bytes.
 */
export async function compareSocketAndWebSocket(options: CompareOptions): Promise<CompareResult> {
  const messages = options.messages ?? Array.from({ length: 100 }, (_, i) => Buffer.from(`${i} `.padEnd(100, 'x')));
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!/^tcp:|^tls:/i.test(options.tcpUrl)) throw new Error(`${options.tcpUrl} is not a tcp:// or tls:// URL.`);
  const ws: Captured = createTransport({
    url: options.webSocketUrl,
    handshakeTimeout: timeoutMs,
    perMessageDeflate: false,
    wireCapture: true,
  });
  const tcp = createTransport({
    url: options.tcpUrl,
    handshakeTimeout: timeoutMs,
    framing: 'prefix=4be',
  }) as Transport & {
    wireBytes: { sent: number; received: number };
  };
  try {
    const wsMs = await exchange(ws, messages, timeoutMs);
    const wsSent = bytesOf(ws, 'sent');
    const wsReceived = bytesOf(ws, 'received');
    const setup = ws.wire!.chunks.length ? httpBytes(ws) : 0;
    const tcpMs = await exchange(tcp, messages, timeoutMs);
    const payload = messages.reduce((n, m) => n + m.length, 0);
    const side = (url: string, sent: number, received: number, setupBytes: number, ms: number): CompareSide => ({
      url,
      messages: messages.length,
      payloadBytes: payload,
      sentWireBytes: sent,
      receivedWireBytes: received,
      setupBytes,
      overheadPerMessage: (sent + received - setupBytes - 2 * payload) / messages.length,
      ms,
    });
    return {
      webSocket: side(options.webSocketUrl, wsSent, wsReceived, setup, wsMs),
      tcp: side(options.tcpUrl, tcp.wireBytes.sent, tcp.wireBytes.received, 0, tcpMs),
    };
  } finally {
    ws.dispose();
    tcp.dispose();
  }
}

/** Connects, sends every message, waits for as many echoes; the ms from the first send to the last echo. */
async function exchange(t: Transport, messages: Buffer[], timeoutMs: number): Promise<number> {
  await t.connect();
  let echoes = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (done = resolve));
  const sub = t.onMessage((m) => {
    if (m.direction === 'received' && (m.kind === 'text' || m.kind === 'binary') && ++echoes === messages.length)
      done();
  });
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`${t.options.url} echoed ${echoes} of ${messages.length} messages within ${timeoutMs} ms.`)),
      timeoutMs,
    );
  });
  const started = performance.now();
  try {
    await Promise.race([Promise.all(messages.map((m) => t.sendBinary(m))).then(() => all), limit]);
    return performance.now() - started;
  } finally {
    clearTimeout(timer);
    sub.dispose();
  }
}

function bytesOf(ws: Captured, direction: 'sent' | 'received'): number {
  return ws.wire!.chunks.filter((c) => c.direction === direction).reduce((n, c) => n + c.bytes.length, 0);
}

/** The request's and the response's header bytes. */
function httpBytes(ws: Captured): number {
  let n = 0;
  for (const direction of ['sent', 'received'] as const) {
    const stream = Buffer.concat(ws.wire!.chunks.filter((c) => c.direction === direction).map((c) => c.bytes));
    const end = stream.indexOf('\r\n\r\n');
    if (end >= 0) n += end + 4;
  }
  return n;
}
