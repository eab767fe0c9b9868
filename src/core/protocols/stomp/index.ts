import type { EarlyMessage, Endpoint, Protocol } from '../protocol';
import { STOMP_ACTIONS } from './actions';
import { sockJsDecoder, stompDecoder } from './decoder';
import { VERSIONS, versionOfSubprotocol, type StompVersion } from './frames';
import { passiveSession } from '../passive';
import { STOMP_SUBPROTOCOLS, stompServerPeer } from './serve';
import { isSockJsUrl, sockJsWebSocketUrl } from './sockjs';
import { StompSession, type StompSettings } from './session';

export { STOMP_ACTIONS } from './actions';
export { sockJsDecoder, stompDecoder } from './decoder';
export * from './frames';
export { STOMP_SUBPROTOCOLS, stompServerPeer } from './serve';
export * from './sockjs';
export * from './session';

/** A client's CONNECT or a server's CONNECTED, plain or inside SockJS framing (`["CONNECT\n…`, `a["CONNECTED\n…`). */
const OPENINGS = ['CONNECT\n', 'CONNECT\r\n', 'STOMP\n', 'STOMP\r\n', 'CONNECTED\n', 'CONNECTED\r\n'];
const WRAPPED = ['["CONNECT\\n', '["CONNECT\\r\\n', '["STOMP\\n', 'a["CONNECTED\\n', 'a["CONNECTED\\r\\n'];

function speaksStomp(first: readonly EarlyMessage[]): boolean {
  return first.some((m) => {
    const head = m.payload.toString('latin1', 0, 16);
    return OPENINGS.some((o) => head.startsWith(o)) || WRAPPED.some((o) => head.startsWith(o));
  });
}

function parse(input: string, what: string): URL | { error: string } {
  try {
    return new URL(input.trim());
  } catch {
    return {
      error: `"${input}" is not a URL. A ${what} endpoint looks like ws://localhost:15674/ws or http://localhost:8080/stomp.`,
    };
  }
}

/**
 * STOMP 1.0–1.2 over WebSocket (ws://, wss://, offering v12.stomp, v11.stomp, v10.stomp), or over
 * SockJS for the http(s) URL a SockJS client is given (`new SockJS('http://host/stomp')`) and for a
 * SockJS WebSocket URL (`…/123/abcdef/websocket`, as recorded).
 */
export const stomp: Protocol<StompSettings, StompSession> = {
  id: 'stomp',
  label: 'STOMP',
  detect: { subprotocols: [...STOMP_SUBPROTOCOLS], url: () => false, messages: speaksStomp },
  endpoint(input, settings = {}): Endpoint<StompSettings> | { error: string } {
    const url = parse(input, 'STOMP');
    if ('error' in url) return url;
    const scheme = url.protocol.toLowerCase();
    if (scheme === 'http:' || scheme === 'https:')
      return { url: sockJsWebSocketUrl(url), settings: { ...settings, sockjs: true } };
    if (scheme !== 'ws:' && scheme !== 'wss:')
      return {
        error: `A STOMP endpoint starts with ws:// or wss:// (WebSocket) or http:// or https:// (SockJS); this one starts with ${url.protocol}`,
      };
    const sockjs = settings.sockjs ?? isSockJsUrl(url.href);
    if (sockjs)
      return { url: isSockJsUrl(url.href) ? url.href : sockJsWebSocketUrl(url), settings: { ...settings, sockjs } };
    const versions: readonly StompVersion[] = settings.versions ?? VERSIONS;
    const protocols = STOMP_SUBPROTOCOLS.filter((p) => versions.includes(versionOfSubprotocol(p) as StompVersion));
    return { url: url.href, protocols, settings: { ...settings, sockjs: false } };
  },
  decoder: (facts) =>
    isSockJsUrl(facts?.url)
      ? sockJsDecoder('stomp', versionOfSubprotocol(facts?.subprotocol))
      : stompDecoder(versionOfSubprotocol(facts?.subprotocol)),
  attach: (transport, settings) =>
    new StompSession(transport, { ...settings, sockjs: settings.sockjs ?? isSockJsUrl(transport.options.url) }),
  actions: STOMP_ACTIONS,
  serve: stompServerPeer,
};

/** SockJS' WebSocket framing, view only (`o`, `h`, `a[…]`, `c[…]`), with STOMP inside read as STOMP. */
export const sockJs: Protocol<Record<string, never>> = {
  id: 'sockjs',
  label: 'SockJS',
  detect: {
    subprotocols: [],
    url: (u) => isSockJsUrl(u.href),
    messages: (first) =>
      first.some((m) => m.direction === 'received' && m.payload.length === 1 && m.payload[0] === 0x6f),
  },
  endpoint(input) {
    const url = parse(input, 'SockJS');
    if ('error' in url) return url;
    const scheme = url.protocol.toLowerCase();
    if (scheme === 'http:' || scheme === 'https:') return { url: sockJsWebSocketUrl(url), settings: {} };
    if (scheme === 'ws:' || scheme === 'wss:') return { url: url.href, settings: {} };
    return {
      error: `A SockJS endpoint starts with http://, https://, ws:// or wss://; this one starts with ${url.protocol}`,
    };
  },
  decoder: () => sockJsDecoder('sockjs'),
  attach: (transport) => passiveSession('sockjs', transport),
  serve: () => ({ greet: () => [{ kind: 'text', payload: Buffer.from('o') }], answer: () => undefined }),
};
