import { passiveSession, viewEndpoint } from '../passive';
import type { EarlyMessage, Protocol } from '../protocol';
import { actionCableDecoder } from './decoder';

export { actionCableDecoder } from './decoder';

/** What Rails' client offers; the server picks the first. */
export const ACTION_CABLE_SUBPROTOCOLS = ['actioncable-v1-json', 'actioncable-unsupported'];

const speaks = (first: readonly EarlyMessage[]): boolean =>
  first.some((m) => m.kind === 'text' && m.payload.subarray(0, 17).toString() === '{"type":"welcome"');

/** Action Cable (Rails), decoded view only. */
export const actionCable: Protocol<Record<string, never>> = {
  id: 'actioncable',
  label: 'Action Cable',
  detect: { subprotocols: ['actioncable-v1-json'], url: () => false, messages: speaks },
  endpoint: (input) => viewEndpoint(input, 'An Action Cable', 'ws://localhost:3000/cable', ACTION_CABLE_SUBPROTOCOLS),
  decoder: () => actionCableDecoder(),
  attach: (transport) => passiveSession('actioncable', transport),
};
