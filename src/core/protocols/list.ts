import { actionCable } from './actioncable';
import { graphqlTransportWs, graphqlWsLegacy } from './graphql';
import { mqtt, mqtt5 } from './mqtt';
import type { Protocol } from './protocol';
import { signalr } from './signalr';
import { socketIo } from './socketio';
import { sockJs, stomp } from './stomp';
import { wamp } from './wamp';

/** Every protocol the inspector recognises, in the order detection tries them. */
export const PROTOCOLS: readonly Protocol[] = [
  socketIo,
  graphqlTransportWs,
  graphqlWsLegacy,
  stomp,
  sockJs,
  mqtt,
  mqtt5,
  signalr,
  actionCable,
  wamp,
];
