import type { EarlyMessage, Endpoint, Protocol } from '../protocol';
import { SIGNALR_ACTIONS } from './compose';
import { signalrDecoder } from './decoder';
import { signalrNegotiate } from './negotiate';
import { signalrPeer } from './serve';
import { SignalrSession, type SignalrSettings } from './session';

export { SIGNALR_ACTIONS, composeSignalr } from './compose';
export { signalrDecoder } from './decoder';
export * from './records';
export { signalrPeer } from './serve';
export * from './session';

/** The handshake request, or a typed record, ended by 0x1E: what a SignalR JSON connection starts with. */
function speaks(first: readonly EarlyMessage[]): boolean {
  return first.some(
    (m) =>
      m.kind === 'text' &&
      m.payload.length > 2 &&
      m.payload[0] === 0x7b &&
      m.payload[m.payload.length - 1] === 0x1e &&
      (m.payload.includes('"protocol":"json"') || m.payload.includes('"type":')),
  );
}

/**
 * An http(s) hub URL is negotiated first, as @microsoft/signalr does (POST …/negotiate, then the
 * WebSocket with `?id=` the connection token; src/core/protocols/signalr/negotiate.ts), on each
 * open; a ws(s) URL opens as it is, as the client does with `skipNegotiation: true`. The
 * `negotiate` setting overrides either.
 */
function endpoint(input: string, settings: Partial<SignalrSettings>): Endpoint<SignalrSettings> | { error: string } {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return { error: `"${input}" is not a URL. A SignalR hub looks like ws://localhost:5000/chathub.` };
  }
  const ws = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[url.protocol.toLowerCase()];
  if (!ws)
    return {
      error: `A SignalR hub URL starts with ws://, wss://, http:// or https://; this one starts with ${url.protocol}.`,
    };
  const negotiate = settings.negotiate ?? (url.protocol === 'http:' || url.protocol === 'https:');
  url.protocol = ws;
  return { url: url.href, settings: { ...settings }, ...(negotiate ? { prepare: signalrNegotiate(url.href) } : {}) };
}

/** The SignalR JSON hub protocol (ASP.NET Core SignalR), over WebSockets (negotiated for http(s) hub URLs). */
export const signalr: Protocol<SignalrSettings, SignalrSession> = {
  id: 'signalr',
  label: 'SignalR (JSON hub protocol)',
  detect: { subprotocols: [], url: () => false, messages: speaks },
  endpoint: (input, settings = {}) => endpoint(input, settings),
  decoder: () => signalrDecoder(),
  attach: (transport, settings) => new SignalrSession(transport, settings),
  actions: SIGNALR_ACTIONS,
  serve: () => signalrPeer(),
};
