import { STATUS_CODES } from 'node:http';
import { hostPort } from './url';

/** Turns what Node and `ws` throw into a sentence that says what happened and what to do. */
export function describeConnectError(err: unknown, url: string): string {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  const where = hostPort(url);
  switch (e?.code) {
    case 'ECONNREFUSED':
      return `Connection refused by ${e.address && e.port ? `${e.address}:${e.port}` : where}. Is the server running on that port?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Could not resolve the host "${e.hostname ?? new URL(url).hostname}". Check the URL and your network.`;
    case 'ETIMEDOUT':
      return `Connecting to ${where} timed out. Check that the host is reachable.`;
    case 'ECONNRESET':
      return `${where} reset the connection during the handshake. Is it a WebSocket server, and does it expect ws:// or wss://?`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} is unreachable from this machine. Check the address and your network.`;
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return `The server at ${where} uses a self-signed TLS certificate, which is not trusted.`;
    case 'CERT_HAS_EXPIRED':
      return `The TLS certificate of ${where} has expired.`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `The TLS certificate of ${where} is not valid for this host name.`;
    case 'EPROTO':
      return `TLS failed with ${where}. Does the server speak TLS (wss://), or plain ws://?`;
  }
  const message = e instanceof Error ? e.message : String(err);
  if (/Opening handshake has timed out/i.test(message)) {
    return `The server at ${where} did not complete the WebSocket handshake in time. Is it a WebSocket server? (To wait longer: "# @timeout 30s" in a .ws file, or the setting websocketInspector.connection.handshakeTimeout.)`;
  }
  if (/Invalid Sec-WebSocket-Accept/i.test(message)) {
    return `The server at ${where} answered with a wrong Sec-WebSocket-Accept header, so this is not a valid WebSocket handshake.`;
  }
  return `Could not connect to ${where}: ${message}`;
}

/** The sentence for an HTTP answer that is not `101 Switching Protocols`. */
export function describeUnexpectedResponse(
  status: number,
  statusText: string | undefined,
  body: string,
  url: string,
): string {
  const text = statusText || STATUS_CODES[status] || '';
  const hint =
    status === 401 || status === 403
      ? ' Check the Authorization header or credentials.'
      : status === 404
        ? ' Check the path of the URL.'
        : status >= 300 && status < 400
          ? ' The server redirects; connect to the new location instead.'
          : status === 426
            ? ' The server wants a different protocol version.'
            : '';
  const snippet = body.trim() ? ` The server said: ${body.trim().slice(0, 300)}` : '';
  return `Server ${hostPort(url)} refused the upgrade: ${status} ${text}.${hint}${snippet}`;
}

/** What the `ws` receiver was reading when it raised an error (its `_opcode` etc.), when known. */
export interface ReceiverView {
  opcode?: number;
  payloadLength?: number;
  /** permessage-deflate was negotiated. */
  deflate: boolean;
}

/** A protocol violation by the server, and the close code the client sent for it. */
export interface Violation {
  code: number;
  what: string;
}

const CONTROL_NAMES: Record<number, string> = { 8: 'close', 9: 'ping', 10: 'pong' };

/** The close code `ws` sent for an error: it keeps it on a symbol named "status-code". */
export function sentCloseCode(err: object): number | undefined {
  for (const s of Object.getOwnPropertySymbols(err)) {
    if (s.description !== 'status-code') continue;
    const v = (err as Record<symbol, unknown>)[s];
    if (typeof v === 'number') return v;
  }
  return undefined;
}

/** The receive limits the connection gave `ws`, named in the sentence when one is hit. */
export interface ReceiveLimits {
  maxPayload: number;
  maxFragments: number;
  maxBufferedChunks: number;
}

/**
 * What an error `ws` raised while open means, with the code the client closed with; undefined for
 * errors that are not about the server's frames (the close code is then the real one).
 * Every WS_ERR_* of ws/lib/receiver.js and every zlib error of permessage-deflate has a sentence;
 * an unknown one is named as it is ("protocol error: <code>").
 */
