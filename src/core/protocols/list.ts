import { actionCable } from './actioncable';
import { graphqlTransportWs, graphqlWsLegacy } from './graphql';
import type { Protocol } from './protocol';
import { signalr } from './signalr';
import { socketIo } from './socketio';
import { wamp } from './wamp';

/** Every protocol the inspector recognises, in the order detection tries them. */
export const PROTOCOLS: readonly Protocol[] = [
  socketIo,
  graphqlTransportWs,
  graphqlWsLegacy,
  signalr,
  actionCable,
  wamp,
];
