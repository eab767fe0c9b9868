export * from './protocol';
export * from './socketio';
export * from './graphql';
export { PROTOCOLS } from './list';
export { openConnection, PROTOCOL_CHOICES, protocolIds, type ConnectionRecipe, type OpenedConnection } from './open';
export * from './signalr';
export * from './actioncable';
export * from './wamp';
export { passiveSession } from './passive';
