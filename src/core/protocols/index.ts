import { graphqlTransportWs, graphqlWsLegacy } from './graphql';
import type { Protocol } from './protocol';
import { socketIo } from './socketio';

export * from './protocol';
export * from './socketio';
export * from './graphql';

/** Every protocol the inspector speaks, in the order detection tries them. */
export const PROTOCOLS: readonly Protocol[] = [socketIo, graphqlTransportWs, graphqlWsLegacy];