export function describeViolation(
  err: Error & { code?: string },
  at: ReceiverView,
  limits: ReceiveLimits,
): Violation | undefined {
  const { maxPayload } = limits;
  const sent = sentCloseCode(err);
  const code = err.code ?? '';
  if (sent === undefined && !code.startsWith('WS_ERR_') && !code.startsWith('Z_')) return undefined;
  const number = Number(/(\d+)\s*$/.exec(err.message)?.[1]);
  const control = at.opcode !== undefined ? CONTROL_NAMES[at.opcode] : undefined;
  const v = (fallback: number, what: string): Violation => ({ code: sent ?? fallback, what });
  switch (code) {
    case 'WS_ERR_INVALID_UTF8':
      return at.opcode === 8
        ? v(1007, 'a close frame whose reason is not valid UTF-8 (RFC 6455 §5.5.1, §7.1.6)')
        : v(1007, 'a text message with invalid UTF-8 (RFC 6455 §8.1)');
    case 'WS_ERR_UNEXPECTED_MASK':
      return v(1002, 'a masked frame, and servers must not mask (RFC 6455 §5.1)');
    case 'WS_ERR_EXPECTED_MASK':
      return v(1002, 'an unmasked frame where masking is required (RFC 6455 §5.1)');
    case 'WS_ERR_INVALID_OPCODE':
      if (number === 0)
        return v(
          1002,
          'a continuation frame (opcode 0) while no fragmented message was in progress: fragments out of order (RFC 6455 §5.4)',
        );
      if (number === 1 || number === 2) {
        return v(
          1002,
          `a new ${number === 1 ? 'text' : 'binary'} frame (opcode ${number}) before the fragmented message in progress was finished: fragments out of order (RFC 6455 §5.4)`,
        );
      }
      return v(
        1002,
        `a frame with the reserved opcode ${Number.isFinite(number) ? `0x${number.toString(16)}` : '(unknown)'} (RFC 6455 §5.2)`,
      );
    case 'WS_ERR_UNEXPECTED_RSV_1':
      if (control)
        return v(1002, `a ${control} frame with RSV1 set; control frames are never compressed (RFC 7692 §6.1)`);
      if (at.opcode === 0 && at.deflate)
        return v(
          1002,
          'a continuation frame with RSV1 set; only the first frame of a compressed message carries it (RFC 7692 §6.1)',
        );
      return v(
        1002,
        'a frame with the reserved bit RSV1 set, and no extension was negotiated that allows it (RFC 6455 §5.2)',
      );
    case 'WS_ERR_UNEXPECTED_RSV_2_3':
      return v(
        1002,
        'a frame with the reserved bit RSV2 or RSV3 set, and no extension was negotiated that allows it (RFC 6455 §5.2)',
      );
    case 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH':
      if (at.opcode === 8 && number === 1)
        return v(
          1002,
          'a close frame with a 1-byte body; a close body is empty or starts with a 2-byte code (RFC 6455 §5.5.1)',
        );
      return v(
        1002,
        `a ${control ?? 'control'} frame with a payload of ${Number.isFinite(number) ? number : 'more than 125'} bytes; control frames carry at most 125 (RFC 6455 §5.5)`,
      );
    case 'WS_ERR_EXPECTED_FIN':
      return v(
        1002,
        `a fragmented ${control ?? 'control'} frame; control frames must not be fragmented (RFC 6455 §5.5)`,
      );
    case 'WS_ERR_INVALID_CLOSE_CODE':
      return v(
        1002,
        `a close frame with the code ${Number.isFinite(number) ? number : '(invalid)'}, which may not be sent on the wire (RFC 6455 §7.4)`,
      );
    case 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH':
      return v(
        1009,
        'a frame whose 64-bit payload length has its most significant bit set or is above 2^53 - 1, which no message can have (RFC 6455 §5.2)',
      );
    case 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH':
      return v(
        1009,
        `a message larger than the limit of ${maxPayload.toLocaleString('en-US')} bytes (maxPayload; raise websocketInspector.connection.maxPayloadMB)`,
      );
    case 'WS_ERR_TOO_MANY_BUFFERED_PARTS':
      // One code for two limits; ws's message tells them apart.
      return /chunks/i.test(err.message)
        ? v(
            1008,
            `a message that arrived in more than ${limits.maxBufferedChunks.toLocaleString('en-US')} chunks, the most the client buffers for one message (raise websocketInspector.connection.maxBufferedChunks)`,
          )
        : v(
            1008,
            `a message in more than ${limits.maxFragments.toLocaleString('en-US')} fragments, the most the client accepts (raise websocketInspector.connection.maxFragments)`,
          );
  }
  if (code.startsWith('Z_')) {
    return v(
      1007,
      `a compressed message that does not inflate (zlib ${code}: ${err.message}); permessage-deflate data must be a valid DEFLATE stream (RFC 7692 §7.2.2)`,
    );
  }
  return v(1002, `a frame the client could not accept (protocol error: ${code || err.message})`);
}
