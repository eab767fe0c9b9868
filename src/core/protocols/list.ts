import { graphqlTransportWs, graphqlWsLegacy } from './graphql';
import type { Protocol } from './protocol';
import { mqtt, mqtt5 } from './mqtt';
import { socketIo } from './socketio';
import { sockJs, stomp } from './stomp';

/** Every protocol the inspector recognises, in the order detection tries them. */
export const PROTOCOLS: readonly Protocol[] = [socketIo, graphqlTransportWs, graphqlWsLegacy, stomp, sockJs, mqtt, mqtt5];
