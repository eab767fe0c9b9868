import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import type { HandshakeInfo } from '../../shared/protocol';
import type { Violation } from '../errors';
import type { Side } from './transport';
import { CLOSE_TIMEOUT_MS } from './wsOptions';
import { closeCodeName } from '../closeCodes';
import { describeConnectError, describeUnexpectedResponse } from '../errors';
import { describeRedirect, upgradeAnswerProblem } from '../handshake';
import { redactProxy } from '../proxy';
import { describeTlsError } from '../tls';
import { hostOf, hostPort, parseUrl } from '../url';

/* The WebSocket transport's sentences, and small readers of `ws`'s objects. */

/** Largest refusal body kept, in bytes. */
const MAX_ERROR_BODY = 64 * 1024;

/** The sentence shown for a close, naming the code and who closed. */
export function describeClose(code: number, reason: string, byClient: boolean): string {
  if (code === 1006) {
    return 'The connection dropped without a close frame (1006 Abnormal Closure): the server or network went away.';
  }
  const who = byClient ? 'You closed the connection' : 'The server closed the connection';
  return `${who}: ${closeCodeName(code)}${reason ? ` "${reason}"` : ''}.`;
}

/** The sentence for a connection that failed before the upgrade answer: TLS first, then the proxy, then the rest. */
export function describeFailure(err: Error, url: string, proxy: string | undefined): string {
  const where = hostPort(url);
  const tls = describeTlsError(err, where);
  if (tls) return tls;
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (proxy && (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN')) {
    const shown = redactProxy(proxy);
    const proxyPort = Number(parseUrl(proxy)?.port || 80);
    if (e.code !== 'ECONNREFUSED' || e.port === proxyPort) {
      return `Could not reach the proxy ${shown} (${e.code}). Check the proxy setting (http.proxy), or list ${parseUrl(url)?.hostname ?? 'the host'} in NO_PROXY to connect directly.`;
    }
  }
  return describeConnectError(err, url);
}

/** The sentence for an answer to the upgrade that is not 101. */
export function describeRefusal(res: IncomingMessage, body: string, url: string, proxy: string | undefined): string {
  const status = res.statusCode ?? 0;
  const statusText = res.statusMessage ?? '';
  // A 101 that Node did not take for an upgrade: say which header is wrong.
  if (status === 101)
    return (
      upgradeAnswerProblem(res.headers, undefined, hostPort(url)) ??
      describeUnexpectedResponse(status, statusText, body, url)
    );
  const location = res.headers.location;
  if (status >= 300 && status < 400 && location) {
    let resolved = location;
    try {
      resolved = new URL(location, url).href;
    } catch {
      // Shown as sent.
    }
    return describeRedirect(status, statusText, resolved, hostPort(url));
  }
  if (status === 407 && proxy) {
    return `The proxy ${redactProxy(proxy)} asks for credentials (407 Proxy Authentication Required). Put them in the proxy URL (http://user:password@host:port).`;
  }
  return describeUnexpectedResponse(status, statusText, body, url);
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

export function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    const done = () => resolve(Buffer.concat(parts).toString('utf8'));
    res.on('data', (chunk: Buffer) => {
      if (size < MAX_ERROR_BODY) parts.push(chunk.subarray(0, MAX_ERROR_BODY - size));
      size += chunk.length;
    });
    res.on('end', done);
    res.on('error', done);
    res.on('close', done);
    setTimeout(done, 2000).unref();
  });
}

/** What `ws`'s receiver was reading when it raised an error: its fields are internal, so each is checked. */
export function receiverView(socket: WebSocket): { opcode?: number; payloadLength?: number; deflate: boolean } {
  const r = (socket as unknown as { _receiver?: { _opcode?: unknown; _payloadLength?: unknown } })._receiver;
  return {
    opcode: typeof r?._opcode === 'number' ? r._opcode : undefined,
    payloadLength: typeof r?._payloadLength === 'number' ? r._payloadLength : undefined,
    deflate: /permessage-deflate/.test(socket.extensions),
  };
}

/** A subprotocol name is one HTTP token (RFC 6455 §4.1, RFC 7230 §3.2.6). */
const SUBPROTOCOL_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why `name` cannot be offered as a subprotocol, or undefined when it can. */
export function subprotocolNameProblem(name: string): string | undefined {
  return SUBPROTOCOL_TOKEN.test(name)
    ? undefined
    : `the subprotocol "${name}" is not a valid name: a subprotocol is one token of letters, digits and !#$%&'*+-.^_\`|~, without spaces, quotes, commas or slashes (RFC 6455 §4.1)`;
}

/** Why these subprotocols cannot be offered (a name that is not a token, or one offered twice), or undefined. */
export function subprotocolsProblem(protocols: readonly string[]): string | undefined {
  for (const p of protocols) {
    const problem = subprotocolNameProblem(p);
    if (problem) return problem;
  }
  const twice = protocols.find((p, i) => protocols.indexOf(p) !== i);
  return twice === undefined
    ? undefined
    : `the subprotocol "${twice}" is offered twice; offer each once (RFC 6455 §4.1)`;
}

/** The sentence for a server that chose a subprotocol the client did not offer (RFC 6455 §4.1). */
export function describeSubprotocolRefusal(info: HandshakeInfo, offered: readonly string[]): string {
  const chosen = info.response?.headers.find((h) => /^sec-websocket-protocol$/i.test(h.name))?.value;
  return `The server at ${hostOf(info.finalUrl)} chose the subprotocol ${chosen ? `"${chosen}"` : '(none)'}, which was not offered (offered: ${offered.length ? offered.map((p) => `"${p}"`).join(', ') : 'none'}), so the connection was refused.`;
}

/**
 * How a connection ended, as a sentence, and which close frame to show: the one the inspector sent
 * for a violation, the server's answer to the user's close (none when it never came: a note instead),
 * or the close that ended it.
 */
export function describeEnd(
  code: number,
  reason: string,
  byClient: boolean,
  how: { violation?: Violation; sent?: { code: number; reason: string }; answered: boolean },
): { message: string; row?: Side } {
  const { violation, sent, answered } = how;
  if (violation)
    return {
      message: `The server sent ${violation.what}, so the inspector closed the connection with ${closeCodeName(code)}.`,
      row: 'sent',
    };
  if (sent && answered) return { message: describeClose(code, reason, true), row: 'received' };
  if (sent) {
    const yours = `You closed the connection with ${closeCodeName(sent.code)}${sent.reason ? ` "${sent.reason}"` : ''}`;
    return {
      message: `${yours}, and the server did not answer the close within ${CLOSE_TIMEOUT_MS / 1000} s; the connection was dropped (1006, RFC 6455 §7.1.5).`,
    };
  }
  return { message: describeClose(code, reason, byClient), row: byClient ? 'sent' : 'received' };
}
