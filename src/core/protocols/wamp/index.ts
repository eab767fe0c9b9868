import { passiveSession, viewEndpoint } from '../passive';
import type { EarlyMessage, Protocol } from '../protocol';
import { wampDecoder } from './decoder';

export { wampDecoder } from './decoder';
export * from './messages';

/** A HELLO: `[1, "realm", {` (the first message a WAMP client sends). */
const HELLO = /^\[\s*1\s*,\s*"[^"]*"\s*,\s*\{/;
const speaks = (first: readonly EarlyMessage[]): boolean =>
  first.some((m) => m.kind === 'text' && m.direction === 'sent' && HELLO.test(m.payload.subarray(0, 200).toString()));

/** WAMP v2 over JSON (Crossbar, autobahn, wampy), decoded view only. */
export const wamp: Protocol<Record<string, never>> = {
  id: 'wamp',
  label: 'WAMP v2 (JSON)',
  detect: { subprotocols: ['wamp.2.json'], url: () => false, messages: speaks },
  endpoint: (input) => viewEndpoint(input, 'A WAMP router', 'ws://localhost:8080/ws', ['wamp.2.json']),
  decoder: () => wampDecoder(),
  attach: (transport) => passiveSession('wamp', transport),
};
