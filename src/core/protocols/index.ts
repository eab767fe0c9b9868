export * from './protocol';
export * from './socketio';
export * from './graphql';
export * from './stomp';
export * from './mqtt';
export { PROTOCOLS } from './list';
export { openConnection, PROTOCOL_CHOICES, protocolIds, type ConnectionRecipe, type OpenedConnection } from './open';
export { protocolForUrl, unknownProtocolPatterns } from './byUrl';
